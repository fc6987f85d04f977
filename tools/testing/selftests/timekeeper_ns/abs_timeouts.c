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

#include "../kselftest.h"
#include "tkns.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

#define WAIT_NS		(200 * 1000 * 1000LL)

static const time_t settings[] = {
	1483228790,	/* 2016-12-31T23:59:50Z, the host's past */
	1893456000,	/* 2030-01-01T00:00:00Z, the host's future */
};

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
	(void)sig;
}

/* Run @wait and check it took about WAIT_NS of CLOCK_MONOTONIC. */
static int timed(const char *what, int (*wait)(void))
{
	int64_t start = clock_ns(CLOCK_MONOTONIC), took;
	int ret;

	alarm(3);	/* a late expiry is interrupted, and fails */
	ret = wait();
	alarm(0);
	took = clock_ns(CLOCK_MONOTONIC) - start;
	if (ret || took < WAIT_NS * 3 / 4 || took > 2 * NSEC_PER_SEC) {
		printf("# %s: returned %d, took %lld ms\n", what, ret,
		       (long long)(took / 1000000));
		return 1;
	}
	return 0;
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

static const struct {
	const char *name;
	int (*wait)(void);
} waits[] = {
	{ "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME)", nanosleep_realtime },
	{ "clock_nanosleep(CLOCK_TAI, TIMER_ABSTIME)", nanosleep_tai },
	{ "timerfd CLOCK_REALTIME TFD_TIMER_ABSTIME", timerfd_realtime },
	{ "sem_timedwait (FUTEX_CLOCK_REALTIME)", sem_realtime },
	{ "mq_timedreceive", mq_realtime },
};

/* In a new time namespace set to @when, run every wait; 0 if all passed. */
static int in_namespace(time_t when)
{
	struct timespec ts = { .tv_sec = when };
	int status, failed = 0;
	unsigned int i;
	pid_t pid;

	if (unshare(CLONE_NEWTIME))
		return -1;
	pid = fork();
	if (!pid) {
		if (clock_settime(CLOCK_REALTIME, &ts))
			_exit(100);
		for (i = 0; i < ARRAY_SIZE(waits); i++)
			failed |= timed(waits[i].name, waits[i].wait) << i;
		_exit(failed);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int i, j;
	int res;

	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("needs root\n");
	sigaction(SIGALRM, &sa, NULL);
	ksft_set_plan(ARRAY_SIZE(settings) * ARRAY_SIZE(waits));

	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		pid_t pid = fork();
		int status;

		/* unshare() in a child, so that each setting gets a new namespace */
		if (!pid)
			_exit(in_namespace(settings[i]) & 0xff);
		waitpid(pid, &status, 0);
		res = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		for (j = 0; j < ARRAY_SIZE(waits); j++)
			ksft_test_result(res >= 0 && res != 100 && !(res & (1 << j)),
					 "%s, namespace clock at %lld\n", waits[j].name,
					 (long long)settings[i]);
	}
	ksft_finished();
}
