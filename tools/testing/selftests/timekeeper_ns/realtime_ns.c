// SPDX-License-Identifier: GPL-2.0
/*
 * CLOCK_REALTIME, CLOCK_TAI and the timezone of a time namespace: set
 * inside it, read back through the vDSO and the syscalls, inherited by
 * namespaces created from it, and never seen by the host or a sibling.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/rtc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "tkns.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif
#ifndef ADJ_SETOFFSET
#define ADJ_SETOFFSET	0x0100
#endif

/* 2016-12-31T23:59:50Z: ten seconds before the last leap second */
#define LEAP_EVE	1483228790LL
/* Rounding allowance when comparing reads: 1 ms. */
#define SLACK_NS	(1000 * 1000LL)
#define NOBODY		65534

/* Print the message unless @cond holds; return @cond. */
static bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (!cond) {
		va_start(ap, fmt);
		printf("# ");
		vprintf(fmt, ap);
		va_end(ap);
	}
	return cond;
}

static int64_t sys_clock_ns(clockid_t clk)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, clk, &ts);
	return ts_ns(&ts);
}

static int64_t llabs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/*
 * Run @fn in a child, in a new time namespace if @newns (unshare() puts
 * only the children of the caller there, so a grandchild runs @fn).
 * Returns 0 if it passed.
 */
static int run(int (*fn)(void), bool newns)
{
	pid_t pid = fork();

	if (!pid) {
		if (!newns)
			_exit(fn());
		if (unshare(CLONE_NEWTIME)) {
			ksft_print_msg("unshare(CLONE_NEWTIME): %s\n", strerror(errno));
			_exit(1);
		}
		pid = fork();
		if (!pid)
			_exit(fn());
		_exit(wait_child(pid));
	}
	return wait_child(pid);
}

static int set_leap_eve(void)
{
	struct timespec ts = { .tv_sec = LEAP_EVE };

	if (!check(!clock_settime(CLOCK_REALTIME, &ts), "clock_settime: %s\n", strerror(errno)))
		return 1;
	return 0;
}

/*
 * @t, read after the namespace's clock was set to LEAP_EVE, when at most
 * @elapsed ns of CLOCK_MONOTONIC had passed since just before the set.
 * Bracketing by CLOCK_MONOTONIC keeps this exact however long the test
 * is preempted under emulation.
 */
static bool since_set(const char *what, int64_t t, int64_t elapsed)
{
	int64_t d = t - LEAP_EVE * NSEC_PER_SEC;

	return check(d >= -SLACK_NS && d <= elapsed + SLACK_NS,
		     "%s: %lld ns after the set, %lld ns elapsed\n", what, (long long)d,
		     (long long)elapsed);
}

/* Set REALTIME; read it back through the vDSO and the syscalls. */
static int settime_readback(void)
{
	int64_t mono0 = clock_ns(CLOCK_MONOTONIC), t;
	struct timeval tv;

	if (set_leap_eve())
		return 1;
	t = clock_ns(CLOCK_REALTIME);
	if (!since_set("vDSO clock_gettime", t, clock_ns(CLOCK_MONOTONIC) - mono0))
		return 1;
	t = sys_clock_ns(CLOCK_REALTIME);
	if (!since_set("syscall clock_gettime", t, clock_ns(CLOCK_MONOTONIC) - mono0))
		return 1;
	gettimeofday(&tv, NULL);
	t = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000LL;
	if (!since_set("gettimeofday", t, clock_ns(CLOCK_MONOTONIC) - mono0))
		return 1;
	/* time() is CLOCK_REALTIME_COARSE: up to a tick behind */
	t = time(NULL) * NSEC_PER_SEC;
	if (!since_set("time()", t + NSEC_PER_SEC,
		       clock_ns(CLOCK_MONOTONIC) - mono0 + NSEC_PER_SEC))
		return 1;
	t = syscall(SYS_time, NULL) * NSEC_PER_SEC;
	if (!since_set("time syscall", t + NSEC_PER_SEC,
		       clock_ns(CLOCK_MONOTONIC) - mono0 + NSEC_PER_SEC))
		return 1;
	/* A REALTIME step never moves CLOCK_MONOTONIC. */
	t = clock_ns(CLOCK_MONOTONIC) - mono0;
	if (!check(t >= 0 && t < NSEC_PER_SEC, "CLOCK_MONOTONIC moved by %lld ns\n", (long long)t))
		return 1;
	return 0;
}

/* @b read between @a and @c, give or take SLACK_NS. */
static bool between(const char *what, int64_t a, int64_t b, int64_t c)
{
	return check(b >= a - SLACK_NS && b <= c + SLACK_NS,
		     "%s: %lld not within [%lld, %lld]\n", what, (long long)b, (long long)a,
		     (long long)c);
}

