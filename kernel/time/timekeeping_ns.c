// SPDX-License-Identifier: GPL-2.0
/*
 * A timekeeper per time namespace.
 *
 * Every time namespace other than the initial one owns a struct
 * timekeeper_ns: its CLOCK_REALTIME, its CLOCK_TAI offset and its
 * timezone. A task with CAP_SYS_TIME in the user namespace owning the
 * time namespace sets them (settimeofday, clock_settime, adjtimex with
 * ADJ_SETOFFSET or ADJ_TAI) without moving the clocks of the host or of
 * any other namespace.
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
 * timekeeper is advanced lazily: by the readers which find it more than
 * a tick old, and once a second by its own hrtimer while its NTP state
 * has work at second boundaries (ntp_is_idle()). An idle one catches up
 * on any idle time at once. The vDSO cannot compute its REALTIME and TAI
 * from the host's clock, so they are marked TIMENS_OFFSET_SYSCALL in the
 * vvar page and read by the syscall.
 *
 * Locking:
 *   tkns->lock (raw spinlock, irq-safe) serialises writers of the state;
 *   tkns->seq (seqcount associated with tkns->lock) lets readers take
 *   a consistent snapshot without the lock. The vvar page copy is
 *   written under tkns->lock, inside vdata->offs_seq, which the vDSO
 *   retries on. tkns->own is set once, under tkns->lock, after the
 *   namespace's timekeeper is complete; readers load it with acquire.
 *   The namespace's timekeeper has its own tkns->tkd.lock and seqcount,
 *   which nest inside tkns->lock and protect tkns->ntp. Reading the
 *   timekeeper's clocksource reads the host's timekeeper under its
 *   seqcount; the host's timekeeping locks are never taken while a
 *   namespace lock is held.
 */

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/clocksource.h>
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/time_namespace.h>
#include <linux/timekeeper_ns.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <vdso/datapage.h>

#include "ntp_internal.h"
#include "timekeeping_internal.h"

/**
 * struct timekeeper_ns - the clocks a time namespace owns
 * @seq:	 lets readers snapshot @real_offset, @tai_adjust and @tz
 * @lock:	 serialises writers
 * @real_offset: namespace CLOCK_REALTIME minus host CLOCK_REALTIME
 * @tai_adjust:	 namespace TAI offset minus host TAI offset, in seconds
 * @tz:		 the namespace's timezone (settimeofday/gettimeofday)
 * @vdata:	 the namespace's vvar page, once a task entered it
 * @own:	 the namespace runs @tkd rather than following the host
 * @tkd:	 its timekeeper, once @own
 * @ntp:	 the NTP state which steers @tkd
 * @second:	 advances @tkd once a second while @ntp is not idle
 *
 * @real_offset and @tai_adjust are only used while !@own.
 */
struct timekeeper_ns {
	seqcount_raw_spinlock_t	seq;
	raw_spinlock_t		lock;
	ktime_t			real_offset;
	s32			tai_adjust;
	struct timezone		tz;
	struct vdso_data	*vdata;
	bool			own;
	struct tk_data		tkd;
	struct ntp_data		ntp;
	struct hrtimer		second;
};

/* The largest TAI offset adjtimex() accepts, as the host's NTP code */
#define TKNS_MAX_TAI_OFFSET	100000

/*
 * The clocksource of the namespace timekeepers: the host's
 * CLOCK_MONOTONIC_RAW in nanoseconds, scaled by 2^31 so that the NTP
 * code can steer its multiplier in steps of 0.5 ns/s. A multiplication
 * of a delta by an adjusted multiplier overflows after max_cycles (4 s);
 * the readout code handles longer deltas, and the namespaces' own
 * advances keep them short.
 */
#define TKNS_CLOCK_SHIFT	31
#define TKNS_CLOCK_MULT		BIT(TKNS_CLOCK_SHIFT)
#define TKNS_CLOCK_MAXADJ	(TKNS_CLOCK_MULT / 100 * 11)

static u64 tkns_clock_read(struct clocksource *cs)
{
	return ktime_get_raw_ns();
}

