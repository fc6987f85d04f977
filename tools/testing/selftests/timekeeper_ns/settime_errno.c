// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to every call that sets or steers CLOCK_REALTIME must get the
 * errno the host path defines for it, and must leave the clock alone.
 *
 * Run as root, in whatever time namespace the caller is in: the same
 * table holds for the host and, in a namespace with a clock of its own
 * (in_timens.sh runs it in one), for the namespace's clock.
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

#include "../kselftest_harness.h"
#include "timens_tk.h"

#ifndef ADJ_NANO
#define ADJ_NANO	0x2000
#endif

/* KTIME_SEC_MAX on 64-bit */
#define KTIME_SEC_MAX	(LLONG_MAX / NSEC_PER_SEC)

/*
 * A call which returned @ret, having been made when realtime_offset_ns()
 * was @before, must have failed with @err and left CLOCK_REALTIME alone.
 */
static void check_fails(struct __test_metadata *_metadata, long ret, int err, int64_t before)
{
	int e = errno;

	EXPECT_EQ(-1, ret);
	EXPECT_EQ(err, e) TH_LOG("errno %d (%s)", e, strerror(e));
	EXPECT_TRUE(realtime_unchanged_since(before)) TH_LOG("CLOCK_REALTIME moved");
}

static int sys_adjtimex(struct timex *tx)
{
	return syscall(SYS_adjtimex, tx);
}

FIXTURE(settime) {};

FIXTURE_VARIANT(settime) {
	clockid_t clock;
	struct timespec ts;
	int err;
};

FIXTURE_SETUP(settime)
{
	if (geteuid())
		SKIP(return, "needs root");
}

FIXTURE_TEARDOWN(settime) {}

FIXTURE_VARIANT_ADD(settime, realtime_negative_seconds) {
	CLOCK_REALTIME, { -1, 0 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, realtime_nsec_1e9) {
	CLOCK_REALTIME, { 1, 1000000000 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, realtime_nsec_negative) {
	CLOCK_REALTIME, { 1, -1 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, realtime_beyond_ktime_sec_max) {
	CLOCK_REALTIME, { KTIME_SEC_MAX + 1, 0 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, realtime_at_ktime_sec_max) {
	CLOCK_REALTIME, { KTIME_SEC_MAX, 0 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, monotonic_not_settable) {
	CLOCK_MONOTONIC, { 1000, 0 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, boottime_not_settable) {
	CLOCK_BOOTTIME, { 1000, 0 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, tai_not_settable) {
	CLOCK_TAI, { 1000, 0 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, realtime_coarse_not_settable) {
	CLOCK_REALTIME_COARSE, { 1000, 0 }, EINVAL
};

FIXTURE_VARIANT_ADD(settime, invalid_clock_id) {
	0x7fff, { 1000, 0 }, EINVAL
};

/* clock_settime() of a bad value or a clock which cannot be set */
TEST_F(settime, clock_settime)
{
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_clock_settime, variant->clock, &variant->ts),
		    variant->err, before);
}

/*
 * The calls below, each with one bad argument; as root, so that the
 * argument, not the permission, is what fails them.
 */
FIXTURE(bad_input) {};

FIXTURE_SETUP(bad_input)
{
	if (geteuid())
		SKIP(return, "needs root");
}

FIXTURE_TEARDOWN(bad_input) {}

TEST_F(bad_input, clock_settime_bad_pointer_efault)
{
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8), EFAULT,
		    before);
}

TEST_F(bad_input, settimeofday_usec_1e6_einval)
{
	struct timeval tv = { .tv_sec = 1000, .tv_usec = 1000000 };
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_settimeofday, &tv, NULL), EINVAL, before);
}

TEST_F(bad_input, settimeofday_usec_negative_einval)
{
	struct timeval tv = { .tv_sec = 1000, .tv_usec = -1 };
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_settimeofday, &tv, NULL), EINVAL, before);
}

TEST_F(bad_input, settimeofday_timezone_beyond_15h_einval)
{
	struct timezone tz = { .tz_minuteswest = 15 * 60 + 1, .tz_dsttime = 0 };
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_settimeofday, NULL, &tz), EINVAL, before);
}

TEST_F(bad_input, settimeofday_bad_pointer_efault)
{
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_settimeofday, (void *)8, NULL), EFAULT, before);
}

TEST_F(bad_input, adj_setoffset_nsec_1e9_einval)
{
	struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
	int64_t before = realtime_offset_ns();

	tx.time.tv_sec = 1;
	tx.time.tv_usec = 1000000000;
	check_fails(_metadata, sys_adjtimex(&tx), EINVAL, before);
}

TEST_F(bad_input, adj_setoffset_usec_negative_einval)
{
	struct timex tx = { .modes = ADJ_SETOFFSET };
	int64_t before = realtime_offset_ns();

	tx.time.tv_sec = 1;
	tx.time.tv_usec = -1;
	check_fails(_metadata, sys_adjtimex(&tx), EINVAL, before);
}

TEST_F(bad_input, adj_setoffset_before_the_epoch_einval)
{
	struct timex tx = { .modes = ADJ_SETOFFSET };
	int64_t before = realtime_offset_ns();

	tx.time.tv_sec = -(1LL << 40);
	check_fails(_metadata, sys_adjtimex(&tx), EINVAL, before);
}

TEST_F(bad_input, adj_tick_out_of_range_einval)
{
	struct timex tx = { .modes = ADJ_TICK, .tick = 1 };
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, sys_adjtimex(&tx), EINVAL, before);
}

TEST_F(bad_input, clock_adjtime_invalid_clock_id_einval)
{
	struct timex tx = {};
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_clock_adjtime, 0x7fff, &tx), EINVAL, before);
}

TEST_F(bad_input, adjtimex_bad_pointer_efault)
{
	int64_t before = realtime_offset_ns();

	check_fails(_metadata, syscall(SYS_adjtimex, (void *)8), EFAULT, before);
}

TEST_HARNESS_MAIN
