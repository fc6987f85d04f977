/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The waiters of the timer tests (ns_timers.c, alarm_timers.c): threads
 * which wait in one of the ways an absolute timeout or timer is given,
 * until an expiry on a clock, which they read right after they wake; the
 * tests which set a namespace's clock under them; and what the tests use
 * around them: a periodic POSIX timer across a set, the time left of
 * timers after sets, CANCEL_ON_SET timerfds, a thread which sets the
 * clock, and children in new time namespaces with pipes to them.
 *
 * The rule of every test: a timer which fires, or a sleep which returns,
 * before the clock it was armed on reads its expiry is a failure, however
 * small the difference. CLOCK_MONOTONIC_RAW, which no step moves and no
 * adjtimex() steers, measures the real time taken.
 *
 * Its includers define _GNU_SOURCE before they include any header of the
 * C library, and include ../kselftest_harness.h and timens_tk.h before it.
 */
#ifndef TK_WAITERS_H
#define TK_WAITERS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/time_types.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"

#ifndef CLOCK_REALTIME_ALARM
#define CLOCK_REALTIME_ALARM	8
#endif
#ifndef CLOCK_BOOTTIME_ALARM
#define CLOCK_BOOTTIME_ALARM	9
#endif
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif
#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID		4
#endif

/* The futex syscall which takes a 64-bit struct __kernel_timespec */
#ifdef SYS_futex_time64
#define SYS_FUTEX64		SYS_futex_time64
#else
#define SYS_FUTEX64		SYS_futex
#endif

#define RAW			CLOCK_MONOTONIC_RAW
/* The signal of the POSIX timers, blocked in every thread */
#define TIMER_SIG		SIGRTMIN

/* When a test sets a namespace's clock: 0.3 s after arming */
#define STEP_AFTER_NS		(300 * MSEC)
/* A wake-up that a set makes due comes within 2 s of it. */
#define PROMPT_NS		(2 * NSEC_PER_SEC)
/* Forward: armed 10 s ahead, the clock set 20 s forward */
#define FWD_AHEAD_NS		(10 * NSEC_PER_SEC)
#define FWD_STEP_NS		(20 * NSEC_PER_SEC)
/* Backward: armed 1.5 s ahead, the clock set 2 s back */
#define BACK_AHEAD_NS		(1500 * MSEC)
#define BACK_STEP_NS		(-2 * NSEC_PER_SEC)
/*
 * ... so the clock reads the expiry 1.5 s + 2 s = 3.5 s after arming,
 * and the wake-up comes within PROMPT_NS of that.
 */
#define BACK_WAIT_NS		(BACK_AHEAD_NS - BACK_STEP_NS)
/* Waits on the clocks which a set of CLOCK_REALTIME does not move */
#define MONO_AHEAD_NS		(1500 * MSEC)
/* How long the threads get to arm and fall asleep */
#define SETTLE_NS		(2 * NSEC_PER_SEC)
/* How long past the latest bound a test waits for a wake-up */
#define GRACE_NS		(1 * NSEC_PER_SEC)
/* How long a POSIX timer's thread waits for its signal at most */
#define SIG_GUARD_NS		(15 * NSEC_PER_SEC)
/* Backstop for a child which hangs: it is killed by SIGALRM. */
#define CHILD_ALARM_S		25

/* A periodic POSIX timer of 1 s, whose clock is set 20.5 s forward */
#define PERIODIC_STEP_NS	(20500 * MSEC)
/* timer_gettime() and timerfd_gettime() after a set: right to 200 ms */
#define GETTIME_AHEAD_NS	(10 * NSEC_PER_SEC)
#define GETTIME_TOL_NS		(200 * MSEC)

/* A sibling namespace sets its clock 10 s forward. */
#define SIBLING_STEP_NS		(10 * NSEC_PER_SEC)

/* The host step of the tests which step the host's clock */
#define HOST_STEP_NS		(30 * NSEC_PER_SEC)
/* How far ahead the own and following namespaces arm their waits */
#define HOST_OWN_AHEAD_NS	(3 * NSEC_PER_SEC)
#define HOST_FOL_AHEAD_NS	(10 * NSEC_PER_SEC)
/* The follower must wake by the host step, long before its 10 s. */
#define HOST_FOL_BOUND_NS	(5 * NSEC_PER_SEC)

static inline const char *clock_name(clockid_t clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
		return "REALTIME";
	case CLOCK_TAI:
		return "TAI";
	case CLOCK_MONOTONIC:
		return "MONOTONIC";
	case CLOCK_BOOTTIME:
		return "BOOTTIME";
	case CLOCK_REALTIME_ALARM:
		return "REALTIME_ALARM";
	case CLOCK_BOOTTIME_ALARM:
		return "BOOTTIME_ALARM";
	}
	return "?";
}

