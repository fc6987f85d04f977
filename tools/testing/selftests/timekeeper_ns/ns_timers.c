// SPDX-License-Identifier: GPL-2.0
/*
 * Absolute timers and timeouts armed in a time namespace with a clock of
 * its own follow the namespace's clock: a set of that clock re-arms them,
 * and none expires before that clock reaches its expiry, whatever the
 * rate of the clock, a leap second in it, a change of its TAI offset, its
 * switch from following the host to a clock of its own or a step of the
 * host's clock. A set of the namespace's clock, or a leap second of its
 * own clock, cancels its CANCEL_ON_SET timerfds; steering it does not.
 *
 * The rule of every test here: a timer which fires, or a sleep which
 * returns, before the clock it was armed on reads its expiry is a
 * failure, however small the difference. Each wake-up is checked by a
 * read of that clock right after it. CLOCK_MONOTONIC_RAW, which no step
 * moves and no adjtimex() steers, measures the real time taken.
 *
 * The namespaces are user+time namespaces (tk_unshare(TK_NS_USER)), of two
 * kinds: one which follows the host, its CLOCK_REALTIME the host's plus
 * an offset, and one whose clock was steered (adjtimex(ADJ_FREQUENCY)
 * first), which has a timekeeper and NTP state of its own.
 *
 * The tests which step the host's clock skip unless TKNS_HOST_STEP=1 is
 * in the environment, and they step it back before they assert anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"
#include "tk_waiters.h"

/* 2017-01-01T00:00:00Z, which the last leap second came before */
#define LEAP_MIDNIGHT		1483228800LL
/* From 23:59:57 to midnight with the leap second: 4 s */
#define LEAP_WAIT_NS		(4 * NSEC_PER_SEC)
#define LEAP_SLACK_NS		(50 * MSEC)

/* 2^31 s: 2038-01-19T03:14:08Z */
#define Y2038			2147483648LL

/* The host step of the CANCEL_ON_SET test */
#define HOST_CANCEL_STEP_NS	(5 * NSEC_PER_SEC)

/*
 * The TAI offset test: waits on CLOCK_TAI due 5 s ahead, then the TAI
 * offset raised by 10 s. A wait which missed the raise would wake 5 s
 * after arming, later than PROMPT_NS after the raise, even if the threads
 * took their whole SETTLE_NS to arm.
 */
#define TAI_AHEAD_NS		(5 * NSEC_PER_SEC)
#define TAI_RAISE_S		10
/* The kernel's MAX_TAI_OFFSET: ADJ_TAI takes offsets from 0 to it. */
#define TAI_OFFSET_MAX		100000
/* The TAI offset since 2017, which the test sets first if it must */
#define TAI_OFFSET_2017		37

/*
 * The rate the switch tests give a namespace's clock at once: -500 ppm
 * (ADJ_FREQUENCY) and a tick 5% short (ADJ_TICK). A timer left at the
 * host's rate would fire 5% of its time early, 100 ms in 2 s, which the
 * read of the clock after its wake-up cannot miss; at -500 ppm alone it
 * would be 1 ms, less than a wake-up takes in a TCG guest.
 */
#define SLOW_PPM		(-500)
#define SLOW_TICK_CUT		20	/* the tick is cut by 1/20th */
/* The switch tests' CLOCK_MONOTONIC and CLOCK_BOOTTIME waits: 2 s ahead */
#define SWITCH_AHEAD_NS		(2 * NSEC_PER_SEC)

/*
 * A periodic POSIX timer whose signal is ignored: 100 ms period, first
 * due 100 ms ahead; timer_gettime() after 0.5 s, after a step of 5 s
 * forward and after a step of 3 s back, each some 0.3 s after the last.
 */
#define IGN_SIG			(SIGRTMIN + 1)
#define IGN_PERIOD_NS		(100 * MSEC)
#define IGN_RUN_NS		(500 * MSEC)
#define IGN_FWD_NS		(5 * NSEC_PER_SEC)
#define IGN_BACK_NS		(-3 * NSEC_PER_SEC)
#define IGN_AFTER_NS		(300 * MSEC)
/*
 * How far timer_gettime()'s next expiry, now + it_value, may be from the
 * timer's period, beyond the bracket of clock reads around the call: the
 * kernel computes both in namespace time; 1 ms for any rounding of a
 * conversion to host time and back. The test reads it half a period,
 * 50 ms, from an expiry.
 */
#define IGN_SLACK_NS		(1 * MSEC)
/* Once its signal is blocked, the timer's signal comes within 200 ms. */
#define IGN_LATE_NS		(200 * MSEC)

/* The own clock's inserted leap second: the clock set 1.5 s before it */
#define LEAP_INS_BEFORE_NS	(1500 * MSEC)
/*
 * The deleted one: the clock set at 23:59:57.5, 1.5 s before the deleted
 * 23:59:59, and a timer due at 00:00:00.5, 2 s later; 300 ms late at most
 * (a timer which missed the deletion fires 1 s late), and the whole wait
 * shorter than 2.5 s (3 s had it missed it).
 */
#define LEAP_DEL_BEFORE_NS	(2500 * MSEC)
#define LEAP_DEL_AFTER_NS	(500 * MSEC)
#define LEAP_DEL_LATE_NS	(300 * MSEC)
#define LEAP_DEL_WAIT_NS	(2500 * MSEC)
/* A CANCEL_ON_SET timerfd's expiry, which nothing in the tests reaches */
#define LEAP_FAR_S		3600
/* Backstop for a blocking read which a leap second must end: SIGALRM */
#define LEAP_GUARD_S		5

/*
 * Steer the namespace's clock to SLOW_PPM and a tick cut by 1/SLOW_TICK_CUT:
 * the switch to a clock of its own, if it had none.
 */
static void slow_down(struct __test_metadata *_metadata)
{
	struct timex tx = {
		.modes = ADJ_FREQUENCY | ADJ_TICK,
		.freq = PPM(SLOW_PPM),
		.tick = user_tick() - user_tick() / SLOW_TICK_CUT,
	};

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_FREQUENCY | ADJ_TICK: %s", strerror(errno));
}

/*
 * For a clock which runs at the rate of CLOCK_MONOTONIC_RAW, as an own
 * clock at frequency 0 and the default tick does: the most @clk is ahead
 * of CLOCK_MONOTONIC_RAW, the least of @tries reads of @clk minus a read
 * of CLOCK_MONOTONIC_RAW right before it. Until the clock is set, or has a
 * leap second, it reads at most CLOCK_MONOTONIC_RAW plus that: a wake-up
 * at CLOCK_MONOTONIC_RAW r, with r plus it before an expiry on @clk, came
 * before the clock reached the expiry.
 */
static long long clock_ahead_max(clockid_t clk, int tries)
{
	long long best = LLONG_MAX, raw, c;

	while (tries-- > 0) {
		raw = clock_ns(RAW);
		c = clock_ns(clk);
		if (c - raw < best)
			best = c - raw;
	}
	return best;
}

/* Every way, on CLOCK_REALTIME */
static const struct wait_spec realtime_spec[] = {
	{ W_TIMERFD, CLOCK_REALTIME },
	{ W_TIMER, CLOCK_REALTIME },
	{ W_NANOSLEEP, CLOCK_REALTIME },
	{ W_FUTEX, CLOCK_REALTIME },
	{ W_MQ, CLOCK_REALTIME },
};

/* ... and on the other clocks that the namespace's clock keeps */
static const struct wait_spec step_spec[] = {
	{ W_TIMERFD, CLOCK_REALTIME },
	{ W_TIMER, CLOCK_REALTIME },
	{ W_NANOSLEEP, CLOCK_REALTIME },
	{ W_FUTEX, CLOCK_REALTIME },
	{ W_MQ, CLOCK_REALTIME },
	{ W_NANOSLEEP, CLOCK_TAI },
	{ W_TIMER, CLOCK_TAI },
	{ W_TIMERFD, CLOCK_MONOTONIC },
	{ W_NANOSLEEP, CLOCK_MONOTONIC },
	{ W_TIMERFD, CLOCK_BOOTTIME },
	{ W_NANOSLEEP, CLOCK_BOOTTIME },
};

/*
 * Forward step: waits due 10 s ahead on CLOCK_REALTIME and CLOCK_TAI; the
 * namespace's clock is stepped 20 s forward 0.3 s later. They wake within
 * 2 s of the step, not before it. Those on CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME, due 1.5 s ahead, which the step does not move, wake at
 * their expiry, not at the step (step_forward_waits()).
 */
