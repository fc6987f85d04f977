// SPDX-License-Identifier: GPL-2.0
/*
 * A timekeeper per time namespace.
 *
 * A time namespace with clocks of its own ("local") owns a struct
 * timens_tk: its CLOCK_REALTIME, its CLOCK_TAI offset, its timezone and,
 * once it steers them, a timekeeper and NTP state. A task with
 * CAP_SYS_TIME in the user namespace owning the time namespace sets them
 * (settimeofday, clock_settime, adjtimex, clock_adjtime) without moving
 * the clocks of the host or of any other namespace.
 *
 * Which namespaces are local (no ABI break for the owners of the host's
 * clock): one owned by a user namespace other than the initial one, from
 * creation, as its tasks could never set the host's clock; one created
 * from a local namespace; and one owned by the initial user namespace
 * whose creator opted in through /proc/PID/timens_clock before the first
 * task entered it. Any other namespace has no struct timens_tk: its tasks
 * read and set the host's clock with the host's rules, as upstream.
 *
 * A new namespace follows the host: its CLOCK_REALTIME is the host's,
 * shifted by the offset its owner set (none at first), so it runs at the
 * host's NTP-disciplined frequency and moves with every host step and
 * leap second; its TAI offset is the host's, shifted likewise. A
 * namespace is created with the clocks of the namespace it was created
 * from, so nothing jumps at unshare(CLONE_NEWTIME).
 *
 * Following the host is exact and costs nothing per tick: there is no
 * per-namespace work in the tick or in timekeeping_update(), a read is
 * the host read plus an offset taken under the namespace's seqcount, and
 * the vDSO applies the same offsets from the namespace's vvar page.
 *
 * The first adjtimex() which steers the namespace's clock (frequency,
 * tick, offset slew, adjtime(), status, leap second, time constant,
 * error estimates) gives it a clock of its own: a struct timekeeper with
 * its own struct ntp_data, run by the host's timekeeping code
 * (tk_data_*()), continuing from the namespace's time and TAI offset and
 * from the host's frequency, so that nothing jumps. From then on host
 * steps and host frequency changes no longer move it. Its clocksource is
 * the host's CLOCK_MONOTONIC_RAW, which never wraps, is not steered by
 * the host's NTP and continues across host clocksource changes. Such a
 * timekeeper is advanced lazily, by the readers which find it more than
 * a tick old, and by nothing else: no namespace keeps periodic work
 * alive. A reader catches up on the seconds over which the NTP state is
 * steady at once, and on the others (a PLL/FLL slew, at most about two
 * days of them after an ADJ_OFFSET; a leap second) in steps of a second,
 * as a timekeeper which ticks, with interrupts on between the steps
 * (tk_data_advance()). The vDSO cannot compute its REALTIME and TAI
 * from the host's clock, so they are marked TIMENS_OFFSET_SYSCALL in the
 * vvar page and read by the syscall.
 *
 * Locking:
 *   ttk->lock (raw spinlock, irq-safe) serialises writers of the state;
 *   ttk->seq (seqcount associated with ttk->lock) lets readers take
 *   a consistent snapshot without the lock. The vvar page copy is
 *   written under ttk->lock, inside vdata->offs_seq, which the vDSO
 *   retries on. ttk->own is set once, under ttk->lock, after the
 *   namespace's timekeeper is complete; readers load it with acquire.
 *   ttk->host_slept is written under ttk->lock, which serialises the
 *   accounting of a host suspend, and read without it as a hint; so is
 *   ttk->set_floor, whose drop a coarse reader takes ttk->lock for.
 *   The namespace's timekeeper has its own ttk->tkd.lock and seqcount,
 *   which nest inside ttk->lock and protect ttk->ntp; tk_data_advance()
 *   takes it for bounded steps, so a caller of it must not hold
 *   ttk->lock unless the timekeeper is up to date. Reading the
 *   timekeeper's clocksource reads the host's timekeeper under its
 *   seqcount; the host's timekeeping locks are never taken while a
 *   namespace lock is held. ttk->timers.lock, the lock of the
 *   namespace's timer queue (hrtimer_ns.c), nests outside ttk->lock:
 *   a set re-arms the namespace's timers after it dropped ttk->lock.
 *
 * Leap seconds of an own clock are sets of the clock for its timers, as
 * the host's are for the host's timers: ttk->leap_timer, a host timer,
 * expires when the clock reaches its armed leap second and walks the
 * namespace's timers. A reader which applied a leap second on its way
 * (tk_data_advance() said so) may hold the timer queue's lock: it only
 * marks ttk->leap_applied and starts the leap timer at once. The leap
 * timer is cancelled before the namespace is freed; it needs no
 * reference, as nothing is queued on a namespace which has none left.
 */

#include <linux/audit.h>
#include <linux/clocksource.h>
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/time_namespace.h>
#include <linux/timekeeper_ns.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <vdso/datapage.h>

#include "ntp_internal.h"
#include "timekeeping_internal.h"

/**
 * struct timens_tk - the clocks a time namespace owns
 * @seq:	 lets readers snapshot @real_offset, @tai_adjust, @tz, @nano and @own
 * @lock:	 serialises writers
 * @real_offset: namespace CLOCK_REALTIME minus host CLOCK_REALTIME, normalised
 *		 as a timespec64 and added as one, as the vDSO adds it
 * @tai_adjust:	 namespace TAI offset minus host TAI offset, in seconds
 * @set_floor:	 the CLOCK_REALTIME last set: the coarse clock does not read
 *		 less while the host's coarse clock is not before @set_base;
 *		 the vDSO sends coarse readers to the syscall until a reader
 *		 finds the coarse clock past it and clears it
 * @set_base:	 the host's coarse CLOCK_REALTIME at that set
 * @tz:		 the namespace's timezone (settimeofday/gettimeofday)
 * @nano:	 adjtimex() reports in nanoseconds (ADJ_NANO) rather than in
 *		 microseconds (ADJ_MICRO)
 * @own:	 the namespace runs @tkd rather than following the host
 * @vdata:	 the namespace's vvar page, once a task entered it
 * @tkd:	 its timekeeper, once @own
 * @ntp:	 the NTP state which steers @tkd
 * @host_slept:	 the time the host was suspended, as far as @tkd accounts it
 * @timers:	 the timers armed on the namespace's clocks (hrtimer_ns.c)
 * @leap_timer:	 expires when @tkd reaches its next leap second, or next
 *		 second when one is armed and @tkd has not taken it up yet;
 *		 and at once when a reader applied a leap second: the leap
 *		 second is a set of the clock for the namespace's timers
 * @leap_applied: a reader applied a leap second which @leap_timer has not
 *		 told the namespace's timers of yet
 * @ns:		 the namespace, for @leap_timer
 *
 * @real_offset, @set_floor, @set_base, @tai_adjust and @nano are only used
 * while !@own.
 */
