// SPDX-License-Identifier: GPL-2.0
/*
 * CLOCK_REALTIME, CLOCK_TAI and the timezone of a time namespace with a
 * clock of its own: set inside it, read back through the vDSO and the
 * syscalls, inherited by namespaces created from it, and never seen by
 * the host or a sibling. Most namespaces here are owned by a user
 * namespace of their own; some are created by real root and opted in to
 * a clock of their own through /proc/self/timens_clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#include "../kselftest_harness.h"
#include "timens_tk.h"

/* 2016-12-31T23:59:50Z: ten seconds before the last leap second */
#define LEAP_EVE	1483228790LL
/* 2030-01-01T00:00:00Z */
#define Y2030		1893456000LL
/* Rounding allowance when comparing reads: 1 ms. */
#define SLACK_NS	(1000 * 1000LL)

static void set_realtime(struct __test_metadata *_metadata, time_t sec)
{
	struct timespec ts = { .tv_sec = sec };

	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &ts))
		TH_LOG("clock_settime: %s", strerror(errno));
}

static void set_leap_eve(struct __test_metadata *_metadata)
{
	set_realtime(_metadata, LEAP_EVE);
}

/*
 * @t, read after the namespace's clock was set to LEAP_EVE, when at most
 * @elapsed ns of CLOCK_MONOTONIC had passed since just before the set.
 * Bracketing by CLOCK_MONOTONIC keeps this exact however long the test
 * is preempted under emulation.
 */
static void since_set(struct __test_metadata *_metadata, const char *what, int64_t t,
		      int64_t elapsed)
{
	int64_t d = t - LEAP_EVE * NSEC_PER_SEC;

	ASSERT_TRUE(d >= -SLACK_NS && d <= elapsed + SLACK_NS)
		TH_LOG("%s: %lld ns after the set, %lld ns elapsed", what, (long long)d,
		       (long long)elapsed);
}

/* Set REALTIME; read it back through the vDSO and the syscalls. */
static void check_settime_readback(struct __test_metadata *_metadata)
{
	int64_t mono0 = clock_ns(CLOCK_MONOTONIC), t;
	struct timeval tv;

	set_leap_eve(_metadata);
	t = clock_ns(CLOCK_REALTIME);
	since_set(_metadata, "vDSO clock_gettime", t, clock_ns(CLOCK_MONOTONIC) - mono0);
	t = sys_clock_ns(CLOCK_REALTIME);
	since_set(_metadata, "syscall clock_gettime", t, clock_ns(CLOCK_MONOTONIC) - mono0);
	gettimeofday(&tv, NULL);
	t = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000LL;
	since_set(_metadata, "gettimeofday", t, clock_ns(CLOCK_MONOTONIC) - mono0);
	/* time() is CLOCK_REALTIME_COARSE: up to a tick behind */
	t = time(NULL) * NSEC_PER_SEC;
	since_set(_metadata, "time()", t + NSEC_PER_SEC,
		  clock_ns(CLOCK_MONOTONIC) - mono0 + NSEC_PER_SEC);
	t = syscall(SYS_time, NULL) * NSEC_PER_SEC;
	since_set(_metadata, "time syscall", t + NSEC_PER_SEC,
		  clock_ns(CLOCK_MONOTONIC) - mono0 + NSEC_PER_SEC);
	/* A REALTIME step never moves CLOCK_MONOTONIC. */
	t = clock_ns(CLOCK_MONOTONIC) - mono0;
	ASSERT_TRUE(t >= 0 && t < NSEC_PER_SEC)
		TH_LOG("CLOCK_MONOTONIC moved by %lld ns", (long long)t);
}

/* @b read between @a and @c, give or take SLACK_NS. */
static void between(struct __test_metadata *_metadata, const char *what, int64_t a, int64_t b,
		    int64_t c)
{
	ASSERT_TRUE(b >= a - SLACK_NS && b <= c + SLACK_NS)
		TH_LOG("%s: %lld not within [%lld, %lld]", what, (long long)b, (long long)a,
		       (long long)c);
}