/* Whether a set of CLOCK_REALTIME moves @clk */
static inline bool stepped_clock(clockid_t clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_TAI || clk == CLOCK_REALTIME_ALARM;
}

static inline struct timespec ns_ts(long long ns)
{
	struct timespec ts = {
		.tv_sec = ns / NSEC_PER_SEC,
		.tv_nsec = ns % NSEC_PER_SEC,
	};

	return ts;
}

/* Sleep until CLOCK_MONOTONIC_RAW reads @raw. */
static inline void sleep_until_raw(long long raw)
{
	long long left = raw - clock_ns(RAW);
	struct timespec ts;

	while (left > 0) {
		ts = ns_ts(left);
		nanosleep(&ts, NULL);
		left = raw - clock_ns(RAW);
	}
}

/* The default of adjtimex()'s tick: a USER_HZ tick, in us */
static inline long user_tick(void)
{
	return 1000000 / sysconf(_SC_CLK_TCK);
}

/*
 * Steer the namespace's clock, which gives it a clock of its own: to the
 * frequency 0 and the default tick, so that it runs at the rate of
 * CLOCK_MONOTONIC_RAW.
 */
static inline void make_own_clock(struct __test_metadata *_metadata)
{
	struct timex tx = {
		.modes = ADJ_FREQUENCY | ADJ_TICK,
		.freq = 0,
		.tick = user_tick(),
	};

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_FREQUENCY: %s", strerror(errno));
}

static inline int block_timer_sig(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, TIMER_SIG);
	return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Wait up to @guard ns for @signo, blocked: the signal, or -1. */
static inline int wait_sig(int signo, siginfo_t *info, long long guard)
{
	struct timespec ts = ns_ts(guard > 0 ? guard : 0);
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, signo);
	do {
		sig = sigtimedwait(&set, info, &ts);
	} while (sig < 0 && errno == EINTR);
	return sig;
}

/* Wait up to @guard ns for TIMER_SIG, blocked: the signal, or -1. */
static inline int wait_timer_sig(siginfo_t *info, long long guard)
{
	return wait_sig(TIMER_SIG, info, guard);
}

/* read() of a timerfd: the expirations read, or -errno */
static inline long long tfd_read(int fd)
{
	unsigned long long ticks;
	ssize_t n = read(fd, &ticks, sizeof(ticks));

	if (n == sizeof(ticks))
		return ticks;
	return n < 0 ? -errno : -EIO;
}

/* poll() @fd for input up to @ms: 1 if readable, 0 if not, -1 on error */
static inline int poll_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&p, 1, ms);
	} while (ret < 0 && errno == EINTR);
	if (ret > 0 && !(p.revents & POLLIN))
		return -1;
	return ret;
}

/*
 * A thread waiting in one of the ways an absolute timeout or timer is
 * given, until an expiry on a clock, which it reads right after it wakes.
 */
enum wait_kind {
	W_TIMERFD,	/* blocking read() of a TFD_TIMER_ABSTIME timerfd */
	W_TIMER,	/* a TIMER_ABSTIME POSIX timer, signalling its thread */
	W_NANOSLEEP,	/* clock_nanosleep(TIMER_ABSTIME) */
	W_FUTEX,	/* FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME */
	W_MQ,		/* mq_timedreceive() on an empty queue */
};

static const char * const kind_name[] = {
	[W_TIMERFD] = "timerfd",
	[W_TIMER] = "POSIX timer",
	[W_NANOSLEEP] = "clock_nanosleep",
	[W_FUTEX] = "futex",
	[W_MQ] = "mq_timedreceive",
};

struct wait_spec {
	enum wait_kind kind;
	clockid_t clk;
};

struct waiter {
	/* Set by the test */
	enum wait_kind kind;
	clockid_t clk;
	long long expiry;	/* absolute, on @clk */
	long long by_raw;	/* CLOCK_MONOTONIC_RAW by which it must wake */
	long long max_late;	/* on @clk, after @expiry; 0: no bound */
	/* Set by the thread */
	pthread_t thr;
	pid_t tid;
	int armed;		/* __atomic: armed, about to sleep */
	int done;		/* __atomic: woke, or failed */
	const char *failed;	/* the call which failed, if one did */
	int err;		/* its errno, or 0 */
	long long armed_raw;
	long long woke;		/* @clk, read right after the wake-up */
	long long woke_raw;
};

static inline int waiter_fail(struct waiter *w, const char *call, int err)
{
	w->failed = call;
	w->err = err;
	return -1;
}

static inline void waiter_armed(struct waiter *w)
{
	w->armed_raw = clock_ns(RAW);
	__atomic_store_n(&w->armed, 1, __ATOMIC_RELEASE);
}

