// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per time namespace timekeeper.
 *
 * Each test creates time namespaces owned by the initial user namespace
 * (the test thread has CAP_SYS_TIME there) and makes them local, as
 * /proc/PID/timens_clock does, sets their clocks, and checks both the
 * namespace and that the host's clocks did not move.
 */
#include <kunit/test.h>
#include <linux/alarmtimer.h>
#include <linux/audit.h>
#include <linux/clocksource.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/time_namespace.h>
#include <linux/timekeeper_ns.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>

#include "ntp_internal.h"
#include "timekeeping_internal.h"
#include "timekeeping_recorded.h"
#include "timekeeping_recorded_data.h"

static struct time_namespace *new_ns(struct kunit *test, struct time_namespace *parent)
{
	struct time_namespace *ns = copy_time_ns(CLONE_NEWTIME, &init_user_ns, parent);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ns));
	/* A copy of a local namespace is local: no opt-in needed */
	KUNIT_ASSERT_EQ(test, timens_is_local(ns), timens_is_local(parent));
	KUNIT_ASSERT_EQ(test, timens_tk_make_local(ns), 0);
	KUNIT_ASSERT_TRUE(test, timens_is_local(ns));
	return ns;
}

static s64 ns_real(struct time_namespace *ns)
{
	struct timespec64 ts;

	timens_tk_get_real_ts64(ns, &ts);
	return timespec64_to_ns(&ts);
}

/*
 * The tests of the real clocks take no tolerance. A value of a namespace's
 * clock is read between two reads of a host clock, and checked against
 * what those brackets allow: a following namespace's CLOCK_REALTIME is the
 * host's plus its offset, to the nanosecond, so its offset lies in
 * [v - hi, v - lo]; an own clock runs at its frequency on the host's
 * CLOCK_MONOTONIC_RAW.
 */
struct stamp {
	s64	lo;	/* the host clock before */
	s64	v;	/* the namespace's CLOCK_REALTIME */
	s64	hi;	/* the host clock after */
};

static struct stamp stamp_real(struct time_namespace *ns)
{
	struct stamp s;

	s.lo = ktime_get_real_ns();
	s.v = ns_real(ns);
	s.hi = ktime_get_real_ns();
	return s;
}

/*
 * The tightest of a few bracketed reads on CLOCK_MONOTONIC_RAW: under TCG
 * a read can stall for tens of microseconds.
 */
static struct stamp stamp_raw(struct time_namespace *ns)
{
	struct stamp s, best = { .lo = 0, .hi = S64_MAX };
	int i;

	for (i = 0; i < 8; i++) {
		s.lo = ktime_get_raw_ns();
		s.v = ns_real(ns);
		s.hi = ktime_get_raw_ns();
		if (s.hi - s.lo < best.hi - best.lo)
			best = s;
	}
	return best;
}

/* An offset of a following namespace's CLOCK_REALTIME, or its range */
struct ns_range {
	s64	lo;
	s64	hi;
};

static struct ns_range ns_range_add(struct ns_range r, s64 d)
{
	return (struct ns_range) { r.lo + d, r.hi + d };
}

/* The offset a following namespace's CLOCK_REALTIME was read at */
static struct ns_range ns_offset(struct time_namespace *ns)
{
	struct stamp s = stamp_real(ns);

	return (struct ns_range) { s.v - s.hi, s.v - s.lo };
}

/* The offset of @ns, as read now, can be @want */
static void expect_offset(struct kunit *test, struct time_namespace *ns, struct ns_range want)
{
	struct ns_range got = ns_offset(ns);

	KUNIT_EXPECT_LE_MSG(test, got.lo, want.hi, "offset %lld..%lld, want %lld..%lld",
			    got.lo, got.hi, want.lo, want.hi);
	KUNIT_EXPECT_GE_MSG(test, got.hi, want.lo, "offset %lld..%lld, want %lld..%lld",
			    got.lo, got.hi, want.lo, want.hi);
}

/* Set @ns to @ts: the offset this gives it */
static struct ns_range settime_offset(struct kunit *test, struct time_namespace *ns,
				      const struct timespec64 *ts)
{
	s64 lo = ktime_get_real_ns(), hi;

	KUNIT_EXPECT_EQ(test, timens_tk_settime64(ns, ts), 0);
	hi = ktime_get_real_ns();
	return (struct ns_range) { timespec64_to_ns(ts) - hi, timespec64_to_ns(ts) - lo };
}

/*
 * The host's CLOCK_REALTIME minus its CLOCK_MONOTONIC, read at once: it
 * changes only when the host's clock is set.
 */
static s64 host_wall_to_mono(void)
{
	return ktime_to_ns(ktime_mono_to_real(0));
}

/*
 * @ns's CLOCK_TAI minus its CLOCK_REALTIME is @want: a CLOCK_TAI read
 * between two CLOCK_REALTIME reads.
 */
static void expect_tai_offset(struct kunit *test, struct time_namespace *ns, s64 want)
{
	struct timespec64 real0, tai, real1;

	timens_tk_get_real_ts64(ns, &real0);
	timens_tk_get_clocktai_ts64(ns, &tai);
	timens_tk_get_real_ts64(ns, &real1);
	KUNIT_EXPECT_GE(test, timespec64_to_ns(&tai) - want, timespec64_to_ns(&real0));
	KUNIT_EXPECT_LE(test, timespec64_to_ns(&tai) - want, timespec64_to_ns(&real1));
}

static void timens_tk_test_create_follows_parent(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);

	expect_offset(test, ns, (struct ns_range) { 0, 0 });
	put_time_ns(ns);
}

static void timens_tk_test_settime(struct kunit *test)
{
	/* 2016-12-31T23:59:50Z, ten seconds before a leap second */
	struct timespec64 target = { .tv_sec = 1483228790, .tv_nsec = 0 };
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	s64 host_before = host_wall_to_mono();
	struct stamp a, b;
	s64 lo, v, hi;

	lo = ktime_get_real_ns();
	KUNIT_EXPECT_EQ(test, timens_tk_settime64(ns, &target), 0);
	v = ns_real(ns);
	hi = ktime_get_real_ns();
	/* It reads what was set, plus what passed since, to the nanosecond */
	KUNIT_EXPECT_GE(test, v, timespec64_to_ns(&target));
	KUNIT_EXPECT_LE(test, v, timespec64_to_ns(&target) + hi - lo);
	KUNIT_EXPECT_EQ(test, host_wall_to_mono(), host_before);

	/* ... and it keeps running with the host's clock */
	a = stamp_real(ns);
	while (ktime_get_real_ns() <= a.hi)
		cpu_relax();
	b = stamp_real(ns);
	KUNIT_EXPECT_GE(test, b.v - a.v, b.lo - a.hi);
	KUNIT_EXPECT_LE(test, b.v - a.v, b.hi - a.lo);
	KUNIT_EXPECT_GT(test, b.v, a.v);
	put_time_ns(ns);
}

