// SPDX-License-Identifier: GPL-2.0
/*
 * Only CAP_SYS_TIME in the user namespace that owns a time namespace may
 * set or steer that namespace's clocks.  The host's clocks belong to the
 * initial user namespace: an unprivileged task, and a task that is
 * privileged only in a user namespace of its own, get EPERM from every
 * setter, while reading the NTP state stays allowed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"

#ifndef ADJ_SETOFFSET
#define ADJ_SETOFFSET	0x0100
#endif

/* @ret, just returned by a setter, is -1 with errno EPERM. */
#define EXPECT_EPERM(ret, what) do {						\
	long __ret = (ret);							\
	int __err = errno;							\
										\
	EXPECT_TRUE(__ret == -1 && __err == EPERM)				\
		TH_LOG("%s: returned %ld, errno %d (%s)", what, __ret, __err,	\
		       strerror(__err));					\
} while (0)

/* Every setter refused with EPERM, every reader allowed. */
static void try_setters(struct __test_metadata *_metadata)
{
	struct timezone tz = { .tz_minuteswest = 60 };
	struct timespec ts;
	struct timeval tv;
	struct timex tx;

	clock_gettime(CLOCK_REALTIME, &ts);
	tv.tv_sec = ts.tv_sec + 3600;
	tv.tv_usec = 0;
	ts.tv_sec += 3600;

	EXPECT_EPERM(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts), "clock_settime(REALTIME)");
	EXPECT_EPERM(syscall(SYS_settimeofday, &tv, NULL), "settimeofday(tv)");
	EXPECT_EPERM(syscall(SYS_settimeofday, NULL, &tz), "settimeofday(tz)");

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = 3600;
	EXPECT_EPERM(syscall(SYS_adjtimex, &tx), "adjtimex(ADJ_SETOFFSET)");

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 100 << 16;
	EXPECT_EPERM(syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx),
		     "clock_adjtime(REALTIME, ADJ_FREQUENCY)");

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TAI;
	tx.constant = 100;
	EXPECT_EPERM(syscall(SYS_adjtimex, &tx), "adjtimex(ADJ_TAI)");

	memset(&tx, 0, sizeof(tx));
	EXPECT_LE(0, syscall(SYS_adjtimex, &tx))
		TH_LOG("adjtimex(read): %s", strerror(errno));
}

static void unprivileged(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, drop_to_nobody()) TH_LOG("drop privileges: %s", strerror(errno));
	try_setters(_metadata);
}

static void own_userns(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, drop_to_nobody()) TH_LOG("drop privileges: %s", strerror(errno));
	ASSERT_EQ(0, unshare(CLONE_NEWUSER))
		TH_LOG("unshare(CLONE_NEWUSER) as nobody: %s", strerror(errno));
	try_setters(_metadata);
}

/*
 * Run @fn in a child, as nobody would be; the host's CLOCK_REALTIME must
 * stay where it was.
 */
static void check(struct __test_metadata *_metadata,
		  void (*fn)(struct __test_metadata *_metadata))
{
	int64_t before = realtime_offset_ns();

	tk_run_in_child(_metadata, fn);
	EXPECT_TRUE(realtime_unchanged_since(before)) TH_LOG("host CLOCK_REALTIME moved");
}

/* An unprivileged task, in the host's user and time namespaces */
TEST(nobody)
{
	if (geteuid())
		SKIP(return, "needs root");
	check(_metadata, unprivileged);
}

/* Privileged in a user namespace of its own, in the host's time namespace */
TEST(own_userns_host_timens)
{
	if (geteuid())
		SKIP(return, "needs root");
	check(_metadata, own_userns);
}

TEST_HARNESS_MAIN
