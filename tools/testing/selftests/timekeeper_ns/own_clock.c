// SPDX-License-Identifier: GPL-2.0
/*
 * A time namespace whose clock is steered by adjtimex() gets a clock of
 * its own: it runs at its own frequency, continues from the time it had,
 * keeps its TAI offset, inserts its own leap seconds, is not moved by
 * steps of the host, is inherited by the namespaces created from it and
 * reads the same through the vDSO as through the syscalls. The host's
 * clock and NTP state never notice. The namespaces are created as
 * timens_tk.h's tk_unshare() does: most owned by a user namespace of
 * their own, some by real root, opted in to a clock of their own.
 *
 * The measurements pair each read with CLOCK_MONOTONIC_RAW, the
 * oscillator which a namespace's own clock runs on and which no
 * adjtimex() changes the rate of, so that they hold however long a read
 * takes or a task is preempted under emulation. A namespace's
 * CLOCK_MONOTONIC runs at its own clock's rate, as a machine's does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
/* Reads which must agree do so within this much under emulation. */
#define CLOSE_NS	(5 * MSEC)
/* Tries of a bracketed read, of which the narrowest bracket counts. */
#define TRIES		8

/* Steer the frequency of the caller's clock, which gives it its own. */
static void set_freq(struct __test_metadata *_metadata, long freq)
{
	struct timex tx = { .modes = ADJ_FREQUENCY, .freq = freq };

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_FREQUENCY: %s", strerror(errno));
}

static void set_realtime(struct __test_metadata *_metadata, time_t sec)
{
	struct timespec ts = { .tv_sec = sec };

	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &ts))
		TH_LOG("clock_settime: %s", strerror(errno));
}

/* CLOCK_TAI minus CLOCK_REALTIME, the TAI read bracketed by REALTIME reads */
static int64_t tai_minus_real(void)
{
	int64_t r1 = clock_ns(CLOCK_REALTIME);
	int64_t tai = clock_ns(CLOCK_TAI);
	int64_t r2 = clock_ns(CLOCK_REALTIME);

	return tai - (r1 + (r2 - r1) / 2);
}

/* A precise read of @clk; *@mono gets the CLOCK_MONOTONIC_RAW it was read at. */
static int64_t clock_at(clockid_t clk, int64_t *mono)
{
	int64_t off = clock_offset_ns(clk, TRIES, mono);

	return off + *mono;
}

/*
 * Steered to 500 ppm: it gains 1 ms on CLOCK_MONOTONIC_RAW in 2 s, and so
 * does the namespace's CLOCK_MONOTONIC.
 */
static void steer_500ppm(struct __test_metadata *_metadata, const struct timex *host, int ready)
{
	struct timespec two_s = { .tv_sec = 2 };
	int64_t off0, off1, mono0, mono1, gain, want;
	struct timex tx;

	set_freq(_metadata, PPM(500));
	ASSERT_EQ(1, write(ready, "s", 1));
	off0 = clock_offset_ns(CLOCK_REALTIME, TRIES, &mono0);
	ASSERT_EQ(0, clock_nanosleep(CLOCK_MONOTONIC, 0, &two_s, NULL));
	off1 = clock_offset_ns(CLOCK_REALTIME, TRIES, &mono1);
	want = (mono1 - mono0) * PPM(500) / PPM(1000000);
	gain = off1 - off0;
	TH_LOG("gained %lld ns on CLOCK_MONOTONIC_RAW in %lld ns, want %lld ns",
	       (long long)gain, (long long)(mono1 - mono0), (long long)want);
	ASSERT_GT(300 * USEC, llabs(gain - want));
	mono0 = clock_offset_ns(CLOCK_MONOTONIC, TRIES, NULL);
	ASSERT_EQ(0, clock_nanosleep(CLOCK_MONOTONIC, 0, &two_s, NULL));
	gain = clock_offset_ns(CLOCK_MONOTONIC, TRIES, &mono1) - mono0;
	TH_LOG("CLOCK_MONOTONIC gained %lld ns, want %lld ns", (long long)gain, (long long)want);
	ASSERT_GT(300 * USEC, llabs(gain - want));
	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(PPM(500), tx.freq);
}