static struct clocksource tkns_clock = {
	.name		= "timens-raw",
	.read		= tkns_clock_read,
	.mask		= CLOCKSOURCE_MASK(64),
	.mult		= TKNS_CLOCK_MULT,
	.shift		= TKNS_CLOCK_SHIFT,
	.maxadj		= TKNS_CLOCK_MAXADJ,
	.max_cycles	= 1ULL << 32,
	.max_idle_ns	= 1ULL << 32,
	.max_raw_delta	= CLOCKSOURCE_MASK(63),
};

static bool tkns_own(struct timekeeper_ns *tkns)
{
	/* The flag before the timekeeper; pairs with tkns_set_own(). */
	return smp_load_acquire(&tkns->own);
}

/* Bring an own timekeeper up to date if it is more than a tick old. */
static void tkns_refresh(struct timekeeper_ns *tkns)
{
	struct timekeeper *tk = &tkns->tkd.timekeeper;

	if (ktime_get_raw_ns() - READ_ONCE(tk->tkr_mono.cycle_last) >=
	    READ_ONCE(tk->cycle_interval))
		tk_data_advance(&tkns->tkd);
}

static bool tkns_ntp_idle(struct timekeeper_ns *tkns)
{
	unsigned long flags;
	bool idle;

	raw_spin_lock_irqsave(&tkns->tkd.lock, flags);
	idle = ntp_is_idle(&tkns->ntp);
	raw_spin_unlock_irqrestore(&tkns->tkd.lock, flags);
	return idle;
}

static enum hrtimer_restart tkns_second(struct hrtimer *timer)
{
	struct timekeeper_ns *tkns = container_of(timer, struct timekeeper_ns, second);

	tk_data_advance(&tkns->tkd);
	if (tkns_ntp_idle(tkns))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ktime_set(1, 0));
	return HRTIMER_RESTART;
}

/* Advance once a second while the NTP state has per second work. */
static void tkns_arm_second(struct timekeeper_ns *tkns)
{
	if (!tkns_ntp_idle(tkns) && !hrtimer_is_queued(&tkns->second))
		hrtimer_start(&tkns->second, ktime_set(1, 0), HRTIMER_MODE_REL_SOFT);
}

struct tkns_snapshot {
	ktime_t		real_offset;
	s32		tai_adjust;
	struct timezone	tz;
};

static void tkns_read(struct timekeeper_ns *tkns, struct tkns_snapshot *snap)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&tkns->seq);
		snap->real_offset = tkns->real_offset;
		snap->tai_adjust = tkns->tai_adjust;
		snap->tz = tkns->tz;
	} while (read_seqcount_retry(&tkns->seq, seq));
}

static struct timens_offset tkns_vdso_offset(ktime_t off)
{
	struct timens_offset o;
	s32 rem;

	o.sec = div_s64_rem(off, NSEC_PER_SEC, &rem);
	if (rem < 0) {
		o.sec--;
		rem += NSEC_PER_SEC;
	}
	o.nsec = rem;
	return o;
}

/* Copy the state into the vvar page; tkns->lock held. */
static void tkns_publish_vdso(struct timekeeper_ns *tkns)
{
	struct vdso_data *vd = tkns->vdata;
	struct timens_offset real, tai;

	if (!vd)
		return;

	real = tkns_vdso_offset(tkns->real_offset);
	tai = tkns_vdso_offset(ktime_add(tkns->real_offset,
					 ktime_set(tkns->tai_adjust, 0)));

	WRITE_ONCE(vd->offs_seq, vd->offs_seq + 1);
	/* The odd count before the values; pairs with vdso_timens_offset()'s smp_rmb()s */
	smp_wmb();
	if (tkns->own) {
		/* Not an offset to the host's clocks: the vDSO asks the kernel. */
		real.nsec = TIMENS_OFFSET_SYSCALL;
		tai.nsec = TIMENS_OFFSET_SYSCALL;
		vd->offset[CLOCK_MONOTONIC].nsec = TIMENS_OFFSET_SYSCALL;
		vd->offset[CLOCK_MONOTONIC_COARSE].nsec = TIMENS_OFFSET_SYSCALL;
		vd->offset[CLOCK_BOOTTIME].nsec = TIMENS_OFFSET_SYSCALL;
	}
	vd->offset[CLOCK_REALTIME] = real;
	vd->offset[CLOCK_REALTIME_COARSE] = real;
	vd->offset[CLOCK_TAI] = tai;
	vd->tz_minuteswest = tkns->tz.tz_minuteswest;
	vd->tz_dsttime = tkns->tz.tz_dsttime;
	/* The new values before the even count that validates them. */
	smp_wmb();
	WRITE_ONCE(vd->offs_seq, vd->offs_seq + 1);
}