static int reads_host_clock(void)
{
	int64_t a = clock_ns(CLOCK_REALTIME);
	int64_t b = sys_clock_ns(CLOCK_REALTIME);
	int64_t c = clock_ns(CLOCK_REALTIME);

	if (!between("syscall between vDSO reads", a, b, c))
		return 1;
	if (!check(c / NSEC_PER_SEC > LEAP_EVE + 86400 * 365, "sees the other namespace's 2016\n"))
		return 1;
	return 0;
}

static int set_2030(void)
{
	struct timespec ts = { .tv_sec = 1893456000 };

	if (!check(!clock_settime(CLOCK_REALTIME, &ts), "clock_settime: %s\n", strerror(errno)))
		return 1;
	if (!check(clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC - 1893456000 < 2, "2030 not set\n"))
		return 1;
	return 0;
}

/* A namespace nested in one whose clock was set sets its own clock. */
static int nested_sets_own(void)
{
	if (set_leap_eve())
		return 1;
	if (!check(!run(set_2030, true), "nested namespace could not set its clock\n"))
		return 1;
	if (!check(llabs64(clock_ns(CLOCK_REALTIME) - LEAP_EVE * NSEC_PER_SEC) < 5 * NSEC_PER_SEC,
		   "the nested namespace moved its parent's clock\n"))
		return 1;
	return 0;
}

static int inherit_check(void)
{
	int64_t now = clock_ns(CLOCK_REALTIME);

	if (!check(llabs64(now - LEAP_EVE * NSEC_PER_SEC) < 2 * NSEC_PER_SEC,
		   "child namespace at %lld, not at the parent's clock\n",
		   (long long)(now / NSEC_PER_SEC)))
		return 1;
	return 0;
}

static int nested_inherits_clock(void)
{
	if (set_leap_eve())
		return 1;
	return run(inherit_check, true);
}

/* ADJ_TAI and ADJ_SETOFFSET act on the namespace. */
static int tai_and_setoffset(void)
{
	struct timex tx = { .modes = ADJ_TAI, .constant = 37 };
	int64_t real, tai, before, mono;

	if (!check(adjtimex(&tx) >= 0, "ADJ_TAI: %s\n", strerror(errno)))
		return 1;
	memset(&tx, 0, sizeof(tx));
	if (!check(adjtimex(&tx) >= 0 && tx.tai == 37, "adjtimex reports TAI offset %d\n", tx.tai))
		return 1;
	real = clock_ns(CLOCK_REALTIME);
	tai = clock_ns(CLOCK_TAI) - 37 * NSEC_PER_SEC;
	if (!between("vDSO TAI - 37 s", real, tai, clock_ns(CLOCK_REALTIME)))
		return 1;
	real = sys_clock_ns(CLOCK_REALTIME);
	tai = sys_clock_ns(CLOCK_TAI) - 37 * NSEC_PER_SEC;
	if (!between("syscall TAI - 37 s", real, tai, sys_clock_ns(CLOCK_REALTIME)))
		return 1;

	before = clock_ns(CLOCK_REALTIME);
	mono = clock_ns(CLOCK_MONOTONIC);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = -3600;
	if (!check(adjtimex(&tx) >= 0, "ADJ_SETOFFSET: %s\n", strerror(errno)))
		return 1;
	real = clock_ns(CLOCK_REALTIME) + 3600 * NSEC_PER_SEC;
	if (!between("REALTIME + 3600 s after ADJ_SETOFFSET -3600 s", before, real,
		     before + clock_ns(CLOCK_MONOTONIC) - mono))
		return 1;
	return 0;
}

static int host_tai_offset(void)
{
	struct timex tx = { 0 };

	adjtimex(&tx);
	return tx.tai;
}

/* settimeofday(NULL, tz) sets the namespace's timezone. */
static int timezone_per_ns(void)
{
	struct timezone tz = { .tz_minuteswest = -330, .tz_dsttime = 0 }, got;
	struct timeval tv;

	if (!check(!settimeofday(NULL, &tz), "settimeofday(tz): %s\n", strerror(errno)))
		return 1;
	memset(&got, 0, sizeof(got));
	gettimeofday(&tv, &got);
	if (!check(got.tz_minuteswest == -330, "vDSO gettimeofday tz %d\n", got.tz_minuteswest))
		return 1;
	memset(&got, 0, sizeof(got));
	syscall(SYS_gettimeofday, &tv, &got);
	if (!check(got.tz_minuteswest == -330, "syscall gettimeofday tz %d\n", got.tz_minuteswest))
		return 1;
	return 0;
}