struct timens_tk {
	seqcount_raw_spinlock_t	seq;
	raw_spinlock_t		lock;
	struct timespec64	real_offset;
	struct timespec64	set_floor;
	struct timespec64	set_base;
	s32			tai_adjust;
	struct timezone		tz;
	bool			nano;
	bool			own;
	struct vdso_data	*vdata;
	struct tk_data		tkd;
	struct ntp_data		ntp;
	ktime_t			host_slept;
	struct timens_timer_queue timers;
	struct hrtimer		leap_timer;
	int			leap_applied;
	struct time_namespace	*ns;
};

/*
 * The clocksource of the namespace timekeepers: the host's
 * CLOCK_MONOTONIC_RAW in nanoseconds, scaled by 2^31 so that the NTP
 * code can steer its multiplier in steps of 0.5 ns/s. A multiplication
 * of a delta by an adjusted multiplier overflows after max_cycles (4 s);
 * the readout code handles longer deltas, and the namespaces' own
 * advances keep them short.
 */
#define TIMENS_CLOCK_SHIFT	31
#define TIMENS_CLOCK_MULT	BIT(TIMENS_CLOCK_SHIFT)
#define TIMENS_CLOCK_MAXADJ	(TIMENS_CLOCK_MULT / 100 * 11)

static enum hrtimer_restart timens_tk_leap_fn(struct hrtimer *timer);
static void timens_tk_clock_was_set(struct time_namespace *ns, bool cancel);
static void timens_tk_arm_leap(struct timens_tk *ttk);

static u64 timens_tk_clock_read(struct clocksource *cs)
{
	return ktime_get_raw_ns();
}

static struct clocksource timens_tk_clock = {
	.name		= "timens-raw",
	.read		= timens_tk_clock_read,
	.mask		= CLOCKSOURCE_MASK(64),
	.mult		= TIMENS_CLOCK_MULT,
	.shift		= TIMENS_CLOCK_SHIFT,
	.maxadj		= TIMENS_CLOCK_MAXADJ,
	.max_cycles	= 1ULL << 32,
	/* A lagging timekeeper is caught up in steps of this (tk_catch_up()) */
	.max_idle_ns	= NSEC_PER_SEC,
	.max_raw_delta	= CLOCKSOURCE_MASK(63),
};

static bool timens_tk_own(struct timens_tk *ttk)
{
	/* The flag before the timekeeper; pairs with timens_tk_take_over(). */
	return smp_load_acquire(&ttk->own);
}

/* The time the host spent suspended since it booted */
static ktime_t timens_tk_host_slept(void)
{
	return ktime_mono_to_any(0, TK_OFFS_BOOT);
}

/* Account the host's suspended time up to @slept to an own timekeeper. */
static void timens_tk_add_sleep(struct timens_tk *ttk, ktime_t slept)
{
	struct timespec64 delta;

	scoped_guard(raw_spinlock_irqsave, &ttk->lock) {
		if (slept > ttk->host_slept) {
			delta = ktime_to_timespec64(ktime_sub(slept, ttk->host_slept));
			tk_data_inject_sleeptime(&ttk->tkd, &delta);
			WRITE_ONCE(ttk->host_slept, slept);
		}
	}
}

/*
 * Bring an own timekeeper up to date if it is more than a tick old, and
 * add the time the host was suspended since it last looked, which its
 * clocksource, CLOCK_MONOTONIC_RAW, missed: its CLOCK_REALTIME and
 * CLOCK_BOOTTIME advance across a suspend as the host's do.
 */
static void timens_tk_refresh(struct timens_tk *ttk)
{
	struct timekeeper *tk = &ttk->tkd.timekeeper;
	ktime_t slept;

	if (ktime_get_raw_ns() - READ_ONCE(tk->tkr_mono.cycle_last) >=
	    READ_ONCE(tk->cycle_interval) && tk_data_advance(&ttk->tkd)) {
		/* A leap second: tell the namespace's timers, outside their locks */
		WRITE_ONCE(ttk->leap_applied, 1);
		hrtimer_start(&ttk->leap_timer, 0, HRTIMER_MODE_ABS_SOFT);
	}

	slept = timens_tk_host_slept();
	if (unlikely(slept != READ_ONCE(ttk->host_slept)))
		timens_tk_add_sleep(ttk, slept);
}

#ifdef CONFIG_TIME_NS_TIMEKEEPER_KUNIT_TEST
/**
 * timens_tk_test_suspend - Make an own clock account a host suspend
 * @ns:		the namespace, with a clock of its own
 * @delta:	how long the host was suspended
 *
 * For the KUnit tests, which cannot suspend the host: the namespace
 * accounts @delta more than the host's suspended time.
 */
void timens_tk_test_suspend(struct time_namespace *ns, ktime_t delta)
{
	timens_tk_add_sleep(ns->tk, ktime_add(READ_ONCE(ns->tk->host_slept), delta));
}
#endif

struct timens_tk_snapshot {
	struct timespec64	real_offset;
	s32			tai_adjust;
	struct timezone		tz;
	bool			nano;
};

static void timens_tk_read(struct timens_tk *ttk, struct timens_tk_snapshot *snap)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&ttk->seq);
		snap->real_offset = ttk->real_offset;
		snap->tai_adjust = ttk->tai_adjust;
		snap->tz = ttk->tz;
		snap->nano = ttk->nano;
	} while (read_seqcount_retry(&ttk->seq, seq));
}

/*
 * Writers of the state: under ttk->lock, inside ttk->seq and, once a task
 * entered the namespace, inside the vvar page's offs_seq, which the vDSO
 * checks across its read of the host's clock. A switch to an own clock
 * takes its snapshot of the host inside both, so that no reader combines
 * the old offsets with a host time read after the snapshot.
 */
static void timens_tk_write_begin(struct timens_tk *ttk)
{
	struct vdso_data *vd = ttk->vdata;

	write_seqcount_begin(&ttk->seq);
	if (!vd)
		return;
	WRITE_ONCE(vd->offs_seq, vd->offs_seq + 1);
	/* The odd count before the values; pairs with the vDSO's smp_rmb()s */
	smp_wmb();
}

/* A set whose value the coarse clock must not read less than */
static bool timens_tk_floor_pending(struct timens_tk *ttk)
{
	return ttk->set_floor.tv_sec || ttk->set_floor.tv_nsec;
}

static struct timens_offset timens_tk_vdso_offset(const struct timespec64 *off)
{
	return (struct timens_offset) { .sec = off->tv_sec, .nsec = off->tv_nsec };
}