/*
 * The host's clocks at one instant: CLOCK_MONOTONIC_RAW, which is what
 * tkns_clock reads, and CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME.
 */
struct tkns_host_snapshot {
	u64	raw;
	ktime_t	real;
	ktime_t	mono;
	ktime_t	boot;
};

static void tkns_host_snapshot(struct tkns_host_snapshot *hs)
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
 * Give @tkns a timekeeper of its own which continues the clocks it has
 * now: a copy of @src, an own timekeeper whose NTP state @state reports;
 * or, if @src is NULL, the host's clocks with CLOCK_REALTIME shifted by
 * @real_offset. The timekeeper runs on tkns_clock, at the frequency and
 * tick length in @state, with the TAI offset @tai. Called with tkns->lock
 * held, or before @tkns is visible.
 */
static int tkns_own_clock(struct timekeeper_ns *tkns, struct tk_data *src,
			  const struct __kernel_timex *state, ktime_t real_offset, int tai)
{
	struct __kernel_timex txc = {
		.modes		= ADJ_FREQUENCY | ADJ_TICK,
		.freq		= state->freq,
		.tick		= state->tick,
	};
	struct tkns_host_snapshot hs;
	struct audit_ntp_data ad;
	bool clock_set;
	int ret;

	ntp_init_data(&tkns->ntp);
	if (src) {
		tk_data_clone(&tkns->tkd, src, &tkns->ntp);
	} else {
		tkns_host_snapshot(&hs);
		tk_data_init(&tkns->tkd, &tkns_clock, &tkns->ntp, hs.raw,
			     ktime_add(hs.real, real_offset), hs.mono, hs.boot, tai);
	}
	if (tai >= 0 && tai <= TKNS_MAX_TAI_OFFSET) {
		txc.modes |= ADJ_TAI;
		txc.constant = tai;
	}
	audit_ntp_init(&ad);
	ret = tk_data_adjtimex(&tkns->tkd, &txc, &ad, &clock_set);
	return ret < 0 ? ret : 0;
}

/* Read the NTP state of an own timekeeper, as adjtimex() reports it. */
static int tkns_own_state(struct timekeeper_ns *tkns, struct __kernel_timex *txc)
{
	struct audit_ntp_data ad;
	bool clock_set;

	*txc = (struct __kernel_timex) {};
	audit_ntp_init(&ad);
	return tk_data_adjtimex(&tkns->tkd, txc, &ad, &clock_set);
}

static void tkns_set_own(struct timekeeper_ns *tkns)
{
	write_seqcount_begin(&tkns->seq);
	/* The timekeeper before the flag; pairs with tkns_own(). */
	smp_store_release(&tkns->own, true);
	tkns_publish_vdso(tkns);
	write_seqcount_end(&tkns->seq);
}

/*
 * Switch a namespace which follows the host to a timekeeper of its own,
 * for adjtimex() requests which steer its clock.
 */
static int tkns_take_over(struct timekeeper_ns *tkns)
{
	struct __kernel_timex host = {};
	unsigned long flags;
	int ret;

	/* The host's frequency, read before any namespace lock is taken. */
	ret = do_adjtimex(&host);
	if (ret < 0)
		return ret;

	raw_spin_lock_irqsave(&tkns->lock, flags);
	if (!tkns->own) {
		ret = tkns_own_clock(tkns, NULL, &host, tkns->real_offset,
				     host.tai + tkns->tai_adjust);
		if (!ret)
			tkns_set_own(tkns);
	}
	raw_spin_unlock_irqrestore(&tkns->lock, flags);
	return ret;
}

/**
 * timekeeper_ns_init - Give a new time namespace its clocks
 * @ns:		the new namespace
 * @parent:	the namespace it is created from
 *
 * @ns starts with the clocks @parent has now. If @parent has a
 * timekeeper of its own, so has @ns: a copy of it, at its frequency.
 *
 * Return: 0, or -ENOMEM.
 */
