// SPDX-License-Identifier: GPL-2.0
/*
 * The vDSO and the syscalls read the same clocks, in every kind of time
 * namespace. libc's clock_gettime(), gettimeofday() and time(), which the
 * vDSO serves, read alternately with syscall(SYS_clock_gettime),
 * SYS_gettimeofday and SYS_time never go back; a coarse clock is never
 * ahead of a fine read of its clock after it; right after a set of
 * CLOCK_REALTIME no clock which shows it reads less than the value set;
 * and no clock goes back when a namespace which follows the host
 * switches to a clock of its own.
 *
 * The namespaces (struct mode): none, the host's clocks; one owned by the
 * initial user namespace without offsets (what container runtimes create,
 * whose tasks may read the host's vvar page) and one with upstream's
 * monotonic and boottime offsets; and one owned by a user namespace of
 * its own, which follows the host, with and without a CLOCK_REALTIME
 * offset, and which has a clock of its own after an adjtimex() frequency
 * change. The vDSO may serve an own clock through its fallback to the
 * syscall, or not: the tests pass either way.
 *
 * The reads are compared by their order, not their distance, so that the
 * checks hold however slowly they run under emulation; the few bounds on
 * a distance are a second or more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
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

/* Reads in each sequence of alternating vDSO and syscall reads */
#define READS		2000
/* The namespaces which set CLOCK_REALTIME set it to the host's + this, s */
#define REAL_OFF	1000
/* The upstream offsets of the namespace which has them, s */
#define MONO_OFF	100
#define BOOT_OFF	200
/*
 * How far a coarse clock may lag a fine read of its clock before it; and
 * the slack of the bounds on how far a clock may move between two reads,
 * beyond the CLOCK_MONOTONIC_RAW time which passed between them.
 */
#define LAG_NS		NSEC_PER_SEC
/* The longest a namespace's setup may take */
#define SETUP_NS	(30 * NSEC_PER_SEC)
/* Sets of CLOCK_REALTIME, each SET_AHEAD ns ahead of the clock */
#define SETS		20
#define SET_AHEAD	(7 * NSEC_PER_SEC + 500 * MSEC)

/* Which way a clock is read */
enum path {
	VDSO,		/* libc: the vDSO */
	SYSCALL,	/* syscall(): never the vDSO */
};

static const char * const path_names[] = {
	[VDSO] = "vDSO",
	[SYSCALL] = "syscall",
};

/* Ways to read gettimeofday() and time(): the vDSO, and the syscall if any */
#ifdef SYS_gettimeofday
#define GTOD_PATHS	2
#else
#define GTOD_PATHS	1
#endif
#ifdef SYS_time
#define TIME_PATHS	2
#else
#define TIME_PATHS	1
#endif

static const char * const clock_names[] = {
	[CLOCK_REALTIME] = "CLOCK_REALTIME",
	[CLOCK_REALTIME_COARSE] = "CLOCK_REALTIME_COARSE",
	[CLOCK_MONOTONIC] = "CLOCK_MONOTONIC",
	[CLOCK_MONOTONIC_COARSE] = "CLOCK_MONOTONIC_COARSE",
	[CLOCK_MONOTONIC_RAW] = "CLOCK_MONOTONIC_RAW",
	[CLOCK_BOOTTIME] = "CLOCK_BOOTTIME",
	[CLOCK_TAI] = "CLOCK_TAI",
};

/* The clocks with a fine readout */
static const clockid_t fine_clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_TAI,
};

/* The coarse clocks, each with the fine clock it lags */
static const clockid_t coarse_clocks[][2] = {
	{ CLOCK_REALTIME_COARSE, CLOCK_REALTIME },
	{ CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC },
};

/* Where the test's child reads the clocks */
struct mode {
	const char *name;	/* for the log */
	bool new_ns;		/* in a new time namespace, else in the test's */
	enum tk_ns how;		/* how that is created */
	int mono_off;		/* upstream offsets, s, written before entering */
	int boot_off;
	bool set;		/* CLOCK_REALTIME set to the host's + REAL_OFF s */
	bool own;		/* switched to a clock of its own */
};

