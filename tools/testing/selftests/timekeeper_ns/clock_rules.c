// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of a namespace's clock that the host's clock has too: no
 * CLOCK_REALTIME before CLOCK_MONOTONIC, the coarse clocks not behind a
 * value just set, CLOCK_MONOTONIC_RAW the same on every path, a clock far
 * beyond the host's read alike by the vDSO and the syscall, and
 * adjtimex() requests that steer nothing or fail leave the namespace
 * following the host.
 *
 * Each test failed on the kernel before the fix it is named after.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/timex.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"

/* The largest time of day the kernel accepts: KTIME_SEC_MAX - 30 years */
#define KTIME_SEC_MAX		(INT64_MAX / NSEC_PER_SEC)
#define SETTOD_MAX_SEC		(KTIME_SEC_MAX - 30LL * 365 * 24 * 3600)

/*
 * Setting CLOCK_REALTIME to before the namespace's CLOCK_MONOTONIC gets
 * the host's EINVAL, whichever call sets it, and changes nothing.
 */
static void before_monotonic(struct __test_metadata *_metadata)
{
	struct timespec early = { .tv_sec = 1 };
	struct timeval tv = { .tv_sec = 1 };
	struct timex tx = {
		.modes = ADJ_SETOFFSET | ADJ_NANO,
		.time.tv_sec = -(clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC) + 1,
	};
	int64_t before = realtime_offset_ns();

	EXPECT_TRUE(FAILS_WITH(clock_settime(CLOCK_REALTIME, &early), EINVAL));
	EXPECT_TRUE(FAILS_WITH(settimeofday(&tv, NULL), EINVAL));
	EXPECT_TRUE(FAILS_WITH(adjtimex(&tx), EINVAL));
	EXPECT_TRUE(realtime_unchanged_since(before));
	/* What a reader of /proc/stat would have seen: a btime before 1970 */
	EXPECT_LT(clock_ns(CLOCK_BOOTTIME), clock_ns(CLOCK_REALTIME));
}

TEST(realtime_not_before_monotonic)
{
	tk_run_in_ns(_metadata, TK_NS_USER, before_monotonic);
}

/*
 * Right after clock_settime(), CLOCK_REALTIME_COARSE and time() read the
 * second just set or later, through the syscalls and through the vDSO, as
 * on the host, and CLOCK_REALTIME too: "date -s X; date" never prints X - 1.
 */
static void coarse_after_set(struct __test_metadata *_metadata)
{
	const time_t base = 1483228000;	/* 2016-12-31T23:46:40Z */
	struct timespec set, fine, sys_coarse, coarse;
	time_t sys_t, t;
	int i;

	for (i = 0; i < 200; i++) {
		set.tv_sec = base + i;
		set.tv_nsec = 0;
		ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &set));
		t = time(NULL);
		ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME_COARSE, &coarse));
		sys_t = syscall(SYS_time, NULL);
		ASSERT_EQ(0, syscall(SYS_clock_gettime, CLOCK_REALTIME_COARSE, &sys_coarse));
		ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &fine));
		ASSERT_GE(t, set.tv_sec) TH_LOG("set %ld, vDSO time %ld", set.tv_sec, t);
		ASSERT_GE(coarse.tv_sec, set.tv_sec)
			TH_LOG("set %ld, vDSO coarse %ld.%09ld", set.tv_sec,
			       coarse.tv_sec, coarse.tv_nsec);
		ASSERT_GE(sys_t, set.tv_sec) TH_LOG("set %ld, sys time %ld", set.tv_sec, sys_t);
		ASSERT_GE(sys_coarse.tv_sec, set.tv_sec)
			TH_LOG("set %ld, sys coarse %ld.%09ld", set.tv_sec,
			       sys_coarse.tv_sec, sys_coarse.tv_nsec);
		ASSERT_GE(fine.tv_sec, set.tv_sec);
	}
}

TEST(coarse_not_behind_a_set)
{
	tk_run_in_ns(_metadata, TK_NS_USER, coarse_after_set);
}

/*
 * On a clock of its own running 10% fast (ADJ_TICK 11000),
 * CLOCK_MONOTONIC_RAW is still the host's oscillator plus the fixed
 * offset: a syscall read lies between two vDSO reads.
 */