static void timens_tk_test_nesting(struct kunit *test)
{
	struct timespec64 t1 = { .tv_sec = 1000000000 }, t2 = { .tv_sec = 2000000000 };
	struct time_namespace *parent = new_ns(test, &init_time_ns);
	struct time_namespace *child, *sibling;
	struct ns_range o1, o2;

	o1 = settime_offset(test, parent, &t1);
	child = new_ns(test, parent);
	sibling = new_ns(test, &init_time_ns);
	/* A namespace starts with the clock of the one it was created from. */
	expect_offset(test, child, o1);

	o2 = settime_offset(test, child, &t2);
	expect_offset(test, child, o2);
	expect_offset(test, parent, o1);
	expect_offset(test, sibling, (struct ns_range) { 0, 0 });
	put_time_ns(child);
	put_time_ns(sibling);
	put_time_ns(parent);
}

static void timens_tk_test_timezone(struct kunit *test)
{
	struct timezone tz = { .tz_minuteswest = -120, .tz_dsttime = 1 }, got;
	struct timezone host_before = sys_tz;
	struct time_namespace *ns = new_ns(test, &init_time_ns), *child;

	timens_tk_set_timezone(ns, &tz);
	timens_tk_get_timezone(ns, &got);
	KUNIT_EXPECT_EQ(test, got.tz_minuteswest, -120);
	KUNIT_EXPECT_EQ(test, got.tz_dsttime, 1);
	KUNIT_EXPECT_EQ(test, sys_tz.tz_minuteswest, host_before.tz_minuteswest);

	child = new_ns(test, ns);
	timens_tk_get_timezone(child, &got);
	KUNIT_EXPECT_EQ(test, got.tz_minuteswest, -120);
	put_time_ns(child);
	put_time_ns(ns);
}

static void timens_tk_test_invalid(struct kunit *test)
{
	static const struct timespec64 bad[] = {
		{ .tv_sec = -1 },
		{ .tv_sec = 1, .tv_nsec = NSEC_PER_SEC },
		{ .tv_sec = 1, .tv_nsec = -1 },
		{ .tv_sec = KTIME_SEC_MAX },
	};
	struct timespec64 target = { .tv_sec = 1483228790 };
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	s64 host_before = host_wall_to_mono();
	struct ns_range before = settime_offset(test, ns, &target);
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ(test, timens_tk_settime64(ns, &bad[i]), -EINVAL);
	expect_offset(test, ns, before);
	KUNIT_EXPECT_EQ(test, host_wall_to_mono(), host_before);
	put_time_ns(ns);
}

static void timens_tk_test_setoffset_and_tai(struct kunit *test)
{
	struct __kernel_timex txc = {};
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	s64 host_before = host_wall_to_mono();
	struct ns_range after = ns_range_add(ns_offset(ns), 3600 * NSEC_PER_SEC);

	txc.modes = ADJ_SETOFFSET | ADJ_NANO;
	txc.time.tv_sec = 3600;
	KUNIT_EXPECT_GE(test, timens_tk_adjtimex(ns, &txc), 0);
	expect_offset(test, ns, after);

	/* A step to before the namespace's monotonic time is refused. */
	memset(&txc, 0, sizeof(txc));
	txc.modes = ADJ_SETOFFSET;
	txc.time.tv_sec = -(1LL << 40);
	KUNIT_EXPECT_EQ(test, timens_tk_adjtimex(ns, &txc), -EINVAL);
	expect_offset(test, ns, after);

	memset(&txc, 0, sizeof(txc));
	txc.modes = ADJ_TAI;
	txc.constant = 42;
	KUNIT_EXPECT_GE(test, timens_tk_adjtimex(ns, &txc), 0);
	KUNIT_EXPECT_EQ(test, txc.tai, 42);
	expect_tai_offset(test, ns, 42 * NSEC_PER_SEC);

	KUNIT_EXPECT_EQ(test, host_wall_to_mono(), host_before);
	memset(&txc, 0, sizeof(txc));
	KUNIT_EXPECT_GE(test, do_adjtimex(&txc), 0);
	KUNIT_EXPECT_NE(test, txc.tai, 42);
	put_time_ns(ns);
}

static long ns_freq(struct time_namespace *ns)
{
	struct __kernel_timex txc = {};

	timens_tk_adjtimex(ns, &txc);
	return txc.freq;
}

/*
 * How much @b.v - @a.v of a clock which runs at @ppm parts per million
 * on the bracketing clock can differ from @ppm times the bracketed
 * interval: the brackets, and @slack for what the clock's multiplier
 * leaves.
 */
static void expect_ran(struct kunit *test, struct stamp a, struct stamp b, s64 ppm,
		       s64 slack)
{
	s64 lo = b.lo - a.hi, hi = b.hi - a.lo;

	lo += div_s64(lo * ppm, USEC_PER_SEC) - slack;
	hi += div_s64(hi * ppm, USEC_PER_SEC) + slack;
	KUNIT_EXPECT_GE_MSG(test, b.v - a.v, lo, "ran %lld ns, want %lld..%lld",
			    b.v - a.v, lo, hi);
	KUNIT_EXPECT_LE_MSG(test, b.v - a.v, hi, "ran %lld ns, want %lld..%lld",
			    b.v - a.v, lo, hi);
	kunit_info(test, "ran %lld ns, want %lld..%lld\n", b.v - a.v, lo, hi);
}

/*
 * What an own clock's multiplier leaves at @ppm between @a and @b: the
 * NTP error of one tick, and 2^-31 of the interval.
 */
static s64 ntp_slack(struct stamp a, struct stamp b, s64 ppm)
{
	return div_s64(ppm * TICK_NSEC, USEC_PER_SEC) + ((b.hi - a.lo) >> 31) + 1;
}

/*
 * Steering the frequency gives a namespace a timekeeper of its own, which
 * continues its clocks and leaves the host's and its siblings' alone; a
 * namespace created from it has one too, at the same frequency.
 */
static void timens_tk_test_own_clock(struct kunit *test)
{
	struct timespec64 target = { .tv_sec = 1483228790 };
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct time_namespace *sibling = new_ns(test, &init_time_ns);
	struct __kernel_timex txc = {}, host = {};
	s64 host_before = host_wall_to_mono();
	struct time_namespace *child;
	struct stamp a, b;
	s64 c;

	KUNIT_ASSERT_EQ(test, timens_tk_settime64(ns, &target), 0);
	txc.modes = ADJ_TAI;
	txc.constant = 36;
	KUNIT_ASSERT_GE(test, timens_tk_adjtimex(ns, &txc), 0);

	/*
	 * No jump at the switch: across it the clock runs at the host's
	 * frequency, then at its own, both within 500 ppm of the host's
	 * CLOCK_MONOTONIC_RAW, to a nanosecond of rounding.
	 */
	a = stamp_raw(ns);
	txc = (struct __kernel_timex) { .modes = ADJ_FREQUENCY, .freq = 200 << 16 };
	KUNIT_ASSERT_GE(test, timens_tk_adjtimex(ns, &txc), 0);
	b = stamp_raw(ns);
	KUNIT_ASSERT_TRUE(test, timens_tk_is_own(ns));
	KUNIT_EXPECT_EQ(test, txc.freq, 200 << 16);
	KUNIT_EXPECT_EQ(test, txc.tai, 36);
	expect_ran(test, a, b, 0, div_s64(b.hi - a.lo, 2000) + 1);
	expect_tai_offset(test, ns, 36 * NSEC_PER_SEC);

	/*
	 * 200 ppm: it gains 200 us a second on the oscillator it runs on,
	 * the host's CLOCK_MONOTONIC_RAW, however long the test waits, to
	 * what its multiplier leaves. The brackets, some 25 us wide under TCG, resolve 50 ppm
	 * in the half second waited; the lazy suite checks the rate of the
	 * same arithmetic exactly, on a clocksource it moves.
	 */
	a = stamp_raw(ns);
	fsleep(500 * USEC_PER_MSEC);
	b = stamp_raw(ns);
	expect_ran(test, a, b, 200, ntp_slack(a, b, 200));

	/*
	 * A namespace created from it has its clock and frequency, and the
	 * clone leaves it as it was.
	 */
	a = stamp_raw(ns);
	child = new_ns(test, ns);
	c = ns_real(child);
	b = stamp_raw(ns);
	KUNIT_EXPECT_EQ(test, ns_freq(child), 200 << 16);
	KUNIT_EXPECT_GE(test, c, a.v);
	KUNIT_EXPECT_LE(test, c, b.v);
	expect_ran(test, a, b, 200, ntp_slack(a, b, 200));

	KUNIT_EXPECT_GE(test, do_adjtimex(&host), 0);
	KUNIT_EXPECT_NE(test, host.freq, 200 << 16);
	KUNIT_EXPECT_EQ(test, ns_freq(sibling), host.freq);
	KUNIT_EXPECT_EQ(test, host_wall_to_mono(), host_before);
	put_time_ns(child);
	put_time_ns(sibling);
	put_time_ns(ns);
}

