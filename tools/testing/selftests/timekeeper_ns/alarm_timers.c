// SPDX-License-Identifier: GPL-2.0
/*
 * Absolute alarm timers armed in a time namespace whose clock can be set
 * follow the namespace's clock, as its CLOCK_REALTIME timers do (see
 * ns_timers.c): a set of the namespace's CLOCK_REALTIME re-arms its
 * CLOCK_REALTIME_ALARM timers; on a clock of its own, its alarm timers,
 * CLOCK_BOOTTIME_ALARM ones too, run at its rate, and a step of the host's
 * clock does not move them; timer_gettime() and timerfd_gettime() tell
 * the time left in namespace time; a periodic POSIX alarm timer counts its
 * overruns in namespace time; and a set of its clock, not of a sibling's,
 * cancels its CANCEL_ON_SET CLOCK_REALTIME_ALARM timerfds.
 *
 * The rule of every test here: a timer which fires, or a sleep which
 * returns, before the clock it was armed on reads its expiry is a
 * failure, however small the difference. Each wake-up is checked by a
 * read of that clock right after it. CLOCK_MONOTONIC_RAW, which no step
 * moves and no adjtimex() steers, measures the real time taken.
 *
 * Alarm clocks take CAP_WAKE_ALARM in the initial user namespace, so the
 * namespaces are plain time namespaces of real root, opted in to a clock
 * of their own (tk_unshare(TK_NS_OPTIN)), of two kinds: one which follows
 * the host, its CLOCK_REALTIME the host's plus an offset, and one whose
 * clock was steered (adjtimex() first), which has a timekeeper of its own.
 * Without an RTC the alarm clocks read EINVAL, and the tests skip.
 *
 * The test which steps the host's clock skips unless TKNS_HOST_STEP=1 is
 * in the environment, and it steps the clock back before it asserts
 * anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"
#include "tk_waiters.h"

#define RT_ALARM		CLOCK_REALTIME_ALARM
#define BT_ALARM		CLOCK_BOOTTIME_ALARM

/*
 * The slow own clock: a tick cut by 1/20th (9500 us at USER_HZ 100), 5%
 * slow. Waits due 2 s ahead: one left at the host's rate would wake
 * 100 ms early by the namespace's clock. Each wakes 50 ms late at most
 * on that clock: the timer slack and a wake-up under TCG take a few ms.
 */
#define SLOW_TICK_CUT		20
#define SLOW_AHEAD_NS		(2 * NSEC_PER_SEC)
#define SLOW_LATE_NS		(50 * MSEC)
/*
 * The rate of the slow clock against CLOCK_MONOTONIC_RAW, measured over
 * the waits: right to 1000 ppm (of the 50000 ppm it is slow), so that the
 * test knows the clock ran slow while the timers were armed.
 */
#define SLOW_PPM_TOL		1000

/*
 * How far timer_gettime()'s next expiry, read between two reads of the
 * clock, may be from the one the overrun tells: 1 ms, for any rounding of
 * a conversion to host time and back.
 */
#define LEFT_SLACK_NS		(1 * MSEC)
/* CANCEL_ON_SET: a timerfd due 10 s ahead; the sibling sets its clock 10 s on. */
#define CANCEL_AHEAD_NS		(10 * NSEC_PER_SEC)
/* How long poll() must see nothing after the sibling's set */
#define CANCEL_QUIET_MS		500
/* Backstop for the blocking read() which the set must end: SIGALRM */
#define CANCEL_GUARD_S		5

/* The host step test: the own clock's waits wake 1 s after their expiry at most. */
#define HOST_OWN_LATE_NS	(1 * NSEC_PER_SEC)

/* Every way, on CLOCK_REALTIME_ALARM */
static const struct wait_spec realtime_spec[] = {
	{ W_TIMERFD, RT_ALARM },
	{ W_TIMER, RT_ALARM },
	{ W_NANOSLEEP, RT_ALARM },
};

/* ... and on CLOCK_BOOTTIME_ALARM */
static const struct wait_spec all_spec[] = {
	{ W_TIMERFD, RT_ALARM },
	{ W_TIMER, RT_ALARM },
	{ W_NANOSLEEP, RT_ALARM },
	{ W_TIMERFD, BT_ALARM },
	{ W_TIMER, BT_ALARM },
	{ W_NANOSLEEP, BT_ALARM },
};