/* 1: the host's clocks */
static const struct mode mode_host = {
	.name = "host",
};

/* 2: a container runtime's namespace: no offsets, the host's clock */
static const struct mode mode_plain = {
	.name = "time namespace without offsets",
	.new_ns = true,
	.how = TK_NS_PLAIN,
};

/* 3: upstream's offsets, the host's clock */
static const struct mode mode_offsets = {
	.name = "time namespace with upstream offsets",
	.new_ns = true,
	.how = TK_NS_PLAIN,
	.mono_off = MONO_OFF,
	.boot_off = BOOT_OFF,
};

/* 4: a local namespace which follows the host, not set */
static const struct mode mode_following = {
	.name = "user+time namespace following the host",
	.new_ns = true,
	.how = TK_NS_USER,
};

/* 5: the same with a CLOCK_REALTIME offset */
static const struct mode mode_following_set = {
	.name = "user+time namespace following the host, set",
	.new_ns = true,
	.how = TK_NS_USER,
	.set = true,
};

/* 6: a clock of its own */
static const struct mode mode_own = {
	.name = "user+time namespace with a clock of its own",
	.new_ns = true,
	.how = TK_NS_USER,
	.own = true,
};

/* 7: a clock of its own, switched to after a set */
static const struct mode mode_own_set = {
	.name = "user+time namespace set, then with a clock of its own",
	.new_ns = true,
	.how = TK_NS_USER,
	.set = true,
	.own = true,
};

/*
 * Why the tests in @m cannot run here, or NULL. Those which set or steer
 * the clock of a local namespace (@steers) need a kernel with them.
 */
static const char *mode_cannot_run(const struct mode *m, bool steers)
{
	const char *why;

	if (!m->new_ns)
		return NULL;
	why = tk_cannot_run();
	if (!why && (steers || m->set || m->own) && !have_timens_clock())
		why = "no " TIMENS_CLOCK ": no time namespaces with clocks of their own";
	return why;
}

/* @clk by @path; the test fails if it cannot be read. */
static int64_t read_clock(struct __test_metadata *_metadata, const struct mode *m,
			  clockid_t clk, enum path path)
{
	int64_t t = path == SYSCALL ? sys_clock_ns(clk) : clock_ns(clk);
	int err = errno;

	ASSERT_LE(0, t)
		TH_LOG("%s: %s by %s: %s", m->name, clock_names[clk], path_names[path],
		       strerror(err));
	return t;
}