static s64 ns_own(struct time_namespace *ns, clockid_t clockid)
{
	struct timespec64 ts;

	if (clockid == CLOCK_REALTIME)
		timens_tk_get_real_ts64(ns, &ts);
	else if (!timens_tk_get_own_ts64(ns, clockid, &ts))
		return -1;
	return timespec64_to_ns(&ts);
}

/*
 * A host suspend, which CLOCK_MONOTONIC_RAW, the clocksource of an own
 * clock, misses: the own clock's CLOCK_REALTIME and CLOCK_BOOTTIME
 * advance by the suspended time, as the host's do, and its
 * CLOCK_MONOTONIC does not, on the next read and once only.
 */
static void timens_tk_test_own_clock_suspend(struct kunit *test)
{
	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
	const s64 suspended = 3600 * NSEC_PER_SEC;
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct __kernel_timex txc = { .modes = ADJ_FREQUENCY };
	s64 before[3], after[3], again[3], raw, elapsed;
	unsigned int i;

	KUNIT_ASSERT_GE(test, timens_tk_adjtimex(ns, &txc), 0);
	raw = ktime_get_raw_ns();
	for (i = 0; i < ARRAY_SIZE(clocks); i++)
		before[i] = ns_own(ns, clocks[i]);
	timens_tk_test_suspend(ns, ns_to_ktime(suspended));
	for (i = 0; i < ARRAY_SIZE(clocks); i++)
		after[i] = ns_own(ns, clocks[i]);
	for (i = 0; i < ARRAY_SIZE(clocks); i++)
		again[i] = ns_own(ns, clocks[i]);
	/* At the host's frequency, at most 500 ppm off its oscillator */
	elapsed = ktime_get_raw_ns() - raw;
	elapsed += elapsed / 2000 + 1;

	for (i = 0; i < ARRAY_SIZE(clocks); i++) {
		s64 want = clocks[i] == CLOCK_MONOTONIC ? 0 : suspended;

		KUNIT_EXPECT_GE_MSG(test, after[i] - before[i], want, "clock %d", clocks[i]);
		KUNIT_EXPECT_LE_MSG(test, after[i] - before[i], want + elapsed, "clock %d",
				    clocks[i]);
		KUNIT_EXPECT_GE_MSG(test, again[i], after[i], "clock %d", clocks[i]);
		KUNIT_EXPECT_LE_MSG(test, again[i] - after[i], elapsed, "clock %d", clocks[i]);
	}
	put_time_ns(ns);
}

static void timens_tk_test_to_host(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct timespec64 target = { .tv_sec = 1483228790 };
	struct ns_range off = settime_offset(test, ns, &target);
	s64 at = timespec64_to_ns(&target) + NSEC_PER_SEC;
	ktime_t host = timens_tk_to_host(ns, CLOCK_REALTIME, at);

	/* A time of the namespace is that time minus its offset on the host. */
	KUNIT_EXPECT_GE(test, ktime_to_ns(host), at - off.hi);
	KUNIT_EXPECT_LE(test, ktime_to_ns(host), at - off.lo);
	/* Long past in the namespace: already expired on the host. */
	KUNIT_EXPECT_LT(test, timens_tk_to_host(ns, CLOCK_REALTIME, 0), ktime_get_real());
	put_time_ns(ns);
}

/*
 * The timekeeper of a namespace is advanced lazily. These tests run the
 * timekeeper instances on a clocksource which the test moves, with the
 * geometry of the namespaces' clocksource: nanoseconds, scaled by 2^31.
 * With a zero frequency offset the NTP tick is an exact number of cycles,
 * so a lazy advance must give exactly what the host's per tick advance
 * gives.
 */
#define FAKE_SHIFT	31

static u64 fake_cycles;

static u64 fake_read(struct clocksource *cs)
{
	return READ_ONCE(fake_cycles);
}

static struct clocksource fake_clock = {
	.name		= "kunit-fake",
	.read		= fake_read,
	.mask		= CLOCKSOURCE_MASK(64),
	.mult		= 1U << FAKE_SHIFT,
	.shift		= FAKE_SHIFT,
	.maxadj		= (1U << FAKE_SHIFT) / 100 * 11,
	.max_cycles	= 1ULL << 32,
	.max_idle_ns	= NSEC_PER_SEC,
	.max_raw_delta	= CLOCKSOURCE_MASK(63),
};

struct lazy_tk {
	struct tk_data	tkd;
	struct ntp_data	ntp;
};

static struct lazy_tk *lazy_alloc(struct kunit *test)
{
	struct lazy_tk *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, l);
	ntp_init_data(&l->ntp);
	return l;
}

/* A timekeeper on the fake clock, at @real, steered by @txc if not NULL. */
static struct lazy_tk *lazy_new(struct kunit *test, time64_t real, struct __kernel_timex *txc)
{
	struct lazy_tk *l = lazy_alloc(test);
	struct adjtimex_result result;

	tk_data_init(&l->tkd, &fake_clock, &l->ntp, fake_cycles, ktime_set(real, 0),
		     ktime_set(1000, 0), ktime_set(1000, 0), 0);
	if (txc)
		KUNIT_ASSERT_GE(test, tk_data_adjtimex(&l->tkd, txc, &result), 0);
	return l;
}

/* An exact copy of @src, state and NTP state, on the same clock. */
static struct lazy_tk *lazy_copy(struct kunit *test, struct lazy_tk *src)
{
	struct lazy_tk *l = lazy_alloc(test);

	l->ntp = src->ntp;
	tk_data_clone(&l->tkd, &src->tkd, &l->ntp);
	return l;
}

static s64 lazy_real(struct lazy_tk *l)
{
	struct timespec64 ts;

	tk_data_get_real_ts64(&l->tkd, &ts);
	return timespec64_to_ns(&ts);
}