int timekeeper_ns_init(struct time_namespace *ns, struct time_namespace *parent)
{
	struct timekeeper_ns *tkns, *ptk = parent->tkns;
	struct tkns_snapshot snap = { .tz = sys_tz };
	struct __kernel_timex state;
	int ret;

	tkns = kzalloc(sizeof(*tkns), GFP_KERNEL_ACCOUNT);
	if (!tkns)
		return -ENOMEM;

	if (ptk)
		tkns_read(ptk, &snap);

	raw_spin_lock_init(&tkns->lock);
	seqcount_raw_spinlock_init(&tkns->seq, &tkns->lock);
	hrtimer_init(&tkns->second, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	tkns->second.function = tkns_second;
	tkns->real_offset = snap.real_offset;
	tkns->tai_adjust = snap.tai_adjust;
	tkns->tz = snap.tz;

	if (ptk && tkns_own(ptk)) {
		ret = tkns_own_state(ptk, &state);
		if (ret >= 0)
			ret = tkns_own_clock(tkns, &ptk->tkd, &state, 0, state.tai);
		if (ret < 0) {
			kfree(tkns);
			return ret;
		}
		tkns->own = true;
		tkns_arm_second(tkns);
	}

	ns->tkns = tkns;
	return 0;
}

/**
 * timekeeper_ns_free - Free the clocks of a time namespace
 * @ns:		the namespace being freed
 */
void timekeeper_ns_free(struct time_namespace *ns)
{
	if (ns->tkns)
		hrtimer_cancel(&ns->tkns->second);
	kfree(ns->tkns);
	ns->tkns = NULL;
}

/**
 * timekeeper_ns_setup_vdso - Let the vDSO of a time namespace see its clocks
 * @ns:		the namespace
 * @vdata:	its vvar page, being set up for the first task entering @ns
 *
 * From now on every change of the namespace's clocks is copied there.
 */
void timekeeper_ns_setup_vdso(struct time_namespace *ns, struct vdso_data *vdata)
{
	struct timekeeper_ns *tkns = ns->tkns;
	unsigned long flags;

	if (!tkns)
		return;

	raw_spin_lock_irqsave(&tkns->lock, flags);
	tkns->vdata = vdata;
	tkns_publish_vdso(tkns);
	raw_spin_unlock_irqrestore(&tkns->lock, flags);
}

/* The current time of @clockid of a namespace's own timekeeper, without offsets. */
static ktime_t tkns_own_now(struct timekeeper_ns *tkns, clockid_t clockid)
{
	tkns_refresh(tkns);
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
		return tk_data_get_with_offset(&tkns->tkd, TK_OFFS_REAL);
	case CLOCK_TAI:
		return tk_data_get_with_offset(&tkns->tkd, TK_OFFS_TAI);
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return tk_data_get_with_offset(&tkns->tkd, TK_OFFS_BOOT);
	default:
		return tk_data_get(&tkns->tkd);
	}
}

/**
 * timekeeper_ns_drift - How far a namespace's own monotonic clocks ran from the host's
 * @ns:		the namespace, not the initial one
 * @clockid:	CLOCK_MONOTONIC or CLOCK_BOOTTIME
 *
 * Return: the namespace's timekeeper's @clockid minus the host's now, to
 * be added to the namespace's fixed offset for @clockid; 0 if @ns follows
 * the host.
 */
ktime_t timekeeper_ns_drift(struct time_namespace *ns, clockid_t clockid)
{
	struct timekeeper_ns *tkns = ns->tkns;

	if (!tkns_own(tkns))
		return 0;
	return ktime_sub(tkns_own_now(tkns, clockid), clockid == CLOCK_MONOTONIC ?
						      ktime_get() : ktime_get_boottime());
}

/**
 * timekeeper_ns_get_own_ts64 - A monotonic clock of a namespace with an own timekeeper
 * @ns:		the namespace
 * @clockid:	CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE or CLOCK_BOOTTIME
 * @ts:		where to store the time
 *
 * The clock as the namespace's timekeeper runs it, with the namespace's
 * offset. Coarse is fine, as an own timekeeper is advanced lazily.
 *
 * Return: false, with @ts untouched, if @ns follows the host.
 */