static void host_ntp_state(struct __test_metadata *_metadata, const struct timex *host)
{
	struct timex tx;

	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(host->freq, tx.freq);
	ASSERT_EQ(host->tick, tx.tick);
}

/* The host's clock, TAI offset and NTP state are as they were. */
static void host_unchanged(struct __test_metadata *_metadata, const struct timex *host,
			   int64_t host_off)
{
	struct timex tx;

	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(host->freq, tx.freq);
	ASSERT_EQ(host->tick, tx.tick);
	ASSERT_EQ(host->status, tx.status);
	ASSERT_EQ(host->tai, tx.tai);
	ASSERT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("host CLOCK_REALTIME moved");
}

/*
 * Run @fn in a child in a new time namespace created as @how says; the
 * host's clock, TAI offset and NTP state must stay as they were
 * (host_unchanged()).
 */
static void run_host_unchanged(struct __test_metadata *_metadata, enum tk_ns how,
			       void (*fn)(struct __test_metadata *_metadata))
{
	struct timex host;
	int64_t host_off;

	ASSERT_LE(0, ntp_read(&host));
	host_off = realtime_offset_ns();
	tk_run_in_ns(_metadata, how, fn);
	host_unchanged(_metadata, &host, host_off);
}

/*
 * Frequency: a namespace steered to 500 ppm runs 500 ppm faster than
 * the host; the host and a sibling namespace keep the host's frequency.
 */
TEST(frequency)
{
	int64_t host_off, off;
	struct timex host, tx;
	pid_t own, sibling;
	int ready[2];
	char c;

	ASSERT_LE(0, ntp_read(&host));
	host_off = clock_offset_ns(CLOCK_REALTIME, TRIES, NULL);
	ASSERT_EQ(0, pipe(ready));

	own = tk_ns_fork(_metadata, TK_NS_USER);
	if (!own) {
		close(ready[0]);
		steer_500ppm(_metadata, &host, ready[1]);
		_exit(_metadata->exit_code);
	}
	close(ready[1]);
	/* A sibling, created while the steered namespace runs */
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	sibling = tk_ns_fork(_metadata, TK_NS_OPTIN);
	if (!sibling) {
		host_ntp_state(_metadata, &host);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, sibling);
	tk_wait_ok(_metadata, own);

	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(host.freq, tx.freq);
	ASSERT_EQ(host.tick, tx.tick);
	ASSERT_EQ(host.status, tx.status);
	/* 500 ppm leaking to the host would move it by 1 ms. */
	off = clock_offset_ns(CLOCK_REALTIME, TRIES, NULL);
	TH_LOG("host REALTIME - MONOTONIC moved by %lld ns", (long long)(off - host_off));
	ASSERT_GT(200 * USEC, llabs(off - host_off));
}

/* Reads CLOCK_MONOTONIC and CLOCK_REALTIME until told to stop. */
struct reader {
	int		stop;		/* set with __atomic_store_n() */
	int64_t		reads;
	int64_t		mono_back;	/* the largest step back seen, ns */
	int64_t		real_back;
};

static void *read_clocks(void *arg)
{
	int64_t mono, real, last_mono = 0, last_real = 0;
	struct reader *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		mono = clock_ns(CLOCK_MONOTONIC);
		real = clock_ns(CLOCK_REALTIME);
		if (last_mono - mono > r->mono_back)
			r->mono_back = last_mono - mono;
		if (last_real && last_real - real > r->real_back)
			r->real_back = last_real - real;
		last_mono = mono;
		last_real = real;
		r->reads++;
	}
	return NULL;
}