static void expect_same_tk(struct kunit *test, struct lazy_tk *a, struct lazy_tk *b)
{
	struct timekeeper *ta = &a->tkd.timekeeper, *tb = &b->tkd.timekeeper;

	KUNIT_EXPECT_EQ(test, ta->xtime_sec, tb->xtime_sec);
	KUNIT_EXPECT_EQ(test, ta->tkr_mono.xtime_nsec, tb->tkr_mono.xtime_nsec);
	KUNIT_EXPECT_EQ(test, ta->tkr_mono.cycle_last, tb->tkr_mono.cycle_last);
	KUNIT_EXPECT_EQ(test, ta->tkr_mono.mult, tb->tkr_mono.mult);
	KUNIT_EXPECT_EQ(test, ta->ntp_error, tb->ntp_error);
	KUNIT_EXPECT_EQ(test, ta->tai_offset, tb->tai_offset);
	KUNIT_EXPECT_EQ(test, a->ntp.time_maxerror, b->ntp.time_maxerror);
	KUNIT_EXPECT_EQ(test, a->ntp.time_status, b->ntp.time_status);
	KUNIT_EXPECT_EQ(test, a->ntp.time_state, b->ntp.time_state);
}

/* Advance @ticked every second for @secs seconds of the fake clock. */
static void tick_for(struct lazy_tk *ticked, time64_t secs)
{
	time64_t s;

	for (s = 0; s < secs; s++) {
		fake_cycles += NSEC_PER_SEC;
		tk_data_advance(&ticked->tkd);
	}
}

/*
 * Hours of idle time caught up in one advance give exactly what an
 * advance every second gives, without overflow, and quickly.
 */
static void lazy_test_hours_idle(struct kunit *test)
{
	const time64_t hours = 48, start = 1483228790;
	struct lazy_tk *ticked, *lazy;
	u64 t0, cost;

	ticked = lazy_new(test, start, NULL);
	lazy = lazy_copy(test, ticked);
	KUNIT_EXPECT_EQ(test, lazy_real(lazy), start * NSEC_PER_SEC);

	tick_for(ticked, hours * 3600);
	t0 = ktime_get_raw_ns();
	tk_data_advance(&lazy->tkd);
	cost = ktime_get_raw_ns() - t0;

	expect_same_tk(test, ticked, lazy);
	KUNIT_EXPECT_EQ(test, lazy_real(lazy), (start + hours * 3600) * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, lazy->ntp.time_maxerror, NTP_PHASE_LIMIT);
	kunit_info(test, "%lld h idle caught up in %llu us\n", hours, cost / NSEC_PER_USEC);
}

/*
 * The same with a frequency offset. Advanced every second, the NTP error
 * feedback keeps the clock on time; advanced once, its multiplier, which
 * is a multiple of 2^-31, is off by up to half of that for the whole
 * interval: 0.23 ppb, 5 us in 6 hours.
 */
static void lazy_test_hours_with_frequency(struct kunit *test)
{
	struct __kernel_timex txc = { .modes = ADJ_FREQUENCY, .freq = 100 << 16 };
	const time64_t hours = 6, start = 1483228790;
	struct lazy_tk *ticked, *lazy;
	s64 want, err;

	ticked = lazy_new(test, start, &txc);
	lazy = lazy_copy(test, ticked);

	tick_for(ticked, hours * 3600);
	tk_data_advance(&lazy->tkd);

	/* 100 ppm faster than the clocksource */
	want = (start + hours * 3600) * NSEC_PER_SEC + hours * 3600 * 100 * NSEC_PER_USEC;
	err = abs(lazy_real(ticked) - want);
	KUNIT_EXPECT_LT(test, err, NSEC_PER_USEC);
	err = abs(lazy_real(lazy) - want);
	KUNIT_EXPECT_LE(test, err, (hours * 3600 * NSEC_PER_SEC >> (FAKE_SHIFT + 1)) + 1);
	kunit_info(test, "%lld h at 100 ppm: lazy %lld ns off\n", hours, err);
}

/*
 * A leap second requested in an NTP state is armed at the next second
 * boundary: a lazy advance across it inserts the leap second where the
 * host's advance would.
 */
static void lazy_test_leap_second(struct kunit *test)
{
	struct __kernel_timex txc = {
		.modes = ADJ_STATUS | ADJ_TAI, .status = STA_INS, .constant = 36,
	};
	/* 2016-12-31T23:59:50Z */
	const time64_t start = 1483228790;
	struct lazy_tk *ticked, *lazy;

	ticked = lazy_new(test, start, &txc);
	lazy = lazy_copy(test, ticked);
	KUNIT_EXPECT_EQ(test, ntp_steady_seconds(&lazy->ntp, start), 0);

	tick_for(ticked, 20);
	tk_data_advance(&lazy->tkd);

	expect_same_tk(test, ticked, lazy);
	/* 20 s later, one of them 23:59:60: 2017-01-01T00:00:09Z */
	KUNIT_EXPECT_EQ(test, lazy_real(lazy), (start + 19) * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, tk_data_get_tai_offset(&lazy->tkd), 37);
	KUNIT_EXPECT_EQ(test, lazy->ntp.time_state, TIME_WAIT);
}

/*
 * A leap second armed hours ahead: the seconds before it are caught up at
 * once, the leap second is inserted where a timekeeper advanced every
 * second inserts it, and a request kept after it (STA_INS in TIME_WAIT)
 * leaves the state steady for good: nothing is replayed for it.
 */
static void lazy_test_leap_second_hours_ahead(struct kunit *test)
{
	struct __kernel_timex txc = {
		.modes = ADJ_STATUS | ADJ_TAI, .status = STA_INS, .constant = 36,
	};
	/* 2016-12-31T18:00:00Z */
	const time64_t start = 1483207200, secs = 7 * 3600;
	struct lazy_tk *ticked, *lazy;

	ticked = lazy_new(test, start, &txc);
	lazy = lazy_copy(test, ticked);
	/* Armed at the first boundary: steady from then up to the leap second */
	fake_cycles += NSEC_PER_SEC;
	tk_data_advance(&lazy->tkd);
	KUNIT_EXPECT_EQ(test, lazy->ntp.time_state, TIME_INS);
	KUNIT_EXPECT_EQ(test, ntp_steady_seconds(&lazy->ntp, start + 1), 6 * 3600 - 2);

	tk_data_advance(&ticked->tkd);
	tick_for(ticked, secs - 1);
	tk_data_advance(&lazy->tkd);

	expect_same_tk(test, ticked, lazy);
	KUNIT_EXPECT_EQ(test, lazy_real(lazy), (start + secs - 1) * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, tk_data_get_tai_offset(&lazy->tkd), 37);
	KUNIT_EXPECT_EQ(test, lazy->ntp.time_state, TIME_WAIT);
	KUNIT_EXPECT_EQ(test, ntp_steady_seconds(&lazy->ntp, start + secs), U64_MAX);
}

/*
 * An adjtime() slew of 10 s runs for 20000 s at the full rate of
 * 500 us/s: a timekeeper caught up once, in one step over the steady
 * seconds and a step a second at both ends, lands on the time a
 * timekeeper advanced every second shows, within the resolution of its
 * multiplier, and with the same slew left.
 */