#define MAX_WAITERS	ARRAY_SIZE(all_spec)

/*
 * Forward set: waits due 10 s ahead on CLOCK_REALTIME_ALARM; the
 * namespace's clock is set 20 s forward 0.3 s later. They wake within 2 s
 * of the set, not before it. Those on CLOCK_BOOTTIME_ALARM, due 1.5 s
 * ahead, which the set does not move, wake at their expiry, not at the
 * set (step_forward_waits()).
 */
static void step_forward(struct __test_metadata *_metadata)
{
	struct waiter w[MAX_WAITERS];

	step_forward_waits(_metadata, w, all_spec, ARRAY_SIZE(all_spec));
}

/*
 * Backward set: waits due 1.5 s ahead; the namespace's clock is set 2 s
 * back 0.3 s later. None wakes before its clock reads its expiry:
 * BACK_WAIT_NS, 3.5 s, after arming for CLOCK_REALTIME_ALARM, 1.5 s for
 * CLOCK_BOOTTIME_ALARM; each wakes within PROMPT_NS of that
 * (step_backward_waits()).
 */
static void step_backward(struct __test_metadata *_metadata)
{
	struct waiter w[MAX_WAITERS];

	step_backward_waits(_metadata, w, all_spec, ARRAY_SIZE(all_spec));
}

/*
 * A slow own clock: adjtimex(ADJ_TICK) cuts the namespace's tick by
 * 1/SLOW_TICK_CUT, which switches a namespace following the host to a
 * clock of its own running 5% slow. Then waits due 2 s ahead on
 * CLOCK_REALTIME_ALARM and CLOCK_BOOTTIME_ALARM: none wakes before its
 * clock reads its expiry (one left at the host's rate would wake 100 ms
 * early), and each wakes SLOW_LATE_NS after it at most. Meanwhile the
 * namespace's CLOCK_REALTIME_ALARM runs 5% slow of CLOCK_MONOTONIC_RAW.
 */
static void slow_clock_waits(struct __test_metadata *_metadata)
{
	struct timex tx = {
		.modes = ADJ_TICK,
		.tick = user_tick() - user_tick() / SLOW_TICK_CUT,
	};
	long want_ppm = tx.tick * sysconf(_SC_CLK_TCK) - 1000000, got_ppm;
	int n = ARRAY_SIZE(all_spec), i;
	struct waiter w[MAX_WAITERS];
	long long off0, off1, m0, m1, t0;

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_TICK %ld: %s", tx.tick, strerror(errno));
	off0 = clock_offset_ns(RT_ALARM, 8, NULL);
	m0 = clock_ns(RAW);
	t0 = m0;
	init_waiters(w, all_spec, n, SLOW_AHEAD_NS, SLOW_AHEAD_NS);
	for (i = 0; i < n; i++) {
		/* 2 s of the slow clock take 2 s * 20 / 19 of CLOCK_MONOTONIC_RAW. */
		w[i].by_raw = t0 + SLOW_AHEAD_NS * SLOW_TICK_CUT / (SLOW_TICK_CUT - 1) + PROMPT_NS;
		w[i].max_late = SLOW_LATE_NS;
	}
	run_waiters(_metadata, w, n);
	off1 = clock_offset_ns(RT_ALARM, 8, NULL);
	m1 = clock_ns(RAW);
	got_ppm = (off1 - off0) * 1000000 / (m1 - m0);
	TH_LOG("tick %ld: REALTIME_ALARM runs %ld ppm from RAW (want %ld)", tx.tick, got_ppm,
	       want_ppm);
	EXPECT_GT(SLOW_PPM_TOL, labs(got_ppm - want_ppm))
		TH_LOG("the clock runs %ld ppm from RAW, not %ld", got_ppm, want_ppm);
}

/*
 * A periodic POSIX alarm timer on CLOCK_REALTIME_ALARM, whose clock is
 * set 20.5 s forward after its first signal: its overrun is the one
 * periodic_step() expects, 19 or 20, with E2 its second expiry. The timer
 * is then due at E2 + (k + 1) s: timer_gettime() tells that, more than 0
 * and at most 1 s ahead.
 */