/* Copy the state into the vvar page and end the write. */
static void timens_tk_write_end(struct timens_tk *ttk)
{
	struct vdso_data *vd = ttk->vdata;
	struct timens_offset real, tai;
	struct timespec64 tai_offset;

	if (vd) {
		tai_offset = ttk->real_offset;
		tai_offset.tv_sec += ttk->tai_adjust;
		real = timens_tk_vdso_offset(&ttk->real_offset);
		tai = timens_tk_vdso_offset(&tai_offset);
		if (ttk->own) {
			/* Not an offset to the host's clocks: the vDSO asks the kernel. */
			real.nsec = TIMENS_OFFSET_SYSCALL;
			tai.nsec = TIMENS_OFFSET_SYSCALL;
			vd->offset[CLOCK_MONOTONIC].nsec = TIMENS_OFFSET_SYSCALL;
			vd->offset[CLOCK_MONOTONIC_COARSE].nsec = TIMENS_OFFSET_SYSCALL;
			vd->offset[CLOCK_BOOTTIME].nsec = TIMENS_OFFSET_SYSCALL;
		}
		vd->offset[CLOCK_REALTIME] = real;
		vd->offset[CLOCK_REALTIME_COARSE] = real;
		/* The coarse clock of the vDSO knows no floor: the syscall does. */
		if (timens_tk_floor_pending(ttk))
			vd->offset[CLOCK_REALTIME_COARSE].nsec = TIMENS_OFFSET_SYSCALL;
		vd->offset[CLOCK_TAI] = tai;
		/* The new values before the even count that validates them. */
		smp_wmb();
		WRITE_ONCE(vd->offs_seq, vd->offs_seq + 1);
	}
	write_seqcount_end(&ttk->seq);
}

/*
 * The host's clocks at one instant: CLOCK_MONOTONIC_RAW, which is what
 * timens_tk_clock reads, and CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME.
 */
struct timens_tk_host_snapshot {
	u64	raw;
	ktime_t	real;
	ktime_t	mono;
	ktime_t	boot;
};

static void timens_tk_host_snapshot(struct timens_tk_host_snapshot *hs)
{
	struct system_time_snapshot snap, check;
	ktime_t offs_real, offs_boot;

	/* The offsets of that instant: retry if the host's clock was set. */
	do {
		ktime_get_snapshot(&snap);
		offs_real = ktime_mono_to_any(0, TK_OFFS_REAL);
		offs_boot = ktime_mono_to_any(0, TK_OFFS_BOOT);
		ktime_get_snapshot(&check);
	} while (snap.clock_was_set_seq != check.clock_was_set_seq);

	hs->raw = ktime_to_ns(snap.raw);
	hs->real = snap.real;
	hs->mono = ktime_sub(snap.real, offs_real);
	hs->boot = ktime_add(hs->mono, offs_boot);
}

/*
 * Give @ttk a timekeeper of its own which continues the clocks it has
 * now: a copy of the own timekeeper of @src, whose NTP state @state reports;
 * or, if @src is NULL, the host's clocks with CLOCK_REALTIME shifted by
 * @real_offset. The timekeeper runs on timens_tk_clock, at the frequency,
 * tick length and units in @state, with the TAI offset @tai. Called inside
 * timens_tk_write_begin(), or before @ttk is visible.
 */
static int timens_tk_own_clock(struct timens_tk *ttk, struct timens_tk *src,
			       const struct __kernel_timex *state,
			       const struct timespec64 *real_offset, int tai)
{
	struct __kernel_timex txc = {
		.modes		= ADJ_FREQUENCY | ADJ_TICK,
		.freq		= state->freq,
		.tick		= state->tick,
	};
	struct timens_tk_host_snapshot hs;
	struct adjtimex_result result;
	ktime_t off, real;
	int ret;

	ntp_init_data(&ttk->ntp);
	if (src) {
		/* The copy and the suspend time it accounts, in one */
		scoped_guard(raw_spinlock_irqsave, &src->lock) {
			tk_data_clone(&ttk->tkd, &src->tkd, &ttk->ntp);
			ttk->host_slept = src->host_slept;
		}
	} else {
		off = timespec64_to_ktime(*real_offset);
		timens_tk_host_snapshot(&hs);
		ttk->host_slept = ktime_sub(hs.boot, hs.mono);
		/* A namespace beyond KTIME_MAX starts its own clock there. */
		real = off > 0 && hs.real > KTIME_MAX - off ? KTIME_MAX : ktime_add(hs.real, off);
		tk_data_init(&ttk->tkd, &timens_tk_clock, &ttk->ntp, hs.raw, real,
			     hs.mono, hs.boot, tai);
	}
	txc.modes |= state->status & STA_NANO ? ADJ_NANO : ADJ_MICRO;
	if (tai >= 0 && tai <= MAX_TAI_OFFSET) {
		txc.modes |= ADJ_TAI;
		txc.constant = tai;
	}
	ret = tk_data_adjtimex(&ttk->tkd, &txc, &result);
	return ret < 0 ? ret : 0;
}

/*
 * Read the NTP state of an own timekeeper, as adjtimex() reports it,
 * after bringing the timekeeper up to date: a copy of it starts from now.
 */
static int timens_tk_own_state(struct timens_tk *ttk, struct __kernel_timex *txc)
{
	struct adjtimex_result result;

	timens_tk_refresh(ttk);
	*txc = (struct __kernel_timex) {};
	return tk_data_adjtimex(&ttk->tkd, txc, &result);
}

/*
 * Switch a namespace which follows the host to a timekeeper of its own,
 * for adjtimex() requests which steer its clock.
 */
static int timens_tk_take_over(struct timens_tk *ttk)
{
	struct __kernel_timex host = {};
	int ret;

	/* The host's frequency, read before any namespace lock is taken. */
	ret = do_adjtimex(&host);
	if (ret < 0)
		return ret;

	scoped_guard(raw_spinlock_irqsave, &ttk->lock) {
		if (!ttk->own) {
			host.status &= ~STA_NANO;
			if (ttk->nano)
				host.status |= STA_NANO;
			timens_tk_write_begin(ttk);
			ret = timens_tk_own_clock(ttk, NULL, &host, &ttk->real_offset,
						  host.tai + ttk->tai_adjust);
			if (!ret) /* The timekeeper before the flag; pairs with timens_tk_own(). */
				smp_store_release(&ttk->own, true);
			timens_tk_write_end(ttk);
		}
	}
	return ret;
}

/*
 * Give @ns clocks of its own: a copy of @parent's if @parent has its own,
 * else the host's (zero offsets, the host's timezone).
 */
static int timens_tk_alloc(struct time_namespace *ns, struct timens_tk *parent)
{
	struct timens_tk_snapshot snap = { .tz = sys_tz };
	struct __kernel_timex state;
	struct timens_tk *ttk;
	int ret;

	ttk = kzalloc(sizeof(*ttk), GFP_KERNEL_ACCOUNT);
	if (!ttk)
		return -ENOMEM;

	if (parent)
		timens_tk_read(parent, &snap);

	raw_spin_lock_init(&ttk->lock);
	seqcount_raw_spinlock_init(&ttk->seq, &ttk->lock);
	raw_spin_lock_init(&ttk->timers.lock);
	timerqueue_init_head(&ttk->timers.head);
	INIT_LIST_HEAD(&ttk->timers.cancel_list);
	hrtimer_init(&ttk->leap_timer, CLOCK_BOOTTIME, HRTIMER_MODE_ABS_SOFT);
	ttk->leap_timer.function = timens_tk_leap_fn;
	ttk->ns = ns;
	ttk->real_offset = snap.real_offset;
	ttk->tai_adjust = snap.tai_adjust;
	ttk->tz = snap.tz;
	ttk->nano = snap.nano;

	if (parent && timens_tk_own(parent)) {
		ret = timens_tk_own_state(parent, &state);
		if (ret >= 0)
			ret = timens_tk_own_clock(ttk, parent, &state,
						  &snap.real_offset, state.tai);
		if (ret < 0) {
			kfree(ttk);
			return ret;
		}
		ttk->own = true;
	}

	/* Complete before it is seen; pairs with timens_is_local(). */
	smp_store_release(&ns->tk, ttk);
	/* A copy of an own clock with a leap second armed takes it too */
	timens_tk_arm_leap(ttk);
	return 0;
}

