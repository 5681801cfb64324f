// SPDX-License-Identifier: Apache-2.0
/*
 * Seccomp allowlist for moatd-api (see sandbox.h). Anything not listed
 * kills the process; moatd then starts a fresh frontend. The reason for each
 * group is given beside it; SECURITY.md lists the same set.
 *
 * Notable refusals: no process creation (clone only with CLONE_THREAD, and
 * never with a CLONE_NEW* flag; clone3 answers ENOSYS so glibc falls back
 * to clone), no unshare/setns (no user namespaces for kernel attack
 * surface), no ptrace, no mount, no socket() (the frontend gets its
 * listening sockets from moatd), no keyctl, no bpf, no perf_event_open.
 */
#include "sandbox.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "cleanup.h"

/* clang-format off */
static const int allowed[] = {
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	/* descriptors and files (the database and its WAL, image files, /etc/os-release) */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close),
	SCMP_SYS(openat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(fcntl), SCMP_SYS(fsync),
	SCMP_SYS(fdatasync), SCMP_SYS(ftruncate), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
	SCMP_SYS(renameat), SCMP_SYS(mkdirat), SCMP_SYS(getdents64), SCMP_SYS(pipe2),
	SCMP_SYS(eventfd2),
	/* sqlite: a new WAL or -shm file whose mode the umask cut gets the database's mode */
	SCMP_SYS(fchmod),
	/* waiting */
	SCMP_SYS(poll), SCMP_SYS(futex), SCMP_SYS(clock_nanosleep),
	/* watching containers' init: a pidfd only observes (no pidfd_send_signal) */
	SCMP_SYS(pidfd_open),
	/* sockets it was handed: accept, talk, pass descriptors */
	SCMP_SYS(accept4), SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(shutdown), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
	/* file pull: libmicrohttpd sends a file it was handed with sendfile */
	SCMP_SYS(sendfile),
	/* threads, signals, exit; restart_syscall resumes a sleep after a stop
	 * (SIGSTOP, a debugger) */
	SCMP_SYS(restart_syscall), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* a fatal error's message (glibc writes it with writev) and abort()'s SIGABRT to itself */
	SCMP_SYS(writev), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	/* identity and time; the clocks are syscalls when the vDSO cannot serve them */
	SCMP_SYS(getpid), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(uname),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(getrandom),
	/* glibc's qsort of 1 KiB or more asks for the size of RAM once */
	SCMP_SYS(sysinfo),
	/* a storage pool's space and inodes: its filesystem's counters, nothing of the pool */
	SCMP_SYS(statfs),
};

/*
 * First stage only: from execveat to moatd-api's own filter, the dynamic
 * loader and libc start-up (ld.so.preload, the TLS base, the stack limit)
 * and the exec and the second filter themselves.
 */
static const int allowed_startup[] = {
	SCMP_SYS(execveat), SCMP_SYS(seccomp), SCMP_SYS(access), SCMP_SYS(arch_prctl),
	SCMP_SYS(set_tid_address), SCMP_SYS(prlimit64),
};
/* clang-format on */

#if defined(__SANITIZE_ADDRESS__)
/* ASan/UBSan builds only (make SAN=1): what the sanitizer runtime itself calls. */
static const int allowed_san[] = {
	/* /proc/self/maps and /proc/self/exe; an alternate stack per thread for its
	 * SEGV handler; thread stack lookup; spin locks yielding under contention */
	SCMP_SYS(open),        SCMP_SYS(readlink),
	SCMP_SYS(sigaltstack), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(sched_yield),
};
/* and for the forwarder, whose own list lacks what the frontend's has */
static const int allowed_san_fwd[] = {
	SCMP_SYS(madvise),        SCMP_SYS(mprotect), SCMP_SYS(gettid),
	SCMP_SYS(tgkill),         SCMP_SYS(writev),   SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(futex),    SCMP_SYS(newfstatat),
};