static void step_forward(struct __test_metadata *_metadata)
{
	struct waiter w[ARRAY_SIZE(step_spec)];

	step_forward_waits(_metadata, w, step_spec, ARRAY_SIZE(step_spec));
}

/*
 * Backward step: waits due 1.5 s ahead; the namespace's clock is stepped
 * 2 s back 0.3 s later. None wakes before its clock reads its expiry:
 * BACK_WAIT_NS, 3.5 s, after arming for CLOCK_REALTIME and CLOCK_TAI,
 * 1.5 s for CLOCK_MONOTONIC and CLOCK_BOOTTIME; each wakes within
 * PROMPT_NS of that (step_backward_waits()).
 */
static void step_backward(struct __test_metadata *_metadata)
{
	struct waiter w[ARRAY_SIZE(step_spec)];

	step_backward_waits(_metadata, w, step_spec, ARRAY_SIZE(step_spec));
}

/*
 * A periodic POSIX timer on CLOCK_REALTIME, stepped 20.5 s forward after
 * its first signal: its overrun is the one periodic_step() expects.
 */
static void periodic_overrun(struct __test_metadata *_metadata)
{
	struct periodic p;
	long long lo, hi;

	periodic_step(_metadata, CLOCK_REALTIME, &p);
	lo = (p.t_step - p.e2) / NSEC_PER_SEC;
	hi = (p.t_after - p.e2) / NSEC_PER_SEC;
	TH_LOG("overrun %d (si_overrun %d), expected %lld..%lld; signal %lld ms after the step",
	       p.overrun, p.info.si_overrun, lo, hi, (p.raw_after - p.raw_step) / MSEC);
	timer_delete(p.t);
	EXPECT_GT(PROMPT_NS, p.raw_after - p.raw_step);
	ASSERT_LE(19, p.overrun);
	ASSERT_LE(lo, p.overrun);
	ASSERT_GE(hi, p.overrun);
}

/*
 * timer_gettime() and timerfd_gettime() of absolute CLOCK_REALTIME timers
 * due 10 s ahead tell the time left on the namespace's clock: 5 s after a
 * step of 5 s forward, 15 s after a step of 10 s back.
 */
static void gettime_after_steps(struct __test_metadata *_metadata)
{
	gettime_after_sets(_metadata, CLOCK_REALTIME);
}

/* A non-blocking CANCEL_ON_SET timerfd, due 60 s ahead on CLOCK_REALTIME */
static int cancel_timerfd(void)
{
	return arm_cancel_timerfd(CLOCK_REALTIME, clock_ns(CLOCK_REALTIME) + 60 * NSEC_PER_SEC,
				  TFD_NONBLOCK);
}

/*
 * A set of the namespace's clock cancels its CANCEL_ON_SET timerfds, by
 * each of the calls which set it: a poll() waiting on one wakes, and
 * read() fails with ECANCELED.
 */
static void set_cancels(struct __test_metadata *_metadata)
{
	struct stepper s = { .delay = STEP_AFTER_NS, .delta = NSEC_PER_SEC };
	struct timex tx = { .modes = ADJ_SETOFFSET };
	long long raw;
	struct timeval tv;
	pthread_t thr;
	int fd, ret;

	fd = cancel_timerfd();
	ASSERT_LE(0, fd) TH_LOG("timerfd: %s", strerror(errno));
	ASSERT_EQ(-EAGAIN, tfd_read(fd)) TH_LOG("canceled before any set");
	ASSERT_EQ(0, pthread_create(&thr, NULL, stepper_thread, &s));
	ret = poll_in(fd, 3000);
	raw = clock_ns(RAW);
	ASSERT_EQ(0, pthread_join(thr, NULL));
	ASSERT_EQ(0, s.ret) TH_LOG("clock_settime: %s", strerror(s.err));
	ASSERT_EQ(1, ret) TH_LOG("poll(): no event in 3 s, with a set after 0.3 s");
	EXPECT_GT(PROMPT_NS, raw - s.raw) TH_LOG("poll() woke %lld ms after the set",
						 (raw - s.raw) / MSEC);
	ASSERT_EQ(-ECANCELED, tfd_read(fd)) TH_LOG("after clock_settime()");
	close(fd);

	fd = cancel_timerfd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, gettimeofday(&tv, NULL));
	tv.tv_sec++;
	ASSERT_EQ(0, settimeofday(&tv, NULL)) TH_LOG("settimeofday: %s", strerror(errno));
	ASSERT_EQ(-ECANCELED, tfd_read(fd)) TH_LOG("after settimeofday()");
	close(fd);

	fd = cancel_timerfd();
	ASSERT_LE(0, fd);
	tx.time.tv_sec = 1;
	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_SETOFFSET: %s", strerror(errno));
	ASSERT_EQ(-ECANCELED, tfd_read(fd)) TH_LOG("after adjtimex(ADJ_SETOFFSET)");
	close(fd);
}

/*
 * adjtimex() calls which steer the namespace's clock, a new frequency, a
 * new tick and the tick back, are no sets of it: they do not cancel its
 * CANCEL_ON_SET timerfds, and neither does the switch to a clock of its
 * own which the first makes in a namespace following the host. Each takes
 * effect (adjtimex() reads it back), and a set after them cancels the
 * timerfd, so that it was armed as it should.
 */
static void freq_no_cancel(struct __test_metadata *_metadata)
{
	static const struct {
		int modes;
		long ppm;	/* the frequency, for ADJ_FREQUENCY */
		long tick_add;	/* the tick, for ADJ_TICK: user_tick() plus this */
		const char *what;
	} adj[] = {
		{ ADJ_FREQUENCY, 100, 0, "ADJ_FREQUENCY +100 ppm" },
		{ ADJ_TICK, 0, 1, "ADJ_TICK +1 us" },
		{ ADJ_TICK, 0, 0, "ADJ_TICK back" },
	};
	struct timex tx;
	unsigned int i;
	int fd;

	fd = cancel_timerfd();
	ASSERT_LE(0, fd) TH_LOG("timerfd: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(adj); i++) {
		memset(&tx, 0, sizeof(tx));
		tx.modes = adj[i].modes;
		tx.freq = PPM(adj[i].ppm);
		tx.tick = user_tick() + adj[i].tick_add;
		ASSERT_LE(0, adjtimex(&tx)) TH_LOG("%s: %s", adj[i].what, strerror(errno));
		ASSERT_EQ(0, poll_in(fd, 200)) TH_LOG("%s woke poll()", adj[i].what);
		ASSERT_EQ(-EAGAIN, tfd_read(fd)) TH_LOG("%s canceled it", adj[i].what);
		ASSERT_LE(0, ntp_read(&tx));
		if (adj[i].modes & ADJ_FREQUENCY)
			EXPECT_EQ(PPM(adj[i].ppm), tx.freq) TH_LOG("%s not taken", adj[i].what);
		if (adj[i].modes & ADJ_TICK)
			EXPECT_EQ(user_tick() + adj[i].tick_add, tx.tick)
				TH_LOG("%s not taken", adj[i].what);
	}
	ASSERT_EQ(0, step_realtime(NSEC_PER_SEC)) TH_LOG("clock_settime: %s", strerror(errno));
	ASSERT_EQ(-ECANCELED, tfd_read(fd)) TH_LOG("a set after them did not cancel it");
	close(fd);
}

/* CLOCK_TAI minus CLOCK_REALTIME, the TAI read between two REALTIME reads */
static long long tai_minus_real(void)
{
	long long r1 = clock_ns(CLOCK_REALTIME);
	long long tai = clock_ns(CLOCK_TAI);
	long long r2 = clock_ns(CLOCK_REALTIME);

	return tai - (r1 + (r2 - r1) / 2);
}

/*
 * TAI offset: waits on CLOCK_TAI due 5 s ahead; then adjtimex(ADJ_TAI)
 * raises the namespace's TAI offset by 10 s (from 37 s if the offset it
 * has leaves no room), which moves its CLOCK_TAI past their expiry. They
 * wake within PROMPT_NS of the adjtimex(), not at the expiry they were
 * armed for 5 s after arming, and not before CLOCK_TAI reads it. CLOCK_TAI
 * minus CLOCK_REALTIME grew by the 10 s, and CLOCK_REALTIME did not move.
 */