/* gettimeofday() by @path, in us; -1 if it failed */
static int64_t gtod_us(enum path path)
{
	struct timeval tv;
	long ret = -1;

#ifdef SYS_gettimeofday
	if (path == SYSCALL)
		ret = syscall(SYS_gettimeofday, &tv, NULL);
#endif
	if (path == VDSO)
		ret = gettimeofday(&tv, NULL);
	if (ret)
		return -1;
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* time() by @path; -1 if it failed */
static int64_t time_s(enum path path)
{
#ifdef SYS_time
	if (path == SYSCALL)
		return syscall(SYS_time, NULL);
#endif
	return time(NULL);
}

/* A read of a clock, of gettimeofday() or of time() */
struct reader {
	enum { R_CLOCK, R_GTOD, R_TIME } kind;
	clockid_t clk;		/* of R_CLOCK */
	enum path path;
};

static const char *reader_name(const struct reader *r)
{
	if (r->kind == R_GTOD)
		return "gettimeofday()";
	if (r->kind == R_TIME)
		return "time()";
	return clock_names[r->clk];
}

/* The resolution of @r, ns */
static int64_t reader_res(const struct reader *r)
{
	if (r->kind == R_GTOD)
		return USEC;
	if (r->kind == R_TIME)
		return NSEC_PER_SEC;
	return 1;
}

/* Read @r, in ns; negative if it failed. */
static int64_t reader_ns(const struct reader *r)
{
	int64_t t;

	switch (r->kind) {
	case R_GTOD:
		t = gtod_us(r->path);
		return t < 0 ? t : t * USEC;
	case R_TIME:
		t = time_s(r->path);
		return t < 0 ? t : t * NSEC_PER_SEC;
	default:
		return r->path == SYSCALL ? sys_clock_ns(r->clk) : clock_ns(r->clk);
	}
}

/* The host's clocks, read before a namespace is created, by the syscalls */
struct host_clocks {
	int64_t real;
	int64_t mono;
	int64_t boot;
};

static void host_read(struct host_clocks *h)
{
	h->real = sys_clock_ns(CLOCK_REALTIME);
	h->mono = sys_clock_ns(CLOCK_MONOTONIC);
	h->boot = sys_clock_ns(CLOCK_BOOTTIME);
}

/*
 * @clk of the namespace, read at most SETUP_NS after the host's @host, is
 * the host's plus @off s: the namespace is what @m says.
 */
static void check_offset(struct __test_metadata *_metadata, const struct mode *m,
			 clockid_t clk, int64_t host, int off)
{
	int64_t d = read_clock(_metadata, m, clk, SYSCALL) - host - off * NSEC_PER_SEC;

	ASSERT_TRUE(d > -LAG_NS && d < SETUP_NS)
		TH_LOG("%s: %s is the host's %+lld ns, want %+d s", m->name, clock_names[clk],
		       (long long)(d + off * NSEC_PER_SEC), off);
}

static void set_realtime_off(struct __test_metadata *_metadata, const struct mode *m)
{
	ASSERT_EQ(0, step_realtime(REAL_OFF * NSEC_PER_SEC))
		TH_LOG("%s: clock_settime: %s", m->name, strerror(errno));
}

/* The first adjtimex() which steers the clock gives a clock of its own. */
static void switch_to_own(struct __test_metadata *_metadata, const struct mode *m)
{
	struct timex tx = { .modes = ADJ_FREQUENCY, .freq = PPM(100) };

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("%s: ADJ_FREQUENCY: %s", m->name, strerror(errno));
}

/* In the child, in its namespace: set it up as @m says, and check it. */
static void enter_mode(struct __test_metadata *_metadata, const struct mode *m,
		       const struct host_clocks *h)
{
	if (m->set)
		set_realtime_off(_metadata, m);
	if (m->own)
		switch_to_own(_metadata, m);
	check_offset(_metadata, m, CLOCK_REALTIME, h->real, m->set ? REAL_OFF : 0);
	check_offset(_metadata, m, CLOCK_MONOTONIC, h->mono, m->mono_off);
	check_offset(_metadata, m, CLOCK_BOOTTIME, h->boot, m->boot_off);
}

/* fork() into the namespace of @m: 0 in the child, as tk_ns_fork(). */
static pid_t mode_fork(struct __test_metadata *_metadata, const struct mode *m)
{
	char offsets[64];
	pid_t pid;

	if (m->new_ns && (m->mono_off || m->boot_off)) {
		snprintf(offsets, sizeof(offsets), "monotonic %d 0\nboottime %d 0\n",
			 m->mono_off, m->boot_off);
		return tk_ns_fork_offsets(_metadata, m->how, offsets);
	}
	if (m->new_ns)
		return tk_ns_fork(_metadata, m->how);
	pid = fork();
	ASSERT_LE(0, pid);
	return pid;
}

/*
 * Run @fn in a child in the namespace of @m, set up as @m says, and
 * assert that it passed, and that the host's CLOCK_REALTIME and NTP
 * frequency stayed as they were.
 */
static void run_mode(struct __test_metadata *_metadata, const struct mode *m,
		     void (*fn)(struct __test_metadata *_metadata, const struct mode *m))
{
	struct host_clocks h;
	struct timex host, tx;
	int64_t host_off;
	pid_t pid;

	ASSERT_LE(0, ntp_read(&host));
	host_off = realtime_offset_ns();
	host_read(&h);
	pid = mode_fork(_metadata, m);
	if (!pid) {
		enter_mode(_metadata, m, &h);
		fn(_metadata, m);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
	ASSERT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("the host's CLOCK_REALTIME moved");
	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(host.freq, tx.freq) TH_LOG("the host's frequency changed");
}

/* READS reads of @clk, alternately by the vDSO and the syscall, never go back. */
static void fine_clock_agrees(struct __test_metadata *_metadata, const struct mode *m,
			      clockid_t clk)
{
	int64_t prev, t;
	enum path path;
	int i;

	prev = read_clock(_metadata, m, clk, VDSO);
	for (i = 1; i < READS; i++) {
		path = i & 1;
		t = read_clock(_metadata, m, clk, path);
		ASSERT_LE(prev, t)
			TH_LOG("%s: %s by %s %lld ns behind the read by %s before it (read %d)",
			       m->name, clock_names[clk], path_names[path], (long long)(prev - t),
			       path_names[!path], i);
		prev = t;
	}
}

/*
 * READS reads of @coarse, alternately by the vDSO and the syscall, never
 * go back; each is not ahead of a read of its fine clock @fine right
 * after it, nor more than LAG_NS behind the one before it; the paths of
 * the two reads take all four combinations.
 */
static void coarse_clock_agrees(struct __test_metadata *_metadata, const struct mode *m,
				clockid_t coarse, clockid_t fine)
{
	enum path cp, fp, prev_cp = VDSO, prev_fp = VDSO;
	int64_t c, f, prev = 0;
	int i;

	f = read_clock(_metadata, m, fine, VDSO);
	for (i = 0; i < READS; i++) {
		cp = i & 1;
		fp = (i >> 1) & 1;
		c = read_clock(_metadata, m, coarse, cp);
		ASSERT_LE(prev, c)
			TH_LOG("%s: %s by %s %lld ns behind the read by %s before it (read %d)",
			       m->name, clock_names[coarse], path_names[cp], (long long)(prev - c),
			       path_names[prev_cp], i);
		ASSERT_LT(f - LAG_NS, c)
			TH_LOG("%s: %s by %s %lld ns behind %s by %s before it (read %d)",
			       m->name, clock_names[coarse], path_names[cp], (long long)(f - c),
			       clock_names[fine], path_names[prev_fp], i);
		f = read_clock(_metadata, m, fine, fp);
		ASSERT_LE(c, f)
			TH_LOG("%s: %s by %s %lld ns ahead of %s by %s after it (read %d)",
			       m->name, clock_names[coarse], path_names[cp], (long long)(c - f),
			       clock_names[fine], path_names[fp], i);
		prev = c;
		prev_cp = cp;
		prev_fp = fp;
	}
}

static void fine_reads(struct __test_metadata *_metadata, const struct mode *m)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fine_clocks); i++)
		fine_clock_agrees(_metadata, m, fine_clocks[i]);
}