static inline void waiter_woke(struct waiter *w)
{
	w->woke = clock_ns(w->clk);
	w->woke_raw = clock_ns(RAW);
}

static inline int wait_timerfd(struct waiter *w)
{
	struct itimerspec its = { .it_value = ns_ts(w->expiry) };
	unsigned long long ticks;
	int fd, ret = 0;
	ssize_t n;

	fd = timerfd_create(w->clk, TFD_CLOEXEC);
	if (fd < 0)
		return waiter_fail(w, "timerfd_create", errno);
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		ret = waiter_fail(w, "timerfd_settime", errno);
	} else {
		waiter_armed(w);
		do {
			n = read(fd, &ticks, sizeof(ticks));
		} while (n < 0 && errno == EINTR);
		waiter_woke(w);
		if (n != sizeof(ticks))
			ret = waiter_fail(w, "read", n < 0 ? errno : 0);
	}
	close(fd);
	return ret;
}

/*
 * The thread waits SIG_GUARD_NS at most for its timer's signal: longer
 * than any test waits for a wake-up, so that a timer which does not fire
 * is found asleep all the same.
 */
static inline int wait_timer(struct waiter *w)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = TIMER_SIG,
	};
	struct itimerspec its = { .it_value = ns_ts(w->expiry) };
	siginfo_t info;
	int sig, ret = 0;
	timer_t t;

	sev.sigev_notify_thread_id = w->tid;
	if (timer_create(w->clk, &sev, &t))
		return waiter_fail(w, "timer_create", errno);
	if (timer_settime(t, TIMER_ABSTIME, &its, NULL)) {
		ret = waiter_fail(w, "timer_settime", errno);
	} else {
		waiter_armed(w);
		sig = wait_timer_sig(&info, SIG_GUARD_NS);
		waiter_woke(w);
		if (sig != TIMER_SIG)
			ret = waiter_fail(w, "sigtimedwait", sig < 0 ? errno : 0);
	}
	timer_delete(t);
	return ret;
}

static inline int wait_nanosleep(struct waiter *w)
{
	struct timespec ts = ns_ts(w->expiry);
	int ret;

	waiter_armed(w);
	do {
		ret = clock_nanosleep(w->clk, TIMER_ABSTIME, &ts, NULL);
	} while (ret == EINTR);
	waiter_woke(w);
	if (ret)
		return waiter_fail(w, "clock_nanosleep", ret);
	return 0;
}

static inline int wait_futex(struct waiter *w)
{
	struct __kernel_timespec ts = {
		.tv_sec = w->expiry / NSEC_PER_SEC,
		.tv_nsec = w->expiry % NSEC_PER_SEC,
	};
	unsigned int word = 0;
	long ret;

	waiter_armed(w);
	do {
		ret = syscall(SYS_FUTEX64, &word,
			      FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | FUTEX_PRIVATE_FLAG,
			      0, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
	} while (ret < 0 && errno == EINTR);
	waiter_woke(w);
	if (!ret)
		return waiter_fail(w, "FUTEX_WAIT_BITSET woke, did not time out", 0);
	if (errno != ETIMEDOUT)
		return waiter_fail(w, "FUTEX_WAIT_BITSET", errno);
	return 0;
}

static inline int wait_mq(struct waiter *w)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 8 };
	struct timespec ts = ns_ts(w->expiry);
	char name[64], buf[8];
	int ret = 0;
	ssize_t n;
	mqd_t q;

	snprintf(name, sizeof(name), "/tkns-timers-%d", w->tid);
	mq_unlink(name);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1)
		return waiter_fail(w, "mq_open", errno);
	mq_unlink(name);
	waiter_armed(w);
	do {
		n = mq_timedreceive(q, buf, sizeof(buf), NULL, &ts);
	} while (n < 0 && errno == EINTR);
	waiter_woke(w);
	if (n >= 0)
		ret = waiter_fail(w, "mq_timedreceive received, did not time out", 0);
	else if (errno != ETIMEDOUT)
		ret = waiter_fail(w, "mq_timedreceive", errno);
	mq_close(q);
	return ret;
}