static void tai_offset_moves(struct __test_metadata *_metadata)
{
	/* timerfd_create() has no CLOCK_TAI */
	static const struct wait_spec spec[] = {
		{ W_TIMER, CLOCK_TAI },
		{ W_NANOSLEEP, CLOCK_TAI },
	};
	int n = ARRAY_SIZE(spec), tai, i;
	struct waiter w[ARRAY_SIZE(spec)];
	long long d0, d1, off, raw;
	struct timex tx;

	ASSERT_LE(0, ntp_read(&tx));
	tai = tx.tai;
	if (tai < 0 || tai > TAI_OFFSET_MAX - TAI_RAISE_S) {
		tai = TAI_OFFSET_2017;
		tk_set_tai(_metadata, tai);
	}
	d0 = tai_minus_real();
	off = realtime_offset_ns();
	init_waiters(w, spec, n, TAI_AHEAD_NS, 0);
	start_waiters(_metadata, w, n);
	raw = clock_ns(RAW);
	tk_set_tai(_metadata, tai + TAI_RAISE_S);
	for (i = 0; i < n; i++)
		w[i].by_raw = raw + PROMPT_NS;
	wait_waiters(w, n);
	check_waiters(_metadata, w, n);
	d1 = tai_minus_real();
	off = realtime_offset_ns() - off;
	ASSERT_LE(0, ntp_read(&tx));
	TH_LOG("TAI offset %d -> %d; TAI - REALTIME %+lld ms", tai, tx.tai, (d1 - d0) / MSEC);
	EXPECT_EQ(tai + TAI_RAISE_S, tx.tai);
	EXPECT_GT(TKNS_STEP_TOLERANCE_NS, llabs(d1 - d0 - TAI_RAISE_S * NSEC_PER_SEC))
		TH_LOG("TAI - REALTIME moved %+lld ms, not %+d s", (d1 - d0) / MSEC, TAI_RAISE_S);
	EXPECT_GT(TKNS_STEP_TOLERANCE_NS, llabs(off))
		TH_LOG("REALTIME - MONOTONIC moved %+lld ms", off / MSEC);
}

/*
 * Sleep @min ns of CLOCK_MONOTONIC_RAW, then on to the middle of a period
 * of the expiries @e0 + k * IGN_PERIOD_NS of the namespace's
 * CLOCK_REALTIME, which runs at the rate of CLOCK_MONOTONIC_RAW, but for
 * the host's NTP correction (none in the test guest). The clock then reads
 * @e0 or later.
 */
static void ign_sleep_mid(long long e0, long long min)
{
	long long now = clock_ns(CLOCK_REALTIME), raw = clock_ns(RAW);
	long long at = now + min, mid;

	if (at < e0)
		at = e0;
	mid = e0 + (at - e0) / IGN_PERIOD_NS * IGN_PERIOD_NS + IGN_PERIOD_NS / 2;
	if (mid < at)
		mid += IGN_PERIOD_NS;
	sleep_until_raw(raw + mid - now);
}

/*
 * The periodic timer @t is due at @e0 + k * IGN_PERIOD_NS of the
 * namespace's CLOCK_REALTIME. Its timer_gettime(), between two reads of
 * the clock, tells a next expiry, the kernel's now plus it_value, which is
 * one of those: return it, and it_value in *@left.
 */
static long long ign_next(struct __test_metadata *_metadata, timer_t t, long long e0,
			  const char *what, long long *left)
{
	struct itimerspec cur;
	long long t1, t2, v, k, next;

	t1 = clock_ns(CLOCK_REALTIME);
	ASSERT_EQ(0, timer_gettime(t, &cur)) TH_LOG("timer_gettime: %s", strerror(errno));
	t2 = clock_ns(CLOCK_REALTIME);
	v = ts_ns(&cur.it_value);
	*left = v;
	EXPECT_EQ(IGN_PERIOD_NS, ts_ns(&cur.it_interval))
		TH_LOG("%s: it_interval %lld ns", what, (long long)ts_ns(&cur.it_interval));
	ASSERT_LT(0, v) TH_LOG("%s: it_value 0, the timer disarmed", what);
	ASSERT_LE(e0, t2 + v + IGN_SLACK_NS)
		TH_LOG("%s: it_value %lld us, before the first expiry", what, v / USEC);
	/* The first of the expiries at t1 + v - IGN_SLACK_NS or later */
	k = (t1 + v - IGN_SLACK_NS - e0 + IGN_PERIOD_NS - 1) / IGN_PERIOD_NS;
	next = e0 + k * IGN_PERIOD_NS;
	TH_LOG("%s: it_value %lld us, read within %lld us", what, v / USEC, (t2 - t1) / USEC);
	ASSERT_GE(t2 + v + IGN_SLACK_NS, next)
		TH_LOG("%s: it_value %lld us: expiry %lld us into a period of %lld ms", what,
		       v / USEC, ((t1 + v - e0) % IGN_PERIOD_NS) / USEC, IGN_PERIOD_NS / MSEC);
	return next;
}

static void ign_handler(int sig)
{
}

/*
 * A periodic POSIX timer whose signal is ignored (SIG_IGN, not blocked)
 * runs on the namespace's clock all the same: its expiries are E0 + k *
 * 100 ms of that clock, absolute. No signal delivery re-arms such a timer;
 * the kernel forwards it itself, which must be in namespace time, with the
 * namespace's side of the timer kept up. Each timer_gettime() is made half
 * a period from an expiry, so that neither a stale it_value (of 1 ns for a
 * timer the kernel thinks due) nor one off the period passes.
 *
 * After 0.5 s, and 0.3 s after a step of 5 s forward, timer_gettime()
 * tells the next expiry, at most a period ahead. A step of 3 s back leaves
 * the next expiry where it was, as for any absolute timer: 0.3 s later it
 * is still that one, 2.75 s ahead. Blocked, then, the signal is no longer
 * ignored: it comes at that expiry, not before the clock reads it and
 * within 200 ms, and again a period later. (So it does with the 6.12
 * kernel, which forwards the timer while its signal is ignored and has
 * nothing queued when the signal is blocked. From 6.13 on, the kernel
 * parks such a timer and queues its signal at once when it is no longer
 * ignored, which this test would take for an early signal.)
 */
static void sig_ign_periodic(struct __test_metadata *_metadata)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = IGN_SIG,
	};
	struct itimerspec its = { .it_interval = ns_ts(IGN_PERIOD_NS) };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	long long e0, next, due, left, c, now, lo, hi;
	struct timespec ts;
	siginfo_t info;
	sigset_t set;
	int i, sig;
	timer_t t;

	sigemptyset(&set);
	sigaddset(&set, IGN_SIG);
	ASSERT_EQ(0, sigaction(IGN_SIG, &sa, NULL));
	ASSERT_EQ(0, pthread_sigmask(SIG_UNBLOCK, &set, NULL));
	ASSERT_EQ(0, timer_create(CLOCK_REALTIME, &sev, &t)) TH_LOG("timer_create: %s",
								    strerror(errno));
	e0 = clock_ns(CLOCK_REALTIME) + IGN_PERIOD_NS;
	its.it_value = ns_ts(e0);
	ASSERT_EQ(0, timer_settime(t, TIMER_ABSTIME, &its, NULL));

	ign_sleep_mid(e0, IGN_RUN_NS);
	ign_next(_metadata, t, e0, "ignored 0.5 s", &left);
	ASSERT_GE(IGN_PERIOD_NS, left) TH_LOG("%lld ms left", left / MSEC);

	ASSERT_EQ(0, step_realtime(IGN_FWD_NS)) TH_LOG("clock_settime: %s", strerror(errno));
	ign_sleep_mid(e0, IGN_AFTER_NS);
	next = ign_next(_metadata, t, e0, "stepped 5 s forward", &left);
	ASSERT_GE(IGN_PERIOD_NS, left) TH_LOG("%lld ms left", left / MSEC);

	/* Half a period before @next: it stays the next expiry. */
	c = clock_ns(CLOCK_REALTIME);
	ts = ns_ts(c + IGN_BACK_NS);
	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &ts)) TH_LOG("clock_settime: %s",
								strerror(errno));
	while (next <= c)
		next += IGN_PERIOD_NS;
	sleep_until_raw(clock_ns(RAW) + IGN_AFTER_NS);
	due = ign_next(_metadata, t, e0, "stepped 3 s back", &left);
	ASSERT_EQ(next, due) TH_LOG("the next expiry moved %+lld ms with the step back",
				    (due - next) / MSEC);

	sa.sa_handler = ign_handler;
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &set, NULL));
	ASSERT_EQ(0, sigaction(IGN_SIG, &sa, NULL));
	/* The signal's expiry is from @lo to @hi: @due, the first time. */
	lo = due;
	hi = due;
	for (i = 0; i < 2; i++) {
		sig = wait_sig(IGN_SIG, &info, hi - clock_ns(CLOCK_REALTIME) + PROMPT_NS);
		now = clock_ns(CLOCK_REALTIME);
		ASSERT_EQ(IGN_SIG, sig) TH_LOG("no signal %lld ms after the expiry",
					       (now - hi) / MSEC);
		EXPECT_EQ(SI_TIMER, info.si_code);
		TH_LOG("signal %d: %+lld us from its expiry", i + 1, (now - lo) / USEC);
		ASSERT_LE(lo, now) TH_LOG("signal %lld ns before its expiry", lo - now);
		ASSERT_GT(hi + IGN_LATE_NS, now) TH_LOG("signal %lld ms late", (now - hi) / MSEC);
		/*
		 * Re-armed when its signal was dequeued, after its expiry and
		 * before @now: due at the first expiry after then.
		 */
		lo += IGN_PERIOD_NS;
		while (hi <= now)
			hi += IGN_PERIOD_NS;
	}
	timer_delete(t);
}