static void coarse_reads(struct __test_metadata *_metadata, const struct mode *m)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(coarse_clocks); i++)
		coarse_clock_agrees(_metadata, m, coarse_clocks[i][0], coarse_clocks[i][1]);
}

/*
 * READS gettimeofday(), alternately by the vDSO and the syscall, each
 * between two reads of CLOCK_REALTIME truncated to us: not behind the one
 * before it, not ahead of the one after it.
 */
static void gettimeofday_reads(struct __test_metadata *_metadata, const struct mode *m)
{
	enum path gp, fp, prev_fp = VDSO;
	int64_t f, g;
	int i, err;

	f = read_clock(_metadata, m, CLOCK_REALTIME, VDSO);
	for (i = 0; i < READS; i++) {
		gp = i % GTOD_PATHS;
		fp = (i >> 1) & 1;
		g = gtod_us(gp);
		err = errno;
		ASSERT_LE(0, g)
			TH_LOG("%s: gettimeofday() by %s: %s", m->name, path_names[gp],
			       strerror(err));
		ASSERT_LE(f / USEC, g)
			TH_LOG("%s: gettimeofday() by %s %lld us behind %s by %s before (read %d)",
			       m->name, path_names[gp], (long long)(f / USEC - g),
			       "CLOCK_REALTIME", path_names[prev_fp], i);
		f = read_clock(_metadata, m, CLOCK_REALTIME, fp);
		ASSERT_LE(g, f / USEC)
			TH_LOG("%s: gettimeofday() by %s %lld us ahead of %s by %s after (read %d)",
			       m->name, path_names[gp], (long long)(g - f / USEC),
			       "CLOCK_REALTIME", path_names[fp], i);
		prev_fp = fp;
	}
}