/**
 * timens_tk_init - Give a new time namespace its clocks
 * @ns:		the new namespace
 * @parent:	the namespace it is created from
 * @user_ns:	the user namespace which will own @ns
 *
 * A namespace owned by a user namespace other than the initial one has
 * clocks of its own from creation: its tasks could never set the host's.
 * So has a namespace created from one with clocks of its own, which starts
 * with a copy of them (at their frequency, if @parent runs a timekeeper of
 * its own), so that nothing jumps. Any other namespace keeps the host's
 * CLOCK_REALTIME, TAI, timezone and NTP state, as upstream, until it is
 * made local with timens_tk_make_local().
 *
 * Return: 0, or -ENOMEM.
 */
int timens_tk_init(struct time_namespace *ns, struct time_namespace *parent,
		   struct user_namespace *user_ns)
{
	ns->tk = NULL;
	if (!parent->tk && user_ns == &init_user_ns)
		return 0;
	return timens_tk_alloc(ns, parent->tk);
}

/**
 * timens_tk_make_local - Give a time namespace of the initial user namespace its own clocks
 * @ns:		the namespace, which no task has entered yet
 *
 * The opt-in of /proc/PID/timens_clock: from now on @ns has its own
 * CLOCK_REALTIME, TAI, timezone and NTP state, starting as the host's.
 * The caller serialises against tasks entering @ns and checked that none
 * has.
 *
 * Return: 0, or -ENOMEM.
 */
int timens_tk_make_local(struct time_namespace *ns)
{
	if (ns->tk)
		return 0;
	return timens_tk_alloc(ns, NULL);
}

/**
 * timens_tk_free - Free the clocks of a time namespace
 * @ns:		the namespace being freed
 */
void timens_tk_free(struct time_namespace *ns)
{
	if (!ns->tk)
		return;
	/* Each armed timer holds a reference on its namespace */
	WARN_ON_ONCE(timerqueue_getnext(&ns->tk->timers.head));
	hrtimer_cancel(&ns->tk->leap_timer);
	kfree(ns->tk);
	ns->tk = NULL;
}

/**
 * timens_tk_setup_vdso - Let the vDSO of a time namespace see its clocks
 * @ns:		the namespace
 * @vdata:	its vvar page, being set up for the first task entering @ns
 *
 * From now on every change of the namespace's clocks is copied there.
 */
void timens_tk_setup_vdso(struct time_namespace *ns, struct vdso_data *vdata)
{
	struct timens_tk *ttk = ns->tk;

	if (!ttk)
		return;

	scoped_guard(raw_spinlock_irqsave, &ttk->lock) {
		/* No task reads the page yet: the count only has to end up even. */
		ttk->vdata = vdata;
		timens_tk_write_begin(ttk);
		timens_tk_write_end(ttk);
	}
}

/* The current time of @clockid of a namespace's own timekeeper, without offsets. */
static ktime_t timens_tk_own_now(struct timens_tk *ttk, clockid_t clockid)
{
	timens_tk_refresh(ttk);
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_REALTIME_COARSE:
		return tk_data_get_with_offset(&ttk->tkd, TK_OFFS_REAL);
	case CLOCK_TAI:
		return tk_data_get_with_offset(&ttk->tkd, TK_OFFS_TAI);
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return tk_data_get_with_offset(&ttk->tkd, TK_OFFS_BOOT);
	default:
		return tk_data_get(&ttk->tkd);
	}
}

/**
 * timens_tk_drift - How far a namespace's own monotonic clocks ran from the host's
 * @ns:		the namespace, not the initial one
 * @clockid:	CLOCK_MONOTONIC or CLOCK_BOOTTIME
 *
 * Return: the namespace's timekeeper's @clockid minus the host's now, to
 * be added to the namespace's fixed offset for @clockid; 0 if @ns follows
 * the host.
 */
ktime_t timens_tk_drift(struct time_namespace *ns, clockid_t clockid)
{
	struct timens_tk *ttk = ns->tk;

	if (!ttk || !timens_tk_own(ttk))
		return 0;
	return ktime_sub(timens_tk_own_now(ttk, clockid), clockid == CLOCK_MONOTONIC ?
						       ktime_get() : ktime_get_boottime());
}

/**
 * timens_tk_get_own_ts64 - A monotonic clock of a namespace with an own timekeeper
 * @ns:		the namespace
 * @clockid:	CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE or CLOCK_BOOTTIME
 * @ts:		where to store the time
 *
 * The clock as the namespace's timekeeper runs it, with the namespace's
 * offset. Coarse is fine, as an own timekeeper is advanced lazily.
 *
 * Return: false, with @ts untouched, if @ns follows the host.
 */
bool timens_tk_get_own_ts64(struct time_namespace *ns, clockid_t clockid,
			    struct timespec64 *ts)
{
	struct timens_tk *ttk = ns->tk;

	if (!timens_tk_own(ttk))
		return false;
	*ts = ktime_to_timespec64(timens_tk_own_now(ttk, clockid));
	*ts = timespec64_add(*ts, clockid == CLOCK_BOOTTIME ? ns->offsets.boottime :
							      ns->offsets.monotonic);
	return true;
}

/*
 * Does the floor of the last set still hold up the coarse clock, which
 * reads @coarse plus the offset? Not once that reaches the value set, nor
 * after the host's clock was stepped back behind the time of the set.
 */
static bool timens_tk_floor_holds(struct timens_tk *ttk, const struct timespec64 *coarse)
{
	struct timespec64 ts = timespec64_add(*coarse, ttk->real_offset);

	return timespec64_compare(coarse, &ttk->set_base) >= 0 &&
	       timespec64_compare(&ts, &ttk->set_floor) < 0;
}

/*
 * The coarse clock plus the offset reads the value of the last set or
 * later: drop the floor, which gives the coarse clock back to the vDSO.
 */
static void timens_tk_drop_floor(struct timens_tk *ttk)
{
	struct timespec64 coarse;

	scoped_guard(raw_spinlock_irqsave, &ttk->lock) {
		ktime_get_coarse_real_ts64(&coarse);
		if (timens_tk_floor_pending(ttk) && !timens_tk_floor_holds(ttk, &coarse)) {
			timens_tk_write_begin(ttk);
			ttk->set_floor = (struct timespec64) {};
			timens_tk_write_end(ttk);
		}
	}
}

