// SPDX-License-Identifier: GPL-2.0
/*
 * tk_bench: the benchmarks of 'make bench', run as root in the guest.
 *
 * Every figure is a ratio of two measurements taken in the same run,
 * interleaved: each repetition measures every case once, in turn, and
 * the ratio is taken within the repetition. Printed: a table; written
 * (--out FILE): one line per figure, case and column:
 *
 *	figure <TAB> row <TAB> column <TAB> min <TAB> median <TAB> max <TAB> unit
 *
 * Figures:
 *   read     clock reads in each kind of time namespace, calls/s and ratio
 *            to the host's, libfaketime's (LD_PRELOAD) among them
 *   syscall  the clock_gettime() and clock_settime() syscalls
 *   tick     the host's update_wall_time(), in the kernel's function
 *            profiler, with 0 to 10,000 namespaces, a tenth of them with
 *            an own clock whose NTP state is busy
 *   timers   clock_settime() in a namespace with k armed timers, with and
 *            without 1,000 other namespaces of 100 armed timers each; the
 *            host's clock_settime() and tick with and without them
 *   memory   kernel memory per namespace, following the host or own
 *
 * --smoke runs every figure with tiny counts, for 'make check': it shows
 * the program works, not what its figures are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timens_tk.h"

#define FAKETIME_LIB	"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
#define TRACING		"/sys/kernel/tracing"
#define MAX_REPS	15
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static bool smoke;
static int reps = 7;
static FILE *out;
static int rows;	/* reported so far */

