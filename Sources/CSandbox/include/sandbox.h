#ifndef INTAKE_SANDBOX_H
#define INTAKE_SANDBOX_H

// The inspector child's confinement: what Swift cannot do itself. prctl is variadic, the seccomp filter is a
// BPF program of macros, and Landlock has no glibc wrapper. Each call returns 0 or an errno value.

#include <stddef.h>

// The Landlock ABI the kernel answers (1 or later), or 0 when it has none (or it is disabled at boot).
int intake_landlock_abi(void);

// Sets PR_SET_NO_NEW_PRIVS: needed before an unprivileged seccomp filter or Landlock domain, and it keeps any later
// execve (already refused by the filter) from gaining privileges.
int intake_no_new_privs(void);

// Restricts the file system for this thread and those it starts later: read (files and folders) under each of the
// `read_count` paths in `readable`, anything under each of `writable`, nothing else. TCP bind and connect are
// refused (ABI 4), as are abstract UNIX sockets and signals outside the domain (ABI 6). `abi` is what
// intake_landlock_abi answered, at least 1.
int intake_landlock_restrict(int abi, const char *const *readable, size_t read_count,
                             const char *const *writable, size_t write_count);

// Closes every descriptor from 3 up: posix_spawn passes on whatever the worker holds without FD_CLOEXEC (its
// event loops' epoll descriptors and sockets were seen), and a confined child must hold none of them.
int intake_close_inherited(void);

// Installs the seccomp filter on every thread of the process (TSYNC). See sandbox.c for the syscall list.
int intake_seccomp_install(void);

#endif