static void switch_continues(struct __test_metadata *_metadata)
{
	struct timespec pause = { .tv_nsec = 200 * MSEC };
	int64_t real0, real1, mono0, mono1, d;
	struct reader r = {};
	struct timex tx;
	pthread_t thr;

	set_realtime(_metadata, LEAP_EVE);
	tk_set_tai(_metadata, 36);
	/* Let the namespace's clock run on from the set. */
	ASSERT_EQ(0, clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, NULL));
	/* A reader which must never see the clocks go back */
	ASSERT_EQ(0, pthread_create(&thr, NULL, read_clocks, &r));
	ASSERT_EQ(0, clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, NULL));
	real0 = clock_at(CLOCK_REALTIME, &mono0);
	set_freq(_metadata, 0);
	real1 = clock_at(CLOCK_REALTIME, &mono1);
	ASSERT_EQ(0, clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, NULL));
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thr, NULL));
	TH_LOG("%lld reads across the switch, largest step back: %s %lld ns, %s %lld ns",
	       (long long)r.reads, "MONOTONIC", (long long)r.mono_back,
	       "REALTIME", (long long)r.real_back);
	ASSERT_LT(100, r.reads);
	ASSERT_EQ(0, r.mono_back);
	ASSERT_EQ(0, r.real_back);
	ASSERT_GT(NSEC_PER_SEC, llabs(real0 - LEAP_EVE * NSEC_PER_SEC));
	d = (real1 - real0) - (mono1 - mono0);
	TH_LOG("REALTIME moved by %+lld ns more than MONOTONIC across the switch",
	       (long long)d);
	ASSERT_GT(CLOSE_NS, llabs(d));
	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(0, tx.freq);
	ASSERT_EQ(36, tx.tai);
	d = tai_minus_real() - 36 * NSEC_PER_SEC;
	ASSERT_GT(CLOSE_NS, llabs(d))
		TH_LOG("CLOCK_TAI - CLOCK_REALTIME is 36 s %+lld ns", (long long)d);
}

/*
 * Continuity: the switch to a clock of its own continues the namespace's
 * time, which was set, and keeps its TAI offset.
 */
TEST(continuity)
{
	run_host_unchanged(_metadata, TK_NS_OPTIN, switch_continues);
}

/*
 * A child, in a new time namespace, serving requests on pipes: for each
 * byte it reads it answers with its CLOCK_REALTIME - CLOCK_MONOTONIC. It
 * exits at end of file.
 */
struct offset_server {
	pid_t pid;
	int req;
	int rep;
};

static void serve_offsets(struct __test_metadata *_metadata, struct offset_server *s,
			  enum tk_ns how, bool own)
{
	int req[2], rep[2];
	int64_t off;
	char c;

	ASSERT_EQ(0, pipe(req));
	ASSERT_EQ(0, pipe(rep));
	s->pid = tk_ns_fork(_metadata, how);
	if (!s->pid) {
		close(req[1]);
		close(rep[0]);
		if (own)
			set_freq(_metadata, 0);
		while (read(req[0], &c, 1) == 1) {
			off = clock_offset_ns(CLOCK_REALTIME, TRIES, NULL);
			ASSERT_EQ((ssize_t)sizeof(off), write(rep[1], &off, sizeof(off)));
		}
		_exit(_metadata->exit_code);
	}
	close(req[0]);
	close(rep[1]);
	s->req = req[1];
	s->rep = rep[0];
}

/* The server's offset; INT64_MIN if it did not answer. */
static int64_t ask_offset(struct offset_server *s)
{
	int64_t off;

	if (write(s->req, "?", 1) != 1 || read(s->rep, &off, sizeof(off)) != sizeof(off))
		return INT64_MIN;
	return off;
}

/*
 * Host step: a namespace with a clock of its own is not moved by a step
 * of the host's clock; one which follows the host is. The host is
 * stepped back before anything is asserted.
 */