/*
 * READS time(), alternately by the vDSO and the syscall, never go back;
 * each, a coarse clock, is not behind the read of CLOCK_REALTIME_COARSE
 * before it, truncated to s, nor ahead of the reads of CLOCK_REALTIME and
 * CLOCK_REALTIME_COARSE after it.
 */
static void time_reads(struct __test_metadata *_metadata, const struct mode *m)
{
	enum path tp, fp, prev_tp = VDSO, prev_fp = VDSO;
	int64_t c, f, t, prev = 0;
	int i, err;

	c = read_clock(_metadata, m, CLOCK_REALTIME_COARSE, VDSO);
	for (i = 0; i < READS; i++) {
		tp = i % TIME_PATHS;
		fp = (i >> 1) & 1;
		t = time_s(tp);
		err = errno;
		ASSERT_LE(0, t)
			TH_LOG("%s: time() by %s: %s", m->name, path_names[tp], strerror(err));
		ASSERT_LE(prev, t)
			TH_LOG("%s: time() by %s %lld s behind the one by %s before it (read %d)",
			       m->name, path_names[tp], (long long)(prev - t), path_names[prev_tp],
			       i);
		ASSERT_LE(c / NSEC_PER_SEC, t)
			TH_LOG("%s: time() by %s %lld s behind %s by %s before it (read %d)",
			       m->name, path_names[tp], (long long)(c / NSEC_PER_SEC - t),
			       "CLOCK_REALTIME_COARSE", path_names[prev_fp], i);
		f = read_clock(_metadata, m, CLOCK_REALTIME, fp);
		c = read_clock(_metadata, m, CLOCK_REALTIME_COARSE, fp);
		ASSERT_LE(t, f / NSEC_PER_SEC)
			TH_LOG("%s: time() by %s %lld s ahead of %s by %s after it (read %d)",
			       m->name, path_names[tp], (long long)(t - f / NSEC_PER_SEC),
			       "CLOCK_REALTIME", path_names[fp], i);
		ASSERT_LE(t, c / NSEC_PER_SEC)
			TH_LOG("%s: time() by %s %lld s ahead of %s by %s after it (read %d)",
			       m->name, path_names[tp], (long long)(t - c / NSEC_PER_SEC),
			       "CLOCK_REALTIME_COARSE", path_names[fp], i);
		prev = t;
		prev_tp = tp;
		prev_fp = fp;
	}
}

/* The reads in each kind of namespace, a variant each */
FIXTURE(reads) {};

FIXTURE_VARIANT(reads) {
	const struct mode *m;
};

