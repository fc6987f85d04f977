// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to every call that sets or steers CLOCK_REALTIME must get the
 * errno the host path defines for it, and must leave the clock alone.
 *
 * Run as root, in whatever time namespace the caller is in: the same
 * table holds for the host and, once a namespace owns its timekeeper, for
 * a namespace's clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "tkns.h"

#ifndef ADJ_SETOFFSET
#define ADJ_SETOFFSET	0x0100
#endif
#ifndef ADJ_NANO
#define ADJ_NANO	0x2000
#endif

/* KTIME_SEC_MAX on 64-bit */
#define KTIME_SEC_MAX	(LLONG_MAX / NSEC_PER_SEC)

struct settime_case {
	const char *name;
	clockid_t clock;
	struct timespec ts;
	int err;
};

static const struct settime_case settime_cases[] = {
	{ "REALTIME negative seconds", CLOCK_REALTIME, { -1, 0 }, EINVAL },
	{ "REALTIME tv_nsec = 1e9", CLOCK_REALTIME, { 1, 1000000000 }, EINVAL },
	{ "REALTIME tv_nsec < 0", CLOCK_REALTIME, { 1, -1 }, EINVAL },
	{ "REALTIME beyond KTIME_SEC_MAX", CLOCK_REALTIME, { KTIME_SEC_MAX + 1, 0 }, EINVAL },
	{ "REALTIME at KTIME_SEC_MAX", CLOCK_REALTIME, { KTIME_SEC_MAX, 0 }, EINVAL },
	{ "MONOTONIC is not settable", CLOCK_MONOTONIC, { 1000, 0 }, EINVAL },
	{ "BOOTTIME is not settable", CLOCK_BOOTTIME, { 1000, 0 }, EINVAL },
	{ "TAI is not settable", CLOCK_TAI, { 1000, 0 }, EINVAL },
	{ "REALTIME_COARSE is not settable", CLOCK_REALTIME_COARSE, { 1000, 0 }, EINVAL },
	{ "invalid clock id", 0x7fff, { 1000, 0 }, EINVAL },
};

static void check(bool ok, int64_t before, const char *what)
{
	bool still = realtime_unchanged_since(before);

	if (!ok)
		ksft_print_msg("%s: errno %d (%s)\n", what, errno, strerror(errno));
	if (!still)
		ksft_print_msg("%s: CLOCK_REALTIME moved\n", what);
	ksft_test_result(ok && still, "%s\n", what);
}

static int sys_adjtimex(struct timex *tx)
{
	return syscall(SYS_adjtimex, tx);
}

int main(void)
{
	struct timeval tv;
	struct timezone tz;
	struct timex tx;
	unsigned int i;
	int64_t before;
	int ret;

	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("needs root\n");
	ksft_set_plan(ARRAY_SIZE(settime_cases) + 11);

	for (i = 0; i < ARRAY_SIZE(settime_cases); i++) {
		const struct settime_case *c = &settime_cases[i];

		before = realtime_offset_ns();
		ret = syscall(SYS_clock_settime, c->clock, &c->ts);
		check(FAILS_WITH(ret, c->err), before, c->name);
	}

	before = realtime_offset_ns();
	ret = syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8);
	check(FAILS_WITH(ret, EFAULT), before, "clock_settime bad pointer: EFAULT");

	before = realtime_offset_ns();
	tv.tv_sec = 1000;
	tv.tv_usec = 1000000;
	ret = syscall(SYS_settimeofday, &tv, NULL);
	check(FAILS_WITH(ret, EINVAL), before, "settimeofday tv_usec = 1e6: EINVAL");

	before = realtime_offset_ns();
	tv.tv_usec = -1;
	ret = syscall(SYS_settimeofday, &tv, NULL);
	check(FAILS_WITH(ret, EINVAL), before, "settimeofday tv_usec < 0: EINVAL");

	before = realtime_offset_ns();
	tz.tz_minuteswest = 15 * 60 + 1;
	tz.tz_dsttime = 0;
	ret = syscall(SYS_settimeofday, NULL, &tz);
	check(FAILS_WITH(ret, EINVAL), before, "settimeofday timezone beyond 15h: EINVAL");

	before = realtime_offset_ns();
	ret = syscall(SYS_settimeofday, (void *)8, NULL);
	check(FAILS_WITH(ret, EFAULT), before, "settimeofday bad pointer: EFAULT");

	before = realtime_offset_ns();
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = 1;
	tx.time.tv_usec = 1000000000;
	ret = sys_adjtimex(&tx);
	check(FAILS_WITH(ret, EINVAL), before, "ADJ_SETOFFSET nsec = 1e9: EINVAL");

	before = realtime_offset_ns();
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = 1;
	tx.time.tv_usec = -1;
	ret = sys_adjtimex(&tx);
	check(FAILS_WITH(ret, EINVAL), before, "ADJ_SETOFFSET usec < 0: EINVAL");

	before = realtime_offset_ns();
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = -(1LL << 40);
	ret = sys_adjtimex(&tx);
	check(FAILS_WITH(ret, EINVAL), before, "ADJ_SETOFFSET before the epoch: EINVAL");

	before = realtime_offset_ns();
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TICK;
	tx.tick = 1;
	ret = sys_adjtimex(&tx);
	check(FAILS_WITH(ret, EINVAL), before, "ADJ_TICK out of range: EINVAL");

	before = realtime_offset_ns();
	memset(&tx, 0, sizeof(tx));
	ret = syscall(SYS_clock_adjtime, 0x7fff, &tx);
	check(FAILS_WITH(ret, EINVAL), before, "clock_adjtime invalid clock id: EINVAL");

	before = realtime_offset_ns();
	ret = syscall(SYS_adjtimex, (void *)8);
	check(FAILS_WITH(ret, EFAULT), before, "adjtimex bad pointer: EFAULT");

	ksft_finished();
}