/*
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME waits due 2 s ahead, armed before the
 * namespace's clock is steered to run 5% slow (slow_down()). In a namespace
 * which follows the host, the steering switches it to a clock of its own,
 * whose CLOCK_MONOTONIC and CLOCK_BOOTTIME then run at its rate; in one
 * with a clock of its own, it changes their rate. Either way the waits
 * follow: none wakes before its clock reads its expiry (at the host's rate
 * it would wake 100 ms early), and each wakes within PROMPT_NS of 2 s.
 */
static void mono_before_switch(struct __test_metadata *_metadata)
{
	static const struct wait_spec spec[] = {
		{ W_TIMERFD, CLOCK_MONOTONIC },
		{ W_NANOSLEEP, CLOCK_MONOTONIC },
		{ W_TIMERFD, CLOCK_BOOTTIME },
		{ W_NANOSLEEP, CLOCK_BOOTTIME },
	};
	int n = ARRAY_SIZE(spec), i;
	struct waiter w[ARRAY_SIZE(spec)];
	long long t0 = clock_ns(RAW);

	init_waiters(w, spec, n, 0, SWITCH_AHEAD_NS);
	for (i = 0; i < n; i++)
		w[i].by_raw = t0 + SWITCH_AHEAD_NS + PROMPT_NS;
	start_waiters(_metadata, w, n);
	slow_down(_metadata);
	wait_waiters(w, n);
	check_waiters(_metadata, w, n);
}

/*
 * Run @fn in a child in a new user+time namespace, given a clock of its
 * own if @own; assert that it passed, and that the host's CLOCK_REALTIME
 * did not move.
 */
static void run_ns(struct __test_metadata *_metadata, bool own,
		   void (*fn)(struct __test_metadata *_metadata))
{
	long long host_off = realtime_offset_ns();
	pid_t pid;

	pid = fork_ns_child(_metadata, TK_NS_USER, own);
	if (!pid) {
		fn(_metadata);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
	EXPECT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("host CLOCK_REALTIME moved");
}

static const char *skip_reason;

/* Whether the tests cannot run here; skip_reason says why. */
static bool cannot_run(void)
{
	skip_reason = tk_cannot_run();
	return skip_reason;
}

/*
 * Whether the tests which step the host's clock cannot run: they need
 * TKNS_HOST_STEP=1, and real root in the initial user namespace.
 */
static bool cannot_step_host(void)
{
	if (cannot_run())
		return true;
	skip_reason = host_step_refused();
	if (skip_reason)
		return true;
	if (!in_initial_userns()) {
		skip_reason = "needs real root in the initial user namespace";
		return true;
	}
	return false;
}

/* The tests in a namespace which follows the host and in one with a clock of its own */
FIXTURE(timers) {};

FIXTURE_VARIANT(timers) {
	bool own;
};

FIXTURE_VARIANT_ADD(timers, following) {
	.own = false,
};

FIXTURE_VARIANT_ADD(timers, own) {
	.own = true,
};

FIXTURE_SETUP(timers)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
}

FIXTURE_TEARDOWN(timers) {}

/* step_forward(): every way of waiting, the namespace's clock stepped forward */
TEST_F(timers, step_forward)
{
	run_ns(_metadata, variant->own, step_forward);
}

/* step_backward(): every way of waiting, the namespace's clock stepped back */
TEST_F(timers, step_backward)
{
	run_ns(_metadata, variant->own, step_backward);
}

/* periodic_overrun(): the overrun of a periodic timer across a step */
TEST_F(timers, periodic_overrun)
{
	run_ns(_metadata, variant->own, periodic_overrun);
}

/* gettime_after_steps(): the time left of timers across steps */
TEST_F(timers, gettime_after_steps)
{
	run_ns(_metadata, variant->own, gettime_after_steps);
}

/* set_cancels(): a set of the namespace's clock cancels its timerfds */
TEST_F(timers, cancel_on_set)
{
	run_ns(_metadata, variant->own, set_cancels);
}

/* The CANCEL_ON_SET timerfd of namespace A, which a set of B must not cancel */
static void sibling_a(struct __test_metadata *_metadata, struct peer *p)
{
	int fd = cancel_timerfd();

	ASSERT_LE(0, fd) TH_LOG("timerfd: %s", strerror(errno));
	ASSERT_TRUE(put_byte(p->ready[1]));
	/* B has set its clock. */
	ASSERT_TRUE(get_byte(p->go[0]));
	ASSERT_EQ(0, poll_in(fd, 500)) TH_LOG("a set in a sibling namespace woke poll()");
	ASSERT_EQ(-EAGAIN, tfd_read(fd)) TH_LOG("a set in a sibling namespace canceled it");
	/* The timerfd was armed as it should: a set in A cancels it. */
	ASSERT_EQ(0, step_realtime(NSEC_PER_SEC)) TH_LOG("clock_settime: %s", strerror(errno));
	ASSERT_EQ(-ECANCELED, tfd_read(fd));
	close(fd);
}

/*
 * A set of the clock of a sibling namespace B does not cancel the
 * CANCEL_ON_SET timerfd of namespace A.
 */
TEST_F(timers, cancel_on_sibling_set)
{
	struct peer p[2] = {
		{ .own = variant->own, .fn = sibling_a },
		{ .own = variant->own, .fn = sibling_b },
	};
	long long host_off = realtime_offset_ns();

	peers_fork(_metadata, TK_NS_USER, p, 2);
	ASSERT_TRUE(get_byte(p[0].ready[0]));
	ASSERT_TRUE(put_byte(p[1].go[1]));
	ASSERT_TRUE(get_byte(p[1].ready[0]));
	ASSERT_TRUE(put_byte(p[0].go[1]));
	tk_wait_ok(_metadata, p[0].pid);
	tk_wait_ok(_metadata, p[1].pid);
	EXPECT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("host CLOCK_REALTIME moved");
}

/* tai_offset_moves(): a raise of the TAI offset makes CLOCK_TAI timers due */
TEST_F(timers, tai_offset_moves)
{
	run_ns(_metadata, variant->own, tai_offset_moves);
}

/* freq_no_cancel(): steering the clock cancels no CANCEL_ON_SET timerfd */
TEST_F(timers, freq_does_not_cancel)
{
	run_ns(_metadata, variant->own, freq_no_cancel);
}

/* sig_ign_periodic(): a periodic timer with an ignored signal keeps its period */
TEST_F(timers, sig_ign_periodic)
{
	run_ns(_metadata, variant->own, sig_ign_periodic);
}

/* mono_before_switch(): CLOCK_MONOTONIC timers follow a change of rate */
TEST_F(timers, mono_before_switch)
{
	run_ns(_metadata, variant->own, mono_before_switch);
}

/*
 * Leap second: a namespace with a clock of its own, set to 2016-12-31
 * 23:59:57 UTC, STA_INS set. Absolute CLOCK_REALTIME timers and sleeps
 * until 2017-01-01 00:00:00 wake when the clock reads it, after the
 * inserted 23:59:60, not during it: 4 s after the set, not 3. The
 * namespace's clock runs at the rate of CLOCK_MONOTONIC_RAW (frequency
 * 0), so REALTIME gained exactly -1 s on it at the wake-up.
 */
