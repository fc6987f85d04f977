// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per time namespace timekeeper.
 *
 * Each test creates time namespaces owned by the initial user namespace
 * (the test thread has CAP_SYS_TIME there), sets their clocks, and checks
 * both the namespace and that the host's clocks did not move.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/nsproxy.h>
#include <linux/time_namespace.h>
#include <linux/timekeeper_ns.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>

/* Reads that should agree do so within this much under TCG: 50 ms. */
#define TOLERANCE_NS	(50 * NSEC_PER_MSEC)

static struct time_namespace *new_ns(struct kunit *test, struct time_namespace *parent)
{
	struct time_namespace *ns = copy_time_ns(CLONE_NEWTIME, &init_user_ns, parent);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ns));
	return ns;
}

static s64 ns_real(struct time_namespace *ns)
{
	struct timespec64 ts;

	timekeeper_ns_get_real_ts64(ns, &ts);
	return timespec64_to_ns(&ts);
}

/* Host CLOCK_REALTIME minus CLOCK_MONOTONIC: moves only when it is set. */
static s64 host_wall_to_mono(void)
{
	return ktime_to_ns(ktime_sub(ktime_get_real(), ktime_get()));
}

static void expect_near(struct kunit *test, s64 a, s64 b)
{
	KUNIT_EXPECT_LT(test, abs(a - b), TOLERANCE_NS);
}

static void tkns_test_create_follows_parent(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);

	expect_near(test, ns_real(ns), ktime_to_ns(ktime_get_real()));
	put_time_ns(ns);
}

static void tkns_test_settime(struct kunit *test)
{
	/* 2016-12-31T23:59:50Z, ten seconds before a leap second */
	struct timespec64 target = { .tv_sec = 1483228790, .tv_nsec = 0 };
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	s64 host_before = host_wall_to_mono();

	KUNIT_EXPECT_EQ(test, timekeeper_ns_settimeofday64(ns, &target, NULL), 0);
	expect_near(test, ns_real(ns), timespec64_to_ns(&target));
	expect_near(test, host_wall_to_mono(), host_before);
	/* ... and the namespace's clock keeps running */
	msleep(20);
	KUNIT_EXPECT_GT(test, ns_real(ns), timespec64_to_ns(&target) + 19 * NSEC_PER_MSEC);
	put_time_ns(ns);
}

static void tkns_test_nesting(struct kunit *test)
{
	struct timespec64 t1 = { .tv_sec = 1000000000 }, t2 = { .tv_sec = 2000000000 };
	struct time_namespace *parent = new_ns(test, &init_time_ns);
	struct time_namespace *child, *sibling;

	KUNIT_ASSERT_EQ(test, timekeeper_ns_settimeofday64(parent, &t1, NULL), 0);
	child = new_ns(test, parent);
	sibling = new_ns(test, &init_time_ns);
	/* A namespace starts with the clock of the one it was created from. */
	expect_near(test, ns_real(child), timespec64_to_ns(&t1));

	KUNIT_ASSERT_EQ(test, timekeeper_ns_settimeofday64(child, &t2, NULL), 0);
	expect_near(test, ns_real(child), timespec64_to_ns(&t2));
	expect_near(test, ns_real(parent), timespec64_to_ns(&t1));
	expect_near(test, ns_real(sibling), ktime_to_ns(ktime_get_real()));
	put_time_ns(child);
	put_time_ns(sibling);
	put_time_ns(parent);
}

static void tkns_test_timezone(struct kunit *test)
{
	struct timezone tz = { .tz_minuteswest = -120, .tz_dsttime = 1 }, got;
	struct timezone bad = { .tz_minuteswest = 15 * 60 + 1 };
	struct timezone host_before = sys_tz;
	struct time_namespace *ns = new_ns(test, &init_time_ns), *child;

	KUNIT_EXPECT_EQ(test, timekeeper_ns_settimeofday64(ns, NULL, &tz), 0);
	timekeeper_ns_get_timezone(ns, &got);
	KUNIT_EXPECT_EQ(test, got.tz_minuteswest, -120);
	KUNIT_EXPECT_EQ(test, got.tz_dsttime, 1);
	KUNIT_EXPECT_EQ(test, sys_tz.tz_minuteswest, host_before.tz_minuteswest);

	KUNIT_EXPECT_EQ(test, timekeeper_ns_settimeofday64(ns, NULL, &bad), -EINVAL);
	timekeeper_ns_get_timezone(ns, &got);
	KUNIT_EXPECT_EQ(test, got.tz_minuteswest, -120);

	child = new_ns(test, ns);
	timekeeper_ns_get_timezone(child, &got);
	KUNIT_EXPECT_EQ(test, got.tz_minuteswest, -120);
	put_time_ns(child);
	put_time_ns(ns);
}