FIXTURE_SETUP(reads)
{
	const char *why = mode_cannot_run(variant->m, false);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(reads) {}

/* No time namespace: the host's clocks */
FIXTURE_VARIANT_ADD(reads, host) {
	.m = &mode_host,
};

/* A time namespace of real root without offsets, as container runtimes create */
FIXTURE_VARIANT_ADD(reads, plain) {
	.m = &mode_plain,
};

/* A time namespace of real root with upstream's monotonic and boottime offsets */
FIXTURE_VARIANT_ADD(reads, offsets) {
	.m = &mode_offsets,
};

/* A user+time namespace which follows the host, its CLOCK_REALTIME not set */
FIXTURE_VARIANT_ADD(reads, following) {
	.m = &mode_following,
};

/* A user+time namespace which follows the host, its CLOCK_REALTIME set */
FIXTURE_VARIANT_ADD(reads, following_set) {
	.m = &mode_following_set,
};

/* A user+time namespace with a clock of its own */
FIXTURE_VARIANT_ADD(reads, own) {
	.m = &mode_own,
};

/* A user+time namespace set, then switched to a clock of its own */
FIXTURE_VARIANT_ADD(reads, own_set) {
	.m = &mode_own_set,
};

/*
 * CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME and
 * CLOCK_TAI, each read alternately by the vDSO and the syscall, never go
 * back.
 */
TEST_F(reads, fine_clocks)
{
	run_mode(_metadata, variant->m, fine_reads);
}

/*
 * CLOCK_REALTIME_COARSE and CLOCK_MONOTONIC_COARSE, read alternately by
 * the vDSO and the syscall, never go back, and are never ahead of a read
 * of CLOCK_REALTIME or CLOCK_MONOTONIC right after them.
 */
TEST_F(reads, coarse_clocks)
{
	run_mode(_metadata, variant->m, coarse_reads);
}

/*
 * gettimeofday() by the vDSO and the syscall lies between the reads of
 * CLOCK_REALTIME before and after it, at its resolution of 1 us.
 */
TEST_F(reads, gettimeofday_reads)
{
	run_mode(_metadata, variant->m, gettimeofday_reads);
}

/*
 * time() by the vDSO and the syscall never goes back, and lies between
 * the read of CLOCK_REALTIME_COARSE before it and the reads of
 * CLOCK_REALTIME and CLOCK_REALTIME_COARSE after it, at its resolution of
 * 1 s.
 */
TEST_F(reads, time_reads)
{
	run_mode(_metadata, variant->m, time_reads);
}

/* What is read right after a set: each in turn first */
static const struct reader set_readers[] = {
	{ .kind = R_CLOCK, .clk = CLOCK_REALTIME_COARSE, .path = VDSO },
	{ .kind = R_TIME, .path = VDSO },
	{ .kind = R_GTOD, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_REALTIME, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_REALTIME_COARSE, .path = SYSCALL },
#ifdef SYS_time
	{ .kind = R_TIME, .path = SYSCALL },
#endif
};

/*
 * SETS times: set CLOCK_REALTIME to SET_AHEAD ahead of it, which puts the
 * value set anywhere within a second, and read it at once, by each reader
 * of set_readers in turn first: each reads the value set truncated to its
 * resolution or later, and no more than LAG_NS after it, beyond the time
 * that passed.
 */
static void reads_after_sets(struct __test_metadata *_metadata, const struct mode *m)
{
	const unsigned int n = ARRAY_SIZE(set_readers);
	int64_t v[ARRAY_SIZE(set_readers)], t, raw0, raw1, res;
	const struct reader *r;
	struct timespec ts;
	unsigned int i, j;

	for (i = 0; i < SETS; i++) {
		t = read_clock(_metadata, m, CLOCK_REALTIME, VDSO) + SET_AHEAD;
		ts.tv_sec = t / NSEC_PER_SEC;
		ts.tv_nsec = t % NSEC_PER_SEC;
		raw0 = clock_ns(CLOCK_MONOTONIC_RAW);
		ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &ts))
			TH_LOG("%s: clock_settime: %s", m->name, strerror(errno));
		for (j = 0; j < n; j++)
			v[j] = reader_ns(&set_readers[(i + j) % n]);
		raw1 = clock_ns(CLOCK_MONOTONIC_RAW);
		for (j = 0; j < n; j++) {
			r = &set_readers[(i + j) % n];
			res = reader_res(r);
			ASSERT_LE(t / res * res, v[j])
				TH_LOG("%s: set %lld.%09lld, %s by %s read %lld ns less (read %u)",
				       m->name, (long long)ts.tv_sec, (long long)ts.tv_nsec,
				       reader_name(r), path_names[r->path],
				       (long long)(t - v[j]), j);
			ASSERT_GE(t + LAG_NS + (raw1 - raw0), v[j])
				TH_LOG("%s: set %lld.%09lld, %s by %s read %lld ns more (read %u)",
				       m->name, (long long)ts.tv_sec, (long long)ts.tv_nsec,
				       reader_name(r), path_names[r->path],
				       (long long)(v[j] - t), j);
		}
	}
}