/*
 * CLOCK_REALTIME, CLOCK_REALTIME_COARSE or CLOCK_TAI of a namespace. A
 * namespace which follows the host adds its offset to the host's clock
 * in seconds and nanoseconds, as the vDSO does, so that both agree however
 * far the namespace is from the host; the host's clock is read inside the
 * namespace's seqcount, so that a reader never combines the offsets of
 * before a set or a switch with a host time of after it.
 */
static void timens_tk_read_clock(struct timens_tk *ttk, clockid_t clockid,
				 struct timespec64 *ts)
{
	struct timespec64 off, floor = {};
	bool holds = false;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&ttk->seq);
		if (timens_tk_own(ttk)) {
			*ts = ktime_to_timespec64(timens_tk_own_now(ttk, clockid));
			return;
		}
		off = ttk->real_offset;
		switch (clockid) {
		case CLOCK_REALTIME_COARSE:
			ktime_get_coarse_real_ts64(ts);
			/*
			 * Not before the value set, as a set of the host's
			 * clock makes its coarse clock read, until the host's
			 * coarse clock reaches the time of the set; unless the
			 * host's clock was stepped back behind it since.
			 */
			holds = timens_tk_floor_pending(ttk) && timens_tk_floor_holds(ttk, ts);
			if (holds)
				floor = ttk->set_floor;
			break;
		case CLOCK_TAI:
			ktime_get_clocktai_ts64(ts);
			off.tv_sec += ttk->tai_adjust;
			break;
		default:
			ktime_get_real_ts64(ts);
			break;
		}
	} while (read_seqcount_retry(&ttk->seq, seq));

	*ts = timespec64_add(*ts, off);
	if (holds)
		*ts = floor;
	else if (unlikely(clockid == CLOCK_REALTIME_COARSE && timens_tk_floor_pending(ttk)))
		timens_tk_drop_floor(ttk);
}

/* The namespace's offset from the host for @clockid: REALTIME or TAI. */
static ktime_t timens_tk_offset(struct time_namespace *ns, clockid_t clockid)
{
	struct timens_tk *ttk = ns->tk;
	struct timens_tk_snapshot snap;

	if (timens_tk_own(ttk)) {
		ktime_t now = timens_tk_own_now(ttk, clockid);

		return ktime_sub(now, clockid == CLOCK_TAI ? ktime_get_clocktai() :
							     ktime_get_real());
	}

	timens_tk_read(ttk, &snap);
	if (clockid == CLOCK_TAI)
		snap.real_offset.tv_sec += snap.tai_adjust;
	return timespec64_to_ktime(snap.real_offset);
}

/**
 * timens_tk_get_real_ts64 - CLOCK_REALTIME of a time namespace
 * @ns:		the namespace
 * @ts:		where to store the time
 */
void timens_tk_get_real_ts64(struct time_namespace *ns, struct timespec64 *ts)
{
	timens_tk_read_clock(ns->tk, CLOCK_REALTIME, ts);
}

/**
 * timens_tk_get_coarse_real_ts64 - CLOCK_REALTIME_COARSE of a time namespace
 * @ns:		the namespace
 * @ts:		where to store the time
 *
 * An own timekeeper is advanced lazily, so its coarse time can be older
 * than a tick: its fine time is returned instead.
 */
void timens_tk_get_coarse_real_ts64(struct time_namespace *ns, struct timespec64 *ts)
{
	timens_tk_read_clock(ns->tk, CLOCK_REALTIME_COARSE, ts);
}

/**
 * timens_tk_get_clocktai_ts64 - CLOCK_TAI of a time namespace
 * @ns:		the namespace
 * @ts:		where to store the time
 */
void timens_tk_get_clocktai_ts64(struct time_namespace *ns, struct timespec64 *ts)
{
	timens_tk_read_clock(ns->tk, CLOCK_TAI, ts);
}

/**
 * timens_tk_get_timezone - The timezone of a time namespace
 * @ns:		the namespace
 * @tz:		where to store it
 */
void timens_tk_get_timezone(struct time_namespace *ns, struct timezone *tz)
{
	struct timens_tk_snapshot snap;

	timens_tk_read(ns->tk, &snap);
	*tz = snap.tz;
}

/**
 * timens_tk_get_boottime64 - The realtime at which a time namespace booted
 * @ns:		the namespace
 * @ts:		where to store it
 *
 * Its CLOCK_REALTIME minus its CLOCK_BOOTTIME, as /proc/stat reports it.
 */
void timens_tk_get_boottime64(struct time_namespace *ns, struct timespec64 *ts)
{
	struct timens_tk *ttk = ns->tk;
	ktime_t offset;

	if (timens_tk_own(ttk)) {
		offset = ktime_sub(timens_tk_own_now(ttk, CLOCK_REALTIME),
				   timens_tk_own_now(ttk, CLOCK_BOOTTIME));
		*ts = ktime_to_timespec64(offset);
	} else {
		offset = timens_tk_offset(ns, CLOCK_REALTIME);
		getboottime64(ts);
		*ts = timespec64_add(*ts, ktime_to_timespec64(offset));
	}
	*ts = timespec64_sub(*ts, ns->offsets.boottime);
}

/*
 * Set the CLOCK_REALTIME of a namespace which follows the host to @tv, or
 * step it by @delta when @tv is NULL, with the host's rules: a valid time
 * of day, not before the namespace's CLOCK_MONOTONIC. After a set, the
 * namespace's coarse clock (time(), CLOCK_REALTIME_COARSE) reads @tv until
 * the host's coarse clock has caught up with the time of the set, as the
 * host's coarse clock reads the value set after a set of the host's
 * clock. ttk->lock held.
 */
static int __timens_tk_set_real(struct time_namespace *ns, struct timens_tk *ttk,
				const struct timespec64 *tv, const struct timespec64 *delta)
{
	struct timespec64 mono, host, coarse, check, target;

	ktime_get_ts64(&mono);
	mono = timespec64_add(mono, ns->offsets.monotonic);
	/* The host's fine and coarse clock in the same tick */
	do {
		ktime_get_coarse_real_ts64(&coarse);
		ktime_get_real_ts64(&host);
		ktime_get_coarse_real_ts64(&check);
	} while (!timespec64_equal(&coarse, &check));
	if (tv)
		target = *tv;
	else
		target = timespec64_add(timespec64_add(host, ttk->real_offset), *delta);
	if (!timespec64_valid_settod(&target) || timespec64_compare(&target, &mono) < 0)
		return -EINVAL;

	timens_tk_write_begin(ttk);
	ttk->real_offset = timespec64_sub(target, host);
	/* A step moves the coarse clock by the step, as on the host. */
	ttk->set_floor = tv ? target : (struct timespec64) {};
	ttk->set_base = coarse;
	timens_tk_write_end(ttk);
	return 0;
}

/**
 * timens_tk_settime64 - do_settimeofday64() in a time namespace
 * @ns:		the namespace of the caller, with clocks of its own
 * @tv:		the new CLOCK_REALTIME
 *
 * The caller checked the permission, with security_settime64() as for the
 * host. The host's clocks and the RTC are never touched.
 *
 * Return: 0, or -EINVAL for a time which is not a valid time of day or is
 * before the namespace's CLOCK_MONOTONIC.
 */