static void leap_second_timers(struct __test_metadata *_metadata)
{
	static const struct wait_spec spec[] = {
		{ W_TIMERFD, CLOCK_REALTIME },
		{ W_NANOSLEEP, CLOCK_REALTIME },
		{ W_TIMER, CLOCK_REALTIME },
	};
	struct timespec eve = { .tv_sec = LEAP_MIDNIGHT - 3 };
	int n = ARRAY_SIZE(spec), state, tai = 0, i;
	long long r0, r1, until, d, late;
	struct waiter w[ARRAY_SIZE(spec)];
	bool ins = false;
	struct timex tx;

	r0 = clock_ns(RAW);
	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &eve)) TH_LOG("clock_settime: %s",
								 strerror(errno));
	r1 = clock_ns(RAW);
	tk_insert_leap(_metadata);

	init_waiters(w, spec, n, 0, 0);
	for (i = 0; i < n; i++) {
		w[i].expiry = LEAP_MIDNIGHT * NSEC_PER_SEC;
		w[i].by_raw = r0 + LEAP_WAIT_NS + PROMPT_NS;
	}
	start_waiters(_metadata, w, n);
	/* The state is TIME_INS from the clock's next second on. */
	until = r1 + 2 * NSEC_PER_SEC;
	while (clock_ns(RAW) < until) {
		state = ntp_read(&tx);
		if (state == TIME_INS) {
			ins = true;
			tai = tx.tai;
			break;
		}
		usleep(20 * 1000);
	}
	wait_waiters(w, n);
	state = ntp_read(&tx);
	check_waiters(_metadata, w, n);
	ASSERT_TRUE(ins) TH_LOG("never TIME_INS: state %d, status %#x", state, tx.status);

	for (i = 0; i < n; i++) {
		if (!w[i].done || w[i].failed)
			continue;
		late = w[i].woke_raw - r0;
		d = (w[i].woke - (LEAP_MIDNIGHT - 3) * NSEC_PER_SEC) -
		    (w[i].woke_raw - (r0 + (r1 - r0) / 2));
		TH_LOG("%s: woke at %lld.%09lld, %lld ms after 23:59:57; REALTIME %+lld us on RAW",
		       kind_name[w[i].kind], w[i].woke / NSEC_PER_SEC, w[i].woke % NSEC_PER_SEC,
		       late / MSEC, d / USEC);
		EXPECT_NE(LEAP_MIDNIGHT - 1, w[i].woke / NSEC_PER_SEC)
			TH_LOG("%s: fired in 23:59:60", kind_name[w[i].kind]);
		EXPECT_LE(LEAP_WAIT_NS - LEAP_SLACK_NS, late)
			TH_LOG("%s: woke %lld ms after 23:59:57, not 4 s", kind_name[w[i].kind],
			       late / MSEC);
		EXPECT_GT(LEAP_SLACK_NS, llabs(d + NSEC_PER_SEC))
			TH_LOG("REALTIME gained %+lld ms on RAW, not -1000 ms", d / MSEC);
	}
	EXPECT_TRUE(state == TIME_WAIT || state == TIME_OK)
		TH_LOG("state %d after the leap second, status %#x", state, tx.status);
	EXPECT_EQ(tai + 1, tx.tai);
}

/*
 * Run @fn in a child in a namespace with a clock of its own, as run_ns(),
 * and assert that the host's NTP state, leap second state and TAI offset
 * stayed as they were.
 */
static void run_own_keep_ntp(struct __test_metadata *_metadata,
			     void (*fn)(struct __test_metadata *_metadata))
{
	struct timex host, tx;
	int host_state;

	host_state = ntp_read(&host);
	ASSERT_LE(0, host_state);
	run_ns(_metadata, true, fn);
	ASSERT_EQ(host_state, ntp_read(&tx));
	ASSERT_EQ(host.status, tx.status);
	ASSERT_EQ(host.tai, tx.tai);
}

TEST(leap_second)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	run_own_keep_ntp(_metadata, leap_second_timers);
}

/*
 * An inserted leap second of an own clock is a set of that clock, as the
 * host's is of the host's clock: it cancels the CANCEL_ON_SET timerfds,
 * by itself, at the leap second. The clock is set to 23:59:58.5 with
 * STA_INS; 1.5 s later it reaches midnight and goes back to 23:59:59. A
 * read() blocked on a CANCEL_ON_SET timerfd, with no read of the clock
 * meanwhile which could catch the clock up, fails with ECANCELED: not
 * before the clock reaches midnight (it runs at the rate of
 * CLOCK_MONOTONIC_RAW: clock_ahead_max()), and within PROMPT_NS after.
 * Then the leap second is under way or over (TIME_OOP or TIME_WAIT), the
 * TAI offset is one more, and the clock 1 s behind where it would be
 * without the leap second.
 */
static void leap_insert_cancels(struct __test_metadata *_metadata)
{
	long long midnight = LEAP_MIDNIGHT * NSEC_PER_SEC;
	struct timespec eve = ns_ts(midnight - LEAP_INS_BEFORE_NS);
	long long ahead, arm_raw, woke_raw, now, now_raw, d;
	unsigned long long ticks;
	int fd, state, tai, err;
	struct timex tx;
	ssize_t n;

	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &eve)) TH_LOG("clock_settime: %s",
								 strerror(errno));
	tk_arm_leap(_metadata, STA_INS);
	ASSERT_LE(0, ntp_read(&tx));
	tai = tx.tai;
	ahead = clock_ahead_max(CLOCK_REALTIME, 8);
	arm_raw = clock_ns(RAW);
	fd = arm_cancel_timerfd(CLOCK_REALTIME, (LEAP_MIDNIGHT + LEAP_FAR_S) * NSEC_PER_SEC, 0);
	ASSERT_LE(0, fd) TH_LOG("timerfd: %s", strerror(errno));

	guard_alarm(LEAP_GUARD_S);
	n = read(fd, &ticks, sizeof(ticks));
	err = errno;
	woke_raw = clock_ns(RAW);
	guard_alarm(0);
	state = ntp_read(&tx);
	now = clock_ns(CLOCK_REALTIME);
	now_raw = clock_ns(RAW);
	close(fd);

	TH_LOG("read() %zd (%s) %lld ms after arming, %+lld us from midnight; state %d",
	       n, n < 0 ? strerror(err) : "-", (woke_raw - arm_raw) / MSEC,
	       (woke_raw + ahead - midnight) / USEC, state);
	ASSERT_EQ(-1, n) TH_LOG("read() %zd: the timerfd expired", n);
	ASSERT_EQ(ECANCELED, err) TH_LOG("read(): %s%s", strerror(err),
					 err == EINTR ? ": not cancelled in time" : "");
	EXPECT_LE(midnight, woke_raw + ahead)
		TH_LOG("cancelled %lld us before the clock reached midnight",
		       (midnight - woke_raw - ahead) / USEC);
	EXPECT_GE(arm_raw + LEAP_INS_BEFORE_NS + PROMPT_NS, woke_raw)
		TH_LOG("cancelled %lld ms after arming", (woke_raw - arm_raw) / MSEC);
	EXPECT_TRUE(state == TIME_OOP || state == TIME_WAIT)
		TH_LOG("state %d after the cancel, status %#x", state, tx.status);
	EXPECT_EQ(tai + 1, tx.tai);
	/* The clock, and where it would be without the leap second */
	d = now - (now_raw + ahead);
	EXPECT_GT(LEAP_SLACK_NS, llabs(d + NSEC_PER_SEC))
		TH_LOG("the clock is %+lld ms from where it would be, not -1000 ms", d / MSEC);
}

/* leap_insert_cancels() */
TEST(own_leap_cancels)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	run_own_keep_ntp(_metadata, leap_insert_cancels);
}

/*
 * A deleted leap second of an own clock: set to 23:59:57.5 with STA_DEL,
 * the clock goes from 23:59:58.999... to 00:00:00 1.5 s later. That
 * cancels a CANCEL_ON_SET timerfd, not before (as leap_insert_cancels()),
 * and a timerfd due at 00:00:00.5 fires 0.5 s after it, 2 s after the
 * set: not before the clock reads its expiry, at most 300 ms later, and
 * less than 2.5 s after arming. Had the kernel converted the expiry to
 * host time for a clock without the deletion, and only re-checked it when
 * it fired, it would fire 3 s after the set, 1 s late. Both are waited for
 * with poll(), which reads no clock. Then the leap second is over
 * (TIME_WAIT), the TAI offset one less, and the clock 1 s ahead of where
 * it would be without it.
 */