static inline void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	w->tid = gettid();
	switch (w->kind) {
	case W_TIMERFD:
		wait_timerfd(w);
		break;
	case W_TIMER:
		wait_timer(w);
		break;
	case W_NANOSLEEP:
		wait_nanosleep(w);
		break;
	case W_FUTEX:
		wait_futex(w);
		break;
	case W_MQ:
		wait_mq(w);
		break;
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Waiters as @spec says, due @ahead ns from now on the clocks which a set
 * of CLOCK_REALTIME moves (stepped_clock()), @mono_ahead ns on the others.
 */
static inline void init_waiters(struct waiter *w, const struct wait_spec *spec, int n,
				long long ahead, long long mono_ahead)
{
	int i;

	memset(w, 0, n * sizeof(*w));
	for (i = 0; i < n; i++) {
		w[i].kind = spec[i].kind;
		w[i].clk = spec[i].clk;
		w[i].expiry = clock_ns(w[i].clk) +
			      (stepped_clock(w[i].clk) ? ahead : mono_ahead);
	}
}

/* Whether the thread @tid sleeps; true when that cannot be told */
static inline bool thread_sleeps(pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return true;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return true;
	return p[2] == 'S' || p[2] == 'D';
}

/* Whether the waiter is armed and asleep in its wait, or done */
static inline bool waiter_settled(struct waiter *w)
{
	if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
		return true;
	return __atomic_load_n(&w->armed, __ATOMIC_ACQUIRE) && thread_sleeps(w->tid);
}

/*
 * Start a thread per waiter, and return once each is armed and asleep
 * (SETTLE_NS at most), so that a set made then finds each in its wait;
 * one which is not by then fails the test.
 */
static inline void start_waiters(struct __test_metadata *_metadata, struct waiter *w, int n)
{
	const char *why;
	long long limit;
	int i, armed, err;

	/* The POSIX timers' signal, blocked in every thread */
	ASSERT_EQ(0, block_timer_sig());
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&w[i].thr, NULL, waiter_thread, &w[i]));
	limit = clock_ns(RAW) + SETTLE_NS;
	for (i = 0; i < n; i++) {
		while (!waiter_settled(&w[i]) && clock_ns(RAW) < limit)
			usleep(1000);
	}
	/* A waiter which is not in its wait would miss what the test does next. */
	for (i = 0; i < n; i++) {
		armed = __atomic_load_n(&w[i].armed, __ATOMIC_ACQUIRE);
		/* The failure of one which gave up before it armed */
		why = armed || !__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE) ? NULL : w[i].failed;
		err = why ? w[i].err : 0;
		ASSERT_TRUE(armed)
			TH_LOG("%s %s: not armed within %lld ms: %s: %s", kind_name[w[i].kind],
			       clock_name(w[i].clk), SETTLE_NS / MSEC, why ? why : "still arming",
			       err ? strerror(err) : "-");
		ASSERT_TRUE(waiter_settled(&w[i]))
			TH_LOG("%s %s: armed, not asleep within %lld ms", kind_name[w[i].kind],
			       clock_name(w[i].clk), SETTLE_NS / MSEC);
	}
}

static inline bool waiters_done(struct waiter *w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE))
			return false;
	}
	return true;
}

/* Wait until each waiter woke, or GRACE_NS past the latest by_raw. */
static inline void wait_waiters(struct waiter *w, int n)
{
	struct timespec pause = { .tv_nsec = 5 * MSEC };
	long long until = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (w[i].by_raw > until)
			until = w[i].by_raw;
	}
	until += GRACE_NS;
	while (!waiters_done(w, n) && clock_ns(RAW) < until)
		nanosleep(&pause, NULL);
}

/*
 * Each waiter woke, its wait did not fail, its clock read its expiry or
 * later at the wake-up (and not more than max_late later, if set), and
 * CLOCK_MONOTONIC_RAW did not pass its by_raw. A waiter still asleep is
 * left so: the process exits under it.
 */
static inline void check_waiters(struct __test_metadata *_metadata, struct waiter *w, int n)
{
	struct waiter *x;
	char name[48];
	int i, woke;

	for (i = 0; i < n; i++) {
		x = &w[i];
		snprintf(name, sizeof(name), "%s %s", kind_name[x->kind], clock_name(x->clk));
		woke = __atomic_load_n(&x->done, __ATOMIC_ACQUIRE);
		EXPECT_TRUE(woke)
			TH_LOG("%s: asleep %lld ms after it was due to wake", name,
			       (clock_ns(RAW) - x->by_raw) / MSEC);
		if (!woke)
			continue;
		pthread_join(x->thr, NULL);
		EXPECT_TRUE(!x->failed)
			TH_LOG("%s: %s: %s", name, x->failed,
			       x->err ? strerror(x->err) : "unexpected result");
		if (x->failed)
			continue;
		TH_LOG("%-30s woke %+9lld us from its expiry, %5lld ms after arming", name,
		       (x->woke - x->expiry) / USEC, (x->woke_raw - x->armed_raw) / MSEC);
		EXPECT_LE(x->expiry, x->woke)
			TH_LOG("%s: woke %lld ns before its expiry", name, x->expiry - x->woke);
		EXPECT_LE(x->woke_raw, x->by_raw)
			TH_LOG("%s: woke %lld ms late", name, (x->woke_raw - x->by_raw) / MSEC);
		if (x->max_late)
			EXPECT_GE(x->expiry + x->max_late, x->woke)
				TH_LOG("%s: woke %lld us after its expiry, more than %lld ms",
				       name, (x->woke - x->expiry) / USEC, x->max_late / MSEC);
	}
}