int timens_tk_settime64(struct time_namespace *ns, const struct timespec64 *tv)
{
	struct timens_tk *ttk = ns->tk;
	int ret = -EAGAIN;

	if (!timespec64_valid_settod(tv))
		return -EINVAL;

	scoped_guard(raw_spinlock_irqsave, &ttk->lock) {
		if (!ttk->own)
			ret = __timens_tk_set_real(ns, ttk, tv, NULL);
	}
	/* Own is for good: the own timekeeper has its own lock. */
	if (ret == -EAGAIN)
		ret = tk_data_settimeofday(&ttk->tkd, tv);
	if (!ret)
		timens_tk_clock_was_set(ns, true);
	return ret;
}

/**
 * timens_tk_set_timezone - Set the timezone of a time namespace
 * @ns:		the namespace of the caller, with clocks of its own
 * @tz:		the timezone, checked by the caller
 */
void timens_tk_set_timezone(struct time_namespace *ns, const struct timezone *tz)
{
	struct timens_tk *ttk = ns->tk;

	scoped_guard(raw_spinlock_irqsave, &ttk->lock) {
		timens_tk_write_begin(ttk);
		ttk->tz = *tz;
		timens_tk_write_end(ttk);
	}
}

/* The adjtimex() modes which steer the clock, and need a timekeeper of its own */
#define TIMENS_ADJ_STEER	(ADJ_OFFSET | ADJ_FREQUENCY | ADJ_MAXERROR | ADJ_ESTERROR | \
				 ADJ_STATUS | ADJ_TIMECONST | ADJ_TICK)

static bool timens_tk_steers(const struct __kernel_timex *txc)
{
	if (txc->modes & ADJ_ADJTIME)
		return !(txc->modes & ADJ_OFFSET_READONLY);
	return txc->modes & TIMENS_ADJ_STEER;
}

/* The step of an ADJ_SETOFFSET request, checked by timekeeping_validate_timex() */
static struct timespec64 timens_tk_setoffset(const struct __kernel_timex *txc)
{
	struct timespec64 delta = {
		.tv_sec = txc->time.tv_sec,
		.tv_nsec = txc->time.tv_usec,
	};

	if (!(txc->modes & ADJ_NANO))
		delta.tv_nsec *= NSEC_PER_USEC;
	return delta;
}

/*
 * Would an ADJ_SETOFFSET step of @txc be refused? Checked before a request
 * switches the namespace to a clock of its own, so that a request which
 * fails changes nothing. The own timekeeper which continues the clock
 * refuses the same steps.
 */
static int timens_tk_check_step(struct time_namespace *ns, const struct __kernel_timex *txc)
{
	struct timespec64 now, mono, delta = timens_tk_setoffset(txc);

	timens_tk_read_clock(ns->tk, CLOCK_REALTIME, &now);
	now = timespec64_add(now, delta);
	ktime_get_ts64(&mono);
	mono = timespec64_add(mono, ns->offsets.monotonic);
	if (!timespec64_valid_settod(&now) || timespec64_compare(&now, &mono) < 0)
		return -EINVAL;
	return 0;
}

/* adjtimex() on a namespace which has a timekeeper of its own. */
static int timens_tk_own_adjtimex(struct timens_tk *ttk, struct __kernel_timex *txc)
{
	struct adjtimex_result result;

	timens_tk_refresh(ttk);
	return tk_data_adjtimex(&ttk->tkd, txc, &result);
}

/*
 * adjtimex() on a namespace which follows the host: it can be stepped
 * (ADJ_SETOFFSET), have its own TAI offset (ADJ_TAI) and units (ADJ_NANO,
 * ADJ_MICRO); it reports the host's NTP state, which disciplines it, with
 * its own time, TAI offset and units. -EAGAIN if it switched to a clock
 * of its own meanwhile.
 */
static int timens_tk_follow_adjtimex(struct time_namespace *ns, struct __kernel_timex *txc)
{
	struct timens_tk *ttk = ns->tk;
	struct __kernel_timex host = {};
	struct timens_tk_snapshot snap;
	struct timespec64 ts;
	int ret;

	/* The host's NTP state, read only, before the namespace's lock. */
	host.modes = txc->modes & ADJ_ADJTIME ?
		     ADJ_ADJTIME | ADJ_OFFSET_SINGLESHOT | ADJ_OFFSET_READONLY : 0;
	ret = do_adjtimex(&host);
	if (ret < 0)
		return ret;

	scoped_guard(raw_spinlock_irqsave, &ttk->lock) {
		if (ttk->own)
			return -EAGAIN;
		if (txc->modes & ADJ_SETOFFSET) {
			ts = timens_tk_setoffset(txc);
			ret = __timens_tk_set_real(ns, ttk, NULL, &ts);
			if (ret)
				return ret;
		}
		if (txc->modes & (ADJ_TAI | ADJ_NANO | ADJ_MICRO)) {
			timens_tk_write_begin(ttk);
			if ((txc->modes & ADJ_TAI) && txc->constant >= 0 &&
			    txc->constant <= MAX_TAI_OFFSET)
				ttk->tai_adjust = (s32)txc->constant - host.tai;
			if (txc->modes & ADJ_NANO)
				ttk->nano = true;
			if (txc->modes & ADJ_MICRO)
				ttk->nano = false;
			timens_tk_write_end(ttk);
		}
	}

	timens_tk_read(ttk, &snap);
	host.modes = txc->modes;
	host.tai += snap.tai_adjust;
	/* The host's offset in the namespace's units */
	if (snap.nano && !(host.status & STA_NANO))
		host.offset *= NSEC_PER_USEC;
	else if (!snap.nano && (host.status & STA_NANO))
		host.offset /= NSEC_PER_USEC;
	host.status &= ~STA_NANO;
	if (snap.nano)
		host.status |= STA_NANO;
	timens_tk_read_clock(ttk, CLOCK_REALTIME, &ts);
	host.time.tv_sec = ts.tv_sec;
	host.time.tv_usec = snap.nano ? ts.tv_nsec : ts.tv_nsec / NSEC_PER_USEC;
	*txc = host;
	return ret;
}

/**
 * timens_tk_adjtimex - adjtimex() and clock_adjtime(CLOCK_REALTIME) in a namespace
 * @ns:		the namespace of the caller, with clocks of its own
 * @txc:	the request, updated with the result as by do_adjtimex()
 *
 * A namespace that follows the host can be stepped (ADJ_SETOFFSET), can
 * have its own TAI offset (ADJ_TAI) and units; the NTP state it reports
 * is the host's, which disciplines it. The first request that steers its
 * clock gives the namespace a timekeeper and an NTP state of its own,
 * continuing from its current clocks and the host's frequency; from then
 * on every request goes to them, with the host's code. A request which
 * fails changes nothing, the switch included. The host is never steered
 * from inside a namespace.
 *
 * Return: the clock state as do_adjtimex() returns it, or a negative errno.
 */
