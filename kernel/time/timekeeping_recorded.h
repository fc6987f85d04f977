/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recorded run of the host timekeeping arithmetic, to check that the
 * timekeeper and NTP code which takes its instance as a parameter computes
 * exactly what the unmodified code computed.
 *
 * tk_rec_steps[] is a program of clocksource advances, adjtimex() calls and
 * settimeofday() calls on a timekeeper running on a clocksource which only
 * the program moves. harness/record-timekeeping runs it on the unmodified
 * base kernel, against the host timekeeper (update_wall_time(),
 * do_adjtimex(), do_settimeofday64()), and writes what the clock read and
 * what adjtimex() reported after each step into
 * timekeeping_recorded_data.h. The KUnit suite timekeeper_ns_recorded
 * replays the program on a tk_data instance with the same clocksource
 * (tk_data_advance(), tk_data_adjtimex(), tk_data_settimeofday()) and
 * expects the same results to the nanosecond.
 */
#ifndef _TIMEKEEPING_RECORDED_H
#define _TIMEKEEPING_RECORDED_H

#include <linux/clocksource.h>
#include <linux/timex.h>

/*
 * A 24 MHz counter: a tick (4 ms at HZ=250) is 96000 cycles, and a cycle
 * is not a whole number of nanoseconds, so the NTP error feedback works.
 */
#define TK_REC_HZ	24000000ULL
#define TK_REC_MULT	699050667U
#define TK_REC_SHIFT	24
#define TK_REC_MASK	CLOCKSOURCE_MASK(56)
#define TK_REC_SEC	TK_REC_HZ

/* 2016-12-31T23:58:20Z: a leap second comes 100 seconds later. */
#define TK_REC_START	1483228700LL

enum tk_rec_op {
	TK_REC_ADVANCE,		/* move the counter by @cycles and advance */
	TK_REC_ADJTIMEX,	/* adjtimex() with @txc */
	TK_REC_SETTIME,		/* settimeofday() to @sec */
};

struct tk_rec_step {
	enum tk_rec_op		op;
	u64			cycles;
	time64_t		sec;
	struct __kernel_timex	txc;
};

/* What was read after a step. */
struct tk_rec_result {
	int		ret;
	time64_t	sec;
	long		nsec;
	long long	freq;
	long long	offset;
	long long	maxerror;
	long long	esterror;
	int		status;
	int		tai;
	long long	tick;
};

#define ADV(c)		{ .op = TK_REC_ADVANCE, .cycles = (c) }
#define ADJ(...)	{ .op = TK_REC_ADJTIMEX, .txc = { __VA_ARGS__ } }
#define SET(s)		{ .op = TK_REC_SETTIME, .sec = (s) }

static const struct tk_rec_step tk_rec_steps[] = {
	/*
	 * A known time and NTP state: no frequency offset, TAI offset 36,
	 * and PLL mode switched on at TK_REC_START, its reference time.
	 */
	SET(TK_REC_START),
	ADJ(.modes = ADJ_FREQUENCY | ADJ_TICK | ADJ_TIMECONST | ADJ_ESTERROR,
	    .freq = 0, .tick = 10000, .constant = 2, .esterror = 0),
	ADJ(.modes = ADJ_TAI, .constant = 36),
	ADJ(.modes = ADJ_STATUS, .status = 0),
	ADJ(.modes = ADJ_STATUS | ADJ_MAXERROR, .status = STA_PLL, .maxerror = 0),
	/* Ticks, parts of ticks, seconds */
	ADV(96000), ADV(96000), ADV(50000), ADV(142000), ADV(TK_REC_SEC),
	/* Idle seconds accumulated at once */
	ADV(10 * TK_REC_SEC), ADV(TK_REC_SEC / 3), ADV(7 * TK_REC_SEC + 12345),
	/* A frequency offset, applied immediately */
	ADJ(.modes = ADJ_FREQUENCY, .freq = 12 << 16 | 0x8000),
	ADV(96000), ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(3 * TK_REC_SEC + 777),
	/* A PLL offset, slewed away second by second */
	ADJ(.modes = ADJ_OFFSET | ADJ_STATUS, .offset = 250, .status = STA_PLL),
	ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(TK_REC_SEC),
	ADV(TK_REC_SEC / 2), ADV(TK_REC_SEC / 2), ADV(5 * TK_REC_SEC),
	ADV(TK_REC_SEC), ADV(TK_REC_SEC),
	/* adjtime() */
	ADJ(.modes = ADJ_OFFSET_SINGLESHOT, .offset = -1500),
	ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(4 * TK_REC_SEC),
	/* A longer tick */
	ADJ(.modes = ADJ_TICK, .tick = 10010),
	ADV(TK_REC_SEC), ADV(2 * TK_REC_SEC + 95999),
	ADJ(.modes = ADJ_TICK | ADJ_FREQUENCY, .tick = 10000, .freq = -(7 << 16)),
	ADV(TK_REC_SEC), ADV(TK_REC_SEC),
	/* A leap second at midnight, advanced second by second */
	SET(TK_REC_START + 96),
	ADJ(.modes = ADJ_STATUS | ADJ_MAXERROR, .status = STA_PLL | STA_INS, .maxerror = 0),
	ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(TK_REC_SEC),
	ADV(TK_REC_SEC), ADV(TK_REC_SEC), ADV(TK_REC_SEC),
	ADJ(.modes = ADJ_STATUS, .status = STA_PLL),
	ADV(TK_REC_SEC),
	/* The next leap second crossed by a single advance */
	SET(TK_REC_START + 86400 + 96),
	ADJ(.modes = ADJ_STATUS | ADJ_MAXERROR, .status = STA_PLL | STA_INS, .maxerror = 0),
	ADV(8 * TK_REC_SEC + 1),
	ADJ(.modes = ADJ_STATUS, .status = STA_PLL),
	/* A step by ADJ_SETOFFSET */
	ADJ(.modes = ADJ_SETOFFSET | ADJ_NANO, .time = { .tv_sec = 1, .tv_usec = 500000000 }),
	ADV(TK_REC_SEC),
	ADJ(.modes = ADJ_MICRO),
	/* An hour with a frequency offset, in one advance */
	ADJ(.modes = ADJ_FREQUENCY, .freq = 100 << 16),
	ADV(3600 * TK_REC_SEC + 4321),
	ADV(96000),
};

#undef ADV
#undef ADJ
#undef SET

#endif /* _TIMEKEEPING_RECORDED_H */