static inline void run_waiters(struct __test_metadata *_metadata, struct waiter *w, int n)
{
	start_waiters(_metadata, w, n);
	wait_waiters(w, n);
	check_waiters(_metadata, w, n);
}

/*
 * Forward set: waits as @spec says, in @w, due FWD_AHEAD_NS, 10 s, ahead
 * on the clocks which a set of CLOCK_REALTIME moves; the namespace's clock
 * is set 20 s forward 0.3 s later. They wake within 2 s of the set, not
 * before it. Those on the other clocks, due 1.5 s ahead, which the set
 * does not move, wake at their expiry, not at the set.
 */
static inline void step_forward_waits(struct __test_metadata *_metadata, struct waiter *w,
				      const struct wait_spec *spec, int n)
{
	long long t0, off, step_raw;
	int i;

	t0 = clock_ns(RAW);
	init_waiters(w, spec, n, FWD_AHEAD_NS, MONO_AHEAD_NS);
	start_waiters(_metadata, w, n);
	sleep_until_raw(t0 + STEP_AFTER_NS);
	off = realtime_offset_ns();
	ASSERT_EQ(0, step_realtime(FWD_STEP_NS)) TH_LOG("clock_settime: %s", strerror(errno));
	step_raw = clock_ns(RAW);
	off = realtime_offset_ns() - off - FWD_STEP_NS;
	TH_LOG("set %lld ms after arming", (step_raw - t0) / MSEC);
	for (i = 0; i < n; i++) {
		if (stepped_clock(w[i].clk))
			w[i].by_raw = step_raw + PROMPT_NS;
		else
			w[i].by_raw = t0 + MONO_AHEAD_NS + PROMPT_NS;
	}
	wait_waiters(w, n);
	check_waiters(_metadata, w, n);
	ASSERT_GT(TKNS_STEP_TOLERANCE_NS, llabs(off))
		TH_LOG("REALTIME - MONOTONIC moved %+lld ms from the set", off / MSEC);
}

/*
 * Backward set: waits as @spec says, in @w, due 1.5 s ahead; the
 * namespace's clock is set 2 s back 0.3 s later. None wakes before its
 * clock reads its expiry: BACK_WAIT_NS, 3.5 s, after arming for the clocks
 * which a set of CLOCK_REALTIME moves, 1.5 s for the others; each wakes
 * within PROMPT_NS of that.
 */
static inline void step_backward_waits(struct __test_metadata *_metadata, struct waiter *w,
				       const struct wait_spec *spec, int n)
{
	long long t0, off;
	int i;

	t0 = clock_ns(RAW);
	init_waiters(w, spec, n, BACK_AHEAD_NS, MONO_AHEAD_NS);
	for (i = 0; i < n; i++) {
		if (stepped_clock(w[i].clk))
			w[i].by_raw = t0 + BACK_WAIT_NS + PROMPT_NS;
		else
			w[i].by_raw = t0 + MONO_AHEAD_NS + PROMPT_NS;
	}
	start_waiters(_metadata, w, n);
	sleep_until_raw(t0 + STEP_AFTER_NS);
	off = realtime_offset_ns();
	ASSERT_EQ(0, step_realtime(BACK_STEP_NS)) TH_LOG("clock_settime: %s", strerror(errno));
	off = realtime_offset_ns() - off - BACK_STEP_NS;
	TH_LOG("set %lld ms after arming", (clock_ns(RAW) - t0) / MSEC);
	wait_waiters(w, n);
	check_waiters(_metadata, w, n);
	ASSERT_GT(TKNS_STEP_TOLERANCE_NS, llabs(off))
		TH_LOG("REALTIME - MONOTONIC moved %+lld ms from the set", off / MSEC);
}

/* A periodic POSIX timer across a set of its clock: see periodic_step(). */
struct periodic {
	timer_t t;
	long long e2;		/* the second expiry */
	long long t_step;	/* the timer's clock, read right after the set */
	long long t_after;	/* ... and right after the signal after it */
	long long raw_step;	/* CLOCK_MONOTONIC_RAW, read right after the set */
	long long raw_after;	/* ... and right after the signal after it */
	siginfo_t info;		/* of the signal after the set */
	int overrun;		/* timer_getoverrun() right after that */
};

