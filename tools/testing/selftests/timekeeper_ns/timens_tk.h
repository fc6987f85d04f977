/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the timekeeper_ns selftests: precise reads of the
 * clocks, and the ways to create a time namespace with a clock of its own.
 *
 * A time namespace owned by a user namespace other than the initial one
 * has a clock of its own from its creation (tk_unshare(TK_NS_USER)). One
 * owned by the initial user namespace, which real root creates with a
 * plain unshare(CLONE_NEWTIME) (TK_NS_PLAIN), shares the host's clock as
 * upstream's do, unless its creator writes "local" to
 * /proc/self/timens_clock before a task enters it (TK_NS_OPTIN). A
 * namespace created from one with a clock of its own has one too, so
 * TK_NS_PLAIN inside such a namespace gives a clock of its own.
 *
 * Its includers define _GNU_SOURCE (for unshare() and setresuid()) before
 * they include any header of the C library.
 */
#ifndef TIMENS_TK_H
#define TIMENS_TK_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif
#ifndef ADJ_SETOFFSET
#define ADJ_SETOFFSET	0x0100
#endif

#define NSEC_PER_SEC	1000000000LL
#define MSEC		(1000 * 1000LL)
#define USEC		1000LL
#define NOBODY		65534

/* adjtimex() frequencies: ppm, scaled by 2^16 */
#define PPM(x)		((long)(x) * 65536)

/* The clock mode of the caller's namespace for its children */
#define TIMENS_CLOCK	"/proc/self/timens_clock"

static inline int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static inline int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	return ts_ns(&ts);
}

/* clock_ns() through the system call, never the vDSO */
static inline int64_t sys_clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, clk, &ts))
		return -1;
	return ts_ns(&ts);
}

/*
 * The distance between CLOCK_REALTIME and CLOCK_MONOTONIC: it stays put
 * unless somebody steps the realtime clock (or slews it, by far less than
 * the tolerance the tests use).
 */
static inline int64_t realtime_offset_ns(void)
{
	int64_t mono = clock_ns(CLOCK_MONOTONIC);
	int64_t real = clock_ns(CLOCK_REALTIME);
	int64_t mono2 = clock_ns(CLOCK_MONOTONIC);

	return real - (mono + (mono2 - mono) / 2);
}

/*
 * @clk minus CLOCK_MONOTONIC_RAW, precisely: of @tries reads of @clk, each
 * bracketed by two reads of CLOCK_MONOTONIC_RAW, the one with the
 * narrowest bracket, so that a preemption in one try does not spoil the
 * pairing. *@mono, unless NULL, gets the midpoint of that bracket.
 * CLOCK_MONOTONIC_RAW is the oscillator: no adjtimex() in any namespace
 * changes its rate, and none can step it.
 */
static inline int64_t clock_offset_ns(clockid_t clk, int tries, int64_t *mono)
{
	int64_t width = INT64_MAX, off = 0, mid = 0, m1, c, m2;

	while (tries-- > 0) {
		m1 = clock_ns(CLOCK_MONOTONIC_RAW);
		c = clock_ns(clk);
		m2 = clock_ns(CLOCK_MONOTONIC_RAW);
		if (m2 - m1 >= width)
			continue;
		width = m2 - m1;
		mid = m1 + width / 2;
		off = c - mid;
	}
	if (mono)
		*mono = mid;
	return off;
}

/* Allowed drift of realtime_offset_ns() across a test step: 50 ms. */
#define TKNS_STEP_TOLERANCE_NS	(50 * 1000 * 1000LL)

static inline bool realtime_unchanged_since(int64_t before)
{
	int64_t d = realtime_offset_ns() - before;

	return d > -TKNS_STEP_TOLERANCE_NS && d < TKNS_STEP_TOLERANCE_NS;
}

/* Step the caller's CLOCK_REALTIME by @delta ns: 0, or -1 with errno. */
static inline int step_realtime(int64_t delta)
{
	struct timespec ts;
	int64_t t;

	t = clock_ns(CLOCK_REALTIME) + delta;
	ts.tv_sec = t / NSEC_PER_SEC;
	ts.tv_nsec = t % NSEC_PER_SEC;
	return clock_settime(CLOCK_REALTIME, &ts);
}