static void periodic_overrun(struct __test_metadata *_metadata)
{
	long long t1, t2, left, next, lo, hi;
	struct itimerspec cur;
	struct periodic p;

	periodic_step(_metadata, RT_ALARM, &p);
	t1 = clock_ns(RT_ALARM);
	ASSERT_EQ(0, timer_gettime(p.t, &cur)) TH_LOG("timer_gettime: %s", strerror(errno));
	t2 = clock_ns(RT_ALARM);
	timer_delete(p.t);

	lo = (p.t_step - p.e2) / NSEC_PER_SEC;
	hi = (p.t_after - p.e2) / NSEC_PER_SEC;
	TH_LOG("overrun %d (si_overrun %d), expected %lld..%lld; signal %lld ms after the set",
	       p.overrun, p.info.si_overrun, lo, hi, (p.raw_after - p.raw_step) / MSEC);
	EXPECT_GT(PROMPT_NS, p.raw_after - p.raw_step);
	ASSERT_LE(19, p.overrun);
	ASSERT_GE(21, p.overrun);
	ASSERT_LE(lo, p.overrun);
	ASSERT_GE(hi, p.overrun);

	left = ts_ns(&cur.it_value);
	next = p.e2 + (p.overrun + 1) * NSEC_PER_SEC;
	TH_LOG("timer_gettime(): %lld us left, want %lld..%lld us", left / USEC,
	       (next - t2) / USEC, (next - t1) / USEC);
	EXPECT_EQ(NSEC_PER_SEC, ts_ns(&cur.it_interval));
	ASSERT_LT(0, left) TH_LOG("timer_gettime(): no time left");
	ASSERT_GE(NSEC_PER_SEC, left) TH_LOG("timer_gettime(): %lld ms left", left / MSEC);
	ASSERT_LE(next - t2 - LEFT_SLACK_NS, left)
		TH_LOG("timer_gettime(): %lld us left, the next expiry is %lld us ahead",
		       left / USEC, (next - t2) / USEC);
	ASSERT_GE(next - t1 + LEFT_SLACK_NS, left)
		TH_LOG("timer_gettime(): %lld us left, the next expiry is %lld us ahead",
		       left / USEC, (next - t1) / USEC);
}

/*
 * timer_gettime() and timerfd_gettime() of absolute CLOCK_REALTIME_ALARM
 * timers due 10 s ahead tell the time left on the namespace's clock: 5 s
 * after a set of 5 s forward, 15 s after a set of 10 s back.
 */
static void gettime_after_set(struct __test_metadata *_metadata)
{
	gettime_after_sets(_metadata, RT_ALARM);
}

/*
 * The host's clock state before a test: its CLOCK_REALTIME - CLOCK_MONOTONIC
 * and its NTP tick, which no namespace's set or steering may change. (Its
 * frequency, which an NTP daemon of the host may change meanwhile, is left
 * to own_clock.c.)
 */
struct host_state {
	long long off;
	long tick;
};

static void host_save(struct __test_metadata *_metadata, struct host_state *h)
{
	struct timex tx;

	ASSERT_LE(0, ntp_read(&tx));
	h->tick = tx.tick;
	h->off = realtime_offset_ns();
}

/*
 * Put the host's clock back as host_save() found it if a namespace moved
 * it, so that the tests after this one run on a sane clock, and only then
 * assert that it had not moved.
 */
static void host_restore_check(struct __test_metadata *_metadata, const struct host_state *h)
{
	long long moved = realtime_offset_ns() - h->off;
	bool stepped = !realtime_unchanged_since(h->off);
	struct timex tx;
	long tick;

	if (stepped)
		step_realtime(-moved);
	ASSERT_LE(0, ntp_read(&tx));
	tick = tx.tick;
	if (tick != h->tick) {
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_TICK;
		tx.tick = h->tick;
		adjtimex(&tx);
	}
	EXPECT_FALSE(stepped) TH_LOG("host CLOCK_REALTIME moved %+lld ms (stepped back)",
				     moved / MSEC);
	EXPECT_EQ(h->tick, tick) TH_LOG("host tick steered to %ld (put back)", tick);
}

/*
 * Run @fn in a child in a new time namespace opted in to a clock of its
 * own, switched to it if @own; assert that it passed, and that the host's
 * clock did not move.
 */