/*
 * A periodic POSIX timer on @clk, 1 s interval, first expiry E1 = now +
 * 1 s, absolute. After its first signal, the clock is set PERIODIC_STEP_NS,
 * 20.5 s, forward. Then the timer's second signal, and the overrun: in
 * @p, with the timer, which the caller deletes.
 *
 * The expected overrun: the kernel re-arms such a timer when its signal is
 * dequeued, forwarding it past the clock's time then. After the first
 * signal (dequeued at E1 + d, d < 1 s) it is due at E2 = E1 + 1 s. The
 * second signal is dequeued at a time t of the namespace's clock, after
 * the set: the expiries E2 + 1 s, ..., E2 + k s <= t were missed, and
 * timer_getoverrun() is k = floor((t - E2) / 1 s). The set came after
 * E1 + d, so t >= E1 + d + 20.5 s = E2 + 19.5 s + d: k = 19 when the
 * second signal comes less than 0.5 s (of d and delivery) after the first
 * expiry, as it does, 20 otherwise; never less than 19. The clock read
 * right after the set (t_step) and right after the signal (t_after)
 * bracket t, and so the expected k exactly.
 */
static inline void periodic_step(struct __test_metadata *_metadata, clockid_t clk,
				 struct periodic *p)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = TIMER_SIG,
	};
	struct itimerspec its = { .it_interval = { .tv_sec = 1 } };
	long long e1, now;

	ASSERT_EQ(0, block_timer_sig());
	ASSERT_EQ(0, timer_create(clk, &sev, &p->t))
		TH_LOG("timer_create: %s", strerror(errno));
	e1 = clock_ns(clk) + NSEC_PER_SEC;
	p->e2 = e1 + NSEC_PER_SEC;
	its.it_value = ns_ts(e1);
	ASSERT_EQ(0, timer_settime(p->t, TIMER_ABSTIME, &its, NULL));
	ASSERT_EQ(TIMER_SIG, wait_timer_sig(&p->info, 5 * NSEC_PER_SEC))
		TH_LOG("no first expiry: %s", strerror(errno));
	now = clock_ns(clk);
	ASSERT_LE(e1, now) TH_LOG("first expiry %lld ns early", e1 - now);

	ASSERT_EQ(0, step_realtime(PERIODIC_STEP_NS)) TH_LOG("clock_settime: %s", strerror(errno));
	p->t_step = clock_ns(clk);
	p->raw_step = clock_ns(RAW);
	ASSERT_EQ(TIMER_SIG, wait_timer_sig(&p->info, 5 * NSEC_PER_SEC))
		TH_LOG("no expiry after the set: %s", strerror(errno));
	p->t_after = clock_ns(clk);
	p->raw_after = clock_ns(RAW);
	p->overrun = timer_getoverrun(p->t);
}

/*
 * @its, read at about @expiry - now on @clk, tells that time left, and
 * about @nominal, to GETTIME_TOL_NS each.
 */
static inline void check_left(struct __test_metadata *_metadata, clockid_t clk,
			      const char *what, const struct itimerspec *its,
			      long long expiry, long long nominal)
{
	long long want = expiry - clock_ns(clk);
	long long left = ts_ns(&its->it_value);

	TH_LOG("%s: %lld ms left, want %lld ms", what, left / MSEC, want / MSEC);
	EXPECT_GT(GETTIME_TOL_NS, llabs(left - want))
		TH_LOG("%s: %lld ms left, not %lld", what, left / MSEC, want / MSEC);
	EXPECT_GT(GETTIME_TOL_NS, llabs(left - nominal))
		TH_LOG("%s: %lld ms left, not %lld", what, left / MSEC, nominal / MSEC);
}

/*
 * timer_gettime() and timerfd_gettime() of absolute timers on @clk due
 * GETTIME_AHEAD_NS, 10 s, ahead tell the time left on the namespace's
 * clock: 5 s after a set of 5 s forward, 15 s after a set of 10 s back.
 */
static inline void gettime_after_sets(struct __test_metadata *_metadata, clockid_t clk)
{
	static const long long steps[] = { 5 * NSEC_PER_SEC, -10 * NSEC_PER_SEC };
	struct sigevent sig = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = TIMER_SIG,
	};
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	long long e, nominal = GETTIME_AHEAD_NS;
	struct itimerspec its = {}, cur;
	timer_t t_sig, t_none;
	unsigned int i;
	int fd;

	ASSERT_EQ(0, block_timer_sig());
	ASSERT_EQ(0, timer_create(clk, &sig, &t_sig))
		TH_LOG("timer_create: %s", strerror(errno));
	ASSERT_EQ(0, timer_create(clk, &none, &t_none));
	fd = timerfd_create(clk, TFD_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("timerfd_create: %s", strerror(errno));
	e = clock_ns(clk) + GETTIME_AHEAD_NS;
	its.it_value = ns_ts(e);
	ASSERT_EQ(0, timer_settime(t_sig, TIMER_ABSTIME, &its, NULL));
	ASSERT_EQ(0, timer_settime(t_none, TIMER_ABSTIME, &its, NULL));
	ASSERT_EQ(0, timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		ASSERT_EQ(0, step_realtime(steps[i])) TH_LOG("clock_settime: %s", strerror(errno));
		nominal -= steps[i];
		ASSERT_EQ(0, timer_gettime(t_sig, &cur));
		check_left(_metadata, clk, "SIGEV_SIGNAL timer", &cur, e, nominal);
		ASSERT_EQ(0, timer_gettime(t_none, &cur));
		check_left(_metadata, clk, "SIGEV_NONE timer", &cur, e, nominal);
		ASSERT_EQ(0, timerfd_gettime(fd, &cur));
		check_left(_metadata, clk, "timerfd", &cur, e, nominal);
	}
	close(fd);
	timer_delete(t_sig);
	timer_delete(t_none);
}