TEST(host_step)
{
	int64_t own0, own1 = 0, fol0, fol1 = 0, host_off;
	int stepped = -1, restored = -1;
	struct offset_server own, fol;

	/* A server which died makes a request fail, not the test process. */
	signal(SIGPIPE, SIG_IGN);
	host_off = realtime_offset_ns();
	serve_offsets(_metadata, &own, TK_NS_USER, true);
	serve_offsets(_metadata, &fol, TK_NS_OPTIN, false);

	own0 = ask_offset(&own);
	fol0 = ask_offset(&fol);
	if (own0 != INT64_MIN && fol0 != INT64_MIN) {
		stepped = step_realtime(10 * NSEC_PER_SEC);
		own1 = ask_offset(&own);
		fol1 = ask_offset(&fol);
		if (!stepped)
			restored = step_realtime(-10 * NSEC_PER_SEC);
	}
	close(own.req);
	close(fol.req);
	tk_wait_ok(_metadata, own.pid);
	tk_wait_ok(_metadata, fol.pid);

	ASSERT_NE(INT64_MIN, own0);
	ASSERT_NE(INT64_MIN, fol0);
	ASSERT_EQ(0, stepped) TH_LOG("clock_settime: %s", strerror(errno));
	ASSERT_EQ(0, restored) TH_LOG("clock_settime: %s", strerror(errno));
	ASSERT_TRUE(realtime_unchanged_since(host_off));
	ASSERT_NE(INT64_MIN, own1);
	ASSERT_NE(INT64_MIN, fol1);
	TH_LOG("own clock moved by %+lld ns, follower by %+lld ns",
	       (long long)(own1 - own0), (long long)(fol1 - fol0));
	ASSERT_GT(CLOSE_NS, llabs(own1 - own0));
	ASSERT_GT(CLOSE_NS, llabs(fol1 - fol0 - 10 * NSEC_PER_SEC));
}

static void insert_leap_second(struct __test_metadata *_metadata, const struct timex *host)
{
	struct timespec four_s = { .tv_sec = 4 };
	int64_t m0, m1, mono, real, want, d;
	struct timex tx;
	int ret;

	set_freq(_metadata, host->freq);
	tk_set_tai(_metadata, 36);
	m0 = clock_ns(CLOCK_MONOTONIC_RAW);
	set_realtime(_metadata, LEAP_EVE + 8);
	m1 = clock_ns(CLOCK_MONOTONIC_RAW);
	tk_insert_leap(_metadata);
	ASSERT_EQ(0, clock_nanosleep(CLOCK_MONOTONIC, 0, &four_s, NULL));

	real = clock_at(CLOCK_REALTIME, &mono);
	/* Set to 23:59:58 between m0 and m1, and 23:59:59 came twice */
	want = (LEAP_EVE + 8 - 1) * NSEC_PER_SEC + mono - (m0 + (m1 - m0) / 2);
	d = real - want;
	TH_LOG("REALTIME %lld.%09lld, %+lld ns from the expected",
	       (long long)(real / NSEC_PER_SEC), (long long)(real % NSEC_PER_SEC),
	       (long long)d);
	ASSERT_GT(50 * MSEC, llabs(d));
	ret = ntp_read(&tx);
	ASSERT_TRUE(ret == TIME_WAIT || ret == TIME_OOP)
		TH_LOG("state %d, status %#x", ret, tx.status);
	ASSERT_EQ(37, tx.tai);
	d = tai_minus_real() - 37 * NSEC_PER_SEC;
	ASSERT_GT(CLOSE_NS, llabs(d))
		TH_LOG("CLOCK_TAI - CLOCK_REALTIME is 37 s %+lld ns", (long long)d);
}

/*
 * Leap second: a namespace with a clock of its own inserts the leap
 * second armed by STA_INS at its midnight, and its TAI offset grows by
 * one; the host's clock, TAI offset and NTP state do not change.
 */
TEST(leap_second)
{
	struct timex host, tx;
	int host_state, ret;
	int64_t host_off;
	pid_t pid;

	host_state = ntp_read(&host);
	ASSERT_LE(0, host_state);
	host_off = realtime_offset_ns();

	pid = tk_ns_fork(_metadata, TK_NS_USER);
	if (!pid) {
		insert_leap_second(_metadata, &host);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);

	ret = ntp_read(&tx);
	ASSERT_EQ(host_state, ret);
	ASSERT_EQ(host.tai, tx.tai);
	ASSERT_EQ(host.status, tx.status);
	ASSERT_TRUE(realtime_unchanged_since(host_off));
}

