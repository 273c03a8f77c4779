import Foundation
import MemtopSampling
import Testing

@testable import MemtopCore
@testable import MemtopSystem

#if canImport(Glibc)
import Glibc
#endif

/// Memory by kind on real processes: the kinds the walk finds, and that they add up to the
/// resident size `smaps` and `status` give.
@Suite("memory by kind on real processes", .serialized)
struct RegionWalkTests {
  /// Eight threads, each `malloc`ing 2,048 blocks of 2 KiB (below the mmap threshold, so in
  /// its own arena) and touching them; the main thread then says `ready` and waits.
  static let threadsProgram = """
    #include <pthread.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>
    static pthread_barrier_t done;
    static void *work(void *arg) {
      (void)arg;
      for (int i = 0; i < 2048; i++) { char *p = malloc(2048); memset(p, i, 2048); }
      pthread_barrier_wait(&done);
      for (;;) pause();
      return NULL;
    }
    int main(void) {
      pthread_barrier_init(&done, NULL, 9);
      pthread_t t[8];
      for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, work, NULL);
      pthread_barrier_wait(&done);
      printf("ready\\n");
      fflush(stdout);
      char c;
      while (read(0, &c, 1) > 0) {}
      return 0;
    }
    """

  /// 8 MiB of a memfd and 4 MiB of a `/dev/shm` file, mapped shared and written; a 4 MiB data
  /// file (argument 1) mapped and read; 2 MiB of anonymous memory named `memtop-named` (where
  /// the kernel has `CONFIG_ANON_VMA_NAME`; it says `named 1` then).
  static let sharedProgram = """
    #define _GNU_SOURCE
    #include <fcntl.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/mman.h>
    #include <sys/prctl.h>
    #include <unistd.h>
    #ifndef PR_SET_VMA
    #define PR_SET_VMA 0x53564d41
    #define PR_SET_VMA_ANON_NAME 0
    #endif
    int main(int argc, char **argv) {
      if (argc < 3) return 2;
      int mfd = memfd_create("memtop-test", 0);
      if (mfd < 0 || ftruncate(mfd, 8 << 20) != 0) return 3;
      char *m = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
      if (m == MAP_FAILED) return 4;
      memset(m, 1, 8 << 20);
      int sfd = shm_open(argv[2], O_CREAT | O_RDWR, 0600);
      if (sfd < 0 || ftruncate(sfd, 4 << 20) != 0) return 5;
      char *s = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
      if (s == MAP_FAILED) return 6;
      memset(s, 2, 4 << 20);
      shm_unlink(argv[2]);
      int dfd = open(argv[1], O_RDONLY);
      if (dfd < 0) return 7;
      volatile char *d = mmap(NULL, 4 << 20, PROT_READ, MAP_PRIVATE, dfd, 0);
      if (d == MAP_FAILED) return 8;
      long sum = 0;
      for (long i = 0; i < (4 << 20); i += 4096) sum += d[i];
      char *n = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (n == MAP_FAILED) return 9;
      memset(n, 3, 2 << 20);
      int named = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)n, 2 << 20, "memtop-named") == 0;
      printf("sum %ld named %d\\nready\\n", sum, named);
      fflush(stdout);
      char c;
      while (read(0, &c, 1) > 0) {}
      return 0;
    }
    """

  /// Reads the walk, `smaps` and `status` of `pid` close together and checks that the kinds add
  /// up to both resident sizes within 1 %; returns the walk's reading. A process that is busy
  /// (memtop's own) moves between the reads, and `VmRSS` is approximate (per-CPU counters):
  /// up to five tries, the last one judged.
  @discardableResult
  static func checkSum(pid: Int32, useIoctls: Bool = true) throws -> RegionReading {
    let handle = try ProcessHandle(pid: pid, useHeapIoctls: useIoctls)
    var regions = RegionReading()
    var total = 0.0
    var smapsRss = 0.0
    var vmRSS = 0.0
    for _ in 0..<5 {
      if useIoctls {
        try #require(handle.heapSource == .ioctl, "this kernel lacks PROCMAP_QUERY/PAGEMAP_SCAN")
        regions = try handle.readRegions().regions
      } else {
        regions = try handle.readSmaps().regions
      }
      let smaps = try handle.readSmaps()
      let status = try handle.readStatus()
      total = Double(regions.bytes.total)
      smapsRss = Double(smaps.totals.rss)
      vmRSS = Double(status.vmRSS ?? 0)
      if abs(total - smapsRss) <= 0.01 * smapsRss && abs(total - vmRSS) <= 0.01 * vmRSS { break }
      usleep(200_000)
    }
    #expect(total > 0)
    #expect(abs(total - smapsRss) <= 0.01 * smapsRss, "kinds \(regions.bytes) = \(total), smaps Rss \(smapsRss)")
    #expect(abs(total - vmRSS) <= 0.01 * vmRSS, "kinds \(regions.bytes) = \(total), VmRSS \(vmRSS)")
    return regions
  }