static void lazy_test_adjtime_slew(struct kunit *test)
{
	struct __kernel_timex txc = {
		.modes = ADJ_ADJTIME | ADJ_OFFSET_SINGLESHOT, .offset = 10 * USEC_PER_SEC,
	};
	const time64_t start = 1483228790, secs = 25000;
	struct lazy_tk *ticked, *lazy;
	s64 want, err;

	ticked = lazy_new(test, start, &txc);
	lazy = lazy_copy(test, ticked);

	tick_for(ticked, secs);
	tk_data_advance(&lazy->tkd);

	KUNIT_EXPECT_EQ(test, ticked->ntp.time_adjust, 0);
	KUNIT_EXPECT_EQ(test, lazy->ntp.time_adjust, 0);
	/* The slew happened, within a few of its 500 us seconds */
	want = (start + secs + 10) * NSEC_PER_SEC;
	err = lazy_real(ticked) - want;
	KUNIT_EXPECT_LT(test, err, 10 * (s64)NSEC_PER_MSEC);
	KUNIT_EXPECT_GT(test, err, -10 * (s64)NSEC_PER_MSEC);
	err = abs(lazy_real(lazy) - lazy_real(ticked));
	KUNIT_EXPECT_LE(test, err, (secs * NSEC_PER_SEC >> (FAKE_SHIFT + 1)) + 1);
	kunit_info(test, "10 s adjtime() slew over %lld s: lazy %lld ns off\n", secs, err);
}

/* A year without a reader: caught up in a few steps, exactly. */
static void lazy_test_year_idle(struct kunit *test)
{
	const time64_t start = 1483228790, secs = 366 * 86400;
	struct lazy_tk *lazy = lazy_new(test, start, NULL);

	fake_cycles += secs * NSEC_PER_SEC;
	tk_data_advance(&lazy->tkd);
	KUNIT_EXPECT_EQ(test, lazy_real(lazy), (start + secs) * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, lazy->tkd.timekeeper.tkr_mono.cycle_last, fake_cycles);
	KUNIT_EXPECT_EQ(test, lazy->ntp.time_maxerror, NTP_PHASE_LIMIT);
}

/* An NTP state which is steady for @n seconds from @secs, or not at all. */
struct steady_case {
	const char	*name;
	int		state;
	int		status;
	long		adjust;
	s64		offset;
	bool		slewing;
	u64		steady;
};

static const struct steady_case steady_cases[] = {
	{ "idle", TIME_OK, STA_PLL, 0, 0, false, U64_MAX },
	{ "leap requested", TIME_OK, STA_INS, 0, 0, false, 0 },
	{ "leap armed", TIME_INS, STA_INS, 0, 0, false, 999 },
	{ "leap cancelled", TIME_INS, 0, 0, 0, false, 0 },
	{ "deletion armed", TIME_DEL, STA_DEL, 0, 0, false, 999 },
	{ "leap kept after it", TIME_WAIT, STA_INS, 0, 0, false, U64_MAX },
	{ "leap done", TIME_WAIT, 0, 0, 0, false, 0 },
	{ "leap second", TIME_OOP, STA_INS, 0, 0, false, 0 },
	{ "adjtime starts", TIME_OK, 0, 2000000, 0, false, 0 },
	{ "adjtime slews", TIME_OK, 0, 2000000, 0, true, 3999 },
	{ "adjtime slews back", TIME_OK, 0, -2000001, 0, true, 4000 },
	{ "adjtime ends", TIME_OK, 0, 500, 0, true, 0 },
	{ "PLL slews", TIME_OK, STA_PLL, 0, 1LL << 40, false, 0 },
	{ "PLL done", TIME_OK, STA_PLL, 0, 3, false, U64_MAX },
};

/* Skip @count seconds of case @c in @a, replay them in @b, compare. */
static void check_skip(struct kunit *test, const struct steady_case *c, u64 count,
		       long maxerror, struct ntp_data *a, struct ntp_data *b)
{
	const time64_t secs = 1483228800 - 1000;
	bool leap = c->state == TIME_INS || c->state == TIME_DEL;
	u64 n, steady;

	ntp_init_data(a);
	a->time_state = c->state;
	a->time_status = c->status;
	a->time_adjust = c->adjust;
	a->time_offset = c->offset;
	a->time_maxerror = maxerror;
	a->ntp_next_leap_sec = leap ? secs + 1000 : TIME64_MAX;
	if (c->slewing)
		a->tick_length += c->adjust > 0 ? MAX_TICKADJ_SCALED : -MAX_TICKADJ_SCALED;
	*b = *a;

	steady = ntp_steady_seconds(a, secs);
	KUNIT_EXPECT_EQ_MSG(test, steady, c->steady, "%s", c->name);
	ntp_skip_seconds(a, min(count, steady));
	/* Beyond 30000 s maxerror is saturated: stop replaying. */
	for (n = 0; n < min3(count, steady, 40000ULL); n++)
		KUNIT_ASSERT_EQ(test, second_overflow(b, secs + 1 + n), 0);

	KUNIT_EXPECT_EQ_MSG(test, a->time_maxerror, b->time_maxerror, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, a->time_status, b->time_status, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, a->time_state, b->time_state, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, a->tick_length, b->tick_length, "%s", c->name);
	if (count <= 40000)
		KUNIT_EXPECT_EQ_MSG(test, a->time_adjust, b->time_adjust, "%s", c->name);
}

/*
 * Steady seconds skipped at once are the seconds second_overflow()
 * counts, in every state that is steady; the others are not steady.
 */
static void lazy_test_skip_seconds(struct kunit *test)
{
	static const u64 counts[] = { 1, 2, 3, 999, 1000, 3999, 86400, 1ULL << 40 };
	static const long maxerror[] = { 0, 499, 15000000, NTP_PHASE_LIMIT - 1 };
	struct ntp_data *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct ntp_data *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	unsigned int i, j, k;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(steady_cases); i++)
		for (j = 0; j < ARRAY_SIZE(counts); j++)
			for (k = 0; k < ARRAY_SIZE(maxerror); k++)
				check_skip(test, &steady_cases[i], counts[j], maxerror[k], a, b);
}

static struct kunit_case timekeeper_ns_lazy_cases[] = {
	KUNIT_CASE(lazy_test_hours_idle),
	KUNIT_CASE(lazy_test_hours_with_frequency),
	KUNIT_CASE(lazy_test_leap_second),
	KUNIT_CASE(lazy_test_leap_second_hours_ahead),
	KUNIT_CASE(lazy_test_adjtime_slew),
	KUNIT_CASE(lazy_test_year_idle),
	KUNIT_CASE(lazy_test_skip_seconds),
	{}
};

static struct kunit_suite timekeeper_ns_lazy_suite = {
	.name = "timekeeper_ns_lazy",
	.test_cases = timekeeper_ns_lazy_cases,
};

/*
 * The memory target: a namespace, its clocks and its vvar page in 8 KiB,
 * even in this kernel, whose locks carry lockdep maps.
 */
static void timens_tk_test_memory(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	size_t bytes = ksize(ns) + ksize(ns->tk) + PAGE_SIZE;

	kunit_info(test, "time namespace %zu + clocks %zu + vvar page %lu = %zu bytes\n",
		   ksize(ns), ksize(ns->tk), PAGE_SIZE, bytes);
	KUNIT_EXPECT_LE(test, bytes, 8192);
	put_time_ns(ns);
}