static void reads_host_clock(struct __test_metadata *_metadata)
{
	int64_t a = clock_ns(CLOCK_REALTIME);
	int64_t b = sys_clock_ns(CLOCK_REALTIME);
	int64_t c = clock_ns(CLOCK_REALTIME);

	between(_metadata, "syscall between vDSO reads", a, b, c);
	ASSERT_LT(LEAP_EVE + 86400 * 365, c / NSEC_PER_SEC)
		TH_LOG("sees the other namespace's 2016");
}

static void set_2030(struct __test_metadata *_metadata)
{
	set_realtime(_metadata, Y2030);
	ASSERT_GT(2, clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC - Y2030) TH_LOG("2030 not set");
}

/*
 * A namespace created with a plain unshare(CLONE_NEWTIME) from one whose
 * clock was set sets its own clock, and its parent's stays.
 */
static void check_nested_sets_own(struct __test_metadata *_metadata)
{
	set_leap_eve(_metadata);
	tk_run_in_ns(_metadata, TK_NS_PLAIN, set_2030);
	ASSERT_GT(5 * NSEC_PER_SEC, llabs(clock_ns(CLOCK_REALTIME) - LEAP_EVE * NSEC_PER_SEC))
		TH_LOG("the nested namespace moved its parent's clock");
}

static void inherit_check(struct __test_metadata *_metadata)
{
	int64_t now = clock_ns(CLOCK_REALTIME);

	ASSERT_GT(2 * NSEC_PER_SEC, llabs(now - LEAP_EVE * NSEC_PER_SEC))
		TH_LOG("child namespace at %lld, not at the parent's clock",
		       (long long)(now / NSEC_PER_SEC));
}

static void check_nested_inherits_clock(struct __test_metadata *_metadata)
{
	set_leap_eve(_metadata);
	tk_run_in_ns(_metadata, TK_NS_PLAIN, inherit_check);
}

/* ADJ_TAI and ADJ_SETOFFSET act on the namespace. */
static void check_tai_and_setoffset(struct __test_metadata *_metadata)
{
	struct timex tx = { .modes = ADJ_TAI, .constant = 37 };
	int64_t real, tai, before, mono;

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_TAI: %s", strerror(errno));
	memset(&tx, 0, sizeof(tx));
	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("adjtimex: %s", strerror(errno));
	ASSERT_EQ(37, tx.tai) TH_LOG("adjtimex reports TAI offset %d", tx.tai);
	real = clock_ns(CLOCK_REALTIME);
	tai = clock_ns(CLOCK_TAI) - 37 * NSEC_PER_SEC;
	between(_metadata, "vDSO TAI - 37 s", real, tai, clock_ns(CLOCK_REALTIME));
	real = sys_clock_ns(CLOCK_REALTIME);
	tai = sys_clock_ns(CLOCK_TAI) - 37 * NSEC_PER_SEC;
	between(_metadata, "syscall TAI - 37 s", real, tai, sys_clock_ns(CLOCK_REALTIME));

	before = clock_ns(CLOCK_REALTIME);
	mono = clock_ns(CLOCK_MONOTONIC);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = -3600;
	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_SETOFFSET: %s", strerror(errno));
	real = clock_ns(CLOCK_REALTIME) + 3600 * NSEC_PER_SEC;
	between(_metadata, "REALTIME + 3600 s after ADJ_SETOFFSET -3600 s", before, real,
		before + clock_ns(CLOCK_MONOTONIC) - mono);
}

static int host_tai_offset(void)
{
	struct timex tx = { 0 };

	adjtimex(&tx);
	return tx.tai;
}

/* settimeofday(NULL, tz) sets the namespace's timezone. */
static void check_timezone_per_ns(struct __test_metadata *_metadata)
{
	struct timezone tz = { .tz_minuteswest = -330, .tz_dsttime = 0 }, got;
	struct timeval tv;

	ASSERT_EQ(0, settimeofday(NULL, &tz)) TH_LOG("settimeofday(tz): %s", strerror(errno));
	memset(&got, 0, sizeof(got));
	gettimeofday(&tv, &got);
	ASSERT_EQ(-330, got.tz_minuteswest) TH_LOG("vDSO gettimeofday tz");
	memset(&got, 0, sizeof(got));
	syscall(SYS_gettimeofday, &tv, &got);
	ASSERT_EQ(-330, got.tz_minuteswest) TH_LOG("syscall gettimeofday tz");
}