bool timekeeper_ns_get_own_ts64(struct time_namespace *ns, clockid_t clockid,
				struct timespec64 *ts)
{
	struct timekeeper_ns *tkns = ns->tkns;

	if (!tkns_own(tkns))
		return false;
	*ts = ktime_to_timespec64(tkns_own_now(tkns, clockid));
	*ts = timespec64_add(*ts, clockid == CLOCK_BOOTTIME ? ns->offsets.boottime :
							      ns->offsets.monotonic);
	return true;
}

/* The namespace's offset from the host for @clockid: REALTIME or TAI. */
static ktime_t tkns_offset(struct time_namespace *ns, clockid_t clockid)
{
	struct timekeeper_ns *tkns = ns->tkns;
	struct tkns_snapshot snap;

	if (tkns_own(tkns)) {
		ktime_t now = tkns_own_now(tkns, clockid);

		return ktime_sub(now, clockid == CLOCK_TAI ? ktime_get_clocktai() :
							     ktime_get_real());
	}

	tkns_read(tkns, &snap);
	if (clockid == CLOCK_TAI)
		return ktime_add(snap.real_offset, ktime_set(snap.tai_adjust, 0));
	return snap.real_offset;
}

/**
 * timekeeper_ns_get_real_ts64 - CLOCK_REALTIME of a time namespace
 * @ns:		the namespace
 * @ts:		where to store the time
 */
void timekeeper_ns_get_real_ts64(struct time_namespace *ns, struct timespec64 *ts)
{
	struct timekeeper_ns *tkns = ns->tkns;

	if (tkns_own(tkns)) {
		tkns_refresh(tkns);
		tk_data_get_real_ts64(&tkns->tkd, ts);
		return;
	}
	*ts = ktime_to_timespec64(ktime_add(ktime_get_real(),
					    tkns_offset(ns, CLOCK_REALTIME)));
}

/**
 * timekeeper_ns_get_coarse_real_ts64 - CLOCK_REALTIME_COARSE of a time namespace
 * @ns:		the namespace
 * @ts:		where to store the time
 *
 * An own timekeeper is advanced lazily, so its coarse time can be older
 * than a tick: its fine time is returned instead.
 */
void timekeeper_ns_get_coarse_real_ts64(struct time_namespace *ns, struct timespec64 *ts)
{
	if (tkns_own(ns->tkns)) {
		timekeeper_ns_get_real_ts64(ns, ts);
		return;
	}
	*ts = ktime_to_timespec64(ktime_add(ktime_get_coarse_real(),
					    tkns_offset(ns, CLOCK_REALTIME)));
}

/**
 * timekeeper_ns_get_clocktai_ts64 - CLOCK_TAI of a time namespace
 * @ns:		the namespace
 * @ts:		where to store the time
 */
void timekeeper_ns_get_clocktai_ts64(struct time_namespace *ns, struct timespec64 *ts)
{
	struct timekeeper_ns *tkns = ns->tkns;

	if (tkns_own(tkns)) {
		*ts = ktime_to_timespec64(tkns_own_now(tkns, CLOCK_TAI));
		return;
	}
	*ts = ktime_to_timespec64(ktime_add(ktime_get_clocktai(),
					    tkns_offset(ns, CLOCK_TAI)));
}

/**
 * timekeeper_ns_get_timezone - The timezone of a time namespace
 * @ns:		the namespace
 * @tz:		where to store it
 */
void timekeeper_ns_get_timezone(struct time_namespace *ns, struct timezone *tz)
{
	struct tkns_snapshot snap;

	tkns_read(ns->tkns, &snap);
	*tz = snap.tz;
}

/**
 * timekeeper_ns_get_boottime64 - The realtime at which a time namespace booted
 * @ns:		the namespace
 * @ts:		where to store it
 *
 * Its CLOCK_REALTIME minus its CLOCK_BOOTTIME, as /proc/stat reports it.
 */
void timekeeper_ns_get_boottime64(struct time_namespace *ns, struct timespec64 *ts)
{
	ktime_t offset = tkns_offset(ns, CLOCK_REALTIME);

	getboottime64(ts);
	*ts = timespec64_sub(*ts, ns->offsets.boottime);
	*ts = timespec64_add(*ts, ktime_to_timespec64(offset));
}