static void run_ns(struct __test_metadata *_metadata, bool own,
		   void (*fn)(struct __test_metadata *_metadata))
{
	struct host_state h;
	int status;
	pid_t pid;

	host_save(_metadata, &h);
	pid = fork_ns_child(_metadata, TK_NS_OPTIN, own);
	if (!pid) {
		fn(_metadata);
		_exit(_metadata->exit_code);
	}
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	host_restore_check(_metadata, &h);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the child in the namespace failed: wait status %#x", status);
	ASSERT_FALSE(_metadata->aborted);
}

static const char *skip_reason;

/*
 * Whether the tests cannot run here; skip_reason says why. They need real
 * root in the initial user namespace, for CAP_WAKE_ALARM, the opt-in to
 * clocks of their own, and an RTC, without which the alarm clocks read
 * EINVAL.
 */
static bool cannot_run(void)
{
	struct timespec ts;

	skip_reason = tk_cannot_run();
	if (skip_reason)
		return true;
	if (!have_timens_clock()) {
		skip_reason = "no " TIMENS_CLOCK;
		return true;
	}
	if (!in_initial_userns()) {
		skip_reason = "needs real root in the initial user namespace (CAP_WAKE_ALARM)";
		return true;
	}
	if (clock_gettime(CLOCK_REALTIME_ALARM, &ts) && errno == EINVAL) {
		skip_reason = "no RTC: clock_gettime(CLOCK_REALTIME_ALARM) fails with EINVAL";
		return true;
	}
	return false;
}

/* Whether the host step test cannot run: it needs TKNS_HOST_STEP=1. */
static bool cannot_step_host(void)
{
	if (cannot_run())
		return true;
	skip_reason = host_step_refused();
	return skip_reason;
}

/* The tests in a namespace which follows the host and in one with a clock of its own */
FIXTURE(alarms) {};

FIXTURE_VARIANT(alarms) {
	bool own;
};

FIXTURE_VARIANT_ADD(alarms, following) {
	.own = false,
};

FIXTURE_VARIANT_ADD(alarms, own) {
	.own = true,
};

FIXTURE_SETUP(alarms)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
}

FIXTURE_TEARDOWN(alarms) {}

/* step_forward(): every way of waiting, the namespace's clock set forward */
TEST_F(alarms, step_forward)
{
	run_ns(_metadata, variant->own, step_forward);
}

/* step_backward(): every way of waiting, the namespace's clock set back */
TEST_F(alarms, step_backward)
{
	run_ns(_metadata, variant->own, step_backward);
}

/* periodic_overrun(): the overrun of a periodic alarm timer across a set */
TEST_F(alarms, periodic_overrun)
{
	run_ns(_metadata, variant->own, periodic_overrun);
}

/* gettime_after_set(): the time left of alarm timers across sets */
TEST_F(alarms, gettime_after_set)
{
	run_ns(_metadata, variant->own, gettime_after_set);
}

/*
 * The CANCEL_ON_SET timerfd of namespace A, which a set of B must not
 * cancel: poll() sees nothing for CANCEL_QUIET_MS after it, and a read()
 * finds it armed. A set of A's clock then cancels it: a read() blocked on
 * it fails with ECANCELED within PROMPT_NS of the set.
 */