int timens_tk_adjtimex(struct time_namespace *ns, struct __kernel_timex *txc)
{
	unsigned int modes = txc->modes & ADJ_ADJTIME ? 0 : txc->modes;
	struct timens_tk *ttk = ns->tk;
	bool steers, switched = false;
	int ret;

	ret = timekeeping_validate_timex(txc, ns->user_ns);
	if (ret)
		return ret;

	steers = timens_tk_steers(txc);
	if (!timens_tk_own(ttk) && steers) {
		if (txc->modes & ADJ_SETOFFSET) {
			ret = timens_tk_check_step(ns, txc);
			if (ret)
				return ret;
		}
		ret = timens_tk_take_over(ttk);
		if (ret)
			return ret;
		switched = true;
	}
	do {
		if (timens_tk_own(ttk))
			ret = timens_tk_own_adjtimex(ttk, txc);
		else
			ret = timens_tk_follow_adjtimex(ns, txc);
	} while (ret == -EAGAIN);

	/*
	 * A step, a new TAI offset or rate, or the switch to a clock of its
	 * own: the namespace's timers expire at other host times. Only a
	 * step is a set, which cancels its CANCEL_ON_SET timerfds.
	 */
	if (switched || (ret >= 0 && (steers || (modes & (ADJ_SETOFFSET | ADJ_TAI)))))
		timens_tk_clock_was_set(ns, ret >= 0 && (modes & ADJ_SETOFFSET));
	return ret;
}

/**
 * timens_tk_to_host - Convert an absolute time of a namespace clock to host time
 * @ns:		the namespace whose clock @tim is on
 * @clockid:	CLOCK_REALTIME, CLOCK_REALTIME_ALARM or CLOCK_TAI
 * @tim:	absolute expiry time on that clock of @ns
 *
 * For arming timers, which run on the host's clock bases. KTIME_MAX, the
 * expiry of a timer which never fires, stays KTIME_MAX however far the
 * namespace is from the host.
 *
 * Return: @tim on the host's clock of the same id; clamped to [0, KTIME_MAX].
 */
ktime_t timens_tk_to_host(struct time_namespace *ns, clockid_t clockid, ktime_t tim)
{
	ktime_t offset;

	if (!ns->tk || tim == KTIME_MAX)
		return tim;
	offset = timens_tk_offset(ns, clockid);
	if (offset > 0 && tim < offset)
		return 0;
	tim = ktime_sub(tim, offset);
	if (tim < 0)
		return offset > 0 ? 0 : KTIME_MAX;
	return tim;
}

/**
 * timens_tk_from_host - A host time on a namespace's clock
 * @ns:		the namespace, with clocks of its own
 * @clockid:	CLOCK_REALTIME or CLOCK_TAI
 * @tim:	a time of the host's @clockid
 *
 * At the namespace's offset from the host now: exact while the namespace
 * follows the host; for an own clock, the host time @tim is from now is
 * taken at the host's rate (a socket timestamp a millisecond old is off by
 * a microsecond at 1000 ppm).
 *
 * Return: @tim on the namespace's @clockid; saturated at KTIME_MAX.
 */
ktime_t timens_tk_from_host(struct time_namespace *ns, clockid_t clockid, ktime_t tim)
{
	if (!ns->tk || tim == KTIME_MAX)
		return tim;
	return ktime_add_safe(tim, timens_tk_offset(ns, clockid));
}

/**
 * timens_tk_timers - The queue of the timers armed on a namespace's clocks
 * @ns:		the namespace, with clocks of its own
 *
 * Return: the queue of kernel/time/hrtimer_ns.c.
 */
struct timens_timer_queue *timens_tk_timers(struct time_namespace *ns)
{
	return &ns->tk->timers;
}

/**
 * timens_tk_is_own - Does a namespace run a timekeeper of its own?
 * @ns:		the namespace
 *
 * Return: true if @ns has clocks of its own which no longer follow the
 * host's: host steps do not move them.
 */
bool timens_tk_is_own(struct time_namespace *ns)
{
	return ns->tk && timens_tk_own(ns->tk);
}

/**
 * timens_tk_timer_queued - Do absolute timers on a namespace clock follow the namespace?
 * @ns:		the namespace
 * @clockid:	the clock of the timer
 *
 * Return: true for CLOCK_REALTIME, CLOCK_TAI, CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME of a namespace with clocks of its own: clocks which can
 * be set or steered, or which run at a rate of their own once it switches
 * to a timekeeper of its own, which moves its timers; false for the
 * clocks of any other namespace, which are the host's shifted by fixed
 * offsets.
 */
bool timens_tk_timer_queued(struct time_namespace *ns, clockid_t clockid)
{
	if (!ns->tk)
		return false;
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_TAI:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		return true;
	default:
		return false;
	}
}

/**
 * timens_tk_timer_base - The host clock a timer on a namespace clock runs on
 * @ns:		the namespace, with clocks of its own
 * @clockid:	the clock of the timer, for which timens_tk_timer_queued()
 *
 * Return: the host's clock of the same id if @ns follows the host, so
 * that host steps move its timers as its clock; else CLOCK_MONOTONIC for
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME for the others, which host steps do
 * not move.
 */
clockid_t timens_tk_timer_base(struct time_namespace *ns, clockid_t clockid)
{
	if (!timens_tk_own(ns->tk))
		return clockid;
	return clockid == CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_BOOTTIME;
}

/*
 * CLOCK_REALTIME of an own clock as its timers see it: from the moment a
 * leap second is inserted, even before the tick which applies it, as the
 * host's timers see the host's (tk->next_leap_ktime), so that no timer at
 * the second after the leap expires during it.
 */
static ktime_t timens_tk_timer_real(struct timens_tk *ttk)
{
	struct timekeeper *tk = &ttk->tkd.timekeeper;
	ktime_t real, mono, leap;
	unsigned int seq;

	timens_tk_refresh(ttk);
	do {
		seq = read_seqcount_begin(&ttk->tkd.seq);
		leap = tk->next_leap_ktime;
		real = tk_data_get_with_offset(&ttk->tkd, TK_OFFS_REAL);
		mono = tk_data_get(&ttk->tkd);
	} while (read_seqcount_retry(&ttk->tkd.seq, seq));

	return mono >= leap ? ktime_sub(real, ktime_set(1, 0)) : real;
}

/**
 * timens_tk_clock_now - The time of a namespace clock, as its timers see it
 * @ns:		the namespace, with clocks of its own
 * @clockid:	CLOCK_REALTIME, CLOCK_TAI, CLOCK_MONOTONIC or CLOCK_BOOTTIME
 *
 * Return: the current time of @clockid in @ns, as its tasks read it; an
 * inserted leap second counts from its start, as for the host's timers.
 */