  @Test("8 threads malloc'ing: arenas and stacks found, kinds add up to RSS")
  func threads() throws {
    let program = try CProgram(source: Self.threadsProgram)
    defer { program.stop() }
    try program.waitUntilReady()
    let regions = try Self.checkSum(pid: program.pid)
    #expect(regions.bytes.mallocArenas >= 8 * 2048 * 2048)
    #expect(regions.arenas >= 4, "arenas: \(regions.arenas)")
    #expect(regions.threadStacks >= 8, "stacks: \(regions.threadStacks)")
    #expect(regions.bytes.threadStacks > 0)
    #expect(regions.bytes.file > 0)
    // The program is idle now: the walk and smaps see exactly the same pages. (khugepaged may
    // still collapse a range into a huge page between two reads: a few tries.)
    let handle = try ProcessHandle(pid: program.pid)
    var walked: UInt64 = 0
    var summed: UInt64 = 1
    for _ in 0..<5 where walked != summed {
      walked = try handle.readRegions().regions.bytes.total
      summed = try handle.readSmaps().totals.rss
    }
    #expect(walked == summed)
    // The smaps fallback classifies by the same rules.
    let fallback = try Self.checkSum(pid: program.pid, useIoctls: false)
    #expect(fallback.arenas == regions.arenas)
    #expect(fallback.threadStacks == regions.threadStacks)
  }

  @Test("a Python process: kinds add up to RSS")
  func python() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("objs = [str(i) * 20 for i in range(300000)]")
    let regions = try Self.checkSum(pid: child.pid)
    #expect(regions.bytes.otherAnon > 10 << 20)
    #expect(regions.bytes.file > 0)
    #expect(regions.topFiles.contains { $0.text.contains("python") || $0.text.contains("libc") })
  }

  @Test("memtop's own process: kinds add up to RSS")
  func ownProcess() throws {
    let regions = try Self.checkSum(pid: getpid())
    #expect(regions.threadStacks >= 1)
    #expect(regions.bytes.file > 0)
  }

  @Test("memfd and /dev/shm count as shmem, a mapped data file as file")
  func sharedAndFile() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-regions-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = folder.appendingPathComponent("data.bin")
    try Data(repeating: 7, count: 4 << 20).write(to: data)
    let program = try CProgram(source: Self.sharedProgram, arguments: [data.path, "/memtop-test-\(getpid())"])
    defer { program.stop() }
    let said = try program.waitUntilReady()
    let regions = try Self.checkSum(pid: program.pid)
    if said.contains("named 1") {
      #expect(regions.topNamedAnon.first { $0.text == "memtop-named" }?.bytes == 2 << 20)
      #expect(regions.bytes.otherAnon >= 2 << 20)
    } else {
      // A kernel without CONFIG_ANON_VMA_NAME refuses the name: nothing named to find.
      #expect(regions.topNamedAnon.isEmpty)
    }
    #expect(regions.bytes.shmem >= 12 << 20)
    #expect(regions.bytes.file >= 4 << 20)
    #expect(regions.topFiles.first { $0.text == data.path }?.bytes == 4 << 20)
    #expect(regions.topShared.first?.text == "/memfd:memtop-test (deleted)")
    #expect(regions.topShared.first?.bytes == 8 << 20)
    #expect(!regions.topFiles.contains { $0.text.hasPrefix("/memfd:") })
    let fallback = try Self.checkSum(pid: program.pid, useIoctls: false)
    #expect(fallback.bytes == regions.bytes)
  }

  @Test("the sampler fills the kinds, threads and descriptors, and keeps the latest detail")
  func sampler() throws {
    let program = try CProgram(source: Self.threadsProgram)
    defer { program.stop() }
    try program.waitUntilReady()
    let handle = try ProcessHandle(pid: program.pid)
    let sampler = Sampler(
      handle: handle, clock: SystemClock(), detailBudget: 1, startMonotonic: Syscalls.monotonicSeconds())
    guard case .sample(let sample) = sampler.sample() else { throw CocoaError(.fileReadUnknown) }
    for kind in RegionKind.allCases { #expect(sample[Metric(region: kind)] != nil, "\(kind)") }
    #expect((sample.regionMallocArenas ?? 0) > 0)
    #expect(sample.threads == 9)
    // stdin, stdout, stderr at least; the exact number depends on what the runner passes down.
    #expect((sample.fds ?? 0) >= 3)
    let total = Metric.regions.reduce(UInt64(0)) { $0 + (sample[$1] ?? 0) }
    #expect(sampler.latestRegions?.bytes.total == total)
    #expect((sampler.latestRegions?.arenas ?? 0) >= 4)
  }

  @Test("descriptors are counted exactly")
  func descriptors() throws {
    let handle = try ProcessHandle(pid: getpid())
    let before = try handle.countFileDescriptors()
    var opened: [Int32] = []
    for _ in 0..<50 { opened.append(open("/dev/null", O_RDONLY | O_CLOEXEC)) }
    let during = try handle.countFileDescriptors()
    for fd in opened { close(fd) }
    // Other threads of the test runner may open or close a few meanwhile.
    #expect(abs(during - before - 50) <= 5, "before \(before), during \(during)")
    // Another user's process: RecordErrorTests "a process whose smaps may not be read…" (root
    // reads every fd directory, so it runs memtop as another user).
  }
}