static void raw_on_own_clock(struct __test_metadata *_metadata)
{
	struct timex tx = { .modes = ADJ_TICK, .tick = 11000 };
	int64_t r1, v1, s, v2, mono1, mono2;

	ASSERT_LE(0, adjtimex(&tx));
	mono1 = clock_ns(CLOCK_MONOTONIC);
	r1 = clock_ns(CLOCK_MONOTONIC_RAW);
	usleep(500 * 1000);
	v1 = clock_ns(CLOCK_MONOTONIC_RAW);
	s = sys_clock_ns(CLOCK_MONOTONIC_RAW);
	v2 = clock_ns(CLOCK_MONOTONIC_RAW);
	mono2 = clock_ns(CLOCK_MONOTONIC);
	/* The own clock does run fast: 10% */
	ASSERT_GT((mono2 - mono1) * 100, (v2 - r1) * 105);
	EXPECT_LE(v1, s) TH_LOG("vDSO %lld, then syscall %lld", (long long)v1, (long long)s);
	EXPECT_LE(s, v2) TH_LOG("syscall %lld, then vDSO %lld", (long long)s, (long long)v2);
}

TEST(monotonic_raw_same_on_every_path)
{
	tk_run_in_ns(_metadata, TK_NS_USER, raw_on_own_clock);
}

/*
 * A child asks its parent, in the initial time namespace, to change the
 * host's frequency, and reads it back through adjtimex() in its own
 * namespace: a namespace which follows the host reports the host's.
 */
#define FREQ_A	(7L << 16)
#define FREQ_B	(-11L * 65536)

struct host_helper {
	int req[2];
	int ack[2];
};

static bool follows_host(struct host_helper *h)
{
	struct timex tx = {};
	char c = 'f';

	if (write(h->req[1], &c, 1) != 1 || read(h->ack[0], &c, 1) != 1)
		return false;
	if (adjtimex(&tx) < 0)
		return false;
	return tx.freq == FREQ_B;
}

/* In the parent: serve follows_host() of the child @pid, then restore */
static void serve_host(struct __test_metadata *_metadata, struct host_helper *h, pid_t pid)
{
	struct timex tx = { .modes = ADJ_FREQUENCY };
	char c;

	close(h->req[1]);
	close(h->ack[0]);
	while (read(h->req[0], &c, 1) == 1) {
		tx.freq = FREQ_B;
		ASSERT_LE(0, adjtimex(&tx));
		ASSERT_EQ(1, write(h->ack[1], &c, 1));
	}
	tk_wait_ok(_metadata, pid);
}

/*
 * In a new user+time namespace, run @fn, then assert that the namespace
 * still follows the host (follows_host()), served by the caller.
 */
static void run_following(struct __test_metadata *_metadata, struct host_helper *h,
			  void (*fn)(struct __test_metadata *_metadata))
{
	pid_t pid = tk_ns_fork(_metadata, TK_NS_USER);

	if (!pid) {
		close(h->req[0]);
		close(h->ack[1]);
		fn(_metadata);
		ASSERT_TRUE(follows_host(h));
		_exit(_metadata->exit_code);
	}
	serve_host(_metadata, h, pid);
}

FIXTURE(adjtimex_follow)
{
	struct host_helper h;
	long saved_freq;
};

FIXTURE_SETUP(adjtimex_follow)
{
	struct timex tx = {};

	ASSERT_LE(0, adjtimex(&tx));
	self->saved_freq = tx.freq;
	tx.modes = ADJ_FREQUENCY;
	tx.freq = FREQ_A;
	ASSERT_LE(0, adjtimex(&tx));
	ASSERT_EQ(0, pipe(self->h.req));
	ASSERT_EQ(0, pipe(self->h.ack));
}

FIXTURE_TEARDOWN(adjtimex_follow)
{
	struct timex tx = { .modes = ADJ_FREQUENCY, .freq = self->saved_freq };

	EXPECT_LE(0, adjtimex(&tx));
}

/* Mode bits that steer nothing do not give the namespace a clock of its own. */
static void unknown_modes(struct __test_metadata *_metadata)
{
	struct timex tx = { .modes = 0x0400 | 0x0800 };

	ASSERT_LE(0, adjtimex(&tx));
}

TEST_F(adjtimex_follow, unknown_mode_bits)
{
	run_following(_metadata, &self->h, unknown_modes);
}

/*
 * A request which steers the frequency and steps the clock to before its
 * CLOCK_MONOTONIC fails with EINVAL and changes nothing: the namespace
 * still follows the host.
 */