static void leap_delete_timers(struct __test_metadata *_metadata)
{
	long long midnight = LEAP_MIDNIGHT * NSEC_PER_SEC;
	long long expiry = midnight + LEAP_DEL_AFTER_NS;
	struct timespec eve = ns_ts(midnight - LEAP_DEL_BEFORE_NS);
	struct itimerspec its = { .it_value = ns_ts(expiry) };
	long long ahead, arm_raw, end, now, d;
	long long a_raw = 0, a_real = 0, a_ret = 0, b_raw = 0, b_ret = 0;
	struct pollfd pfd[2];
	int fa, fb, tai, state, ret;
	struct timex tx;

	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &eve)) TH_LOG("clock_settime: %s",
								 strerror(errno));
	tk_arm_leap(_metadata, STA_DEL);
	ASSERT_LE(0, ntp_read(&tx));
	tai = tx.tai;
	ahead = clock_ahead_max(CLOCK_REALTIME, 8);
	fa = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	ASSERT_LE(0, fa) TH_LOG("timerfd: %s", strerror(errno));
	arm_raw = clock_ns(RAW);
	ASSERT_EQ(0, timerfd_settime(fa, TFD_TIMER_ABSTIME, &its, NULL));
	fb = arm_cancel_timerfd(CLOCK_REALTIME, (LEAP_MIDNIGHT + LEAP_FAR_S) * NSEC_PER_SEC,
				TFD_NONBLOCK);
	ASSERT_LE(0, fb) TH_LOG("timerfd: %s", strerror(errno));

	pfd[0] = (struct pollfd){ .fd = fa, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = fb, .events = POLLIN };
	end = arm_raw + LEAP_DEL_WAIT_NS + PROMPT_NS;
	while ((!a_raw || !b_raw) && (now = clock_ns(RAW)) < end) {
		ret = poll(pfd, 2, (end - now) / MSEC + 1);
		if (ret < 0 && errno == EINTR)
			continue;
		ASSERT_LE(0, ret) TH_LOG("poll: %s", strerror(errno));
		if (pfd[0].revents) {
			a_real = clock_ns(CLOCK_REALTIME);
			a_raw = clock_ns(RAW);
			a_ret = tfd_read(fa);
			pfd[0].fd = -1;
		}
		if (pfd[1].revents) {
			b_raw = clock_ns(RAW);
			b_ret = tfd_read(fb);
			pfd[1].fd = -1;
		}
	}
	state = ntp_read(&tx);
	close(fa);
	close(fb);

	ASSERT_NE(0, b_raw) TH_LOG("CANCEL_ON_SET timerfd: no event in %lld ms",
				   (end - arm_raw) / MSEC);
	TH_LOG("CANCEL_ON_SET timerfd: %lld after %lld ms, %+lld us from 23:59:59", b_ret,
	       (b_raw - arm_raw) / MSEC, (b_raw + ahead - (midnight - NSEC_PER_SEC)) / USEC);
	EXPECT_EQ(-ECANCELED, b_ret);
	EXPECT_LE(midnight - NSEC_PER_SEC, b_raw + ahead)
		TH_LOG("cancelled %lld us before the clock reached 23:59:59",
		       (midnight - NSEC_PER_SEC - b_raw - ahead) / USEC);
	EXPECT_GE(arm_raw + LEAP_DEL_BEFORE_NS - NSEC_PER_SEC + PROMPT_NS, b_raw)
		TH_LOG("cancelled %lld ms after arming", (b_raw - arm_raw) / MSEC);

	ASSERT_NE(0, a_raw) TH_LOG("timerfd due at 00:00:00.5: did not fire in %lld ms",
				   (end - arm_raw) / MSEC);
	TH_LOG("timerfd due at 00:00:00.5: %lld, %lld ms after arming, %+lld us from expiry",
	       a_ret, (a_raw - arm_raw) / MSEC, (a_real - expiry) / USEC);
	EXPECT_EQ(1, a_ret);
	EXPECT_LE(expiry, a_real) TH_LOG("fired %lld ns before its expiry", expiry - a_real);
	EXPECT_GE(expiry + LEAP_DEL_LATE_NS, a_real)
		TH_LOG("fired %lld ms late", (a_real - expiry) / MSEC);
	EXPECT_GT(LEAP_DEL_WAIT_NS, a_raw - arm_raw)
		TH_LOG("fired %lld ms after arming, not 2 s", (a_raw - arm_raw) / MSEC);

	EXPECT_EQ(TIME_WAIT, state) TH_LOG("state %d, status %#x", state, tx.status);
	EXPECT_EQ(tai - 1, tx.tai);
	/* The clock, and where it would be without the leap second */
	d = a_real - (a_raw + ahead);
	EXPECT_GT(LEAP_SLACK_NS, llabs(d - NSEC_PER_SEC))
		TH_LOG("the clock is %+lld ms from where it would be, not +1000 ms", d / MSEC);
}

/* leap_delete_timers() */
TEST(own_leap_delete)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	run_own_keep_ntp(_metadata, leap_delete_timers);
}

/*
 * Rate: in a namespace with a clock of its own running at another rate
 * than CLOCK_MONOTONIC_RAW, 1000 absolute CLOCK_REALTIME timers due from
 * 0.2 s to 3 s ahead, every fifth a timerfd, the others POSIX timers
 * signalling a signalfd, all waited for with epoll.
 */
#define RATE_TIMERS		1000
#define RATE_TIMERFD_EVERY	5
#define RATE_FIRST_NS		(200 * MSEC)
#define RATE_SPREAD_NS		(2800 * MSEC)
/* How long the test waits for them all: 3 s at 0.9 is 3.33 s, and more. */
#define RATE_BOUND_NS		(6 * NSEC_PER_SEC)
/*
 * The latest a timer may fire, on the namespace's clock. The kernel arms
 * it at the host time its clock reaches the expiry at the rate of its NTP
 * state, so it is late by the host's own NTP correction over the time left
 * (none in the test guest, which runs no NTP; 500 ppm of 3 s, 1.5 ms, at
 * most), plus the timer slack (50 us), plus the time this process takes
 * to wake and read the clock, up to 64 timers per epoll_wait(), for 1000
 * timers in a slow guest: measured up to 14 ms under TCG (ADJ_TICK 11000;
 * 3 to 7 ms in the other cases). 50 ms is that with a margin of more than
 * three times for a loaded host. A timer converted as if the namespace's
 * clock ran at the host's rate, and re-armed only when it would fire
 * early, fires up to 10% of 3 s, 300 ms, late at ADJ_TICK 11000; one
 * converted at its multiplier of the moment, which lags a tick change,
 * fired 37 ms late.
 */
#define RATE_MAX_LATE_NS	(50 * MSEC)
/*
 * The mean lateness of the timers. The kernel's share is 1 ns of rounding
 * of the conversion, at most one tick's NTP error of the namespace's
 * clock (what its multiplier has yet to correct: far below 1 us) and one
 * re-arm for the rest when a timer fires a little before its expiry (one
 * more hrtimer interrupt); the rest is the guest's wake-up latency,
 * measured at a mean of 0.5 to 1.1 ms under TCG. 5 ms leaves room for a
 * loaded host, and fails a conversion at a wrong rate, which makes most
 * timers late by a share of their time left (10% of 0.2 to 3 s: a mean
 * of 160 ms at ADJ_TICK 11000).
 */
#define RATE_MEAN_LATE_NS	(5 * MSEC)
/* The rate of the namespace's clock: right to 250 ppm over the test */
#define RATE_PPM_TOL		250
/* RLIMIT_SIGPENDING which the 800 POSIX timers' signals need */
#define RATE_SIGPENDING		4096

struct rate_run {
	long long expiry[RATE_TIMERS];
	int fd[RATE_TIMERS];		/* the timerfd, or -1: a POSIX timer */
	timer_t timer[RATE_TIMERS];
	bool fired[RATE_TIMERS];
	int pending[RATE_TIMERS];	/* signals read, not counted yet */
	int count, early, twice, bad;
	long long max_late, sum_late, max_early;
};

