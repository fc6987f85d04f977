/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the timekeeper_ns selftests.
 */
#ifndef TKNS_H
#define TKNS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC	1000000000LL

static inline int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static inline int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	return ts_ns(&ts);
}

/*
 * The distance between CLOCK_REALTIME and CLOCK_MONOTONIC: it stays put
 * unless somebody steps the realtime clock (or slews it, by far less than
 * the tolerance the tests use).
 */
static inline int64_t realtime_offset_ns(void)
{
	int64_t mono = clock_ns(CLOCK_MONOTONIC);
	int64_t real = clock_ns(CLOCK_REALTIME);
	int64_t mono2 = clock_ns(CLOCK_MONOTONIC);

	return real - (mono + (mono2 - mono) / 2);
}

/*
 * @clk minus CLOCK_MONOTONIC_RAW, precisely: of @tries reads of @clk, each
 * bracketed by two reads of CLOCK_MONOTONIC_RAW, the one with the
 * narrowest bracket, so that a preemption in one try does not spoil the
 * pairing. *@mono, unless NULL, gets the midpoint of that bracket.
 * CLOCK_MONOTONIC_RAW is the oscillator: no adjtimex() in any namespace
 * changes its rate, and none can step it.
 */
static inline int64_t clock_offset_ns(clockid_t clk, int tries, int64_t *mono)
{
	int64_t width = INT64_MAX, off = 0, mid = 0, m1, c, m2;

	while (tries-- > 0) {
		m1 = clock_ns(CLOCK_MONOTONIC_RAW);
		c = clock_ns(clk);
		m2 = clock_ns(CLOCK_MONOTONIC_RAW);
		if (m2 - m1 >= width)
			continue;
		width = m2 - m1;
		mid = m1 + width / 2;
		off = c - mid;
	}
	if (mono)
		*mono = mid;
	return off;
}

/* Allowed drift of realtime_offset_ns() across a test step: 50 ms. */
#define TKNS_STEP_TOLERANCE_NS	(50 * 1000 * 1000LL)

static inline bool realtime_unchanged_since(int64_t before)
{
	int64_t d = realtime_offset_ns() - before;

	return d > -TKNS_STEP_TOLERANCE_NS && d < TKNS_STEP_TOLERANCE_NS;
}

/* Run a call that must fail: true when it returned -1 with errno @want. */
#define FAILS_WITH(call, want)	((call) == -1 && errno == (want))

#endif /* TKNS_H */
