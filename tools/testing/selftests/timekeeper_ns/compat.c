// SPDX-License-Identifier: GPL-2.0
/*
 * Compatibility: a time namespace owned by the initial user namespace
 * shares the host's clock, as upstream's time namespaces do, so that real
 * root in a plain time namespace (every Docker container has one) still
 * sets and steers the host's clock and may set the RTC. Its creator opts
 * in to a clock of its own by writing "local" to /proc/<pid>/timens_clock
 * before a task enters it. A time namespace owned by any other user
 * namespace has a clock of its own from its creation.
 *
 * The tests of the opt-in skip on a kernel without it (no
 * /proc/self/timens_clock): CONFIG_TIME_NS_TIMEKEEPER off. The others hold
 * on both kernels.
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
#include <sys/prctl.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"

#define TIMENS_OFFSETS	"/proc/self/timens_offsets"
/* How far the tests step CLOCK_REALTIME: 100 s */
#define STEP_NS		(100 * NSEC_PER_SEC)
/* Rounding allowance when comparing reads: 1 ms */
#define SLACK_NS	(1000 * 1000LL)

/* /proc/self/timens_clock reads @want. */
static void assert_mode(struct __test_metadata *_metadata, const char *want)
{
	char buf[32];

	ASSERT_LT(0, read_file(TIMENS_CLOCK, buf, sizeof(buf)))
		TH_LOG("%s: %s", TIMENS_CLOCK, strerror(errno));
	ASSERT_STREQ(want, buf);
}

/* Writing @s to /proc/self/timens_clock fails with @err. */
static void assert_write_fails(struct __test_metadata *_metadata, const char *s, int err)
{
	int ret = write_file(TIMENS_CLOCK, s), e = errno;

	ASSERT_EQ(-1, ret) TH_LOG("writing \"%s\" succeeded", s);
	ASSERT_EQ(err, e) TH_LOG("writing \"%s\": %s", s, strerror(e));
}

static int set_freq(long freq)
{
	struct timex tx = { .modes = ADJ_FREQUENCY, .freq = freq };

	return adjtimex(&tx);
}

/* The caller's clock runs at the frequency @freq. */
static void assert_freq(struct __test_metadata *_metadata, long freq)
{
	struct timex tx;

	ASSERT_LE(0, ntp_read(&tx));
	ASSERT_EQ(freq, tx.freq);
}

/* Wait for @pid: true if it exited with status 0. */
static bool exited_ok(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status);
}

/*
 * Step the caller's CLOCK_REALTIME 100 s ahead, and check that it reads
 * the time it was set to.
 */
static void step_and_read(struct __test_metadata *_metadata)
{
	int64_t m0, m1, want, got;

	m0 = clock_ns(CLOCK_MONOTONIC);
	want = clock_ns(CLOCK_REALTIME) + STEP_NS;
	ASSERT_EQ(0, step_realtime(STEP_NS)) TH_LOG("clock_settime: %s", strerror(errno));
	got = clock_ns(CLOCK_REALTIME);
	m1 = clock_ns(CLOCK_MONOTONIC);
	TH_LOG("set to %lld ns ahead, reads %+lld ns from that", (long long)STEP_NS,
	       (long long)(got - want));
	ASSERT_TRUE(got - want >= -SLACK_NS && got - want <= m1 - m0 + SLACK_NS);
}