static int host_timezone(void)
{
	struct timezone got;
	struct timeval tv;

	syscall(SYS_gettimeofday, &tv, &got);
	return got.tz_minuteswest;
}

/* An unprivileged user sets the clock of a time namespace it owns. */
static void owner_sets(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, drop_to_nobody()) TH_LOG("drop privileges: %s", strerror(errno));
	ASSERT_EQ(0, unshare(CLONE_NEWUSER | CLONE_NEWTIME))
		TH_LOG("unshare: %s", strerror(errno));
	tk_run_in_child(_metadata, check_settime_readback);
}

/* Without CAP_SYS_TIME in the owning user namespace: EPERM. */
static void check_nonowner_eperm(struct __test_metadata *_metadata)
{
	struct timespec ts = { .tv_sec = LEAP_EVE };
	struct timex tx = { .modes = ADJ_SETOFFSET };

	ASSERT_EQ(0, drop_to_nobody()) TH_LOG("drop privileges: %s", strerror(errno));
	ASSERT_TRUE(FAILS_WITH(clock_settime(CLOCK_REALTIME, &ts), EPERM))
		TH_LOG("clock_settime: %s", strerror(errno));
	tx.time.tv_sec = 1;
	ASSERT_TRUE(FAILS_WITH(adjtimex(&tx), EPERM)) TH_LOG("adjtimex: %s", strerror(errno));
	reads_host_clock(_metadata);
}

/* The RTC keeps host time: a namespace may read it, not set it. */
static void check_rtc_refused(struct __test_metadata *_metadata)
{
	struct rtc_time tm;
	int fd, ret;

	set_leap_eve(_metadata);
	fd = open("/dev/rtc0", O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("/dev/rtc0: %s", strerror(errno));
	ret = ioctl(fd, RTC_RD_TIME, &tm);
	ASSERT_EQ(0, ret) TH_LOG("RTC_RD_TIME: %s", strerror(errno));
	ret = ioctl(fd, RTC_SET_TIME, &tm);
	close(fd);
	ASSERT_TRUE(FAILS_WITH(ret, EACCES)) TH_LOG("RTC_SET_TIME: %d %s", ret, strerror(errno));
}

#define MAX_TIMENS	"/proc/sys/user/max_time_namespaces"

static const char *skip_reason;

/* Whether the tests cannot run here; skip_reason says why. */
static bool cannot_run(void)
{
	skip_reason = tk_cannot_run();
	return skip_reason;
}

/* The host's clock state which no test may change */
struct host_state {
	int64_t off;
	int tai, tz;
};

static void host_save(struct host_state *h)
{
	h->off = realtime_offset_ns();
	h->tai = host_tai_offset();
	h->tz = host_timezone();
}

static void host_unchanged(struct __test_metadata *_metadata, const struct host_state *h)
{
	EXPECT_TRUE(realtime_unchanged_since(h->off)) TH_LOG("host CLOCK_REALTIME moved");
	EXPECT_EQ(h->tai, host_tai_offset()) TH_LOG("host TAI offset changed");
	EXPECT_EQ(h->tz, host_timezone()) TH_LOG("host timezone changed");
}

/*
 * Run @fn in a new time namespace created as @how says; the host's
 * CLOCK_REALTIME, TAI offset and timezone must stay as they were.
 */
static void run_in_ns(struct __test_metadata *_metadata, enum tk_ns how,
		      void (*fn)(struct __test_metadata *_metadata))
{
	struct host_state h;

	host_save(&h);
	tk_run_in_ns(_metadata, how, fn);
	host_unchanged(_metadata, &h);
}

/*
 * The tests which run a function in a new time namespace, one a variant:
 * the host's CLOCK_REALTIME, TAI offset and timezone must stay as they
 * were (run_in_ns()).
 */
FIXTURE(in_ns) {};

FIXTURE_VARIANT(in_ns) {
	enum tk_ns how;		/* how the namespace is created */
	void (*fn)(struct __test_metadata *_metadata);	/* what runs in it */
	bool rtc;		/* it needs /dev/rtc0 */
};

FIXTURE_SETUP(in_ns)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	if (variant->rtc && access("/dev/rtc0", F_OK))
		SKIP(return, "no /dev/rtc0");
}

FIXTURE_TEARDOWN(in_ns) {}

TEST_F(in_ns, run)
{
	run_in_ns(_metadata, variant->how, variant->fn);
}