/*
 * The recorded run: the program of timekeeping_recorded.h on a timekeeper
 * instance gives what the unmodified host timekeeping gave, step by step.
 */
static u64 rec_cycles;

static u64 rec_read(struct clocksource *cs)
{
	return READ_ONCE(rec_cycles);
}

static struct clocksource rec_clock = {
	.name		= "kunit-recorded",
	.read		= rec_read,
	.mask		= TK_REC_MASK,
	.mult		= TK_REC_MULT,
	.shift		= TK_REC_SHIFT,
	.maxadj		= TK_REC_MAXADJ,
	.max_cycles	= TK_REC_MAX_CYCLES,
	.max_idle_ns	= TK_REC_MAX_IDLE_NS,
	.max_raw_delta	= TK_REC_MAX_RAW_DELTA,
};

static int rec_step(struct lazy_tk *l, const struct tk_rec_step *s)
{
	struct __kernel_timex txc = s->txc;
	struct timespec64 ts = { .tv_sec = s->sec };
	struct adjtimex_result result;

	switch (s->op) {
	case TK_REC_ADVANCE:
		WRITE_ONCE(rec_cycles, rec_cycles + s->cycles);
		tk_data_advance(&l->tkd);
		return 0;
	case TK_REC_ADJTIMEX:
		return tk_data_adjtimex(&l->tkd, &txc, &result);
	case TK_REC_SETTIME:
		return tk_data_settimeofday(&l->tkd, &ts);
	}
	return -EINVAL;
}

static void recorded_test_replay(struct kunit *test)
{
	struct lazy_tk *l = lazy_alloc(test);
	struct adjtimex_result result;
	unsigned int i, same = 0;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(tk_rec_results), ARRAY_SIZE(tk_rec_steps));

	/*
	 * On the clock, as the base kernel's host timekeeper was when it
	 * had switched to it; the program then sets the time.
	 */
	rec_cycles = 0;
	tk_data_init(&l->tkd, &rec_clock, &l->ntp, 0, ktime_set(TK_REC_START, 0),
		     ktime_set(1000, 0), ktime_set(1000, 0), 0);

	for (i = 0; i < ARRAY_SIZE(tk_rec_steps); i++) {
		const struct tk_rec_result *want = &tk_rec_results[i];
		struct __kernel_timex txc = {};
		struct tk_rec_result got;
		struct timespec64 ts;

		rec_step(l, &tk_rec_steps[i]);
		/* Zero the padding too, for the memcmp() below */
		memset(&got, 0, sizeof(got));
		got.ret = tk_data_adjtimex(&l->tkd, &txc, &result);
		tk_data_get_real_ts64(&l->tkd, &ts);
		got.sec = ts.tv_sec;
		got.nsec = ts.tv_nsec;
		got.freq = txc.freq;
		got.offset = txc.offset;
		got.maxerror = txc.maxerror;
		got.esterror = txc.esterror;
		got.status = txc.status;
		got.tai = txc.tai;
		got.tick = txc.tick;

		KUNIT_EXPECT_EQ_MSG(test, got.sec, want->sec, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.nsec, want->nsec, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.ret, want->ret, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.freq, want->freq, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.offset, want->offset, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.maxerror, want->maxerror, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.esterror, want->esterror, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.status, want->status, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.tai, want->tai, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got.tick, want->tick, "step %u", i);
		same += !memcmp(&got, want, sizeof(got));
	}
	kunit_info(test, "%u of %zu recorded steps reproduced exactly\n", same,
		   ARRAY_SIZE(tk_rec_steps));
}

static struct kunit_case timekeeper_ns_recorded_cases[] = {
	KUNIT_CASE(recorded_test_replay),
	{}
};

static struct kunit_suite timekeeper_ns_recorded_suite = {
	.name = "timekeeper_ns_recorded",
	.test_cases = timekeeper_ns_recorded_cases,
};

static struct kunit_case timekeeper_ns_cases[] = {
	KUNIT_CASE(timens_tk_test_create_follows_parent),
	KUNIT_CASE(timens_tk_test_settime),
	KUNIT_CASE(timens_tk_test_nesting),
	KUNIT_CASE(timens_tk_test_timezone),
	KUNIT_CASE(timens_tk_test_invalid),
	KUNIT_CASE(timens_tk_test_setoffset_and_tai),
	KUNIT_CASE(timens_tk_test_to_host),
	KUNIT_CASE(timens_tk_test_own_clock),
	KUNIT_CASE(timens_tk_test_own_clock_suspend),
	KUNIT_CASE(timens_tk_test_memory),
	{}
};

static struct kunit_suite timekeeper_ns_suite = {
	.name = "timekeeper_ns",
	.test_cases = timekeeper_ns_cases,
};

/*
 * The timer queue of a namespace (hrtimer_ns.c): timers are kept in the
 * order of their namespace expiry, a step re-arms them, a timer which the
 * host fires before its namespace clock reaches its expiry is re-armed
 * rather than expired, and each armed timer holds its namespace.
 */
struct ns_test_timer {
	struct hrtimer		timer;
	struct timens_timer	nt;
	struct time_namespace	*ns;
	clockid_t		clockid;
	ktime_t			expires;
	ktime_t			fired_at;
	atomic_t		early;
	atomic_t		fired;
	struct completion	done;
};

TIMENS_TIMER_FOLLOWS(struct ns_test_timer, timer, nt);

/*
 * @clockid of @ns as its tasks read it, through the read paths of the
 * clock syscalls rather than the timer code's own read, which decides
 * whether a timer is due.
 */
static ktime_t ns_test_read(struct time_namespace *ns, clockid_t clockid)
{
	struct timespec64 ts;

	switch (clockid) {
	case CLOCK_REALTIME:
		timens_tk_get_real_ts64(ns, &ts);
		break;
	case CLOCK_TAI:
		timens_tk_get_clocktai_ts64(ns, &ts);
		break;
	default:
		if (!timens_tk_get_own_ts64(ns, clockid, &ts)) {
			ktime_get_ts64(&ts);
			ts = timespec64_add(ts, ns->offsets.monotonic);
		}
		break;
	}
	return timespec64_to_ktime(ts);
}

static enum hrtimer_restart ns_test_timer_fn(struct hrtimer *timer)
{
	struct ns_test_timer *t = container_of(timer, struct ns_test_timer, timer);

	if (!timens_hrtimer_due(timer)) {
		atomic_inc(&t->early);
		return HRTIMER_RESTART;
	}
	t->fired_at = ns_test_read(t->ns, t->clockid);
	atomic_inc(&t->fired);
	complete(&t->done);
	return HRTIMER_NORESTART;
}

/* Arm @t on @clockid of @ns, @delta after the namespace's now */
static void ns_test_arm(struct ns_test_timer *t, struct time_namespace *ns,
			clockid_t clockid, s64 delta)
{
	hrtimer_init(&t->timer, clockid, HRTIMER_MODE_ABS);
	timens_hrtimer_init(&t->timer);
	t->timer.function = ns_test_timer_fn;
	t->ns = ns;
	t->clockid = clockid;
	t->expires = ktime_add_ns(ns_test_read(ns, clockid), delta);
	atomic_set(&t->early, 0);
	atomic_set(&t->fired, 0);
	init_completion(&t->done);
	timens_hrtimer_start_on(&t->timer, ns, t->expires, 0, HRTIMER_MODE_ABS);
}