/* RTC_SET_TIME of the time RTC_RD_TIME just read: returns its result. */
static int rtc_set_same(struct __test_metadata *_metadata)
{
	struct rtc_time tm;
	int fd, ret, err;

	fd = open("/dev/rtc0", O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("/dev/rtc0: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(fd, RTC_RD_TIME, &tm)) TH_LOG("RTC_RD_TIME: %s", strerror(errno));
	ret = ioctl(fd, RTC_SET_TIME, &tm);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static void reads_host(struct __test_metadata *_metadata)
{
	assert_mode(_metadata, "host\n");
}

static void reads_local(struct __test_metadata *_metadata)
{
	assert_mode(_metadata, "local\n");
}

static void rtc_set_works(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, rtc_set_same(_metadata)) TH_LOG("RTC_SET_TIME: %s", strerror(errno));
}

static void rtc_set_eacces(struct __test_metadata *_metadata)
{
	int ret = rtc_set_same(_metadata);

	ASSERT_TRUE(FAILS_WITH(ret, EACCES))
		TH_LOG("RTC_SET_TIME: %d (%s)", ret, strerror(errno));
}

static const char *skip_reason;

/*
 * Whether a test cannot run: not as root, without time namespaces, or,
 * for a test of the opt-in (@optin), without /proc/self/timens_clock.
 * skip_reason says why.
 */
static bool cannot_run(bool optin)
{
	skip_reason = tk_cannot_run();
	if (!skip_reason && optin && !have_timens_clock())
		skip_reason = "no " TIMENS_CLOCK;
	return skip_reason;
}

/* cannot_run(), or no /dev/rtc0 to test */
static bool cannot_run_rtc(bool optin)
{
	if (!cannot_run(optin) && access("/dev/rtc0", F_OK))
		skip_reason = "no /dev/rtc0";
	return skip_reason;
}

/* The host's clock, as a test found it */
struct host_clock {
	int64_t off;
	long freq;
};

static void host_save(struct __test_metadata *_metadata, struct host_clock *h)
{
	struct timex tx;

	ASSERT_LE(0, ntp_read(&tx));
	h->freq = tx.freq;
	h->off = realtime_offset_ns();
}

/*
 * Every test leaves the host's clock as it found it: a test which moved
 * it fails, and its clock and frequency are put back.
 */
static void host_check(struct __test_metadata *_metadata, const struct host_clock *h)
{
	int64_t moved = realtime_offset_ns() - h->off;
	struct timex tx;

	EXPECT_GT(TKNS_STEP_TOLERANCE_NS, llabs(moved))
		TH_LOG("the host's CLOCK_REALTIME was left moved: putting it back");
	if (llabs(moved) >= TKNS_STEP_TOLERANCE_NS)
		step_realtime(-moved);
	EXPECT_LE(0, ntp_read(&tx));
	EXPECT_EQ(h->freq, tx.freq)
		TH_LOG("the host's frequency was left changed: putting it back");
	if (tx.freq != h->freq)
		set_freq(h->freq);
}

/*
 * Run @fn in a child in a new time namespace created as @how says; the
 * host's clock must be left as it was (host_check()).
 */
static void run_checked(struct __test_metadata *_metadata, enum tk_ns how,
			void (*fn)(struct __test_metadata *_metadata))
{
	struct host_clock h;

	host_save(_metadata, &h);
	tk_run_in_ns(_metadata, how, fn);
	host_check(_metadata, &h);
}

/* What a child in a new time namespace did to the host's CLOCK_REALTIME */
struct host_step {
	struct host_clock host;	/* as host_save() found it */
	int64_t before;		/* REALTIME - MONOTONIC before the child ran */
	int64_t moved;		/* how far that moved while the child ran */
	int restored;		/* stepping it back: 0, or -1 with errno */
};

/*
 * Run @fn in a child in a new time namespace created as @how says, step
 * the host's CLOCK_REALTIME back if it moved by TKNS_STEP_TOLERANCE_NS or
 * more, and only then assert that the child passed. The caller asserts
 * how far the clock moved, and calls host_check() on s->host.
 */
static void step_in_ns(struct __test_metadata *_metadata, enum tk_ns how,
		       void (*fn)(struct __test_metadata *_metadata), struct host_step *s)
{
	bool ok;
	pid_t pid;

	host_save(_metadata, &s->host);
	s->restored = 0;
	s->before = realtime_offset_ns();
	pid = tk_ns_fork(_metadata, how);
	if (!pid) {
		fn(_metadata);
		_exit(_metadata->exit_code);
	}
	ok = exited_ok(pid);
	s->moved = realtime_offset_ns() - s->before;
	if (llabs(s->moved) >= TKNS_STEP_TOLERANCE_NS)
		s->restored = step_realtime(-s->moved);
	TH_LOG("the host's REALTIME - MONOTONIC moved by %lld ns", (long long)s->moved);

	ASSERT_TRUE(ok) TH_LOG("the child in the namespace failed");
}

/*
 * Fork into a new time namespace created as @how says, in which the child
 * steers the frequency 100 ppm away from the host's: as tk_ns_fork(), 0
 * in the child, which did so, and its pid in the caller. *@host gets the
 * host's NTP state, *@freq the frequency the child sets.
 */
static pid_t fork_steer(struct __test_metadata *_metadata, enum tk_ns how,
			struct timex *host, long *freq)
{
	pid_t pid;

	ASSERT_LE(0, ntp_read(host));
	*freq = host->freq > 0 ? host->freq - PPM(100) : host->freq + PPM(100);
	pid = tk_ns_fork(_metadata, how);
	if (pid)
		return pid;
	ASSERT_LE(0, set_freq(*freq)) TH_LOG("ADJ_FREQUENCY: %s", strerror(errno));
	return 0;
}

/*
 * Real root's plain time namespace reads "host", as does the initial
 * time namespace.
 */
TEST(plain_reads_host)
{
	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	reads_host(_metadata);
	run_checked(_metadata, TK_NS_PLAIN, reads_host);
}

/*
 * clock_settime() by real root in a plain time namespace steps the
 * host's clock, as upstream. The test puts it back.
 */
TEST(plain_settime_steps_host)
{
	struct host_step s;

	if (cannot_run(false))
		SKIP(return, "%s", skip_reason);
	step_in_ns(_metadata, TK_NS_PLAIN, step_and_read, &s);
	ASSERT_GT(TKNS_STEP_TOLERANCE_NS, llabs(s.moved - STEP_NS));
	ASSERT_EQ(0, s.restored) TH_LOG("clock_settime: %s", strerror(errno));
	ASSERT_TRUE(realtime_unchanged_since(s.before));
	host_check(_metadata, &s.host);
}

/*
 * adjtimex(ADJ_FREQUENCY) by real root in a plain time namespace steers
 * the host's clock, as upstream. The test puts the frequency back.
 */
TEST(plain_adjtimex_steers_host)
{
	struct host_clock h;
	struct timex host, after;
	int restored;
	long freq;
	bool ok;
	pid_t pid;

	if (cannot_run(false))
		SKIP(return, "%s", skip_reason);
	host_save(_metadata, &h);
	pid = fork_steer(_metadata, TK_NS_PLAIN, &host, &freq);
	if (!pid)
		_exit(_metadata->exit_code);
	ok = exited_ok(pid);
	ASSERT_LE(0, ntp_read(&after));
	restored = set_freq(host.freq);

	ASSERT_TRUE(ok) TH_LOG("the child in the namespace failed");
	TH_LOG("host frequency %ld, set %ld in the namespace, then %ld on the host",
	       host.freq, freq, after.freq);
	ASSERT_EQ(freq, after.freq);
	ASSERT_LE(0, restored) TH_LOG("ADJ_FREQUENCY: %s", strerror(errno));
	assert_freq(_metadata, host.freq);
	host_check(_metadata, &h);
}

/* RTC_SET_TIME by real root in a plain time namespace works, as upstream. */
TEST(plain_rtc_set_time)
{
	if (cannot_run_rtc(false))
		SKIP(return, "%s", skip_reason);
	run_checked(_metadata, TK_NS_PLAIN, rtc_set_works);
}

/*
 * Opted in: the namespace reads "local", and clock_settime() by real
 * root in it steps only its clock.
 */
static void local_step_and_read(struct __test_metadata *_metadata)
{
	reads_local(_metadata);
	step_and_read(_metadata);
}

TEST(optin_settime_local)
{
	struct host_step s;

	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	step_in_ns(_metadata, TK_NS_OPTIN, local_step_and_read, &s);
	ASSERT_GT(TKNS_STEP_TOLERANCE_NS, llabs(s.moved));
	ASSERT_EQ(0, s.restored);
	host_check(_metadata, &s.host);
}

/* Opted in: adjtimex(ADJ_FREQUENCY) steers only the namespace's clock. */
TEST(optin_adjtimex_local)
{
	struct host_clock h;
	struct timex host;
	long freq;
	pid_t pid;

	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	host_save(_metadata, &h);
	pid = fork_steer(_metadata, TK_NS_OPTIN, &host, &freq);
	if (!pid) {
		assert_freq(_metadata, freq);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
	assert_freq(_metadata, host.freq);
	host_check(_metadata, &h);
}

/* Opted in: RTC_SET_TIME is refused with EACCES. */
TEST(optin_rtc_set_time_eacces)
{
	if (cannot_run_rtc(true))
		SKIP(return, "%s", skip_reason);
	run_checked(_metadata, TK_NS_OPTIN, rtc_set_eacces);
}

/*
 * A plain time namespace created from an opted-in one reads "local" from
 * its creation, and real root there does not step the host's clock.
 */
static void nested_local(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("unshare: %s", strerror(errno));
	reads_local(_metadata);
	tk_run_in_child(_metadata, step_and_read);
}

TEST(optin_nested_local)
{
	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	run_checked(_metadata, TK_NS_OPTIN, nested_local);
}

/*
 * A time namespace owned by a user namespace of its own reads "local"
 * from its creation; writing "local" again is allowed.
 */
static void userns_local(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, tk_unshare(TK_NS_USER)) TH_LOG("unshare: %s", strerror(errno));
	reads_local(_metadata);
	ASSERT_EQ(0, write_file(TIMENS_CLOCK, "local\n"))
		TH_LOG("writing \"local\": %s", strerror(errno));
	reads_local(_metadata);
	tk_run_in_child(_metadata, step_and_read);
}

TEST(userns_reads_local)
{
	struct host_clock h;

	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	host_save(_metadata, &h);
	tk_run_in_child(_metadata, userns_local);
	host_check(_metadata, &h);
}

/*
 * Opted in, the namespace keeps the monotonic offset written to
 * /proc/self/timens_offsets, in upstream's format.
 */
TEST(optin_keeps_offsets)
{
	struct host_clock h;
	int64_t mono, d;
	pid_t pid, child;

	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	host_save(_metadata, &h);
	mono = clock_ns(CLOCK_MONOTONIC);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("unshare: %s", strerror(errno));
		ASSERT_EQ(0, write_file(TIMENS_CLOCK, "local"))
			TH_LOG("writing \"local\": %s", strerror(errno));
		ASSERT_EQ(0, write_file(TIMENS_OFFSETS, "monotonic 3600 0\n"))
			TH_LOG("timens_offsets: %s", strerror(errno));
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			reads_local(_metadata);
			d = clock_ns(CLOCK_MONOTONIC) - mono;
			TH_LOG("CLOCK_MONOTONIC %lld ns ahead of the host's",
			       (long long)d);
			ASSERT_LE(3600 * NSEC_PER_SEC, d);
			ASSERT_GT(3610 * NSEC_PER_SEC, d);
			_exit(_metadata->exit_code);
		}
		tk_wait_ok(_metadata, child);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
	host_check(_metadata, &h);
}

/*
 * The errors of /proc/self/timens_clock, each tested in a child which
 * unshares as it needs, leaving the test process in the initial time
 * namespace.
 */

/* In a child, which unshare()s a time namespace, run @fn. */
static void in_new_timens(struct __test_metadata *_metadata,
			  void (*fn)(struct __test_metadata *_metadata))
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("unshare: %s", strerror(errno));
		fn(_metadata);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
}