static void failed_step(struct __test_metadata *_metadata)
{
	struct timex tx = {
		.modes = ADJ_FREQUENCY | ADJ_SETOFFSET | ADJ_NANO,
		.freq = 100 << 16,
		.time.tv_sec = -(clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC) + 1,
	};
	int64_t before = realtime_offset_ns();

	ASSERT_TRUE(FAILS_WITH(adjtimex(&tx), EINVAL));
	EXPECT_TRUE(realtime_unchanged_since(before));
}

TEST_F(adjtimex_follow, failed_step_changes_nothing)
{
	run_following(_metadata, &self->h, failed_step);
}

/*
 * ADJ_NANO and ADJ_MICRO in a namespace which follows the host choose
 * the units it reports in, as on the host, and steer nothing.
 */
static void nano_micro(struct __test_metadata *_metadata)
{
	struct timex tx = { .modes = ADJ_NANO };
	struct timespec now;

	ASSERT_LE(0, adjtimex(&tx));
	tx.modes = 0;
	ASSERT_LE(0, adjtimex(&tx));
	ASSERT_TRUE(tx.status & STA_NANO);
	/* tv_usec holds nanoseconds now */
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &now));
	EXPECT_LT(llabs(ts_ns(&now) - (tx.time.tv_sec * NSEC_PER_SEC + tx.time.tv_usec)),
		  TKNS_STEP_TOLERANCE_NS);
	tx.modes = ADJ_MICRO;
	ASSERT_LE(0, adjtimex(&tx));
	tx.modes = 0;
	ASSERT_LE(0, adjtimex(&tx));
	ASSERT_FALSE(tx.status & STA_NANO);
}

TEST_F(adjtimex_follow, nano_micro_kept)
{
	run_following(_metadata, &self->h, nano_micro);
}

/*
 * A namespace which follows the host, set near the largest time of day,
 * then the host stepped 200 years forward: the namespace's clock is past
 * KTIME_MAX. The vDSO and the syscall read it alike, and an absolute sleep
 * until the end of time on it does not return.
 */
static void far_beyond(struct __test_metadata *_metadata)
{
	struct timespec end = { .tv_sec = KTIME_SEC_MAX, .tv_nsec = 0 };
	int64_t v, s;
	pid_t pid;

	/* Read in seconds: the nanoseconds since 1970 overflow an s64 here */
	struct timespec vts, sts;

	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &vts));
	ASSERT_EQ(0, syscall(SYS_clock_gettime, CLOCK_REALTIME, &sts));
	v = vts.tv_sec;
	s = sts.tv_sec;
	ASSERT_GT(v, KTIME_SEC_MAX) TH_LOG("vDSO %lld", (long long)v);
	EXPECT_LE(s - v, 1) TH_LOG("vDSO %lld, syscall %lld", (long long)v, (long long)s);
	EXPECT_GE(s - v, 0) TH_LOG("vDSO %lld, syscall %lld", (long long)v, (long long)s);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &end, NULL);
		_exit(0);
	}
	usleep(300 * 1000);
	EXPECT_EQ(0, waitpid(pid, NULL, WNOHANG)) TH_LOG("the sleep until KTIME_MAX returned");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST(beyond_ktime_max)
{
	const int64_t years200 = 200LL * 365 * 24 * 3600 * NSEC_PER_SEC;
	int req[2], ack[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(req));
	ASSERT_EQ(0, pipe(ack));
	pid = tk_ns_fork(_metadata, TK_NS_USER);
	if (!pid) {
		struct timespec top = { .tv_sec = SETTOD_MAX_SEC - 10 };

		close(req[0]);
		close(ack[1]);
		ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &top));
		ASSERT_EQ(1, write(req[1], "s", 1));
		ASSERT_EQ(1, read(ack[0], &c, 1));
		far_beyond(_metadata);
		_exit(_metadata->exit_code);
	}
	close(req[1]);
	close(ack[0]);
	ASSERT_EQ(1, read(req[0], &c, 1));
	/* The host, real root in the initial time namespace, steps forward... */
	ASSERT_EQ(0, step_realtime(years200));
	ASSERT_EQ(1, write(ack[1], "s", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* ... and back, whatever the child found */
	ASSERT_EQ(0, step_realtime(-years200));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_FALSE(_metadata->aborted);
}

TEST_HARNESS_MAIN