/* Wait up to @ms for @t to fire; it must not have fired before its expiry. */
static void ns_test_expect_fired(struct kunit *test, struct ns_test_timer *t, int ms)
{
	if (!wait_for_completion_timeout(&t->done, msecs_to_jiffies(ms))) {
		/* Not left armed in memory the test frees */
		hrtimer_cancel(&t->timer);
		KUNIT_FAIL(test, "timer did not fire within %d ms", ms);
		return;
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&t->fired), 1);
	KUNIT_EXPECT_GE(test, ktime_to_ns(t->fired_at), ktime_to_ns(t->expires));
}

static void timers_test_order(struct kunit *test)
{
	static const int secs[] = { 5, 1, 7, 3, 2, 8, 6, 4 };
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct timens_timer_queue *q = timens_tk_timers(ns);
	struct timerqueue_node *node;
	struct ns_test_timer *t;
	ktime_t last = 0;
	int i, n = 0;

	t = kunit_kcalloc(test, ARRAY_SIZE(secs), sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < ARRAY_SIZE(secs); i++)
		ns_test_arm(&t[i], ns, CLOCK_REALTIME, secs[i] * NSEC_PER_SEC);

	scoped_guard(raw_spinlock_irqsave, &q->lock) {
		for (node = timerqueue_getnext(&q->head); node;
		     node = timerqueue_iterate_next(node), n++) {
			KUNIT_EXPECT_GT(test, ktime_to_ns(node->expires), ktime_to_ns(last));
			last = node->expires;
		}
	}
	KUNIT_EXPECT_EQ(test, n, ARRAY_SIZE(secs));

	/* A cancel takes the timer out of the queue */
	for (i = 0; i < ARRAY_SIZE(secs); i++)
		hrtimer_cancel(&t[i].timer);
	KUNIT_EXPECT_NULL(test, timerqueue_getnext(&q->head));
	put_time_ns(ns);
}

/* A set of the namespace's clock re-arms its timers, forward and back. */
static void timers_test_step(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct ns_test_timer *t = kunit_kzalloc(test, 2 * sizeof(*t), GFP_KERNEL);
	s64 before, moved, lo, hi;
	struct timespec64 ts;

	KUNIT_ASSERT_NOT_NULL(test, t);

	/* Forward past a timer 10 s ahead: it fires now, not in 10 s. */
	ns_test_arm(&t[0], ns, CLOCK_REALTIME, 10 * NSEC_PER_SEC);
	ts = ktime_to_timespec64(ktime_add_ns(timens_tk_clock_now(ns, CLOCK_REALTIME),
					      20 * NSEC_PER_SEC));
	KUNIT_ASSERT_EQ(test, timens_tk_settime64(ns, &ts), 0);
	ns_test_expect_fired(test, &t[0], 1000);

	/* Back by 5 s: a timer 1 s ahead is 6 s ahead now, on the host too. */
	ns_test_arm(&t[1], ns, CLOCK_REALTIME, NSEC_PER_SEC);
	before = ktime_to_ns(hrtimer_get_expires(&t[1].timer));
	lo = ktime_get_real_ns();
	ts = ktime_to_timespec64(ktime_sub_ns(timens_tk_clock_now(ns, CLOCK_REALTIME),
					      5 * NSEC_PER_SEC));
	KUNIT_ASSERT_EQ(test, timens_tk_settime64(ns, &ts), 0);
	hi = ktime_get_real_ns();
	/* 5 s, and what the host's clock ran between the read and the set */
	moved = ktime_to_ns(hrtimer_get_expires(&t[1].timer)) - before;
	KUNIT_EXPECT_GE(test, moved, 5 * NSEC_PER_SEC);
	KUNIT_EXPECT_LE(test, moved, 5 * NSEC_PER_SEC + hi - lo);
	KUNIT_EXPECT_EQ(test, atomic_read(&t[1].fired), 0);

	hrtimer_cancel(&t[0].timer);
	hrtimer_cancel(&t[1].timer);
	put_time_ns(ns);
}

/*
 * A timer which the host fires before the namespace's clock reaches its
 * expiry (as a rate which changed since it was armed would) is re-armed,
 * and expires only when the namespace's clock is there.
 */
static void timers_test_recheck(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct __kernel_timex txc = { .modes = ADJ_TICK, .tick = 9000 };
	struct ns_test_timer *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct timens_timer_queue *q = timens_tk_timers(ns);

	KUNIT_ASSERT_NOT_NULL(test, t);
	/* 10% slow: an own clock, and a monotonic clock of its own */
	KUNIT_ASSERT_GE(test, timens_tk_adjtimex(ns, &txc), 0);
	KUNIT_ASSERT_TRUE(test, timens_tk_is_own(ns));

	ns_test_arm(t, ns, CLOCK_MONOTONIC, 300 * NSEC_PER_MSEC);
	/* Host-fire it at once, as if the conversion had been wrong */
	scoped_guard(raw_spinlock_irqsave, &q->lock)
		hrtimer_start(&t->timer, ktime_get(), HRTIMER_MODE_ABS);
	ns_test_expect_fired(test, t, 2000);
	KUNIT_EXPECT_GE(test, atomic_read(&t->early), 1);

	/*
	 * Armed at the namespace's rate, it fires at its expiry, not early;
	 * the re-check catches at most a rounding. Armed at the host's rate,
	 * it would come 30 ms early, then 3 ms, and so on: re-armed for the
	 * rest again and again.
	 */
	hrtimer_cancel(&t->timer);
	ns_test_arm(t, ns, CLOCK_REALTIME, 300 * NSEC_PER_MSEC);
	ns_test_expect_fired(test, t, 2000);
	KUNIT_EXPECT_LE(test, atomic_read(&t->early), 1);

	hrtimer_cancel(&t->timer);
	put_time_ns(ns);
}

/*
 * The switch of a namespace to a clock of its own moves its armed timers
 * off the host clocks which host steps move, at the host time of their
 * expiry on the new clock.
 */
static void timers_test_switch(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct __kernel_timex txc = { .modes = ADJ_FREQUENCY, .freq = 0 };
	struct ns_test_timer *t = kunit_kzalloc(test, 2 * sizeof(*t), GFP_KERNEL);
	s64 lo, hi, exp;

	KUNIT_ASSERT_NOT_NULL(test, t);
	ns_test_arm(&t[0], ns, CLOCK_REALTIME, 3600 * NSEC_PER_SEC);
	ns_test_arm(&t[1], ns, CLOCK_MONOTONIC, 3600 * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, t[0].timer.base->clockid, CLOCK_REALTIME);
	KUNIT_EXPECT_EQ(test, t[1].timer.base->clockid, CLOCK_MONOTONIC);

	lo = ktime_get_boot_fast_ns();
	KUNIT_ASSERT_GE(test, timens_tk_adjtimex(ns, &txc), 0);
	hi = ktime_get_boot_fast_ns();
	KUNIT_ASSERT_TRUE(test, timens_tk_is_own(ns));

	/* An hour ahead on the host's CLOCK_BOOTTIME, give or take the switch */
	KUNIT_EXPECT_EQ(test, t[0].timer.base->clockid, CLOCK_BOOTTIME);
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(&t[0].timer));
	exp = ktime_to_ns(hrtimer_get_expires(&t[0].timer));
	KUNIT_EXPECT_GE(test, exp, lo + 3599 * NSEC_PER_SEC);
	KUNIT_EXPECT_LE(test, exp, hi + 3601 * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, t[1].timer.base->clockid, CLOCK_MONOTONIC);
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(&t[1].timer));

	hrtimer_cancel(&t[0].timer);
	hrtimer_cancel(&t[1].timer);
	put_time_ns(ns);
}

