// O_PATH is a GNU extension of <fcntl.h>.
#define _GNU_SOURCE

#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// MARK: Landlock

// The uapi header here stops at ABI 2: the later rights and fields are spelled out, as the kernel defines them.
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)      // ABI 2
#define LL_FS_TRUNCATE (1ULL << 14)   // ABI 3
#define LL_FS_IOCTL_DEV (1ULL << 15)  // ABI 5
#define LL_NET_BIND_TCP (1ULL << 0)   // ABI 4
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)  // ABI 6
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_RULE_PATH_BENEATH 1
#define LL_CREATE_RULESET_VERSION (1U << 0)

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int intake_landlock_abi(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : (int)abi;
}

int intake_no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : errno;
}

// Grants `access` (masked to what the ruleset handles) beneath `path`. A path that does not exist is skipped:
// the system folders differ between distributions (/lib64 is absent on aarch64), and a blob folder not yet made
// holds nothing to read.
static int allow_beneath(int ruleset, const char *path, uint64_t access, uint64_t handled) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : errno;
    struct ll_path_beneath_attr rule = {.allowed_access = access & handled, .parent_fd = fd};
    // A file (a dlib model) takes only file rights: folder rights on it are EINVAL.
    long result = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
    int failure = result == 0 ? 0 : errno;
    if (failure == EINVAL) {
        rule.allowed_access &= LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
        failure = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0) == 0 ? 0 : errno;
    }
    close(fd);
    return failure;
}

int intake_landlock_restrict(int abi, const char *const *readable, size_t read_count,
                             const char *const *writable, size_t write_count) {
    uint64_t fs = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_READ_DIR | LL_FS_REMOVE_DIR |
                  LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK |
                  LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM;
    if (abi >= 2) fs |= LL_FS_REFER;
    if (abi >= 3) fs |= LL_FS_TRUNCATE;
    if (abi >= 5) fs |= LL_FS_IOCTL_DEV;
    struct ll_ruleset_attr attr = {.handled_access_fs = fs};
    // The struct grew with the ABI: an older kernel refuses a size it does not know.
    size_t size = sizeof(uint64_t);
    if (abi >= 4) {
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
        size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
        size = sizeof(attr);
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return errno;
    int failure = 0;
    uint64_t read = LL_FS_READ_FILE | LL_FS_READ_DIR;
    for (size_t index = 0; failure == 0 && index < read_count; index++) {
        failure = allow_beneath(ruleset, readable[index], read, fs);
    }
    // Everything but devices and running files: split outputs and archive entries are written, truncated, removed.
    uint64_t write = fs & ~(LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK | LL_FS_EXECUTE);
    for (size_t index = 0; failure == 0 && index < write_count; index++) {
        failure = allow_beneath(ruleset, writable[index], write, fs);
    }
    if (failure == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) failure = errno;
    close(ruleset);
    return failure;
}

int intake_close_inherited(void) {
    return syscall(SYS_close_range, 3, ~0U, 0) == 0 ? 0 : errno;
}

// MARK: seccomp

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "the inspector's seccomp filter knows x86_64 and aarch64 only"
#endif

// Measured with `strace -f` over the test corpus (every PDF of scripts/make-corpus.sh, the JPEG fixtures with the
// MediaPipe model, the hostile inputs of scripts/make-hostile.py), counting what the child's tasks call after
// seccomp() (`strace -f -c` over the whole run adds the worker's and the child's setup): brk, clock_nanosleep,
// clone3, close, exit_group, futex, getpid, getppid, gettid, mmap, mprotect, munmap, newfstatat, openat, prctl,
// prlimit64, read, rseq, rt_sigaction, rt_sigprocmask, set_robust_list, write. No call failed with EPERM or EACCES.
// None of the calls below is among them, so the filter is a deny list: an allow list that exact would turn
// every glibc or library update that picks a new call into a killed child.
//
// Killed (SECCOMP_RET_KILL_PROCESS): calls no parser has a reason to make, whose only use is an attack. The
// worker sees SIGSYS and reports the inspector unavailable, never a finding on the file (IsolatedInspector).
static const int killed[] = {
    SYS_execve, SYS_execveat,                              // run another program
    SYS_connect, SYS_bind, SYS_listen, SYS_accept, SYS_accept4,  // need a socket, which socket() refuses
    SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_pidfd_getfd,  // reach into other processes
    SYS_mount, SYS_umount2, SYS_pivot_root, SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsconfig,
    SYS_fsmount, SYS_fspick, SYS_mount_setattr,            // change what the file system looks like
    SYS_keyctl, SYS_add_key, SYS_request_key,              // the kernel keyrings: the worker's secrets
    SYS_bpf,                                               // load programs into the kernel
    SYS_kexec_load, SYS_init_module, SYS_finit_module, SYS_delete_module,
};

// Refused with EPERM: calls a library may probe and then do without. glibc's syslog and NSS try socket() and
// fall back; OpenCV and the Swift runtime may try perf_event_open for profiling counters; nothing needs a new
// namespace (unshare/setns would let the child make a user namespace and gain capabilities in it); io_uring
// would carry network and file operations past this filter, so it is refused outright.
static const int refused[] = {
    SYS_socket, SYS_socketpair, SYS_perf_event_open, SYS_unshare, SYS_setns, SYS_userfaultfd,
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))
#define JUMP_TO(target, from) ((uint8_t)((target) - (from)-1))

int intake_seccomp_install(void) {
    // arch check (3), load nr (1), the x32 check (1), one test per call, then ALLOW, KILL and EPERM.
    struct sock_filter program[5 + COUNT(killed) + COUNT(refused) + 3];
    size_t at = 0;
    const size_t allow = 5 + COUNT(killed) + COUNT(refused), kill_at = allow + 1, eperm_at = allow + 2;
    program[at++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    // A call made under another ABI (i386 through int 0x80, AArch32) has other numbers: kill it.
    program[at++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0);
    program[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    program[at++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    // x32 calls are x86_64's own arch with bit 30 set in the number, a second table the lists do not cover.
    // (On aarch64 no number reaches it; the test stays so that the program has one shape.)
    program[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, JUMP_TO(kill_at, at), 0);
    at++;
    for (size_t index = 0; index < COUNT(killed); index++, at++) {
        program[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, killed[index], JUMP_TO(kill_at, at), 0);
    }
    for (size_t index = 0; index < COUNT(refused); index++, at++) {
        program[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, refused[index], JUMP_TO(eperm_at, at), 0);
    }
    program[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    program[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
    struct sock_fprog filter = {.len = (unsigned short)at, .filter = program};
    // TSYNC: every thread already running (the orphan watch, library pools) gets the filter too, or fails the call.
    long result = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &filter);
    if (result < 0) return errno;
    // A positive answer is the id of a thread that could not be synchronised.
    return result == 0 ? 0 : ESRCH;
}