static void die(const char *what)
{
	fprintf(stderr, "tk_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t now_raw(void)
{
	return clock_ns(CLOCK_MONOTONIC_RAW);
}

/* --- statistics ------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Print and record min, median and max of @n values. */
static void report(const char *figure, const char *row, const char *column,
		   const double *v, int n, const char *unit)
{
	double s[MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	rows++;
	printf("  %-28s %-22s %12.4g %12.4g %12.4g  %s\n", row, column, s[0],
	       s[n / 2], s[n - 1], unit);
	if (out)
		fprintf(out, "%s\t%s\t%s\t%.6g\t%.6g\t%.6g\t%s\n", figure, row,
			column, s[0], s[n / 2], s[n - 1], unit);
}

static void heading(const char *figure, const char *what)
{
	printf("\n%s: %s\n  %-28s %-22s %12s %12s %12s\n", figure, what, "row",
	       "column", "min", "median", "max");
}

/*
 * Arm @timers absolute timerfds a day ahead on CLOCK_REALTIME of the
 * namespace @fd holds (of the caller's, if @fd is -1), and keep them open.
 */
static int arm_timers(int fd, int timers)
{
	struct itimerspec its = {};
	int j, t;

	if (!timers)
		return 0;
	if ((fd >= 0 && setns(fd, CLONE_NEWTIME)) ||
	    clock_gettime(CLOCK_REALTIME, &its.it_value))
		return -1;
	its.it_value.tv_sec += 86400;
	for (j = 0; j < timers; j++) {
		t = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
		if (t < 0 || timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL))
			return -1;
		its.it_value.tv_nsec = (its.it_value.tv_nsec + 7919) % NSEC_PER_SEC;
	}
	return 0;
}

/* Room for @n more open files */
static void more_files(int n)
{
	struct rlimit rl = { n + 1024, n + 1024 };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE");
}

/* --- workers: a process in a time namespace, calling a clock op -------- */

enum kind { K_HOST, K_ZERO, K_OFFSET, K_FOLLOW, K_OWN, K_FAKETIME, NR_KINDS };

static const char *const kind_name[NR_KINDS] = {
	[K_HOST]	= "host",
	[K_ZERO]	= "zero-offset namespace",
	[K_OFFSET]	= "offset namespace",
	[K_FOLLOW]	= "following, REALTIME set",
	[K_OWN]		= "own clock",
	[K_FAKETIME]	= "libfaketime",
};

enum op { OP_REALTIME, OP_MONOTONIC, OP_GETTIMEOFDAY, OP_TIME, OP_SYS_GETTIME,
	  OP_SYS_SETTIME, NR_OPS };

static const char *const op_name[NR_OPS] = {
	[OP_REALTIME]		= "clock_gettime(REALTIME)",
	[OP_MONOTONIC]		= "clock_gettime(MONOTONIC)",
	[OP_GETTIMEOFDAY]	= "gettimeofday",
	[OP_TIME]		= "time",
	[OP_SYS_GETTIME]	= "syscall clock_gettime",
	[OP_SYS_SETTIME]	= "clock_settime(REALTIME)",
};

struct cmd {
	int	op;
	long	n;
};

/* A child process driven through two pipes: a worker or a holder */
struct child {
	pid_t	pid;
	int	cmd;	/* to the child */
	int	done;	/* from the child */
};

/*
 * Fork @c: 0 in the child, with its ends of the pipes in @cmd and @done;
 * its pid in the parent.
 */
static pid_t spawn(struct child *c, int *cmd, int *done)
{
	int in[2], out[2];

	if (pipe(in) || pipe(out))
		die("pipe");
	c->pid = fork();
	if (c->pid < 0)
		die("fork");
	if (c->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(in[1]);
		close(out[0]);
		*cmd = in[0];
		*done = out[1];
		return 0;
	}
	close(in[0]);
	close(out[1]);
	c->cmd = in[1];
	c->done = out[0];
	return c->pid;
}

/*
 * Children inherit each other's pipes, so they are killed rather than
 * told to stop; a holder's namespaces and timers go with it.
 */
static void stop_child(struct child *c)
{
	close(c->cmd);
	close(c->done);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
}

/* Call @op @n times; nonzero on a failed call. */
static int run_op(int op, long n)
{
	struct timespec ts;
	struct timeval tv;
	long i;

	for (i = 0; i < n; i++) {
		switch (op) {
		case OP_REALTIME:
			clock_gettime(CLOCK_REALTIME, &ts);
			break;
		case OP_MONOTONIC:
			clock_gettime(CLOCK_MONOTONIC, &ts);
			break;
		case OP_GETTIMEOFDAY:
			gettimeofday(&tv, NULL);
			break;
		case OP_TIME:
			if (time(NULL) == (time_t)-1)
				return -1;
			break;
		case OP_SYS_GETTIME:
			syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
			break;
		case OP_SYS_SETTIME:
			/* The time it is: no step, but all a set does */
			if (clock_gettime(CLOCK_REALTIME, &ts) ||
			    clock_settime(CLOCK_REALTIME, &ts))
				return -1;
			break;
		}
	}
	return 0;
}

struct reply {
	int	err;
	int64_t	ns;
};

/*
 * The worker times its calls itself, on the host's CLOCK_MONOTONIC_RAW
 * read by the syscall, which no namespace offsets and libfaketime does
 * not see: the round trip of the pipes is not in the figures.
 */
static int64_t raw_syscall_ns(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &ts);
	return ts_ns(&ts);
}

/* The host's CLOCK_REALTIME in seconds, past any LD_PRELOAD */
static time_t raw_realtime(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static void worker_loop(int cmd, int done)
{
	struct reply r;
	struct cmd c;

	while (read(cmd, &c, sizeof(c)) == sizeof(c)) {
		r.ns = raw_syscall_ns();
		r.err = run_op(c.op, c.n);
		r.ns = raw_syscall_ns() - r.ns;
		if (write(done, &r, sizeof(r)) != sizeof(r))
			break;
	}
	_exit(0);
}

static int enter_new_timens(void)
{
	int fd = open("/proc/self/ns/time_for_children", O_RDONLY);

	if (fd < 0 || setns(fd, CLONE_NEWTIME))
		return -1;
	close(fd);
	return 0;
}

/* Put the calling worker in a namespace of kind @how. */
static int setup_kind(enum kind how)
{
	struct timex tx = { .modes = ADJ_FREQUENCY, .freq = 10 << 16 };
	struct timespec ts;

	switch (how) {
	case K_HOST:
	case K_FAKETIME:
		return 0;
	case K_ZERO:
		return tk_unshare(TK_NS_PLAIN) ?: enter_new_timens();
	case K_OFFSET:
		if (tk_unshare(TK_NS_PLAIN) ||
		    write_file("/proc/self/timens_offsets",
			       "monotonic 86400 0\nboottime 86400 0"))
			return -1;
		return enter_new_timens();
	case K_FOLLOW:
	case K_OWN:
		if (tk_unshare(TK_NS_USER) || enter_new_timens() ||
		    clock_gettime(CLOCK_REALTIME, &ts))
			return -1;
		ts.tv_sec -= 10 * 365 * 86400;
		if (clock_settime(CLOCK_REALTIME, &ts))
			return -1;
		if (how == K_OWN && adjtimex(&tx) < 0)
			return -1;
		return 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

static bool have_faketime(void)
{
	return access(FAKETIME_LIB, R_OK) == 0;
}

/* Start a worker in a namespace of kind @how, which holds @timers armed timers. */
static void start_worker(struct child *w, enum kind how, int timers)
{
	char a[16], b[16];
	int cmd, done;

	if (spawn(w, &cmd, &done))
		return;
	if (how == K_FAKETIME) {
		snprintf(a, sizeof(a), "%d", cmd);
		snprintf(b, sizeof(b), "%d", done);
		setenv("LD_PRELOAD", FAKETIME_LIB, 1);
		setenv("FAKETIME", "-3650d", 1);
		execl("/proc/self/exe", "tk_bench", "--worker", a, b, NULL);
		_exit(126);
	}
	if (setup_kind(how) || arm_timers(-1, timers)) {
		fprintf(stderr, "tk_bench: %s: %s\n", kind_name[how], strerror(errno));
		_exit(126);
	}
	worker_loop(cmd, done);
}

/* Time @n calls of @op in @w, in ns of the host's CLOCK_MONOTONIC_RAW. */
static int64_t time_op(struct child *w, int op, long n)
{
	struct cmd c = { .op = op, .n = n };
	struct reply r;

	if (write(w->cmd, &c, sizeof(c)) != sizeof(c) ||
	    read(w->done, &r, sizeof(r)) != sizeof(r))
		die("worker");
	if (r.err) {
		errno = EIO;
		die(op_name[op]);
	}
	return r.ns > 0 ? r.ns : 1;
}

/* The number of calls of @op in @w that take about @target ns. */
static long calibrate(struct child *w, int op, int64_t target)
{
	long n = 16;

	while (time_op(w, op, n) < target / 4 && n < (1L << 40))
		n *= 2;
	return n * 4;
}

/*
 * Calls/s of each op in each kind, in @reps rounds in each of which every
 * kind is measured once; the ratio to the host's within each round.
 */
static void bench_ops(const char *figure, const int *ops, int nr_ops,
		      const enum kind *kinds, int nr_kinds)
{
	int64_t target = smoke ? 2000000 : 40000000;
	double rate[NR_KINDS][MAX_REPS], ratio[MAX_REPS];
	struct child w[NR_KINDS];
	long n[NR_KINDS];
	int i, k, r;

	for (k = 0; k < nr_kinds; k++)
		start_worker(&w[k], kinds[k], 0);
	for (i = 0; i < nr_ops; i++) {
		for (k = 0; k < nr_kinds; k++)
			n[k] = calibrate(&w[k], ops[i], target);
		for (r = 0; r < reps; r++)
			for (k = 0; k < nr_kinds; k++)
				rate[k][r] = n[k] * 1e9 / time_op(&w[k], ops[i], n[k]);
		for (k = 0; k < nr_kinds; k++) {
			report(figure, op_name[ops[i]], kind_name[kinds[k]], rate[k], reps,
			       "calls/s");
			if (kinds[k] == K_HOST)
				continue;
			for (r = 0; r < reps; r++)
				ratio[r] = rate[k][r] / rate[0][r];
			report(figure, op_name[ops[i]], kind_name[kinds[k]], ratio, reps,
			       "ratio");
		}
	}
	for (k = 0; k < nr_kinds; k++)
		stop_child(&w[k]);
}

static void figure_read(void)
{
	static const int ops[] = { OP_REALTIME, OP_MONOTONIC, OP_GETTIMEOFDAY, OP_TIME };
	enum kind kinds[NR_KINDS] = { K_HOST, K_ZERO, K_OFFSET, K_FOLLOW, K_OWN };
	int nr = 5;

	if (have_faketime())
		kinds[nr++] = K_FAKETIME;
	else
		printf("read: %s missing: no libfaketime column\n", FAKETIME_LIB);
	heading("read", "clock reads, calls/s and ratio to the host in the same round");
	bench_ops("read", ops, 4, kinds, nr);
}

static void figure_syscall(void)
{
	static const int ops[] = { OP_SYS_GETTIME, OP_SYS_SETTIME };
	static const enum kind kinds[] = { K_HOST, K_FOLLOW, K_OWN };

	heading("syscall", "the syscalls, calls/s and ratio to the host in the same round");
	bench_ops("syscall", ops, 2, kinds, 3);
}

/* --- the host's tick, in the function profiler -------------------------- */

static bool have_profiler(void)
{
	return access(TRACING "/function_profile_enabled", W_OK) == 0;
}

/*
 * Keep one CPU busy for @ns, so that the tick runs at HZ there; the other
 * CPUs idle, and under TCG their threads leave the host's cores to it.
 */
static void spin_cpu(int64_t ns)
{
	pid_t pid = fork();

	if (pid == 0) {
		int64_t end = now_raw() + ns;

		while (now_raw() < end)
			;
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* The mean time of one update_wall_time() over @ns of a busy CPU, in ns */
static double tick_window(int64_t ns)
{
	double hits = 0, total = 0;
	char path[64], line[256], fn[64], unit[8];
	int cpu;

	if (write_file(TRACING "/function_profile_enabled", "0") ||
	    write_file(TRACING "/set_ftrace_filter", "update_wall_time") ||
	    write_file(TRACING "/function_profile_enabled", "1"))
		die("function profiler");
	spin_cpu(ns);
	write_file(TRACING "/function_profile_enabled", "0");
	for (cpu = 0;; cpu++) {
		double h, t;
		FILE *f;

		snprintf(path, sizeof(path), TRACING "/trace_stat/function%d", cpu);
		f = fopen(path, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, " %63s %lf %lf %7s", fn, &h, &t, unit) == 4 &&
			    !strcmp(fn, "update_wall_time")) {
				hits += h;
				total += t * (strcmp(unit, "us") ? 1 : 1000);
			}
		fclose(f);
	}
	if (!hits) {
		errno = ENODATA;
		die("update_wall_time was not profiled");
	}
	return total / hits;
}

/*
 * The host's tick work: the time of one update_wall_time(), in the
 * function profiler, over @ns of a busy CPU. The median of ten windows:
 * under TCG the host sometimes takes a vCPU away in the middle of a call.
 */
static double tick_cost(int64_t ns)
{
	double w[10];
	int i, n = smoke ? 3 : 10;

	for (i = 0; i < n; i++)
		w[i] = tick_window(ns / n);
	qsort(w, n, sizeof(*w), cmp_double);
	return w[n / 2];
}

/* --- namespaces held open, with own clocks and armed timers ------------- */

/*
 * A holder: a process in a user namespace of its own which creates time
 * namespaces on request and keeps them, each held by an open nsfs file.
 * Every tenth (@own_every) gets an own clock whose NTP state is busy: a
 * PLL slew, or a leap second armed. Each gets @timers absolute timers on
 * its CLOCK_REALTIME, a day ahead.
 */
static int busy_own_clock(int fd, int i)
{
	struct timex tx = { .modes = ADJ_FREQUENCY, .freq = 10 << 16 };
	/*
	 * A child which shares the holder's files: a fork would copy, and
	 * its exit close, thousands of them.
	 */
	pid_t pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setns(fd, CLONE_NEWTIME) || adjtimex(&tx) < 0)
			_exit(1);
		if (i % 2) {
			tx.modes = ADJ_OFFSET | ADJ_STATUS | ADJ_NANO;
			tx.status = STA_PLL | STA_NANO;
			tx.offset = 400000000;
		} else {
			tx.modes = ADJ_STATUS;
			tx.status = STA_INS;
		}
		_exit(adjtimex(&tx) < 0);
	}
	return waitpid(pid, &status, 0) == pid && status == 0 ? 0 : -1;
}

static void holder_loop(int cmd, int done, int own_every, int timers)
{
	int have = 0, want, r = 0, fd, base = -1;

	/*
	 * unshare(CLONE_NEWTIME) copies the namespace for children, which
	 * is the last one created: each is created from @base, a following
	 * namespace, or every one after the first own clock would be an
	 * own clock too.
	 */
	if (tk_unshare(TK_NS_USER))
		r = -1;
	else
		base = open("/proc/self/ns/time_for_children", O_RDONLY);
	if (base < 0)
		r = -1;
	while (read(cmd, &want, sizeof(want)) == sizeof(want)) {
		for (; !r && have < want; have++) {
			if (setns(base, CLONE_NEWTIME) || unshare(CLONE_NEWTIME)) {
				r = -1;
				break;
			}
			fd = open("/proc/self/ns/time_for_children", O_RDONLY);
			if (fd < 0 || (own_every && have % own_every == 0 &&
				       busy_own_clock(fd, have / own_every)) ||
			    arm_timers(fd, timers))
				r = -1;
		}
		if (r)
			fprintf(stderr, "tk_bench: holder at %d: %s\n", have, strerror(errno));
		if (write(done, &r, sizeof(r)) != sizeof(r))
			break;
	}
	_exit(0);
}

static void start_holder(struct child *h, int own_every, int timers)
{
	int cmd, done;

	if (!spawn(h, &cmd, &done))
		holder_loop(cmd, done, own_every, timers);
}

/* Have the holder hold @n namespaces in all. */
static void holder_grow(struct child *h, int n)
{
	int r;

	if (write(h->cmd, &n, sizeof(n)) != sizeof(n) ||
	    read(h->done, &r, sizeof(r)) != sizeof(r) || r) {
		errno = EIO;
		die("creating namespaces");
	}
}

static void figure_tick(void)
{
	static const int full[] = { 0, 100, 1000, 10000 }, quick[] = { 0, 10, 100 };
	const int *counts = smoke ? quick : full;
	const int nr = smoke ? 3 : 4;
	int64_t span = smoke ? 30000000 : 5000000000;
	double cost[4][MAX_REPS], ratio[MAX_REPS];
	struct child h;
	char row[64];
	int c, r;

	heading("tick", "update_wall_time() with N namespaces, a tenth own and busy");
	if (!have_profiler()) {
		printf("  no function profiler in this kernel (CONFIG_FUNCTION_PROFILER)\n");
		return;
	}
	for (r = 0; r < reps; r++) {
		start_holder(&h, 10, 0);
		for (c = 0; c < nr; c++) {
			holder_grow(&h, counts[c]);
			cost[c][r] = tick_cost(span);
		}
		stop_child(&h);
	}
	for (c = 0; c < nr; c++) {
		snprintf(row, sizeof(row), "%d namespaces", counts[c]);
		report("tick", row, "ns per tick", cost[c], reps, "ns");
		for (r = 0; r < reps; r++)
			ratio[r] = cost[c][r] / cost[0][r];
		report("tick", row, "ratio to none", ratio, reps, "ratio");
	}
}

/*
 * clock_settime() in a namespace of its own with k armed timers, with
 * and without 1,000 other namespaces of 100 armed timers each; the
 * host's clock_settime() and tick, with and without them.
 */
static void figure_timers(void)
{
	static const int full_k[] = { 1, 100, 10000 }, quick_k[] = { 1, 10 };
	const int *ks = smoke ? quick_k : full_k;
	const int nr_k = smoke ? 2 : 3, others = smoke ? 10 : 1000;
	int64_t target = smoke ? 2000000 : 200000000;
	int64_t span = smoke ? 30000000 : 5000000000;
	double with[4][MAX_REPS], without[4][MAX_REPS], ratio[MAX_REPS];
	double tick_with[MAX_REPS], tick_without[MAX_REPS];
	bool tick = have_profiler();
	struct child w[4];
	struct child h;
	char row[64];
	long n[4];
	int i, r;

	heading("timers", "clock_settime() with k timers, alone and with others' timers");
	/* w[i] sets a namespace with ks[i] timers; w[nr_k] sets the host's clock */
	for (i = 0; i < nr_k; i++)
		start_worker(&w[i], K_FOLLOW, ks[i]);
	start_worker(&w[nr_k], K_HOST, 0);
	for (i = 0; i <= nr_k; i++)
		n[i] = calibrate(&w[i], OP_SYS_SETTIME, target);

	for (r = 0; r < reps; r++) {
		for (i = 0; i <= nr_k; i++)
			without[i][r] = time_op(&w[i], OP_SYS_SETTIME, n[i]) / (double)n[i];
		if (tick)
			tick_without[r] = tick_cost(span);
		start_holder(&h, 0, 100);
		holder_grow(&h, others);
		for (i = 0; i <= nr_k; i++)
			with[i][r] = time_op(&w[i], OP_SYS_SETTIME, n[i]) / (double)n[i];
		if (tick)
			tick_with[r] = tick_cost(span);
		stop_child(&h);
	}

	for (i = 0; i <= nr_k; i++) {
		if (i < nr_k)
			snprintf(row, sizeof(row), "namespace, k=%d", ks[i]);
		else
			snprintf(row, sizeof(row), "host");
		report("timers", row, "ns per set, alone", without[i], reps, "ns");
		report("timers", row, "ns per set, others", with[i], reps, "ns");
		for (r = 0; r < reps; r++)
			ratio[r] = with[i][r] / without[i][r];
		report("timers", row, "ratio others/alone", ratio, reps, "ratio");
	}
	for (i = 1; i < nr_k; i++) {
		snprintf(row, sizeof(row), "namespace, k=%d", ks[i]);
		for (r = 0; r < reps; r++)
			ratio[r] = without[i][r] / without[0][r];
		report("timers", row, "ratio to k=1", ratio, reps, "ratio");
	}
	if (tick) {
		for (r = 0; r < reps; r++)
			ratio[r] = tick_with[r] / tick_without[r];
		report("timers", "host tick", "ns per tick, alone", tick_without, reps, "ns");
		report("timers", "host tick", "ns per tick, others", tick_with, reps, "ns");
		report("timers", "host tick", "ratio others/alone", ratio, reps, "ratio");
	}
	for (i = 0; i <= nr_k; i++)
		stop_child(&w[i]);
}

static long mem_free_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f;

	/* What exited tasks and RCU still hold is freed by now */
	usleep(300000);
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Kernel memory per namespace: the memory that @count namespaces held
 * open take, following the host's clock, and half of them with an own
 * clock, which gives the cost of an own clock.
 */
static void figure_memory(void)
{
	const int count = smoke ? 100 : 10000;
	bool own_clocks = have_timens_clock();
	double follow[MAX_REPS], own[MAX_REPS];
	int r, m = reps < 3 ? reps : 3;
	struct child h;
	long before;

	heading("memory", "kernel memory per time namespace");
	for (r = 0; r < m; r++) {
		before = mem_free_kb();
		start_holder(&h, 0, 0);
		holder_grow(&h, count);
		follow[r] = (before - mem_free_kb()) * 1024.0 / count;
		stop_child(&h);
		if (!own_clocks)
			continue;

		before = mem_free_kb();
		start_holder(&h, 2, 0);
		holder_grow(&h, count);
		/* half follow, half own */
		own[r] = 2 * (before - mem_free_kb()) * 1024.0 / count - follow[r];
		stop_child(&h);
	}
	report("memory", "following namespace", "bytes", follow, m, "bytes");
	if (own_clocks)
		report("memory", "own clock", "bytes", own, m, "bytes");
}

static const char usage[] =
	"tk_bench [--smoke] [--reps N] [--out FILE] [--figure read|syscall|tick|timers|memory]";

static const struct {
	const char	*name;
	void		(*fn)(void);
} figures[] = {
	{ "read",	figure_read },
	{ "syscall",	figure_syscall },
	{ "tick",	figure_tick },
	{ "timers",	figure_timers },
	{ "memory",	figure_memory },
};

int main(int argc, char **argv)
{
	const char *only = NULL;
	unsigned int f;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--worker") && i + 2 < argc) {
			/* Started under libfaketime: its clock is ten years back */
			if (time(NULL) > raw_realtime() - 86400) {
				fprintf(stderr, "tk_bench: libfaketime is not in effect\n");
				_exit(126);
			}
			worker_loop(atoi(argv[i + 1]), atoi(argv[i + 2]));
		} else if (!strcmp(argv[i], "--smoke")) {
			smoke = true;
			reps = 3;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = fopen(argv[++i], "w");
			if (!out)
				die(argv[i]);
			/* Nothing buffered for a forked child to write again */
			setvbuf(out, NULL, _IOLBF, 0);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
			if (reps < 1 || reps > MAX_REPS) {
				errno = EINVAL;
				die("--reps");
			}
		} else if (!strcmp(argv[i], "--figure") && i + 1 < argc) {
			only = argv[++i];
		} else {
			fprintf(stderr, "usage: %s\n", usage);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(TRACING "/trace_stat", F_OK) &&
	    mount("nodev", TRACING, "tracefs", 0, NULL) &&
	    errno != ENODEV && errno != ENOENT)
		die("mount tracefs");
	/* 10,000 namespaces, where the default allows half a thread each */
	write_file("/proc/sys/user/max_time_namespaces", "100000");
	write_file("/proc/sys/user/max_user_namespaces", "100000");
	/* The holders inherit it, before their user namespace */
	more_files(120000);
	for (f = 0; f < ARRAY_SIZE(figures); f++) {
		int before = rows;

		if (only && strcmp(only, figures[f].name))
			continue;
		figures[f].fn();
		/* A figure that reports nothing is broken, not slow */
		if (rows == before && !(figures[f].fn == figure_tick && !have_profiler())) {
			fprintf(stderr, "tk_bench: %s reported nothing\n", figures[f].name);
			return 1;
		}
	}
	if (out)
		fclose(out);
	return 0;
}
