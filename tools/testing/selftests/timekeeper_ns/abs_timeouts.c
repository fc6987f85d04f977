// SPDX-License-Identifier: GPL-2.0
/*
 * Absolute CLOCK_REALTIME and CLOCK_TAI timeouts given in a time namespace
 * whose clock was set must expire when the namespace's clock reaches them:
 * neither at once (clock set to the past of the host) nor years late
 * (clock set to the future). Each wait is for 200 ms of namespace time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"

#define WAIT_NS		(200 * 1000 * 1000LL)

static struct timespec deadline(clockid_t clk)
{
	struct timespec ts;
	int64_t t;

	clock_gettime(clk, &ts);
	t = ts_ns(&ts) + WAIT_NS;
	ts.tv_sec = t / NSEC_PER_SEC;
	ts.tv_nsec = t % NSEC_PER_SEC;
	return ts;
}

static void on_alarm(int sig)
{
}

static int nanosleep_realtime(void)
{
	struct timespec ts = deadline(CLOCK_REALTIME);

	return clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
}

static int nanosleep_tai(void)
{
	struct timespec ts = deadline(CLOCK_TAI);

	return clock_nanosleep(CLOCK_TAI, TIMER_ABSTIME, &ts, NULL);
}

static int timerfd_realtime(void)
{
	struct itimerspec its = { .it_value = deadline(CLOCK_REALTIME) };
	uint64_t ticks;
	int fd = timerfd_create(CLOCK_REALTIME, 0), ret;

	if (fd < 0 || timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL))
		return -1;
	ret = read(fd, &ticks, sizeof(ticks)) == sizeof(ticks) ? 0 : -1;
	close(fd);
	return ret;
}

static int sem_realtime(void)
{
	struct timespec ts = deadline(CLOCK_REALTIME);
	sem_t sem;

	sem_init(&sem, 0, 0);
	return sem_timedwait(&sem, &ts) == -1 && errno == ETIMEDOUT ? 0 : -1;
}

static int mq_realtime(void)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 8 };
	struct timespec ts = deadline(CLOCK_REALTIME);
	char name[32], buf[8];
	mqd_t q;
	int ret;

	snprintf(name, sizeof(name), "/tkns-%d", getpid());
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1)
		return -1;
	mq_unlink(name);
	ret = mq_timedreceive(q, buf, sizeof(buf), NULL, &ts) == -1 &&
	      errno == ETIMEDOUT ? 0 : -1;
	mq_close(q);
	return ret;
}

/* The namespace's clock is set to @when. */
FIXTURE(abs_timeout) {};

FIXTURE_VARIANT(abs_timeout) {
	time_t when;
	enum tk_ns how;
};

/* 2016-12-31T23:59:50Z, the host's past, in a user+time namespace */
FIXTURE_VARIANT_ADD(abs_timeout, past) {
	.when = 1483228790,
	.how = TK_NS_USER,
};

/* 2030-01-01T00:00:00Z, the host's future, in an opted-in namespace */
FIXTURE_VARIANT_ADD(abs_timeout, future) {
	.when = 1893456000,
	.how = TK_NS_OPTIN,
};

FIXTURE_SETUP(abs_timeout)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
}

FIXTURE_TEARDOWN(abs_timeout) {}

/*
 * In a new time namespace, created as @how says, set to @when, run @fn
 * and check that it took about WAIT_NS of CLOCK_MONOTONIC, and that the
 * host's clock is not the one which was set. The child does not ASSERT:
 * in a TEST_F() that could run the teardown in the child.
 */
static void timed(struct __test_metadata *_metadata, enum tk_ns how, time_t when,
		  int (*fn)(void))
{
	struct timespec ts = { .tv_sec = when };
	int64_t start, took, host_off;
	pid_t pid;
	int ret;

	host_off = realtime_offset_ns();
	pid = tk_ns_fork(_metadata, how);
	if (!pid) {
		if (clock_settime(CLOCK_REALTIME, &ts)) {
			TH_LOG("clock_settime: %s", strerror(errno));
			_exit(1);
		}
		start = clock_ns(CLOCK_MONOTONIC);
		alarm(3);	/* a late expiry is interrupted, and fails */
		ret = fn();
		alarm(0);
		took = clock_ns(CLOCK_MONOTONIC) - start;
		TH_LOG("returned %d, took %lld ms", ret, (long long)(took / 1000000));
		EXPECT_EQ(0, ret);
		EXPECT_LE(WAIT_NS * 3 / 4, took);
		EXPECT_GE(2 * NSEC_PER_SEC, took);
		_exit(_metadata->exit_code);
	}
	tk_wait_ok(_metadata, pid);
	EXPECT_TRUE(realtime_unchanged_since(host_off)) TH_LOG("host CLOCK_REALTIME moved");
}

/* clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME) */
TEST_F(abs_timeout, clock_nanosleep_realtime)
{
	timed(_metadata, variant->how, variant->when, nanosleep_realtime);
}

/* clock_nanosleep(CLOCK_TAI, TIMER_ABSTIME) */
TEST_F(abs_timeout, clock_nanosleep_tai)
{
	timed(_metadata, variant->how, variant->when, nanosleep_tai);
}

/* timerfd CLOCK_REALTIME TFD_TIMER_ABSTIME */
TEST_F(abs_timeout, timerfd_realtime)
{
	timed(_metadata, variant->how, variant->when, timerfd_realtime);
}

/* sem_timedwait (FUTEX_CLOCK_REALTIME) */
TEST_F(abs_timeout, sem_timedwait)
{
	timed(_metadata, variant->how, variant->when, sem_realtime);
}

/* mq_timedreceive */
TEST_F(abs_timeout, mq_timedreceive)
{
	timed(_metadata, variant->how, variant->when, mq_realtime);
}

TEST_HARNESS_MAIN