/* Sets of the clock of a local namespace, a variant for each kind */
FIXTURE(after_set) {};

FIXTURE_VARIANT(after_set) {
	const struct mode *m;
};

FIXTURE_SETUP(after_set)
{
	const char *why = mode_cannot_run(variant->m, true);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(after_set) {}

/* Following the host, not set before: the first set gives it an offset */
FIXTURE_VARIANT_ADD(after_set, following) {
	.m = &mode_following,
};

/* Following the host, with a CLOCK_REALTIME offset */
FIXTURE_VARIANT_ADD(after_set, following_set) {
	.m = &mode_following_set,
};

/* A clock of its own */
FIXTURE_VARIANT_ADD(after_set, own) {
	.m = &mode_own,
};

/* A clock of its own, switched to after a set */
FIXTURE_VARIANT_ADD(after_set, own_set) {
	.m = &mode_own_set,
};

/*
 * Right after clock_settime(CLOCK_REALTIME) to a value anywhere within a
 * second, CLOCK_REALTIME and CLOCK_REALTIME_COARSE by the vDSO,
 * gettimeofday() and time() by the vDSO, and CLOCK_REALTIME_COARSE and
 * time() by the syscall read the value set (truncated to their
 * resolution) or later, and not more than a second later: no coarse
 * clock behind the value just set.
 */
TEST_F(after_set, not_behind)
{
	run_mode(_metadata, variant->m, reads_after_sets);
}

/* What is read before and after the switch: all by the vDSO */
static const struct reader switch_readers[] = {
	{ .kind = R_CLOCK, .clk = CLOCK_REALTIME, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_REALTIME_COARSE, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_MONOTONIC, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_MONOTONIC_COARSE, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_MONOTONIC_RAW, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_BOOTTIME, .path = VDSO },
	{ .kind = R_CLOCK, .clk = CLOCK_TAI, .path = VDSO },
	{ .kind = R_GTOD, .path = VDSO },
	{ .kind = R_TIME, .path = VDSO },
};

/* The reader of switch_readers read first before and after the switch */
static unsigned int first_reader;

/*
 * Read each of switch_readers, starting with the first_reader-th, then
 * switch to a clock of its own, and read them again in the same order:
 * none reads less than before, nor more than LAG_NS more than the time
 * which passed.
 */
static void switch_keeps_clocks(struct __test_metadata *_metadata, const struct mode *m)
{
	const unsigned int n = ARRAY_SIZE(switch_readers);
	int64_t before[ARRAY_SIZE(switch_readers)], after[ARRAY_SIZE(switch_readers)];
	const struct reader *r;
	int64_t raw0, raw1;
	unsigned int j;

	raw0 = clock_ns(CLOCK_MONOTONIC_RAW);
	for (j = 0; j < n; j++)
		before[j] = reader_ns(&switch_readers[(first_reader + j) % n]);
	switch_to_own(_metadata, m);
	for (j = 0; j < n; j++)
		after[j] = reader_ns(&switch_readers[(first_reader + j) % n]);
	raw1 = clock_ns(CLOCK_MONOTONIC_RAW);
	for (j = 0; j < n; j++) {
		r = &switch_readers[(first_reader + j) % n];
		ASSERT_LE(0, before[j]) TH_LOG("%s: %s failed", m->name, reader_name(r));
		ASSERT_LE(before[j], after[j])
			TH_LOG("%s: %s by %s went back by %lld ns at the switch to an own clock",
			       m->name, reader_name(r), path_names[r->path],
			       (long long)(before[j] - after[j]));
		ASSERT_GE(before[j] + LAG_NS + (raw1 - raw0), after[j])
			TH_LOG("%s: %s by %s jumped by %lld ns, %lld ns passed, at the switch",
			       m->name, reader_name(r), path_names[r->path],
			       (long long)(after[j] - before[j]), (long long)(raw1 - raw0));
	}
}

/* The switch of a namespace which follows the host to a clock of its own */
FIXTURE(to_own) {};

FIXTURE_VARIANT(to_own) {
	const struct mode *m;	/* the namespace before the switch */
};

FIXTURE_SETUP(to_own)
{
	const char *why = mode_cannot_run(variant->m, true);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(to_own) {}

/* From a namespace which follows the host, not set */
FIXTURE_VARIANT_ADD(to_own, following) {
	.m = &mode_following,
};

/* From a namespace which follows the host with a CLOCK_REALTIME offset */
FIXTURE_VARIANT_ADD(to_own, following_set) {
	.m = &mode_following_set,
};

/*
 * No clock read by the vDSO goes back, or jumps ahead, when a namespace
 * which follows the host switches to a clock of its own; in a new
 * namespace for each clock, read first after the switch.
 */
TEST_F(to_own, no_clock_goes_back)
{
	for (first_reader = 0; first_reader < ARRAY_SIZE(switch_readers); first_reader++)
		run_mode(_metadata, variant->m, switch_keeps_clocks);
}

#ifdef __x86_64__
/*
 * x86_64: the first page of [vvar] holds the vDSO data at offset 128
 * (arch/x86/include/asm/vvar.h); its second word is the clock mode, which
 * a time namespace's own page sets to VDSO_CLOCKMODE_TIMENS.
 */
#define VVAR_CLOCK_MODE_OFF	(128 + 4)
#define VDSO_CLOCKMODE_TIMENS	0x7fffffff

/* The clock mode of the vDSO data the caller's vDSO reads first */
static int vvar_clock_mode(void)
{
	unsigned long start;
	char line[256];
	int mode = -1;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vvar]") && sscanf(line, "%lx-", &start) == 1) {
			memcpy(&mode, (void *)(start + VVAR_CLOCK_MODE_OFF), sizeof(mode));
			break;
		}
	}
	fclose(f);
	return mode;
}