static int host_timezone(void)
{
	struct timezone got;
	struct timeval tv;

	syscall(SYS_gettimeofday, &tv, &got);
	return got.tz_minuteswest;
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

/* An unprivileged user sets the clock of a time namespace it owns. */
static int owner_sets(void)
{
	if (!check(!drop_to_nobody(), "drop privileges\n"))
		return 1;
	if (!check(!unshare(CLONE_NEWUSER | CLONE_NEWTIME), "unshare: %s\n", strerror(errno)))
		return 1;
	return run(settime_readback, false);
}

/* Without CAP_SYS_TIME in the owning user namespace: EPERM. */
static int nonowner_eperm(void)
{
	struct timespec ts = { .tv_sec = LEAP_EVE };
	struct timex tx = { .modes = ADJ_SETOFFSET };

	if (!check(!drop_to_nobody(), "drop privileges\n"))
		return 1;
	if (!check(FAILS_WITH(clock_settime(CLOCK_REALTIME, &ts), EPERM), "clock_settime: %s\n",
		   strerror(errno)))
		return 1;
	tx.time.tv_sec = 1;
	if (!check(FAILS_WITH(adjtimex(&tx), EPERM), "adjtimex: %s\n", strerror(errno)))
		return 1;
	return reads_host_clock();
}

/* The RTC keeps host time: a namespace may read it, not set it. */
static int rtc_refused(void)
{
	struct rtc_time tm;
	int fd, ret;

	if (set_leap_eve())
		return 1;
	fd = open("/dev/rtc0", O_RDONLY);
	if (!check(fd >= 0, "/dev/rtc0: %s\n", strerror(errno)))
		return 1;
	ret = ioctl(fd, RTC_RD_TIME, &tm);
	if (!check(!ret, "RTC_RD_TIME: %s\n", strerror(errno)))
		return 1;
	ret = ioctl(fd, RTC_SET_TIME, &tm);
	close(fd);
	if (!check(FAILS_WITH(ret, EACCES), "RTC_SET_TIME: %d %s\n", ret, strerror(errno)))
		return 1;
	return 0;
}

static int noop(void)
{
	return 0;
}

/*
 * Create and destroy 1,000 time namespaces, each of which sets its clock,
 * with at most 20 allowed to exist at once: a namespace that is not freed
 * makes unshare() fail with ENOSPC after 20.
 */
static int many_namespaces(void)
{
	const char *limit = "/proc/sys/user/max_time_namespaces";
	char old[32] = "";
	FILE *f;
	int i, ret = 0;

	f = fopen(limit, "r+");
	if (!check(f && fgets(old, sizeof(old), f), "%s: %s\n", limit, strerror(errno)))
		return 1;
	rewind(f);
	fprintf(f, "20\n");
	fclose(f);

	for (i = 0; i < 1000 && !ret; i++)
		ret = run(i % 2 ? set_leap_eve : noop, true);

	f = fopen(limit, "w");
	if (f) {
		fputs(old, f);
		fclose(f);
	}
	if (!check(!ret, "namespace %d could not be created\n", i))
		return 1;
	return 0;
}

int main(void)
{
	int64_t host_before;
	int host_tai, host_tz;

	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("needs root\n");
	if (access("/proc/self/ns/time", F_OK))
		ksft_exit_skip("no time namespaces\n");
	ksft_set_plan(11);

	host_before = realtime_offset_ns();
	host_tai = host_tai_offset();
	host_tz = host_timezone();

	ksft_test_result(!run(settime_readback, true),
			 "set REALTIME in a namespace, read it back via vDSO and syscalls\n");
	ksft_test_result(!run(reads_host_clock, true),
			 "a sibling namespace reads the host clock\n");
	ksft_test_result(!run(nested_inherits_clock, true),
			 "a namespace created from a namespace inherits its clock\n");
	ksft_test_result(!run(nested_sets_own, true),
			 "a nested namespace sets its own clock, its parent's stays\n");
	ksft_test_result(!run(tai_and_setoffset, true),
			 "ADJ_TAI and ADJ_SETOFFSET per namespace\n");
	ksft_test_result(!run(timezone_per_ns, true), "timezone per namespace\n");
	ksft_test_result(!run(owner_sets, false),
			 "an unprivileged owner sets its namespace's clock\n");
	ksft_test_result(!run(nonowner_eperm, true), "a non-owner gets EPERM\n");

	if (access("/dev/rtc0", F_OK))
		ksft_test_result_skip("no /dev/rtc0\n");
	else
		ksft_test_result(!run(rtc_refused, true), "RTC_SET_TIME refused in a namespace\n");
	ksft_test_result(!many_namespaces(), "1000 namespaces created and freed\n");
	ksft_test_result(realtime_unchanged_since(host_before) &&
			 host_tai_offset() == host_tai && host_timezone() == host_tz,
			 "host CLOCK_REALTIME, TAI offset and timezone unchanged\n");
	ksft_finished();
}
