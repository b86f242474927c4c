// floor.c: the C floor of reaplat's throughput section. posix_spawn,
// pidfd_open, epoll and waitid(P_PIDFD), with nothing in between: what a
// loop that spawns and reaps costs without a runtime or a library.
//
// Usage: floor throughput CONCURRENCY TOTAL PATH ARGV0
//
// Spawns PATH with argv {ARGV0}, an empty environment and stdin, stdout
// and stderr on /dev/null, keeping CONCURRENCY children in flight until
// TOTAL have exited. Each child's pidfd (pidfd_open right after the spawn:
// the child is not reaped until its pidfd says it exited, so the pid is
// still its own) is in one epoll set; a readable pidfd is reaped with
// waitid(P_PIDFD), checked for exit 0, removed from the set and closed.
// Prints one line, the summary of reaplat's peer protocol:
//
//   {"summary":{"mode":"throughput",...,"elapsed_ns":E,"cpu_ns":C,"children_cpu_ns":K}}
//
// E is the wall time, C and K the CPU time (user + system, getrusage) of
// this process and of its reaped children, all from just before the first
// spawn to the last reap. Errors go to stderr, exit code 1. Linux >= 5.4.
// reaplat compiles this file at run time with the system's cc at -O2.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

// Older headers lack them; the values are the kernel's (pidfd_open has
// the same number on every architecture).
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void die(const char *what, int err) {
	fprintf(stderr, "floor: %s: %s\n", what, strerror(err));
	exit(1);
}

static long long cpu_ns(int who) {
	struct rusage r;
	if (getrusage(who, &r) != 0)
		die("getrusage", errno);
	return ((long long)r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000000LL +
	       ((long long)r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1000LL;
}

static long long mono_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long positive(const char *s, const char *what) {
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0) {
		fprintf(stderr, "floor: %s: %s is not a positive number\n", what, s);
		exit(2);
	}
	return v;
}

// runtime prints the compiler and libc this was built with, for the
// summary's "runtime" field, leaving out what a JSON string cannot hold
// unescaped.
static void runtime(void) {
	char s[200];
#ifdef __GLIBC__
	snprintf(s, sizeof s, "C: cc %s, glibc %s", __VERSION__, gnu_get_libc_version());
#else
	snprintf(s, sizeof s, "C: cc %s", __VERSION__);
#endif
	for (char *p = s; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			putchar(*p);
}

int main(int argc, char **argv) {
	if (argc != 6 || strcmp(argv[1], "throughput") != 0) {
		fprintf(stderr, "usage: floor throughput CONCURRENCY TOTAL PATH ARGV0\n");
		return 2;
	}
	long concurrency = positive(argv[2], "CONCURRENCY");
	long total = positive(argv[3], "TOTAL");
	const char *path = argv[4];
	char *child_argv[] = {argv[5], NULL};
	char *child_env[] = {NULL};

	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		die("open /dev/null", errno);
	posix_spawn_file_actions_t fa;
	int err = posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3 && err == 0; fd++)
		err = posix_spawn_file_actions_adddup2(&fa, null, fd);
	if (err != 0)
		die("posix_spawn_file_actions", err);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1", errno);

	struct epoll_event events[64];
	long spawned = 0, reaped = 0;
	long long self0 = cpu_ns(RUSAGE_SELF), children0 = cpu_ns(RUSAGE_CHILDREN);
	long long t0 = mono_ns();
	while (reaped < total) {
		for (; spawned < total && spawned - reaped < concurrency; spawned++) {
			pid_t pid;
			err = posix_spawn(&pid, path, &fa, NULL, child_argv, child_env);
			if (err != 0)
				die("posix_spawn", err);
			int pidfd = (int)syscall(SYS_pidfd_open, pid, 0); // always close-on-exec
			if (pidfd < 0)
				die("pidfd_open", errno);
			struct epoll_event ev = {.events = EPOLLIN, .data.fd = pidfd};
			if (epoll_ctl(ep, EPOLL_CTL_ADD, pidfd, &ev) != 0)
				die("epoll_ctl", errno);
		}
		int n = epoll_wait(ep, events, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait", errno);
		}
		for (int i = 0; i < n; i++) {
			int pidfd = events[i].data.fd;
			siginfo_t info;
			while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) != 0)
				if (errno != EINTR)
					die("waitid", errno);
			if (info.si_code != CLD_EXITED || info.si_status != 0) {
				fprintf(stderr, "floor: %s %d ended with si_code %d, status %d\n", path, (int)info.si_pid,
					info.si_code, info.si_status);
				return 1;
			}
			// close alone would not always leave the epoll set: a
			// child spawned just before may still be in execve, which
			// lets posix_spawn return (the vfork is over once the new
			// image is mapped) before it closes its copies of our
			// close-on-exec fds. Until then the registration outlives
			// the close, and its events name a number the next pidfd
			// may already have. (Go's ForkExec returns once the child's
			// end of its exec-status pipe is closed, which narrows the
			// window without shutting it.)
			if (epoll_ctl(ep, EPOLL_CTL_DEL, pidfd, NULL) != 0)
				die("epoll_ctl(EPOLL_CTL_DEL)", errno);
			close(pidfd);
			reaped++;
		}
	}
	long long elapsed = mono_ns() - t0;
	long long self = cpu_ns(RUSAGE_SELF) - self0, children = cpu_ns(RUSAGE_CHILDREN) - children0;
	printf("{\"summary\":{\"mode\":\"throughput\",\"runtime\":\"");
	runtime();
	printf("\",\"watcher\":\"pidfd + epoll\",\"n\":%ld,\"concurrency\":%ld,\"elapsed_ns\":%lld,"
	       "\"cpu_ns\":%lld,\"children_cpu_ns\":%lld}}\n",
	       total, concurrency, elapsed, self, children);
	return 0;
}
