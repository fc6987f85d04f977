// SPDX-License-Identifier: GPL-2.0
/*
 * Print the state of the caller's clocks that a test inside another time
 * namespace must not change: CLOCK_REALTIME - CLOCK_MONOTONIC (ms), the
 * TAI offset, the timezone, and the NTP frequency, status and tick.
 *
 * Given such a line (as six arguments), compare the state with it
 * instead: exit 0 if it is the same, CLOCK_REALTIME to 50 ms
 * (TKNS_STEP_TOLERANCE_NS), else print both and exit 1.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <unistd.h>

#include "timens_tk.h"

#define FIELDS	6

static int read_state(long long st[FIELDS])
{
	struct timex tx = { 0 };
	struct timezone tz;
	struct timeval tv;

	if (adjtimex(&tx) < 0 || syscall(SYS_gettimeofday, &tv, &tz))
		return -1;
	st[0] = realtime_offset_ns() / 1000000;
	st[1] = tx.tai;
	st[2] = tz.tz_minuteswest;
	st[3] = tx.freq;
	st[4] = tx.status;
	st[5] = tx.tick;
	return 0;
}

static void print_state(FILE *f, const long long st[FIELDS])
{
	int i;

	for (i = 0; i < FIELDS; i++)
		fprintf(f, "%lld%c", st[i], i == FIELDS - 1 ? '\n' : ' ');
}

int main(int argc, char **argv)
{
	long long st[FIELDS], before[FIELDS], d;
	bool same = true;
	int i;

	if (read_state(st))
		return 1;
	if (argc == 1) {
		print_state(stdout, st);
		return 0;
	}
	if (argc != FIELDS + 1) {
		fprintf(stderr, "usage: host_clock_state [the %d fields it printed before]\n",
			FIELDS);
		return 2;
	}
	for (i = 0; i < FIELDS; i++)
		before[i] = strtoll(argv[i + 1], NULL, 0);
	d = st[0] - before[0];
	same = llabs(d) * 1000000 <= TKNS_STEP_TOLERANCE_NS;
	for (i = 1; i < FIELDS; i++)
		same = same && st[i] == before[i];
	printf("the clocks %s: before ", same ? "are unchanged" : "changed");
	print_state(stdout, before);
	printf("after ");
	print_state(stdout, st);
	return same ? 0 : 1;
}