static void tkns_test_invalid(struct kunit *test)
{
	static const struct timespec64 bad[] = {
		{ .tv_sec = -1 },
		{ .tv_sec = 1, .tv_nsec = NSEC_PER_SEC },
		{ .tv_sec = 1, .tv_nsec = -1 },
		{ .tv_sec = KTIME_SEC_MAX },
	};
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	s64 host_before = host_wall_to_mono();
	s64 before = ns_real(ns) - ktime_to_ns(ktime_get_real());
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ(test, timekeeper_ns_settimeofday64(ns, &bad[i], NULL), -EINVAL);
	expect_near(test, ns_real(ns) - ktime_to_ns(ktime_get_real()), before);
	expect_near(test, host_wall_to_mono(), host_before);
	put_time_ns(ns);
}

static void tkns_test_setoffset_and_tai(struct kunit *test)
{
	struct __kernel_timex txc = {};
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	s64 host_before = host_wall_to_mono();
	struct timespec64 real, tai;
	s64 before = ns_real(ns);

	txc.modes = ADJ_SETOFFSET | ADJ_NANO;
	txc.time.tv_sec = 3600;
	KUNIT_EXPECT_GE(test, timekeeper_ns_adjtimex(ns, &txc), 0);
	expect_near(test, ns_real(ns), before + 3600 * NSEC_PER_SEC);

	/* A step to before the namespace's monotonic time is refused. */
	memset(&txc, 0, sizeof(txc));
	txc.modes = ADJ_SETOFFSET;
	txc.time.tv_sec = -(1LL << 40);
	KUNIT_EXPECT_EQ(test, timekeeper_ns_adjtimex(ns, &txc), -EINVAL);
	expect_near(test, ns_real(ns), before + 3600 * NSEC_PER_SEC);

	memset(&txc, 0, sizeof(txc));
	txc.modes = ADJ_TAI;
	txc.constant = 42;
	KUNIT_EXPECT_GE(test, timekeeper_ns_adjtimex(ns, &txc), 0);
	KUNIT_EXPECT_EQ(test, txc.tai, 42);
	timekeeper_ns_get_real_ts64(ns, &real);
	timekeeper_ns_get_clocktai_ts64(ns, &tai);
	expect_near(test, timespec64_to_ns(&tai) - timespec64_to_ns(&real), 42 * NSEC_PER_SEC);

	/* Steering the frequency needs the namespace's own NTP state. */
	memset(&txc, 0, sizeof(txc));
	txc.modes = ADJ_FREQUENCY;
	txc.freq = 100 << 16;
	KUNIT_EXPECT_EQ(test, timekeeper_ns_adjtimex(ns, &txc), -EOPNOTSUPP);

	expect_near(test, host_wall_to_mono(), host_before);
	memset(&txc, 0, sizeof(txc));
	KUNIT_EXPECT_GE(test, do_adjtimex(&txc), 0);
	KUNIT_EXPECT_NE(test, txc.tai, 42);
	KUNIT_EXPECT_NE(test, txc.freq, 100 << 16);
	put_time_ns(ns);
}

static void tkns_test_to_host(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct timespec64 target = { .tv_sec = 1483228790 };
	ktime_t host_now, ns_now;

	KUNIT_ASSERT_EQ(test, timekeeper_ns_settimeofday64(ns, &target, NULL), 0);
	ns_now = ns_real(ns);
	host_now = ktime_get_real();
	/* One second from now in the namespace is one second from now on the host. */
	expect_near(test, timekeeper_ns_to_host(ns, CLOCK_REALTIME, ns_now + NSEC_PER_SEC),
		    host_now + NSEC_PER_SEC);
	/* Long past in the namespace: already expired on the host. */
	KUNIT_EXPECT_LT(test, timekeeper_ns_to_host(ns, CLOCK_REALTIME, 0), host_now);
	put_time_ns(ns);
}

static struct kunit_case timekeeper_ns_cases[] = {
	KUNIT_CASE(tkns_test_create_follows_parent),
	KUNIT_CASE(tkns_test_settime),
	KUNIT_CASE(tkns_test_nesting),
	KUNIT_CASE(tkns_test_timezone),
	KUNIT_CASE(tkns_test_invalid),
	KUNIT_CASE(tkns_test_setoffset_and_tai),
	KUNIT_CASE(tkns_test_to_host),
	{}
};

static struct kunit_suite timekeeper_ns_suite = {
	.name = "timekeeper_ns",
	.test_cases = timekeeper_ns_cases,
};

kunit_test_suite(timekeeper_ns_suite);

MODULE_DESCRIPTION("KUnit tests for the per time namespace timekeeper");
MODULE_LICENSE("GPL");
