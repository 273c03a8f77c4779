#ifndef MEMTOP_CLINUXSYS_SHIM_H
#define MEMTOP_CLINUXSYS_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* Swift cannot call variadic C functions: a fixed-signature wrapper for ioctl(2) with a
 * pointer argument. Only Sources/MemtopCore/ProcFS/Syscalls.swift uses it. */
static inline int memtop_ioctl_ptr(int fd, unsigned long request, void *argument) {
  return ioctl(fd, request, argument);
}

/* getdents64(2) without the variadic syscall(2): fills `buffer` with `struct linux_dirent64`
 * records. Only Syscalls.swift uses it. */
static inline long memtop_getdents64(int fd, void *buffer, unsigned long count) {
  return syscall(SYS_getdents64, fd, buffer, count);
}

/* Sets glibc's threshold above which allocations get their own mapping (and stop adapting it). */
static inline int memtop_set_mmap_threshold(int bytes) {
  return mallopt(M_MMAP_THRESHOLD, bytes);
}

/* Mirrors how `child` ended onto the calling process (a guard's last act). */
static inline void memtop_guard_mirror(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  int signo = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  signal(signo, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signo);
  sigprocmask(SIG_UNBLOCK, &only, NULL);
  raise(signo);
  _exit(128 + signo);
}

/* Starts `path` (already resolved against PATH) with `argv` and `envp` under a guard:
 *
 *   memtop ── guard (own process group, "memtop-guard") ── the program (same group)
 *
 * The guard exists so that a program's workers never outlive memtop, however memtop dies: the
 * kernel sends the guard SIGUSR1 when memtop dies (even by SIGKILL), and the guard then kills
 * the whole group. Otherwise the guard only waits for the program and ends the same way it
 * did (same exit status, or the same signal), so waiting for the guard tells how the program
 * ended. The program also dies (SIGKILL) if the guard does.
 *
 * `stdin_fd`, `stdout_fd`, `stderr_fd`: descriptors to install as 0, 1, 2, or -1 to keep
 * memtop's. Returns the guard's pid and stores the program's in `program_pid` once the program
 * has exec'd (so nothing sampled is a fork of memtop), or returns -1 with errno set to why the
 * exec failed (the guard is then reaped). Between fork and exec only async-signal-safe calls
 * are made. Call it from the main thread: the death signal follows the thread that forked.
 *
 * `outlive_seconds` > 0 is for a helper that must not be cut off mid-way (a debugger calling
 * into another process): when memtop dies the guard lets the program run on for up to that
 * many seconds, and kills the group only if it has not ended by then. */
static inline pid_t memtop_spawn(const char *path, char *const argv[], char *const envp[],
                                 int stdin_fd, int stdout_fd, int stderr_fd, int outlive_seconds,
                                 pid_t *program_pid) {
  int report[2], ids[2];
  if (pipe2(report, O_CLOEXEC) != 0) return -1;
  if (pipe2(ids, O_CLOEXEC) != 0) {
    close(report[0]);
    close(report[1]);
    return -1;
  }
  pid_t memtop = getpid();
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t guard = fork();
  if (guard == 0) {
    /* The guard: every signal stays blocked; it acts only on the ones it waits for. */
    close(report[0]);
    close(ids[0]);
    setpgid(0, 0);
    prctl(PR_SET_NAME, "memtop-guard");
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    if (getppid() != memtop) _exit(127); /* memtop died before the death signal was armed */
    pid_t guard_pid = getpid();
    pid_t program = fork();
    if (program == 0) {
      close(ids[1]);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != guard_pid) _exit(127);
      for (int signo = 1; signo < NSIG; signo++) {
        if (signo != SIGKILL && signo != SIGSTOP) signal(signo, SIG_DFL);
      }
      int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
      for (int target = 0; target < 3; target++) {
        if (fds[target] >= 0 && dup2(fds[target], target) < 0) goto failed;
      }
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      execve(path, argv, envp);
    failed:;
      int error = errno;
      while (write(report[1], &error, sizeof error) < 0 && errno == EINTR) {}
      _exit(127);
    }
    close(report[1]);
    if (program < 0) _exit(127);
    while (write(ids[1], &program, sizeof program) < 0 && errno == EINTR) {}
    close(ids[1]);
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGUSR1);
    sigaddset(&wanted, SIGCHLD);
    int orphaned = 0;
    struct timespec deadline = {0, 0};
    for (;;) {
      int status;
      pid_t done = waitpid(program, &status, WNOHANG);
      if (done == program) memtop_guard_mirror(status);
      if (done < 0 && errno != EINTR) _exit(127);
      siginfo_t info;
      if (!orphaned) {
        int signo = sigwaitinfo(&wanted, &info);
        if (signo != SIGUSR1 && getppid() == memtop) continue;
        if (outlive_seconds <= 0) {
          kill(-guard_pid, SIGKILL);
          _exit(128 + SIGKILL);
        }
        /* memtop is gone: the program may finish, within its time. */
        orphaned = 1;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += outlive_seconds;
        continue;
      }
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long long left = (long long)(deadline.tv_sec - now.tv_sec) * 1000000000LL + (deadline.tv_nsec - now.tv_nsec);
      if (left <= 0) {
        kill(-guard_pid, SIGKILL);
        _exit(128 + SIGKILL);
      }
      struct timespec wait = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
      sigtimedwait(&wanted, &info, &wait);
    }
  }
  int saved = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(report[1]);
  close(ids[1]);
  if (guard < 0) {
    close(report[0]);
    close(ids[0]);
    errno = saved;
    return -1;
  }
  setpgid(guard, guard);
  pid_t program = -1;
  ssize_t got;
  do { got = read(ids[0], &program, sizeof program); } while (got < 0 && errno == EINTR);
  close(ids[0]);
  int error = 0;
  do { got = read(report[0], &error, sizeof error); } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == (ssize_t)sizeof error || program <= 0) {
    int status;
    while (waitpid(guard, &status, 0) < 0 && errno == EINTR) {}
    errno = program <= 0 ? EAGAIN : error;
    return -1;
  }
  *program_pid = program;
  return guard;
}