/* Read the caller's NTP state: adjtimex()'s clock state, or -1 with errno. */
static inline int ntp_read(struct timex *tx)
{
	memset(tx, 0, sizeof(*tx));
	return adjtimex(tx);
}

/* Run a call that must fail: true when it returned -1 with errno @want. */
#define FAILS_WITH(call, want)	((call) == -1 && errno == (want))

/* Write @s to the file @path in one write(): 0, or -1 with errno. */
static inline int write_file(const char *path, const char *s)
{
	ssize_t len = strlen(s), n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, s, len);
	err = n < 0 ? errno : EIO;
	close(fd);
	if (n == len)
		return 0;
	errno = err;
	return -1;
}

/* Read the file @path into @buf, NUL-terminated: its length, or -1. */
static inline ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Bring the loopback interface up, if it is not: 0, or -1 with errno. */
static inline int tk_lo_up(void)
{
	struct ifreq ifr = {};
	int fd, ret = -1, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memcpy(ifr.ifr_name, "lo", sizeof("lo"));
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		if (ifr.ifr_flags & IFF_UP) {
			ret = 0;
		} else {
			ifr.ifr_flags |= IFF_UP;
			ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
		}
	}
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* Whether the kernel lets time namespaces opt in to a clock of their own */
static inline bool have_timens_clock(void)
{
	return !access(TIMENS_CLOCK, F_OK);
}

static inline int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

/*
 * Why the tests, which create time namespaces as real root, cannot run
 * here; NULL if they can.
 */
static inline const char *tk_cannot_run(void)
{
	if (geteuid())
		return "needs root";
	if (access("/proc/self/ns/time", F_OK))
		return "no time namespaces";
	return NULL;
}

/* How tk_unshare() creates a time namespace */
enum tk_ns {
	/*
	 * A user namespace, in which the caller, real root, stays uid 0
	 * with every capability, and a time namespace it owns: a clock of
	 * its own from the start. The default of the tests.
	 */
	TK_NS_USER,
	/* unshare(CLONE_NEWTIME), then "local" in /proc/self/timens_clock */
	TK_NS_OPTIN,
	/*
	 * unshare(CLONE_NEWTIME) alone: for real root in the initial time
	 * namespace, the host's clock, as upstream; in a namespace with a
	 * clock of its own, a new one inherited from it.
	 */
	TK_NS_PLAIN,
};

static inline const char *tk_ns_name(enum tk_ns how)
{
	switch (how) {
	case TK_NS_USER:
		return "user+time namespace";
	case TK_NS_OPTIN:
		return "time namespace opted in to a local clock";
	case TK_NS_PLAIN:
		return "plain time namespace";
	}
	return "?";
}

/*
 * Create a time namespace as @how says: 0, or -1 with errno. As ever
 * with time namespaces, only the caller's children will be in it, and
 * namespaces the caller creates later are created from it.
 */