/* The initial time namespace is the host's: EACCES. */
TEST(initial_ns_eacces)
{
	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	reads_host(_metadata);
	assert_write_fails(_metadata, "local", EACCES);
	reads_host(_metadata);
}

/* After a task entered the namespace, its clock is frozen: EACCES. */
static void frozen(struct __test_metadata *_metadata)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	tk_wait_ok(_metadata, pid);
	assert_write_fails(_metadata, "local", EACCES);
	reads_host(_metadata);
}

TEST(after_enter_eacces)
{
	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	in_new_timens(_metadata, frozen);
}

/* Anything but "local", with or without a newline, is EINVAL. */
static void garbage(struct __test_metadata *_metadata)
{
	static const char * const bad[] = {
		"garbage", "host", "host\n", "locale", "loca", "LOCAL", "local\nlocal\n",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_write_fails(_metadata, bad[i], EINVAL);
	reads_host(_metadata);
	ASSERT_EQ(0, write_file(TIMENS_CLOCK, "local\n"))
		TH_LOG("writing \"local\\n\": %s", strerror(errno));
	reads_local(_metadata);
	/* Local is local: writing it again is allowed, there is no way back. */
	ASSERT_EQ(0, write_file(TIMENS_CLOCK, "local"))
		TH_LOG("writing \"local\" again: %s", strerror(errno));
	assert_write_fails(_metadata, "host", EINVAL);
	reads_local(_metadata);
}

TEST(garbage_einval)
{
	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	in_new_timens(_metadata, garbage);
}

/* Without CAP_SYS_TIME: nobody, whose /proc/self it owns, gets EPERM. */
static void nobody(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, drop_to_nobody()) TH_LOG("drop privileges: %s", strerror(errno));
	/* Make /proc/self/ nobody's, so that the file opens for writing. */
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	assert_write_fails(_metadata, "local", EPERM);
	reads_host(_metadata);
}