/*
 * And what it would call but must not need: deciding on colours, a
 * report asks whether stderr is a terminal (an ioctl the filter kills),
 * and the report was lost with the process. No colours, then.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__asan_default_options(void)
{
	return "color=never";
}
const char *__ubsan_default_options(void)
{
	return "color=never:print_stacktrace=1";
}
#endif

int sandbox_install(bool allow_exec)
{
	const scmp_datum_t clone_new = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
				       CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
	scmp_filter_ctx f;
	int r = 0;

	f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!f)
		return -ENOMEM;
	/* no_new_privs is set by moatd before the first stage and inherited */
	r = seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(allowed); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed[i], 0);
#if defined(__SANITIZE_ADDRESS__)
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(allowed_san); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed_san[i], 0);
#endif
	/* threads only: CLONE_THREAD set, no namespace flag (x86_64: flags are arg 0) */
	if (r == 0)
		r = seccomp_rule_add(
			f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, clone_new | CLONE_THREAD, CLONE_THREAD));
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* prctl: naming threads, reading the dumpable flag */
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME, 0));
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     SCMP_A0(SCMP_CMP_EQ, PR_GET_DUMPABLE, 0));
	/* ioctl: only setting the window size of an exec's pty master */
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, TIOCSWINSZ, 0));
	/* ...and making itself undumpable (never the reverse) */
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 2,
				     SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE, 0),
				     SCMP_A1(SCMP_CMP_EQ, 0, 0));
	/* first stage only: exec moatd-api, which then adds the second stage */
	for (size_t i = 0; r == 0 && allow_exec && i < ARRAY_SIZE(allowed_startup); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed_startup[i], 0);
	if (r == 0)
		r = seccomp_load(f);
	seccomp_release(f);
	return r;
}

/*
 * A proxy forwarder's, once it dropped to an unprivileged id: with
 * allow_exec, the first stage moatd's root half installs before it execs
 * moat-forward (privhelper/proxy_fwd.c: the loader's calls too); without,
 * moat-forward's own second stage (forward/main.c): copying between sockets it accepts and makes, a unix
 * target opened by openat2 only (to connect through /proc/self/fd), the
 * clock for its udp timeouts, memory and the exits. No open, exec, setns,
 * kill, ptrace or prctl; socket() for AF_INET, AF_INET6 and AF_UNIX only.
 */
int sandbox_install_forwarder(bool allow_exec)
{
	/* first stage only (moatd's root half): the exec of moat-forward and its loader */
	static const int startup[] = {
		SCMP_SYS(execveat),   SCMP_SYS(seccomp),         SCMP_SYS(access),
		SCMP_SYS(arch_prctl), SCMP_SYS(set_tid_address), SCMP_SYS(prlimit64),
		SCMP_SYS(openat),     SCMP_SYS(newfstatat),      SCMP_SYS(mprotect),
		SCMP_SYS(pread64),    SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
		SCMP_SYS(getrandom),  SCMP_SYS(prctl),           SCMP_SYS(futex),
	};
	static const int fwd[] = {
		SCMP_SYS(poll),
		SCMP_SYS(ppoll),
		SCMP_SYS(read),
		SCMP_SYS(write),
		SCMP_SYS(close),
		SCMP_SYS(accept4),
		SCMP_SYS(connect),
		SCMP_SYS(recvfrom),
		SCMP_SYS(sendto),
		SCMP_SYS(shutdown),
		SCMP_SYS(getsockopt),
		SCMP_SYS(fcntl),
		SCMP_SYS(openat2),
		SCMP_SYS(clock_gettime),
		SCMP_SYS(gettimeofday),
		SCMP_SYS(brk),
		SCMP_SYS(mmap),
		SCMP_SYS(munmap),
		SCMP_SYS(restart_syscall),
		SCMP_SYS(rt_sigreturn),
		SCMP_SYS(getpid),
		SCMP_SYS(exit),
		SCMP_SYS(exit_group),
	};
	static const int families[] = { AF_INET, AF_INET6, AF_UNIX };
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = f ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(fwd); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, fwd[i], 0);
#if defined(__SANITIZE_ADDRESS__)
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(allowed_san); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed_san[i], 0);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(allowed_san_fwd); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed_san_fwd[i], 0);
#endif
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(families); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]));
	for (size_t i = 0; r == 0 && allow_exec && i < ARRAY_SIZE(startup); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, startup[i], 0);
	if (r == 0)
		r = seccomp_load(f);
	if (f)
		seccomp_release(f);
	return r;
}