/*
 * A CANCEL_ON_SET timerfd on @clk, due at @expiry, created with @flags
 * (TFD_NONBLOCK or 0): the fd, or -1 with errno.
 */
static inline int arm_cancel_timerfd(clockid_t clk, long long expiry, int flags)
{
	struct itimerspec its = { .it_value = ns_ts(expiry) };
	int fd, err;

	fd = timerfd_create(clk, flags | TFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Steps the caller's CLOCK_REALTIME by @delta ns, @delay ns after its start. */
struct stepper {
	long long delay;
	long long delta;
	int ret;
	int err;
	long long raw_before;	/* CLOCK_MONOTONIC_RAW before the step */
	long long raw;		/* ... and after it */
};

static inline void *stepper_thread(void *arg)
{
	struct stepper *s = arg;

	sleep_until_raw(clock_ns(RAW) + s->delay);
	s->raw_before = clock_ns(RAW);
	s->ret = step_realtime(s->delta);
	s->err = errno;
	s->raw = clock_ns(RAW);
	return NULL;
}

static inline void on_alarm(int sig)
{
}

/*
 * With @s > 0, let SIGALRM interrupt a blocking call @s seconds from now,
 * rather than kill the process; with 0, give the child's backstop
 * (CHILD_ALARM_S) back.
 */
static inline void guard_alarm(unsigned int s)
{
	struct sigaction sa = { .sa_handler = s ? on_alarm : SIG_DFL };

	sigaction(SIGALRM, &sa, NULL);
	alarm(s ? s : CHILD_ALARM_S);
}

/*
 * tk_ns_fork() into a new time namespace created as @how says; in the
 * child, which is in it, arm the backstop of CHILD_ALARM_S and, if @own,
 * give the namespace a clock of its own (make_own_clock()).
 */
static inline pid_t fork_ns_child(struct __test_metadata *_metadata, enum tk_ns how, bool own)
{
	pid_t pid = tk_ns_fork(_metadata, how);

	if (pid)
		return pid;
	alarm(CHILD_ALARM_S);
	if (own)
		make_own_clock(_metadata);
	return 0;
}

/*
 * A child in a new time namespace, and the pipes between it and the test:
 * the child writes to @ready, the test to @go.
 */
struct peer {
	bool own;	/* a clock of its own, else one following the host */
	void (*fn)(struct __test_metadata *_metadata, struct peer *p);
	pid_t pid;
	int ready[2];
	int go[2];
};

/* Read a byte from @fd: whether one came */
static inline bool get_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

static inline bool put_byte(int fd)
{
	return write(fd, "x", 1) == 1;
}

static inline const char *peer_name(const struct peer *p)
{
	return p->own ? "own clock" : "following";
}

/*
 * Fork a child per peer into a new time namespace created as @how says,
 * given a clock of its own if the peer says so, to run its fn. Each child
 * holds its own ends of its own pipes only, so that it sees the end of the
 * test's.
 */
static inline void peers_fork(struct __test_metadata *_metadata, enum tk_ns how,
			      struct peer *p, int n)
{
	int i, j;

	/* A child which died makes a write fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, pipe(p[i].ready));
		ASSERT_EQ(0, pipe(p[i].go));
	}
	for (i = 0; i < n; i++) {
		p[i].pid = fork_ns_child(_metadata, how, p[i].own);
		if (p[i].pid)
			continue;
		for (j = 0; j < n; j++) {
			close(p[j].ready[0]);
			close(p[j].go[1]);
			if (j == i)
				continue;
			close(p[j].ready[1]);
			close(p[j].go[0]);
		}
		p[i].fn(_metadata, &p[i]);
		_exit(_metadata->exit_code);
	}
	for (i = 0; i < n; i++) {
		close(p[i].ready[1]);
		close(p[i].go[0]);
	}
}

/*
 * Close the test's ends of the pipes, so that a child still waiting for a
 * byte sees their end rather than hang.
 */
static inline void peers_close(struct peer *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		close(p[i].ready[0]);
		close(p[i].go[1]);
	}
}

/* Reap the children, with no assertion: their wait statuses in @status */
static inline void peers_reap(struct peer *p, int n, int *status)
{
	int i;

	for (i = 0; i < n; i++) {
		if (waitpid(p[i].pid, &status[i], 0) != p[i].pid)
			status[i] = -1;
	}
}

/*
 * A set of the clock of a sibling namespace B, which must not cancel the
 * CANCEL_ON_SET timerfd of namespace A: once A has armed it, B sets its
 * clock SIBLING_STEP_NS forward.
 */
static inline void sibling_b(struct __test_metadata *_metadata, struct peer *p)
{
	/* A has armed its timerfd. */
	ASSERT_TRUE(get_byte(p->go[0]));
	ASSERT_EQ(0, step_realtime(SIBLING_STEP_NS)) TH_LOG("clock_settime: %s", strerror(errno));
	ASSERT_TRUE(put_byte(p->ready[1]));
}

/*
 * In the host step tests, a namespace's waits as @spec says, in @w, on
 * clocks which a set of CLOCK_REALTIME moves: the own clock's due
 * HOST_OWN_AHEAD_NS, 3 s, ahead, which must not wake before its clock
 * reads that and must wake within @own_late after; the follower's
 * HOST_FOL_AHEAD_NS, 10 s, ahead, which the host's step of 30 s makes due
 * at once. The child tells the test once they are armed.
 */
static inline void host_step_waits(struct __test_metadata *_metadata, struct peer *p,
				   struct waiter *w, const struct wait_spec *spec, int n,
				   long long own_late)
{
	long long ahead = p->own ? HOST_OWN_AHEAD_NS : HOST_FOL_AHEAD_NS;
	long long t0 = clock_ns(RAW);
	int i;

	init_waiters(w, spec, n, ahead, 0);
	for (i = 0; i < n; i++)
		w[i].by_raw = t0 + (p->own ? ahead + own_late : HOST_FOL_BOUND_NS);
	start_waiters(_metadata, w, n);
	ASSERT_TRUE(put_byte(p->ready[1]));
	wait_waiters(w, n);
	TH_LOG("%s namespace:", peer_name(p));
	check_waiters(_metadata, w, n);
}

/* The most peers host_step_run() takes */
#define MAX_PEERS	2

/*
 * Fork the @n peers into new time namespaces created as @how says, each
 * running its fn; once each is ready, step the host's clock by @step
 * (and, if @tell, tell them), reap them and step the host's clock back,
 * whatever they found. Each must pass, and the host's clock must be
 * restored.
 */
static inline void host_step_run(struct __test_metadata *_metadata, enum tk_ns how,
				 struct peer *p, int n, long long step, bool tell)
{
	int stepped = -1, restored = -1, err = 0, status[MAX_PEERS], i;
	bool ready = true, went = !tell;
	long long host_off;

	ASSERT_GE(MAX_PEERS, n);
	host_off = realtime_offset_ns();
	peers_fork(_metadata, how, p, n);
	for (i = 0; i < n && ready; i++)
		ready = get_byte(p[i].ready[0]);
	if (ready) {
		stepped = step_realtime(step);
		err = errno;
		for (i = 0, went = true; i < n && tell && went; i++)
			went = put_byte(p[i].go[1]);
	}
	peers_reap(p, n, status);
	if (!stepped) {
		restored = step_realtime(-step);
		err = errno;
	}
	ASSERT_TRUE(ready) TH_LOG("a child did not arm");
	ASSERT_EQ(0, stepped) TH_LOG("host clock_settime: %s", strerror(err));
	ASSERT_EQ(0, restored) TH_LOG("host clock_settime back: %s", strerror(err));
	EXPECT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("host CLOCK_REALTIME not restored");
	EXPECT_TRUE(went);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(WIFEXITED(status[i]) && !WEXITSTATUS(status[i]))
			TH_LOG("%s namespace: wait status %#x", peer_name(&p[i]), status[i]);
	}
}

/*
 * Why a test which steps the host's clock may not run here: it does only
 * with TKNS_HOST_STEP=1 in the environment. NULL if it may.
 */
static inline const char *host_step_refused(void)
{
	const char *env = getenv("TKNS_HOST_STEP");

	if (!env || strcmp(env, "1"))
		return "steps the host's clock: run with TKNS_HOST_STEP=1";
	return NULL;
}

/*
 * Whether the caller is in the initial user namespace, whose uid_map maps
 * every uid to itself: as real root there, it has CAP_WAKE_ALARM and may
 * step the host's clock.
 */
static inline bool in_initial_userns(void)
{
	unsigned int inside, outside, count;
	char map[128];

	return read_file("/proc/self/uid_map", map, sizeof(map)) >= 0 &&
	       sscanf(map, "%u %u %u", &inside, &outside, &count) == 3 &&
	       !inside && !outside && count == 4294967295U;
}

#endif /* TK_WAITERS_H */