ktime_t timens_tk_clock_now(struct time_namespace *ns, clockid_t clockid)
{
	struct timens_tk *ttk = ns->tk;
	struct timespec64 ts;

	switch (clockid) {
	case CLOCK_REALTIME:
		if (timens_tk_own(ttk))
			return timens_tk_timer_real(ttk);
		timens_tk_read_clock(ttk, clockid, &ts);
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		if (!timens_tk_get_own_ts64(ns, clockid, &ts)) {
			ts = ktime_to_timespec64(clockid == CLOCK_MONOTONIC ? ktime_get() :
									ktime_get_boottime());
			ts = timespec64_add(ts, clockid == CLOCK_MONOTONIC ? ns->offsets.monotonic :
									     ns->offsets.boottime);
		}
		break;
	default:
		timens_tk_read_clock(ttk, clockid, &ts);
		break;
	}
	return timespec64_to_ktime(ts);
}

static ktime_t timens_tk_host_now(clockid_t clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		return ktime_get_real();
	case CLOCK_TAI:
		return ktime_get_clocktai();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime();
	default:
		return ktime_get();
	}
}

/*
 * The time CLOCK_MONOTONIC_RAW takes while the own clock of @ttk advances
 * by @delta ns, rounded up: at the rate its NTP state sets (the tick
 * length, with the frequency and the slew of this second), which its
 * multiplier follows within a few ticks, rather than at the multiplier of
 * the moment, which lags a change of the tick or frequency.
 */
static u64 timens_tk_raw_time(struct timens_tk *ttk, u64 delta)
{
	struct timekeeper *tk = &ttk->tkd.timekeeper;
	u64 interval = READ_ONCE(tk->cycle_interval);
	u64 tick = READ_ONCE(tk->ntp_tick);

	if (!tick)
		return delta;
	return mul_u64_u64_div_u64(delta, interval << NTP_SCALE_SHIFT, tick) + 1;
}

/**
 * timens_tk_timer_to_host - The host expiry of a timer on a namespace clock
 * @ns:		the namespace, with clocks of its own
 * @clockid:	the clock of the timer in @ns
 * @expires:	the absolute expiry on @clockid of @ns
 * @host_clock:	the host clock the timer runs on
 *
 * A namespace which follows the host, on the host's clock of the same id,
 * converts exactly, with its offsets. Otherwise the time left until
 * @expires is scaled by the rate of the namespace's timekeeper to the
 * host's CLOCK_MONOTONIC_RAW, which the host clocks run at but for the
 * host's NTP corrections, and rounded up (timens_tk_raw_time()). The result is exact while the
 * namespace's rate holds and the host's clocks run at the rate of its
 * oscillator; the expiry check of hrtimer_ns.c re-arms a timer which this
 * made early, and a change of the namespace's rate re-arms every timer.
 * A timer late by the host's NTP correction over its time left (at most
 * 500 ppm) is the only error left.
 *
 * Return: the time on @host_clock at which @clockid of @ns is expected to
 * reach @expires; KTIME_MAX stays KTIME_MAX.
 */
ktime_t timens_tk_timer_to_host(struct time_namespace *ns, clockid_t clockid,
				ktime_t expires, clockid_t host_clock)
{
	struct timens_tk *ttk = ns->tk;
	ktime_t now, host_now;
	u64 left;

	if (expires == KTIME_MAX)
		return KTIME_MAX;
	/* Following the host: the host's clock, at fixed offsets */
	if (!timens_tk_own(ttk) && host_clock == clockid)
		return do_timens_ktime_to_host(clockid, expires, &ns->offsets);

	now = timens_tk_clock_now(ns, clockid);
	host_now = timens_tk_host_now(host_clock);
	if (expires <= now)
		return host_now;
	left = ktime_sub(expires, now);
	if (timens_tk_own(ttk))
		left = timens_tk_raw_time(ttk, left);
	return ktime_add_safe(host_now, left);
}

/*
 * When the leap second armed in the NTP state of an own clock is due, on
 * its CLOCK_REALTIME: at the second which second_overflow() applies it at;
 * or at the next second, at which second_overflow() takes up a STA_INS or
 * STA_DEL which it has not taken up yet. KTIME_MAX if none is armed.
 */
static ktime_t timens_tk_leap_due(struct timens_tk *ttk)
{
	struct timekeeper *tk = &ttk->tkd.timekeeper;
	struct ntp_data *ntp = &ttk->ntp;
	int state, status;
	time64_t next, secs;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&ttk->tkd.seq);
		state = ntp->time_state;
		status = ntp->time_status;
		next = ntp->ntp_next_leap_sec;
		secs = tk->xtime_sec;
	} while (read_seqcount_retry(&ttk->tkd.seq, seq));

	switch (state) {
	case TIME_INS:
	case TIME_DEL:
		return next == TIME64_MAX ? KTIME_MAX : ktime_set(next, 0);
	case TIME_OK:
		return status & (STA_INS | STA_DEL) ? ktime_set(secs + 1, 0) : KTIME_MAX;
	default:
		return KTIME_MAX;
	}
}

/*
 * Arm the leap timer of an own clock at the host time of its next leap
 * second, or at once if a reader applied one meanwhile; cancel it if no
 * leap second is armed.
 */
static void timens_tk_arm_leap(struct timens_tk *ttk)
{
	ktime_t leap, host;

	if (!timens_tk_own(ttk))
		return;
	leap = timens_tk_leap_due(ttk);
	if (leap == KTIME_MAX && !READ_ONCE(ttk->leap_applied)) {
		hrtimer_try_to_cancel(&ttk->leap_timer);
		return;
	}
	host = timens_tk_timer_to_host(ttk->ns, CLOCK_REALTIME, leap, CLOCK_BOOTTIME);
	/* The conversion reads the clock, which may apply the leap second */
	if (READ_ONCE(ttk->leap_applied))
		host = 0;
	hrtimer_start(&ttk->leap_timer, host, HRTIMER_MODE_ABS_SOFT);
}

/*
 * The clock of @ns was set, stepped or steered, or switched to a
 * timekeeper of its own: re-arm its timers, cancel its CANCEL_ON_SET
 * timerfds if @cancel, and arm its leap timer for the leap second now due.
 */
static void timens_tk_clock_was_set(struct time_namespace *ns, bool cancel)
{
	timens_timers_clock_was_set(ns, cancel);
	timens_tk_arm_leap(ns->tk);
}

/*
 * The leap timer: the own clock reached its leap second, or took up a
 * STA_INS or STA_DEL, or a reader applied a leap second. A leap second is
 * a set of the clock, as on the host: the namespace's timers are re-armed
 * and its CANCEL_ON_SET timerfds cancelled. Then it is armed for the next.
 */
static enum hrtimer_restart timens_tk_leap_fn(struct hrtimer *timer)
{
	struct timens_tk *ttk = container_of(timer, struct timens_tk, leap_timer);
	bool leap = tk_data_advance(&ttk->tkd);

	if (xchg(&ttk->leap_applied, 0))
		leap = true;
	if (leap)
		timens_tk_clock_was_set(ttk->ns, true);
	else
		timens_tk_arm_leap(ttk);
	return HRTIMER_NORESTART;
}
