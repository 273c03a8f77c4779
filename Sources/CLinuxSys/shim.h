#ifndef MEMTOP_CLINUXSYS_SHIM_H
#define MEMTOP_CLINUXSYS_SHIM_H

#include <sys/ioctl.h>

/* Swift cannot call variadic C functions: a fixed-signature wrapper for ioctl(2) with a
 * pointer argument. Only Sources/MemtopCore/ProcFS/Syscalls.swift uses it. */
static inline int memtop_ioctl_ptr(int fd, unsigned long request, void *argument) {
  return ioctl(fd, request, argument);
}

#endif
