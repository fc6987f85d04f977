// SPDX-License-Identifier: GPL-2.0
/*
 * Built into the unmodified base kernel by harness/record-timekeeping:
 * runs the program tk_rec_steps[] of kernel/time/timekeeping_recorded.h on
 * the host timekeeper, switched to a clocksource which only the program
 * moves, and prints what the clock read and what adjtimex() reported after
 * each step, as initializers of struct tk_rec_result. The host's clock
 * is wrong for the rest of the boot, which serves nothing else.
 */
#include <linux/clocksource.h>
#include <linux/init.h>
#include <linux/printk.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>

#include "timekeeping.h"
#include "timekeeping_recorded.h"

static u64 rec_cycles;

static u64 rec_read(struct clocksource *cs)
{
	return READ_ONCE(rec_cycles);
}

static struct clocksource rec_clock = {
	.name	= "tk-record",
	.rating	= 499,
	.read	= rec_read,
	.mask	= TK_REC_MASK,
	.mult	= TK_REC_MULT,
	.shift	= TK_REC_SHIFT,
	.flags	= CLOCK_SOURCE_IS_CONTINUOUS | CLOCK_SOURCE_VALID_FOR_HRES,
};

static void rec_print(unsigned int i, int ret)
{
	struct __kernel_timex txc = {};
	struct timespec64 ts;
	int state;

	state = do_adjtimex(&txc);
	ktime_get_real_ts64(&ts);
	pr_info("tkrec: { %d, %lld, %ld, %lld, %lld, %lld, %lld, %d, %d, %lld }, /* %u: %d */\n",
		state, (long long)ts.tv_sec, ts.tv_nsec, txc.freq, txc.offset,
		txc.maxerror, txc.esterror, txc.status, txc.tai, txc.tick, i, ret);
}

static int __init tk_record(void)
{
	struct timespec64 ts;
	struct __kernel_timex txc;
	unsigned int i;
	int ret = 0;

	if (__clocksource_register(&rec_clock))
		return 0;
	pr_info("tkrec-clock: mult %u shift %u maxadj %u max_cycles %llu max_idle_ns %llu max_raw_delta %llu\n",
		rec_clock.mult, rec_clock.shift, rec_clock.maxadj, rec_clock.max_cycles,
		rec_clock.max_idle_ns, rec_clock.max_raw_delta);

	for (i = 0; i < ARRAY_SIZE(tk_rec_steps); i++) {
		const struct tk_rec_step *s = &tk_rec_steps[i];

		switch (s->op) {
		case TK_REC_ADVANCE:
			WRITE_ONCE(rec_cycles, rec_cycles + s->cycles);
			update_wall_time();
			ret = 0;
			break;
		case TK_REC_ADJTIMEX:
			txc = s->txc;
			ret = do_adjtimex(&txc);
			break;
		case TK_REC_SETTIME:
			ts = (struct timespec64) { .tv_sec = s->sec };
			ret = do_settimeofday64(&ts);
			break;
		}
		rec_print(i, ret);
	}
	pr_info("tkrec-done: %u steps\n", i);
	/* Give the host its clock back, so that the boot goes on. */
	clocksource_unregister(&rec_clock);
	return 0;
}
late_initcall(tk_record);