TEST(nobody_eperm)
{
	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	in_new_timens(_metadata, nobody);
}

/*
 * Without CAP_SYS_TIME in the user namespace which owns the time
 * namespace: root in a user namespace created after it gets EPERM.
 */
static void userns_nonowner(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, unshare(CLONE_NEWUSER)) TH_LOG("unshare: %s", strerror(errno));
	ASSERT_EQ(0, write_file("/proc/self/uid_map", "0 0 1"));
	ASSERT_EQ(0, write_file("/proc/self/setgroups", "deny"));
	ASSERT_EQ(0, write_file("/proc/self/gid_map", "0 0 1"));
	assert_write_fails(_metadata, "local", EPERM);
	reads_host(_metadata);
}

TEST(userns_nonowner_eperm)
{
	if (cannot_run(true))
		SKIP(return, "%s", skip_reason);
	in_new_timens(_metadata, userns_nonowner);
}

/*
 * /proc/self/timens_offsets keeps upstream's format: a line for
 * CLOCK_REALTIME, by name or by id, is EINVAL (LTP's timens01). It holds
 * on both kernels.
 */
static void offsets_realtime(struct __test_metadata *_metadata)
{
	static const char * const bad[] = { "realtime 10 0\n", "0 10 0\n", "tai 10 0\n" };
	unsigned int i;
	int ret, e;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = write_file(TIMENS_OFFSETS, bad[i]);
		e = errno;
		ASSERT_EQ(-1, ret) TH_LOG("writing \"%s\" succeeded", bad[i]);
		ASSERT_EQ(EINVAL, e) TH_LOG("writing \"%s\": %s", bad[i], strerror(e));
	}
	ASSERT_EQ(0, write_file(TIMENS_OFFSETS, "monotonic 10 0\n"))
		TH_LOG("timens_offsets: %s", strerror(errno));
}

TEST(offsets_realtime_einval)
{
	if (cannot_run(false))
		SKIP(return, "%s", skip_reason);
	in_new_timens(_metadata, offsets_realtime);
}

TEST_HARNESS_MAIN