/* Timer @i fired, seen at @now of the clock (after it fired) */
static void rate_fired(struct rate_run *r, int i, long long now)
{
	long long late = now - r->expiry[i];

	if (r->fired[i]) {
		r->twice++;
		return;
	}
	r->fired[i] = true;
	r->count++;
	if (late < 0) {
		r->early++;
		if (-late > r->max_early)
			r->max_early = -late;
		return;
	}
	r->sum_late += late;
	if (late > r->max_late)
		r->max_late = late;
}

/* Read the signals of the POSIX timers, then the clock, after they fired. */
static void rate_drain(struct rate_run *r, int sfd)
{
	struct signalfd_siginfo si[64];
	int n = 0, i, idx;
	long long now;
	ssize_t got;

	for (;;) {
		got = read(sfd, si, sizeof(si));
		if (got <= 0)
			break;
		for (i = 0; i < got / (ssize_t)sizeof(si[0]); i++) {
			idx = si[i].ssi_int;
			if (si[i].ssi_signo != (unsigned int)TIMER_SIG || idx < 0 ||
			    idx >= RATE_TIMERS || r->fd[idx] >= 0 || n >= RATE_TIMERS)
				r->bad++;
			else
				r->pending[n++] = idx;
		}
	}
	now = clock_ns(CLOCK_REALTIME);
	for (i = 0; i < n; i++)
		rate_fired(r, r->pending[i], now);
}

static void rate_timers(struct __test_metadata *_metadata, long tick, long ppm)
{
	static const struct wait_spec spec[] = {
		{ W_NANOSLEEP, CLOCK_REALTIME },
		{ W_NANOSLEEP, CLOCK_MONOTONIC },
	};
	long hz = sysconf(_SC_CLK_TCK), want_ppm, got_ppm;
	struct timex tx = { .modes = ADJ_TICK | ADJ_FREQUENCY, .freq = PPM(ppm) };
	long long base, now, off0, off1, m0, m1, until, t0, mean;
	struct waiter w[ARRAY_SIZE(spec)];
	struct epoll_event ev[64];
	struct itimerspec its = {};
	int ep, sfd, i, n, idx, ret;
	struct rate_run *r;
	bool sig;
	sigset_t set;

	tx.tick = tick ? tick : user_tick();
	want_ppm = tx.tick * hz - 1000000 + ppm;
	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("adjtimex: %s", strerror(errno));

	r = calloc(1, sizeof(*r));
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, block_timer_sig());
	sigemptyset(&set);
	sigaddset(&set, TIMER_SIG);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ASSERT_LE(0, sfd) TH_LOG("signalfd: %s", strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev[0].events = EPOLLIN;
	ev[0].data.u32 = RATE_TIMERS;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev[0]));
	for (i = 0; i < RATE_TIMERS; i++) {
		struct sigevent sev = {
			.sigev_notify = SIGEV_SIGNAL,
			.sigev_signo = TIMER_SIG,
			.sigev_value.sival_int = i,
		};

		r->fd[i] = -1;
		if (i % RATE_TIMERFD_EVERY) {
			ASSERT_EQ(0, timer_create(CLOCK_REALTIME, &sev, &r->timer[i]))
				TH_LOG("timer_create %d: %s", i, strerror(errno));
			continue;
		}
		r->fd[i] = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
		ASSERT_LE(0, r->fd[i]) TH_LOG("timerfd %d: %s", i, strerror(errno));
		ev[0].events = EPOLLIN;
		ev[0].data.u32 = i;
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r->fd[i], &ev[0]));
	}

	/* CLOCK_REALTIME - CLOCK_MONOTONIC_RAW, for the rate */
	off0 = clock_offset_ns(CLOCK_REALTIME, 8, NULL);
	m0 = clock_ns(RAW);
	t0 = clock_ns(RAW);
	base = clock_ns(CLOCK_REALTIME);
	for (i = 0; i < RATE_TIMERS; i++) {
		r->expiry[i] = base + RATE_FIRST_NS + i * RATE_SPREAD_NS / (RATE_TIMERS - 1);
		its.it_value = ns_ts(r->expiry[i]);
		if (r->fd[i] >= 0)
			ret = timerfd_settime(r->fd[i], TFD_TIMER_ABSTIME, &its, NULL);
		else
			ret = timer_settime(r->timer[i], TIMER_ABSTIME, &its, NULL);
		ASSERT_EQ(0, ret) TH_LOG("arming timer %d: %s", i, strerror(errno));
	}
	/* And two sleeps, due 2 s ahead */
	init_waiters(w, spec, ARRAY_SIZE(spec), 2 * NSEC_PER_SEC, 2 * NSEC_PER_SEC);
	for (i = 0; i < (int)ARRAY_SIZE(spec); i++)
		w[i].by_raw = t0 + RATE_BOUND_NS;
	start_waiters(_metadata, w, ARRAY_SIZE(spec));

	until = t0 + RATE_BOUND_NS;
	while (r->count < RATE_TIMERS && clock_ns(RAW) < until) {
		n = epoll_wait(ep, ev, ARRAY_SIZE(ev), 100);
		/* The clock, read after the timers reported fired */
		now = clock_ns(CLOCK_REALTIME);
		if (n < 0 && errno == EINTR)
			continue;
		ASSERT_LE(0, n) TH_LOG("epoll_wait: %s", strerror(errno));
		sig = false;
		for (i = 0; i < n; i++) {
			idx = ev[i].data.u32;
			if (idx == RATE_TIMERS) {
				sig = true;
				continue;
			}
			rate_fired(r, idx, now);
			if (tfd_read(r->fd[idx]) != 1)
				r->bad++;
		}
		if (sig)
			rate_drain(r, sfd);
	}
	off1 = clock_offset_ns(CLOCK_REALTIME, 8, NULL);
	m1 = clock_ns(RAW);
	got_ppm = (off1 - off0) * 1000000 / (m1 - m0);
	wait_waiters(w, ARRAY_SIZE(spec));
	check_waiters(_metadata, w, ARRAY_SIZE(spec));

	TH_LOG("tick %ld, frequency %ld ppm: the clock runs %ld ppm from RAW (want %ld)",
	       tx.tick, ppm, got_ppm, want_ppm);
	mean = r->count > r->early ? r->sum_late / (r->count - r->early) : 0;
	TH_LOG("fired %d/%d, %d early (by up to %lld ns), lateness max %lld us, mean %lld us",
	       r->count, RATE_TIMERS, r->early, r->max_early, r->max_late / USEC, mean / USEC);
	EXPECT_GT(RATE_PPM_TOL, labs(got_ppm - want_ppm))
		TH_LOG("the clock runs %ld ppm from RAW, want %ld", got_ppm, want_ppm);
	EXPECT_EQ(0, r->early) TH_LOG("%d timers fired early, by up to %lld ns", r->early,
				      r->max_early);
	EXPECT_EQ(RATE_TIMERS, r->count);
	EXPECT_EQ(0, r->twice);
	EXPECT_EQ(0, r->bad);
	EXPECT_GE(RATE_MAX_LATE_NS, r->max_late)
		TH_LOG("a timer fired %lld ms late", r->max_late / MSEC);
	EXPECT_GE(RATE_MEAN_LATE_NS, mean)
		TH_LOG("the timers fired %lld us late on average", mean / USEC);
}

FIXTURE(rate) {};

FIXTURE_VARIANT(rate) {
	long tick;	/* ADJ_TICK, us; 0 for the default */
	long ppm;	/* ADJ_FREQUENCY, ppm */
};

/* 10% slow */
FIXTURE_VARIANT_ADD(rate, tick_9000) {
	.tick = 9000,
};

/* 10% fast */
FIXTURE_VARIANT_ADD(rate, tick_11000) {
	.tick = 11000,
};

FIXTURE_VARIANT_ADD(rate, plus_500ppm) {
	.ppm = 500,
};

FIXTURE_VARIANT_ADD(rate, minus_500ppm) {
	.ppm = -500,
};

FIXTURE_SETUP(rate)
{
	struct rlimit rl;

	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	if (variant->tick && sysconf(_SC_CLK_TCK) != 100)
		SKIP(return, "ADJ_TICK %ld is for USER_HZ 100", variant->tick);
	/*
	 * A user namespace counts pending signals against the limits of
	 * its creator at its creation: raised here, as real root.
	 */
	if (!getrlimit(RLIMIT_SIGPENDING, &rl) && rl.rlim_cur < RATE_SIGPENDING) {
		rl.rlim_cur = RATE_SIGPENDING;
		if (rl.rlim_max < RATE_SIGPENDING)
			rl.rlim_max = RATE_SIGPENDING;
		setrlimit(RLIMIT_SIGPENDING, &rl);
	}
}