static void sibling_a(struct __test_metadata *_metadata, struct peer *p)
{
	struct stepper s = { .delay = STEP_AFTER_NS, .delta = NSEC_PER_SEC };
	long long raw, ret;
	pthread_t thr;
	int fd, err;

	fd = arm_cancel_timerfd(RT_ALARM, clock_ns(RT_ALARM) + CANCEL_AHEAD_NS, TFD_NONBLOCK);
	ASSERT_LE(0, fd) TH_LOG("timerfd: %s", strerror(errno));
	ASSERT_EQ(-EAGAIN, tfd_read(fd)) TH_LOG("canceled before any set");
	ASSERT_TRUE(put_byte(p->ready[1]));
	/* B has set its clock. */
	ASSERT_TRUE(get_byte(p->go[0]));
	ASSERT_EQ(0, poll_in(fd, CANCEL_QUIET_MS))
		TH_LOG("a set in a sibling namespace woke poll()");
	ASSERT_EQ(-EAGAIN, tfd_read(fd)) TH_LOG("a set in a sibling namespace canceled it");

	/* A blocking read(), which a set of A's clock 0.3 s later must end */
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK));
	ASSERT_EQ(0, pthread_create(&thr, NULL, stepper_thread, &s));
	guard_alarm(CANCEL_GUARD_S);
	ret = tfd_read(fd);
	raw = clock_ns(RAW);
	guard_alarm(0);
	ASSERT_EQ(0, pthread_join(thr, NULL));
	close(fd);
	err = ret < 0 ? -ret : 0;
	ASSERT_EQ(0, s.ret) TH_LOG("clock_settime: %s", strerror(s.err));
	ASSERT_EQ(-ECANCELED, ret)
		TH_LOG("read() after a set of the namespace's clock: %s",
		       err == EINTR ? "not canceled within the guard" :
		       err ? strerror(err) : "the timer expired");
	TH_LOG("read() canceled %lld ms after the set", (raw - s.raw) / MSEC);
	EXPECT_LE(s.raw_before, raw) TH_LOG("read() canceled before the set");
	EXPECT_GT(PROMPT_NS, raw - s.raw) TH_LOG("read() canceled late");
}

/*
 * CANCEL_ON_SET: a set of the clock of a sibling namespace B does not
 * cancel the CANCEL_ON_SET CLOCK_REALTIME_ALARM timerfd of namespace A;
 * a set of A's does.
 */
TEST_F(alarms, cancel_on_set)
{
	struct peer p[2] = {
		{ .own = variant->own, .fn = sibling_a },
		{ .own = variant->own, .fn = sibling_b },
	};
	int status[2];
	bool ok;
	struct host_state h;

	host_save(_metadata, &h);
	peers_fork(_metadata, TK_NS_OPTIN, p, 2);
	ok = get_byte(p[0].ready[0]) && put_byte(p[1].go[1]) && get_byte(p[1].ready[0]) &&
	     put_byte(p[0].go[1]);
	peers_close(p, 2);
	peers_reap(p, 2, status);
	host_restore_check(_metadata, &h);
	ASSERT_TRUE(ok) TH_LOG("a child did not get as far as its set");
	EXPECT_TRUE(WIFEXITED(status[0]) && !WEXITSTATUS(status[0]))
		TH_LOG("namespace A: wait status %#x", status[0]);
	EXPECT_TRUE(WIFEXITED(status[1]) && !WEXITSTATUS(status[1]))
		TH_LOG("namespace B: wait status %#x", status[1]);
	ASSERT_FALSE(_metadata->aborted);
}

/*
 * Slow own clock: see slow_clock_waits(). The namespace follows the host
 * until its ADJ_TICK.
 */
TEST(slow_own_clock)
{
	if (cannot_run())
		SKIP(return, "%s", skip_reason);
	run_ns(_metadata, false, slow_clock_waits);
}

/*
 * In the host step test, each namespace's waits on CLOCK_REALTIME_ALARM:
 * the own clock's due 3 s ahead, which must not wake before its clock
 * reads that and must wake within 1 s after; the follower's 10 s ahead,
 * which the host's step of 30 s makes due at once (host_step_waits()).
 */
static void host_step_waiters(struct __test_metadata *_metadata, struct peer *p)
{
	struct waiter w[ARRAY_SIZE(realtime_spec)];

	host_step_waits(_metadata, p, w, realtime_spec, ARRAY_SIZE(realtime_spec),
			HOST_OWN_LATE_NS);
}

/*
 * Host step: the host's CLOCK_REALTIME stepped 30 s forward once both
 * namespaces armed their waits. Absolute alarm timers in a namespace with
 * a clock of its own do not fire before their expiry on that clock; those
 * in a namespace which follows the host fire at once. The host's clock is
 * stepped back once the children are done, whatever they found.
 */
TEST(host_step)
{
	struct peer p[2] = {
		{ .own = true, .fn = host_step_waiters },
		{ .own = false, .fn = host_step_waiters },
	};

	if (cannot_step_host())
		SKIP(return, "%s", skip_reason);
	host_step_run(_metadata, TK_NS_OPTIN, p, 2, HOST_STEP_NS, false);
}

TEST_HARNESS_MAIN