static void expect_host_page(struct __test_metadata *_metadata, const struct mode *m)
{
	int mode = vvar_clock_mode();

	ASSERT_LE(0, mode) TH_LOG("%s: no [vvar] mapping", m->name);
	EXPECT_NE(VDSO_CLOCKMODE_TIMENS, mode)
		TH_LOG("%s: reads through a time namespace page", m->name);
}

static void expect_ns_page(struct __test_metadata *_metadata, const struct mode *m)
{
	EXPECT_EQ(VDSO_CLOCKMODE_TIMENS, vvar_clock_mode())
		TH_LOG("%s: reads the host's page", m->name);
}

/*
 * A time namespace without offsets and without clocks of its own (a
 * container runtime's) maps the host's vvar page: its vDSO reads the
 * host's clocks directly. One with offsets, and a local one, whose
 * clocks can differ from the host's, map a page of their own.
 */
TEST(vvar_page)
{
	const char *why = mode_cannot_run(&mode_plain, false);

	if (why)
		SKIP(return, "%s", why);
	run_mode(_metadata, &mode_host, expect_host_page);
	run_mode(_metadata, &mode_plain, expect_host_page);
	run_mode(_metadata, &mode_offsets, expect_ns_page);
	if (!mode_cannot_run(&mode_following, false))
		run_mode(_metadata, &mode_following, expect_ns_page);
}
#endif

TEST_HARNESS_MAIN