/* An armed timer holds its namespace until it is cancelled, fired or not. */
static void timers_test_teardown(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct ns_test_timer *t = kunit_kzalloc(test, 2 * sizeof(*t), GFP_KERNEL);
	unsigned int refs = refcount_read(&ns->ns.count);

	KUNIT_ASSERT_NOT_NULL(test, t);
	ns_test_arm(&t[0], ns, CLOCK_REALTIME, 3600 * NSEC_PER_SEC);
	ns_test_arm(&t[1], ns, CLOCK_TAI, 0);
	ns_test_expect_fired(test, &t[1], 1000);
	KUNIT_EXPECT_EQ(test, refcount_read(&ns->ns.count), refs + 2);

	hrtimer_cancel(&t[0].timer);
	hrtimer_cancel(&t[1].timer);
	KUNIT_EXPECT_EQ(test, refcount_read(&ns->ns.count), refs);
	KUNIT_EXPECT_NULL(test, timerqueue_getnext(&timens_tk_timers(ns)->head));
	/* The namespace's last reference: freed with nothing queued */
	put_time_ns(ns);
}

/*
 * An alarm on a namespace clock follows it as the other timers do, and its
 * place in the queue of RTC wake-ups, in host time, follows its hrtimer:
 * a set of the namespace's clock expires the alarm at once, and its
 * callback, finding it not due, re-arms it and moves that place.
 */
struct ns_test_alarm {
	struct alarm		alarm;
	struct time_namespace	*ns;
	ktime_t			expires;
	ktime_t			fired_at;
	atomic_t		fired;
	struct completion	done;
};

static enum alarmtimer_restart ns_test_alarm_fn(struct alarm *alarm, ktime_t now)
{
	struct ns_test_alarm *a = container_of(alarm, struct ns_test_alarm, alarm);

	a->fired_at = ns_test_read(a->ns, CLOCK_REALTIME);
	atomic_inc(&a->fired);
	complete(&a->done);
	return ALARMTIMER_NORESTART;
}

/* Wait up to a second for the RTC place of @a to move off @old. */
static ktime_t ns_test_alarm_moved(struct ns_test_alarm *a, ktime_t old)
{
	int i;

	for (i = 0; i < 50 && READ_ONCE(a->alarm.node.expires) == old; i++)
		msleep(20);
	return READ_ONCE(a->alarm.node.expires);
}

static void timers_test_alarm(struct kunit *test)
{
	struct time_namespace *ns = new_ns(test, &init_time_ns);
	struct __kernel_timex txc = { .modes = ADJ_FREQUENCY, .freq = 0 };
	struct ns_test_alarm *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct hrtimer *timer;
	s64 before, moved, lo, hi, left;
	struct timespec64 ts;

	KUNIT_ASSERT_NOT_NULL(test, a);
	timer = &a->alarm.timer;
	alarm_init(&a->alarm, ALARM_REALTIME, ns_test_alarm_fn);
	a->ns = ns;
	init_completion(&a->done);
	a->expires = ktime_add_ns(ns_test_read(ns, CLOCK_REALTIME), 10 * NSEC_PER_SEC);
	alarm_start_timens(&a->alarm, ns, a->expires);
	KUNIT_EXPECT_EQ(test, a->alarm.node.expires, hrtimer_get_expires(timer));

	/* Back by 5 s: the alarm, and its RTC wake-up, 5 s later on the host */
	before = ktime_to_ns(a->alarm.node.expires);
	lo = ktime_get_real_ns();
	ts = ktime_to_timespec64(ktime_sub_ns(timens_tk_clock_now(ns, CLOCK_REALTIME),
					      5 * NSEC_PER_SEC));
	KUNIT_ASSERT_EQ(test, timens_tk_settime64(ns, &ts), 0);
	hi = ktime_get_real_ns();
	moved = ktime_to_ns(ns_test_alarm_moved(a, before)) - before;
	KUNIT_EXPECT_GE(test, moved, 5 * NSEC_PER_SEC);
	KUNIT_EXPECT_LE(test, moved, 5 * NSEC_PER_SEC + hi - lo);
	KUNIT_EXPECT_EQ(test, a->alarm.node.expires, hrtimer_get_expires(timer));
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(timer));
	KUNIT_EXPECT_EQ(test, atomic_read(&a->fired), 0);

	/*
	 * A clock of its own: the alarm runs on the host's CLOCK_BOOTTIME,
	 * its RTC wake-up stays in host CLOCK_REALTIME, as far ahead.
	 */
	before = ktime_to_ns(a->alarm.node.expires);
	KUNIT_ASSERT_GE(test, timens_tk_adjtimex(ns, &txc), 0);
	KUNIT_ASSERT_TRUE(test, timens_tk_is_own(ns));
	ns_test_alarm_moved(a, before);
	KUNIT_EXPECT_EQ(test, timer->base->clockid, CLOCK_BOOTTIME);
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(timer));
	left = ktime_to_ns(ktime_sub(hrtimer_get_expires(timer), ktime_get_boottime()));
	moved = ktime_to_ns(ktime_sub(a->alarm.node.expires, ktime_get_real())) - left;
	KUNIT_EXPECT_LE(test, abs(moved), 10 * NSEC_PER_MSEC);

	/* Forward past it: it fires now, not early */
	ts = ktime_to_timespec64(ktime_add_ns(timens_tk_clock_now(ns, CLOCK_REALTIME),
					      30 * NSEC_PER_SEC));
	KUNIT_ASSERT_EQ(test, timens_tk_settime64(ns, &ts), 0);
	if (!wait_for_completion_timeout(&a->done, msecs_to_jiffies(1000)))
		KUNIT_FAIL(test, "alarm did not fire within 1000 ms");
	KUNIT_EXPECT_EQ(test, atomic_read(&a->fired), 1);
	KUNIT_EXPECT_GE(test, ktime_to_ns(a->fired_at), ktime_to_ns(a->expires));

	alarm_cancel(&a->alarm);
	put_time_ns(ns);
}

static struct kunit_case timekeeper_ns_timers_cases[] = {
	KUNIT_CASE(timers_test_order),
	KUNIT_CASE(timers_test_step),
	KUNIT_CASE(timers_test_recheck),
	KUNIT_CASE(timers_test_switch),
	KUNIT_CASE(timers_test_alarm),
	KUNIT_CASE(timers_test_teardown),
	{}
};

static struct kunit_suite timekeeper_ns_timers_suite = {
	.name = "timekeeper_ns_timers",
	.test_cases = timekeeper_ns_timers_cases,
};

kunit_test_suites(&timekeeper_ns_suite, &timekeeper_ns_lazy_suite,
		  &timekeeper_ns_recorded_suite, &timekeeper_ns_timers_suite);

MODULE_DESCRIPTION("KUnit tests for the per time namespace timekeeper");
MODULE_LICENSE("GPL");
