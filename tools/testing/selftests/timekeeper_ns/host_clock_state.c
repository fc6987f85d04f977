// SPDX-License-Identifier: GPL-2.0
/*
 * Print the state of the caller's clocks that a test inside another time
 * namespace must not change: CLOCK_REALTIME - CLOCK_MONOTONIC (ms), the
 * TAI offset, the timezone, and the NTP frequency, status and tick.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <unistd.h>

#include "timens_tk.h"

int main(void)
{
	struct timex tx = { 0 };
	struct timezone tz;
	struct timeval tv;

	if (adjtimex(&tx) < 0 || syscall(SYS_gettimeofday, &tv, &tz))
		return 1;
	printf("%lld %d %d %ld %d %ld\n", (long long)(realtime_offset_ns() / 1000000),
	       tx.tai, tz.tz_minuteswest, tx.freq, tx.status, tx.tick);
	return 0;
}