/* Empties the directory open as `dir_fd` (files, sockets, links: nothing is followed) and
 * removes it at `path`. Only async-signal-safe calls. */
static inline void memtop_janitor_clean(int dir_fd, const char *path) {
  char buffer[4096];
  for (int round = 0; round < 64; round++) {
    if (lseek(dir_fd, 0, SEEK_SET) < 0) break;
    int removed = 0;
    for (;;) {
      long filled = syscall(SYS_getdents64, dir_fd, buffer, sizeof buffer);
      if (filled <= 0) break;
      for (long offset = 0; offset + 19 < filled;) {
        unsigned short length;
        __builtin_memcpy(&length, buffer + offset + 16, sizeof length);
        if (length == 0) break;
        const char *name = buffer + offset + 19;
        int dots = name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));
        if (!dots && unlinkat(dir_fd, name, 0) == 0) removed++;
        offset += length;
      }
    }
    if (removed == 0) break;
  }
  rmdir(path);
}

/* Starts memtop's janitor for a private directory (open as `dir_fd`, at `path`):
 *
 *   memtop ── janitor (own process group, "memtop-janitor")
 *
 * The kernel sends it SIGUSR1 when memtop dies, even by SIGKILL; it then empties and removes
 * the directory, so no socket or agent file is left behind. It keeps no descriptor of
 * memtop's but the directory's (a pipe memtop writes must see its end when memtop's does), has
 * every signal blocked, and sits in its own process group, so a signal to memtop's group does
 * not take it. memtop ends it with SIGKILL once it has removed the directory itself. Returns its
 * pid, or -1. Call it from the main thread: the death signal follows the thread that forked. */
static inline pid_t memtop_spawn_janitor(int dir_fd, const char *path) {
  pid_t memtop = getpid();
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t janitor = fork();
  if (janitor == 0) {
    setpgid(0, 0);
    prctl(PR_SET_NAME, "memtop-janitor");
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++) {
      if (null >= 0 && null != fd && fd != dir_fd) dup2(null, fd);
    }
#ifdef SYS_close_range
    int closed = (dir_fd <= 3 || syscall(SYS_close_range, 3U, (unsigned)dir_fd - 1, 0U) == 0) &&
                 syscall(SYS_close_range, (unsigned)dir_fd + 1, ~0U, 0U) == 0;
#else
    int closed = 0;
#endif
    if (!closed) {
      struct rlimit limit;
      int top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? (int)limit.rlim_cur : 65536;
      for (int fd = 3; fd < top; fd++) {
        if (fd != dir_fd) close(fd);
      }
    }
    if (getppid() == memtop) {
      sigset_t wanted;
      sigemptyset(&wanted);
      sigaddset(&wanted, SIGUSR1);
      struct timespec second = {1, 0};
      siginfo_t info;
      /* Woken by the death signal, or once a second to see whether memtop is still there. */
      while (sigtimedwait(&wanted, &info, &second) < 0 && getppid() == memtop) {}
    }
    memtop_janitor_clean(dir_fd, path);
    _exit(0);
  }
  int saved = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (janitor < 0) {
    errno = saved;
    return -1;
  }
  setpgid(janitor, janitor);
  return janitor;
}

#endif