FIXTURE_TEARDOWN(rate) {}

/*
 * None fires before the namespace's clock reads its expiry, each fires
 * once, none later than RATE_MAX_LATE_NS, and they are RATE_MEAN_LATE_NS
 * late at most on average; nor do clock_nanosleep()s on CLOCK_REALTIME
 * and CLOCK_MONOTONIC return early.
 */
TEST_F(rate, never_early)
{
	long long host_off = realtime_offset_ns();
	pid_t pid;

	pid = tk_ns_fork(_metadata, TK_NS_USER);
	if (!pid) {
		alarm(CHILD_ALARM_S);
		rate_timers(_metadata, variant->tick, variant->ppm);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
	EXPECT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("host CLOCK_REALTIME moved");
}

/*
 * In the host step test, each namespace's waits on CLOCK_REALTIME: the
 * own clock's due 3 s ahead, which must not wake before its clock reads
 * that, the follower's 10 s ahead, which the host's step of 30 s makes
 * due at once (host_step_waits()).
 */
static void host_step_waiters(struct __test_metadata *_metadata, struct peer *p)
{
	struct waiter w[ARRAY_SIZE(realtime_spec)];

	host_step_waits(_metadata, p, w, realtime_spec, ARRAY_SIZE(realtime_spec), PROMPT_NS);
}

/* host_step_run() with a peer with a clock of its own and one following the host */
static void host_step_peers(struct __test_metadata *_metadata,
			    void (*fn)(struct __test_metadata *_metadata, struct peer *p),
			    long long step, bool tell)
{
	struct peer p[2] = {
		{ .own = true, .fn = fn },
		{ .own = false, .fn = fn },
	};

	host_step_run(_metadata, TK_NS_USER, p, 2, step, tell);
}

/*
 * Host step: the host's CLOCK_REALTIME stepped 30 s forward. Absolute
 * timers in a namespace with a clock of its own do not fire before their
 * expiry on that clock; those in a namespace which follows the host fire
 * at once. The host's clock is stepped back once the children are done,
 * whatever they found.
 */
TEST(host_step)
{
	if (cannot_step_host())
		SKIP(return, "%s", skip_reason);
	host_step_peers(_metadata, host_step_waiters, HOST_STEP_NS, false);
}

/*
 * In the host step test of CANCEL_ON_SET: the host's step cancels the
 * follower's timerfd, not the own clock's; a set of the own clock does.
 */
static void host_cancel_child(struct __test_metadata *_metadata, struct peer *p)
{
	int fd = cancel_timerfd(), ret;

	ASSERT_LE(0, fd) TH_LOG("timerfd: %s", strerror(errno));
	ASSERT_TRUE(put_byte(p->ready[1]));
	/* The host's clock was stepped. */
	ASSERT_TRUE(get_byte(p->go[0]));
	ret = poll_in(fd, 500);
	if (!p->own) {
		ASSERT_EQ(1, ret) TH_LOG("following: a host step did not wake poll()");
		ASSERT_EQ(-ECANCELED, tfd_read(fd));
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("own clock: a host step woke poll()");
	ASSERT_EQ(-EAGAIN, tfd_read(fd)) TH_LOG("own clock: a host step canceled it");
	ASSERT_EQ(0, step_realtime(NSEC_PER_SEC)) TH_LOG("clock_settime: %s", strerror(errno));
	ASSERT_EQ(-ECANCELED, tfd_read(fd));
}

/*
 * Host step and CANCEL_ON_SET: a step of the host's clock cancels the
 * timerfds of a namespace which follows it, not those of a namespace with
 * a clock of its own. The host's clock is stepped back after.
 */
TEST(host_step_cancel_on_set)
{
	if (cannot_step_host())
		SKIP(return, "%s", skip_reason);
	host_step_peers(_metadata, host_cancel_child, HOST_CANCEL_STEP_NS, true);
}

/*
 * In the test of a host step after a switch: waits due 3 s ahead on the
 * CLOCK_REALTIME and CLOCK_MONOTONIC of a namespace which follows the
 * host, armed before the namespace switches to a clock of its own, 5%
 * slow (slow_down()); then the host's clock is stepped 30 s back. Neither
 * the switch nor the host's step moves the waits off the namespace's
 * clocks: none wakes before its clock reads its expiry (the
 * CLOCK_MONOTONIC ones, left at the host's rate, would wake 150 ms early),
 * and each wakes within PROMPT_NS of 3 s after arming (the CLOCK_REALTIME
 * ones, left on the host's clock, would wake 30 s late).
 */
static void switch_then_host_step(struct __test_metadata *_metadata, struct peer *p)
{
	static const struct wait_spec spec[] = {
		{ W_TIMERFD, CLOCK_REALTIME },
		{ W_TIMER, CLOCK_REALTIME },
		{ W_NANOSLEEP, CLOCK_REALTIME },
		{ W_FUTEX, CLOCK_REALTIME },
		{ W_MQ, CLOCK_REALTIME },
		{ W_TIMERFD, CLOCK_MONOTONIC },
		{ W_NANOSLEEP, CLOCK_MONOTONIC },
	};
	int n = ARRAY_SIZE(spec), i;
	struct waiter w[ARRAY_SIZE(spec)];
	long long t0 = clock_ns(RAW);

	init_waiters(w, spec, n, HOST_OWN_AHEAD_NS, HOST_OWN_AHEAD_NS);
	for (i = 0; i < n; i++)
		w[i].by_raw = t0 + HOST_OWN_AHEAD_NS + PROMPT_NS;
	start_waiters(_metadata, w, n);
	slow_down(_metadata);
	ASSERT_TRUE(put_byte(p->ready[1]));
	wait_waiters(w, n);
	check_waiters(_metadata, w, n);
}

/*
 * Host step after a switch: a namespace which follows the host arms its
 * waits, then switches to a clock of its own; the host's CLOCK_REALTIME
 * is then stepped 30 s back, and forward again once the child is done,
 * whatever it found. See switch_then_host_step().
 */
TEST(host_step_after_switch)
{
	struct peer p = { .own = false, .fn = switch_then_host_step };

	if (cannot_step_host())
		SKIP(return, "%s", skip_reason);
	host_step_run(_metadata, TK_NS_USER, &p, 1, -HOST_STEP_NS, false);
}

/*
 * LTP's clock_settime03 in a namespace: its clock set to 2^31 - 3 s,
 * 2038-01-19T03:14:05Z, absolute timers and a sleep until 2^31 + 0.5 s
 * wake after the clock passed 2^31 s, at their expiry, 3.5 s later.
 */
static void y2038_timers(struct __test_metadata *_metadata, struct peer *p)
{
	static const struct wait_spec spec[] = {
		{ W_TIMER, CLOCK_REALTIME },
		{ W_TIMERFD, CLOCK_REALTIME },
		{ W_NANOSLEEP, CLOCK_REALTIME },
	};
	struct timespec ts = { .tv_sec = Y2038 - 3 };
	int n = ARRAY_SIZE(spec), i;
	struct waiter w[ARRAY_SIZE(spec)];
	long long r0;

	r0 = clock_ns(RAW);
	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &ts)) TH_LOG("clock_settime: %s",
								strerror(errno));
	init_waiters(w, spec, n, 0, 0);
	for (i = 0; i < n; i++) {
		w[i].expiry = Y2038 * NSEC_PER_SEC + 500 * MSEC;
		w[i].by_raw = r0 + 3500 * MSEC + PROMPT_NS;
	}
	TH_LOG("%s namespace:", peer_name(p));
	run_waiters(_metadata, w, n);
}

TEST(y2038)
{
	struct peer p[2] = {
		{ .own = false, .fn = y2038_timers },
		{ .own = true, .fn = y2038_timers },
	};
	long long host_off;

	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	if (sizeof(time_t) < 8)
		SKIP(return, "32-bit time_t");
	host_off = realtime_offset_ns();
	peers_fork(_metadata, TK_NS_USER, p, 2);
	tk_wait_ok(_metadata, p[0].pid);
	tk_wait_ok(_metadata, p[1].pid);
	EXPECT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("host CLOCK_REALTIME moved");
}

TEST_HARNESS_MAIN
