// SPDX-License-Identifier: GPL-2.0
/*
 * clock_ctl: read and change the clocks of the caller's time namespace,
 * for the shell tests that run real programs (chronyd) in one.
 *
 *   clock_ctl offset       print CLOCK_REALTIME - CLOCK_MONOTONIC_RAW (ns);
 *                          CLOCK_MONOTONIC_RAW, which no namespace steers,
 *                          is the common reference of host and namespaces
 *   clock_ctl step NS      step CLOCK_REALTIME by NS nanoseconds
 *   clock_ctl freq [PPM]   set the NTP frequency to PPM, or print it (ppm)
 *   clock_ctl lo-up        bring the loopback interface up
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "timens_tk.h"

int main(int argc, char **argv)
{
	struct timex tx = { 0 };

	if (argc == 2 && !strcmp(argv[1], "offset")) {
		printf("%lld\n", (long long)clock_offset_ns(CLOCK_REALTIME, 10, NULL));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "step")) {
		if (step_realtime(strtoll(argv[2], NULL, 0))) {
			perror("clock_ctl: step");
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "freq")) {
		tx.modes = ADJ_FREQUENCY;
		tx.freq = PPM(strtol(argv[2], NULL, 0));
		if (adjtimex(&tx) < 0) {
			perror("clock_ctl: adjtimex");
			return 1;
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "freq")) {
		if (adjtimex(&tx) < 0) {
			perror("clock_ctl: adjtimex");
			return 1;
		}
		printf("%.3f\n", tx.freq / 65536.0);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "lo-up")) {
		if (tk_lo_up()) {
			perror("clock_ctl: lo");
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: clock_ctl offset | step NS | freq [PPM] | lo-up\n");
	return 2;
}