/* Set REALTIME in a namespace, read it back via vDSO and syscalls. */
FIXTURE_VARIANT_ADD(in_ns, settime_readback) {
	.how = TK_NS_USER,
	.fn = check_settime_readback,
};

/*
 * A namespace created from an opted-in one, with a plain
 * unshare(CLONE_NEWTIME), inherits its clock.
 */
FIXTURE_VARIANT_ADD(in_ns, nested_inherits_clock) {
	.how = TK_NS_OPTIN,
	.fn = check_nested_inherits_clock,
};

/* A nested namespace sets its own clock, its parent's stays. */
FIXTURE_VARIANT_ADD(in_ns, nested_sets_own) {
	.how = TK_NS_USER,
	.fn = check_nested_sets_own,
};

/*
 * The same under an opted-in namespace, whose nested namespace is owned
 * by the initial user namespace: it has a clock of its own all the same,
 * so real root does not set the host's clock there.
 */
FIXTURE_VARIANT_ADD(in_ns, nested_in_optin_sets_own) {
	.how = TK_NS_OPTIN,
	.fn = check_nested_sets_own,
};

/* ADJ_TAI and ADJ_SETOFFSET per namespace */
FIXTURE_VARIANT_ADD(in_ns, tai_and_setoffset) {
	.how = TK_NS_USER,
	.fn = check_tai_and_setoffset,
};

/* Timezone per namespace */
FIXTURE_VARIANT_ADD(in_ns, timezone_per_ns) {
	.how = TK_NS_USER,
	.fn = check_timezone_per_ns,
};

/* A non-owner gets EPERM. */
FIXTURE_VARIANT_ADD(in_ns, nonowner_eperm) {
	.how = TK_NS_OPTIN,
	.fn = check_nonowner_eperm,
};

/* RTC_SET_TIME refused in a namespace with a clock of its own */
FIXTURE_VARIANT_ADD(in_ns, rtc_refused) {
	.how = TK_NS_OPTIN,
	.fn = check_rtc_refused,
	.rtc = true,
};

/* A sibling namespace, opted in to a clock of its own, reads the host clock. */
TEST(sibling_reads_host_clock)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	run_in_ns(_metadata, TK_NS_USER, set_leap_eve);
	run_in_ns(_metadata, TK_NS_OPTIN, reads_host_clock);
}

/* An unprivileged owner sets its namespace's clock. */
TEST(unprivileged_owner_sets)
{
	struct host_state h;

	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	host_save(&h);
	tk_run_in_child(_metadata, owner_sets);
	host_unchanged(_metadata, &h);
}

/*
 * Create and destroy 1,000 time namespaces, half owned by user
 * namespaces of their own and setting their clocks, half opted in, with
 * at most 20 allowed to exist at once: a namespace that is not freed
 * makes unshare() fail with ENOSPC after 20. A fixture for the longer
 * timeout only.
 */
FIXTURE(many) {};

FIXTURE_SETUP(many)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
}

FIXTURE_TEARDOWN(many) {}

TEST_F_TIMEOUT(many, namespaces, 110)
{
	struct timespec ts = { .tv_sec = LEAP_EVE };
	struct host_state h;
	int i, status, ret;
	char old[32];
	pid_t pid;

	host_save(&h);
	ASSERT_LT(0, read_file(MAX_TIMENS, old, sizeof(old)))
		TH_LOG("%s: %s", MAX_TIMENS, strerror(errno));
	ASSERT_EQ(0, write_file(MAX_TIMENS, "20\n"))
		TH_LOG("%s: %s", MAX_TIMENS, strerror(errno));

	for (i = 0; i < 1000; i++) {
		pid = tk_ns_fork(_metadata, i % 2 ? TK_NS_USER : TK_NS_OPTIN);
		if (!pid)
			_exit(i % 2 && clock_settime(CLOCK_REALTIME, &ts));
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			break;
	}
	ret = write_file(MAX_TIMENS, old);
	ASSERT_EQ(1000, i) TH_LOG("namespace %d could not be created", i);
	ASSERT_EQ(0, ret) TH_LOG("restore %s: %s", MAX_TIMENS, strerror(errno));
	host_unchanged(_metadata, &h);
}

TEST_HARNESS_MAIN