static bool tkns_capable(struct time_namespace *ns)
{
	return ns_capable(ns->user_ns, CAP_SYS_TIME);
}

/*
 * Set the namespace's CLOCK_REALTIME to @tv; or step it by @delta when
 * @tv is NULL. The checks are the host's: do_settimeofday64() and
 * timekeeping_inject_offset(), which an own timekeeper runs itself.
 */
static int tkns_set_real(struct timekeeper_ns *tkns, struct time_namespace *ns,
			 const struct timespec64 *tv, const struct timespec64 *delta)
{
	struct timespec64 now, mono, target;
	unsigned long flags;
	int ret = 0;

	raw_spin_lock_irqsave(&tkns->lock, flags);
	if (tkns->own) {
		raw_spin_unlock_irqrestore(&tkns->lock, flags);
		return tv ? tk_data_settimeofday(&tkns->tkd, tv) :
			    tk_data_inject_offset(&tkns->tkd, delta);
	}
	now = ktime_to_timespec64(ktime_add(ktime_get_real(), tkns->real_offset));
	if (tv) {
		target = *tv;
	} else {
		ktime_get_ts64(&mono);
		mono = timespec64_add(mono, ns->offsets.monotonic);
		target = timespec64_add(now, *delta);
		/* The host refuses a step to before its monotonic time. */
		if (timespec64_compare(&target, &mono) < 0 ||
		    !timespec64_valid_settod(&target)) {
			ret = -EINVAL;
			goto out;
		}
	}

	write_seqcount_begin(&tkns->seq);
	tkns->real_offset = ktime_add(tkns->real_offset,
				      timespec64_to_ktime(timespec64_sub(target, now)));
	tkns_publish_vdso(tkns);
	write_seqcount_end(&tkns->seq);
out:
	raw_spin_unlock_irqrestore(&tkns->lock, flags);
	return ret;
}

/**
 * timekeeper_ns_settimeofday64 - settimeofday() in a time namespace
 * @ns:		the namespace of the caller
 * @tv:		the new CLOCK_REALTIME, or NULL
 * @tz:		the new timezone, or NULL
 *
 * The namespace counterpart of do_sys_settimeofday64(), with the same
 * checks in the same order. The host's clocks, its timezone and the RTC
 * are never touched.
 *
 * Return: 0; -EINVAL for an invalid time or timezone; -EPERM without
 * CAP_SYS_TIME in the user namespace owning @ns.
 */