static inline int tk_unshare(enum tk_ns how)
{
	switch (how) {
	case TK_NS_USER:
		if (unshare(CLONE_NEWUSER | CLONE_NEWTIME))
			return -1;
		if (write_file("/proc/self/uid_map", "0 0 1") ||
		    write_file("/proc/self/setgroups", "deny") ||
		    write_file("/proc/self/gid_map", "0 0 1"))
			return -1;
		return 0;
	case TK_NS_OPTIN:
		if (unshare(CLONE_NEWTIME))
			return -1;
		return write_file(TIMENS_CLOCK, "local");
	case TK_NS_PLAIN:
		return unshare(CLONE_NEWTIME);
	}
	errno = EINVAL;
	return -1;
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * A note on forking tests: an ASSERT_*() which fails in a child of a
 * TEST_F() longjmp()s back into the harness's wrapper, where a local
 * clobbered by the longjmp() decides which process runs the fixture's
 * teardown, the child possibly. So the tests which fork children use
 * TEST(), or fixtures whose teardown is empty, and check the host's
 * clock in the test itself.
 */

/*
 * fork() into a new time namespace, created as @how says from the
 * caller's, with the upstream @offsets ("monotonic S NS\nboottime S NS",
 * as /proc/PID/timens_offsets takes them) unless NULL: 0 in the child,
 * which is in it; in the caller the pid of a process which exits with the
 * child's status (128 + the signal which killed it; 126 if the namespace
 * could not be created). That process unshares: in the caller, unshare()
 * would put the caller's later children in the namespace and create its
 * later namespaces from this one rather than from its own.
 */
static inline pid_t tk_ns_fork_offsets(struct __test_metadata *_metadata, enum tk_ns how,
				       const char *offsets)
{
	pid_t pid, child;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid)
		return pid;
	if (tk_unshare(how) ||
	    (offsets && write_file("/proc/self/timens_offsets", offsets))) {
		TH_LOG("%s: %s", tk_ns_name(how), strerror(errno));
		_exit(126);
	}
	child = fork();
	if (child < 0)
		_exit(125);
	if (!child)
		return 0;
	/* Hold no pipe open, so that the child sees their ends. */
	close_range(3, ~0U, 0);
	if (waitpid(child, &status, 0) != child)
		_exit(127);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* tk_ns_fork_offsets() without offsets */
static inline pid_t tk_ns_fork(struct __test_metadata *_metadata, enum tk_ns how)
{
	return tk_ns_fork_offsets(_metadata, how, NULL);
}

/* Wait for a child, which must have exited with status 0. */
static inline void tk_wait_ok(struct __test_metadata *_metadata, pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status))
		TH_LOG("process %d died by signal %d", pid, WTERMSIG(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("process %d failed", pid);
	/*
	 * In a TEST_F(), _metadata is shared with the children, whose
	 * failed assertions leave them through the harness with status 0.
	 */
	ASSERT_FALSE(_metadata->aborted);
}

/*
 * With @pid as fork() or tk_ns_fork() returned it: in the child, run @fn
 * and exit with its result; in the caller, assert that the child passed.
 */
static inline void tk_run_forked(struct __test_metadata *_metadata, pid_t pid,
				 void (*fn)(struct __test_metadata *_metadata))
{
	ASSERT_LE(0, pid);
	if (!pid) {
		fn(_metadata);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
}

/*
 * Run @fn in a child in a new time namespace created as @how says, and
 * assert that it passed.
 */
static inline void tk_run_in_ns(struct __test_metadata *_metadata, enum tk_ns how,
				void (*fn)(struct __test_metadata *_metadata))
{
	tk_run_forked(_metadata, tk_ns_fork(_metadata, how), fn);
}

/*
 * Run @fn in a child, in the caller's namespaces (in the time namespace
 * of the caller's children, as ever), and assert that it passed.
 */
static inline void tk_run_in_child(struct __test_metadata *_metadata,
				   void (*fn)(struct __test_metadata *_metadata))
{
	tk_run_forked(_metadata, fork(), fn);
}

/*
 * Arm a leap second, inserted (@sta STA_INS) or deleted (STA_DEL), at the
 * end of the current UTC day of the caller's clock. A set of the clock
 * clears the NTP state, STA_INS too, so this comes after it. Without
 * STA_UNSYNC, and with a maximum error far from the limit at which
 * STA_UNSYNC is set again, adjtimex() returns the leap second state
 * rather than TIME_ERROR.
 */
static inline void tk_arm_leap(struct __test_metadata *_metadata, int sta)
{
	struct timex tx;

	ASSERT_LE(0, ntp_read(&tx));
	tx.modes = ADJ_STATUS | ADJ_MAXERROR;
	tx.status = (tx.status | sta) & ~STA_UNSYNC;
	tx.maxerror = 0;
	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_STATUS: %s", strerror(errno));
}

/* Set the caller's TAI offset to @tai s. */
static inline void tk_set_tai(struct __test_metadata *_metadata, int tai)
{
	struct timex tx = { .modes = ADJ_TAI, .constant = tai };

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_TAI %d: %s", tai, strerror(errno));
}

/* Arm a leap second insertion: tk_arm_leap(STA_INS). */
static inline void tk_insert_leap(struct __test_metadata *_metadata)
{
	tk_arm_leap(_metadata, STA_INS);
}
#endif /* __KSELFTEST_HARNESS_H */

#endif /* TIMENS_TK_H */