/* In the namespace created from one at 300 ppm, whose offset was @off */
static void nested_300ppm(struct __test_metadata *_metadata, int64_t off)
{
	int64_t child_off = clock_offset_ns(CLOCK_REALTIME, TRIES, NULL);
	struct timex tx;

	TH_LOG("nested REALTIME - MONOTONIC %+lld ns from its parent's",
	       (long long)(child_off - off));
	ASSERT_GT(CLOSE_NS, llabs(child_off - off));
	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(PPM(300), tx.freq);
}

static void parent_300ppm(struct __test_metadata *_metadata)
{
	struct timex tx;
	int64_t off;
	pid_t pid;

	set_realtime(_metadata, LEAP_EVE);
	set_freq(_metadata, PPM(300));
	off = clock_offset_ns(CLOCK_REALTIME, TRIES, NULL);
	pid = tk_ns_fork(_metadata, TK_NS_PLAIN);
	if (!pid) {
		nested_300ppm(_metadata, off);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(PPM(300), tx.freq);
}

/*
 * Nesting: a namespace created from one with a clock of its own has one
 * too, at the same frequency, continuing from its parent's time.
 */
TEST(nesting)
{
	run_host_unchanged(_metadata, TK_NS_OPTIN, parent_300ppm);
}

/* @b read between @a and @c, give or take CLOSE_NS */
static void assert_between(struct __test_metadata *_metadata, int64_t a, int64_t b, int64_t c)
{
	ASSERT_LE(a - CLOSE_NS, b);
	ASSERT_GE(c + CLOSE_NS, b);
}

static void vdso_reads(struct __test_metadata *_metadata)
{
	struct timespec res, ts1, ts2;
	int64_t a, b, c, tick;
	struct timeval tv;
	time_t t;

	/*
	 * Set after the switch, so that a vDSO applying the offsets of
	 * the namespace as it followed the host reads the host's time.
	 */
	set_freq(_metadata, PPM(500));
	set_realtime(_metadata, LEAP_EVE);
	tk_set_tai(_metadata, 37);

	a = clock_ns(CLOCK_REALTIME);
	b = sys_clock_ns(CLOCK_REALTIME);
	c = clock_ns(CLOCK_REALTIME);
	TH_LOG("REALTIME: vDSO %lld, syscall %lld, vDSO %lld",
	       (long long)a, (long long)b, (long long)c);
	assert_between(_metadata, a, b, c);
	ASSERT_GT(NSEC_PER_SEC, llabs(b - LEAP_EVE * NSEC_PER_SEC));

	a = sys_clock_ns(CLOCK_REALTIME);
	ASSERT_EQ(0, gettimeofday(&tv, NULL));
	b = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * USEC;
	c = sys_clock_ns(CLOCK_REALTIME);
	assert_between(_metadata, a - USEC, b, c);

	a = sys_clock_ns(CLOCK_TAI);
	b = clock_ns(CLOCK_TAI);
	c = sys_clock_ns(CLOCK_TAI);
	assert_between(_metadata, a, b, c);
	ASSERT_GT(NSEC_PER_SEC, llabs(b - (LEAP_EVE + 37) * NSEC_PER_SEC));

	/* The coarse clock may lag by a tick. */
	ASSERT_EQ(0, clock_getres(CLOCK_REALTIME_COARSE, &res));
	tick = ts_ns(&res);
	a = sys_clock_ns(CLOCK_REALTIME);
	b = clock_ns(CLOCK_REALTIME_COARSE);
	c = sys_clock_ns(CLOCK_REALTIME);
	assert_between(_metadata, a - tick, b, c);

	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &ts1));
	t = time(NULL);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &ts2));
	ASSERT_LE(ts1.tv_sec - 1, t);
	ASSERT_GE(ts2.tv_sec + 1, t);
}

/*
 * vDSO and syscalls: in a namespace with a clock of its own, libc's
 * clock_gettime() (the vDSO), gettimeofday() and time() read what the
 * syscalls read.
 */
TEST(vdso_vs_syscall)
{
	run_host_unchanged(_metadata, TK_NS_USER, vdso_reads);
}

TEST_HARNESS_MAIN