int timekeeper_ns_settimeofday64(struct time_namespace *ns, const struct timespec64 *tv,
				 const struct timezone *tz)
{
	struct timekeeper_ns *tkns = ns->tkns;
	unsigned long flags;
	int ret;

	if (tv && !timespec64_valid_settod(tv))
		return -EINVAL;
	if (!tkns_capable(ns))
		return -EPERM;

	if (tz) {
		if (tz->tz_minuteswest > 15 * 60 || tz->tz_minuteswest < -15 * 60)
			return -EINVAL;
		raw_spin_lock_irqsave(&tkns->lock, flags);
		write_seqcount_begin(&tkns->seq);
		tkns->tz = *tz;
		tkns_publish_vdso(tkns);
		write_seqcount_end(&tkns->seq);
		raw_spin_unlock_irqrestore(&tkns->lock, flags);
	}
	if (tv) {
		ret = tkns_set_real(tkns, ns, tv, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

/* What a namespace that follows the host can do with adjtimex(). */
#define TKNS_ADJ_MODES	(ADJ_SETOFFSET | ADJ_TAI | ADJ_NANO | ADJ_MICRO)

/* Does @txc steer the clock, which needs a timekeeper of its own? */
static bool tkns_steers(const struct __kernel_timex *txc)
{
	if (txc->modes & ADJ_ADJTIME)
		return !(txc->modes & ADJ_OFFSET_READONLY);
	return txc->modes & ~TKNS_ADJ_MODES;
}

/* adjtimex() on a namespace which has a timekeeper of its own. */
static int tkns_own_adjtimex(struct timekeeper_ns *tkns, struct __kernel_timex *txc)
{
	struct audit_ntp_data ad;
	bool clock_set;
	int ret;

	tkns_refresh(tkns);
	audit_ntp_init(&ad);
	ret = tk_data_adjtimex(&tkns->tkd, txc, &ad, &clock_set);
	tkns_arm_second(tkns);
	return ret;
}

/**
 * timekeeper_ns_adjtimex - adjtimex() and clock_adjtime(CLOCK_REALTIME) in a namespace
 * @ns:		the namespace of the caller
 * @txc:	the request, updated with the result as by do_adjtimex()
 *
 * A namespace that follows the host can be stepped (ADJ_SETOFFSET) and
 * can have its own TAI offset (ADJ_TAI); the NTP state it reports is the
 * host's, which disciplines it, with the namespace's time and TAI offset.
 * The first request that steers its clock gives the namespace a
 * timekeeper and an NTP state of its own, continuing from its current
 * clocks and the host's frequency; from then on every request goes to
 * them, with the host's code. The host is never steered from inside a
 * namespace.
 *
 * Return: the clock state as do_adjtimex() returns it, or a negative errno.
 */
int timekeeper_ns_adjtimex(struct time_namespace *ns, struct __kernel_timex *txc)
{
	struct timekeeper_ns *tkns = ns->tkns;
	struct __kernel_timex host = {};
	struct tkns_snapshot snap;
	struct timespec64 ts;
	unsigned long flags;
	int ret;

	ret = timekeeping_validate_timex(txc, ns->user_ns);
	if (ret)
		return ret;

	if (!tkns_own(tkns) && tkns_steers(txc)) {
		ret = tkns_take_over(tkns);
		if (ret)
			return ret;
	}
	if (tkns_own(tkns))
		return tkns_own_adjtimex(tkns, txc);

	if (txc->modes & ADJ_SETOFFSET) {
		ts.tv_sec = txc->time.tv_sec;
		ts.tv_nsec = txc->time.tv_usec;
		if (!(txc->modes & ADJ_NANO))
			ts.tv_nsec *= NSEC_PER_USEC;
		ret = tkns_set_real(tkns, ns, NULL, &ts);
		if (ret)
			return ret;
	}

	/* The host's NTP state, read only. */
	host.modes = txc->modes & ADJ_ADJTIME ?
		     ADJ_ADJTIME | ADJ_OFFSET_SINGLESHOT | ADJ_OFFSET_READONLY : 0;
	ret = do_adjtimex(&host);
	if (ret < 0)
		return ret;

	raw_spin_lock_irqsave(&tkns->lock, flags);
	if ((txc->modes & ADJ_TAI) && txc->constant >= 0 &&
	    txc->constant <= TKNS_MAX_TAI_OFFSET) {
		write_seqcount_begin(&tkns->seq);
		tkns->tai_adjust = (s32)txc->constant - host.tai;
		tkns_publish_vdso(tkns);
		write_seqcount_end(&tkns->seq);
	}
	raw_spin_unlock_irqrestore(&tkns->lock, flags);

	tkns_read(tkns, &snap);
	host.modes = txc->modes;
	host.tai += snap.tai_adjust;
	timekeeper_ns_get_real_ts64(ns, &ts);
	host.time.tv_sec = ts.tv_sec;
	host.time.tv_usec = ts.tv_nsec;
	if (!(host.status & STA_NANO))
		host.time.tv_usec /= NSEC_PER_USEC;
	*txc = host;
	return ret;
}

/**
 * timekeeper_ns_to_host - Convert an absolute time of a namespace clock to host time
 * @ns:		the namespace whose clock @tim is on
 * @clockid:	CLOCK_REALTIME, CLOCK_REALTIME_ALARM or CLOCK_TAI
 * @tim:	absolute expiry time on that clock of @ns
 *
 * For arming timers, which run on the host's clock bases.
 *
 * Return: @tim on the host's clock of the same id; clamped to [0, KTIME_MAX].
 */
ktime_t timekeeper_ns_to_host(struct time_namespace *ns, clockid_t clockid, ktime_t tim)
{
	ktime_t offset = tkns_offset(ns, clockid);

	if (offset > 0 && tim < offset)
		return 0;
	tim = ktime_sub(tim, offset);
	if (tim < 0)
		return offset > 0 ? 0 : KTIME_MAX;
	return tim;
}
