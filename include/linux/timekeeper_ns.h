/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A timekeeper per time namespace: CLOCK_REALTIME, CLOCK_TAI and the
 * timezone of a time namespace, set and read independently of the host.
 *
 * The state itself (struct timens_tk) is private to
 * kernel/time/timekeeping_ns.c; this header declares what the rest of
 * the kernel calls. With CONFIG_TIME_NS_TIMEKEEPER off every wrapper is
 * the host function it replaces.
 */
#ifndef _LINUX_TIMEKEEPER_NS_H
#define _LINUX_TIMEKEEPER_NS_H

#include <linux/time_namespace.h>
#include <linux/timekeeping.h>
#include <linux/time.h>
#include <linux/time64.h>
#include <linux/timex.h>
#include <linux/user_namespace.h>

struct user_namespace;
struct vdso_data;

/*
 * The clocks of a namespace which has clocks of its own; with
 * CONFIG_TIME_NS_TIMEKEEPER off only declared, as no namespace has.
 */
void timens_tk_get_real_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timens_tk_get_coarse_real_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timens_tk_get_clocktai_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timens_tk_get_timezone(struct time_namespace *ns, struct timezone *tz);
int timens_tk_settime64(struct time_namespace *ns, const struct timespec64 *tv);
void timens_tk_set_timezone(struct time_namespace *ns, const struct timezone *tz);
int timens_tk_adjtimex(struct time_namespace *ns, struct __kernel_timex *txc);
void timens_tk_get_boottime64(struct time_namespace *ns, struct timespec64 *ts);
bool timens_tk_get_own_ts64(struct time_namespace *ns, clockid_t clockid,
			    struct timespec64 *ts);

#ifdef CONFIG_TIME_NS_TIMEKEEPER

int timens_tk_init(struct time_namespace *ns, struct time_namespace *parent,
		   struct user_namespace *user_ns);
int timens_tk_make_local(struct time_namespace *ns);
void timens_tk_free(struct time_namespace *ns);
void timens_tk_setup_vdso(struct time_namespace *ns, struct vdso_data *vdata);

ktime_t timens_tk_to_host(struct time_namespace *ns, clockid_t clockid, ktime_t tim);
ktime_t timens_tk_from_host(struct time_namespace *ns, clockid_t clockid, ktime_t tim);

/* For the timers of a namespace (kernel/time/hrtimer_ns.c) */
struct timens_timer_queue *timens_tk_timers(struct time_namespace *ns);
bool timens_tk_is_own(struct time_namespace *ns);
bool timens_tk_timer_queued(struct time_namespace *ns, clockid_t clockid);
clockid_t timens_tk_timer_base(struct time_namespace *ns, clockid_t clockid);
ktime_t timens_tk_clock_now(struct time_namespace *ns, clockid_t clockid);
ktime_t timens_tk_timer_to_host(struct time_namespace *ns, clockid_t clockid,
				ktime_t expires, clockid_t host_clock);

#ifdef CONFIG_TIME_NS_TIMEKEEPER_KUNIT_TEST
void timens_tk_test_suspend(struct time_namespace *ns, ktime_t delta);
#endif

/*
 * Does @ns own its CLOCK_REALTIME, TAI, timezone and NTP state? A time
 * namespace owned by a user namespace other than the initial one does from
 * creation; one owned by the initial user namespace keeps the host's clock,
 * as upstream, until it is made local through /proc/PID/timens_clock.
 */
static inline bool timens_is_local(const struct time_namespace *ns)
{
	return READ_ONCE(ns->tk);
}

/* The time namespace of current, if it has a clock of its own. */
static inline struct time_namespace *current_timens_local(void)
{
	struct time_namespace *ns = current->nsproxy->time_ns;

	return unlikely(timens_is_local(ns)) ? ns : NULL;
}

#else /* !CONFIG_TIME_NS_TIMEKEEPER */

static inline int timens_tk_init(struct time_namespace *ns,
				 struct time_namespace *parent,
				 struct user_namespace *user_ns)
{
	return 0;
}

static inline void timens_tk_free(struct time_namespace *ns) { }
static inline void timens_tk_setup_vdso(struct time_namespace *ns,
					struct vdso_data *vdata) { }
static inline bool timens_is_local(const struct time_namespace *ns) { return false; }
static inline struct time_namespace *current_timens_local(void) { return NULL; }

static inline ktime_t timens_tk_to_host(struct time_namespace *ns,
					clockid_t clockid, ktime_t tim)
{
	return tim;
}

static inline ktime_t timens_tk_from_host(struct time_namespace *ns,
					  clockid_t clockid, ktime_t tim)
{
	return tim;
}

#endif /* CONFIG_TIME_NS_TIMEKEEPER */

/*
 * The clocks of current's time namespace: its own if it has clocks of
 * its own, else the host's.
 */
static inline void timens_get_real_ts64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns))
		ktime_get_real_ts64(ts);
	else
		timens_tk_get_real_ts64(ns, ts);
}

static inline void timens_get_coarse_real_ts64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns))
		ktime_get_coarse_real_ts64(ts);
	else
		timens_tk_get_coarse_real_ts64(ns, ts);
}

static inline void timens_get_clocktai_ts64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns))
		ktime_get_clocktai_ts64(ts);
	else
		timens_tk_get_clocktai_ts64(ns, ts);
}

static inline time64_t timens_get_real_seconds(void)
{
	struct time_namespace *ns = current_timens_local();
	struct timespec64 ts;

	if (likely(!ns))
		return ktime_get_real_seconds();
	timens_tk_get_coarse_real_ts64(ns, &ts);
	return ts.tv_sec;
}

static inline void timens_get_timezone(struct timezone *tz)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns))
		*tz = sys_tz;
	else
		timens_tk_get_timezone(ns, tz);
}

/* do_settimeofday64() on the clock of current's time namespace */
static inline int timens_settimeofday64(const struct timespec64 *ts)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns))
		return do_settimeofday64(ts);
	return timens_tk_settime64(ns, ts);
}

/*
 * The user namespace in which setting current's clock needs CAP_SYS_TIME:
 * the owner of its time namespace if that has a clock of its own, else the
 * initial one, which owns the host's clock.
 */
static inline struct user_namespace *current_timens_clock_owner(void)
{
	struct time_namespace *ns = current_timens_local();

	return likely(!ns) ? &init_user_ns : ns->user_ns;
}

static inline int timens_do_adjtimex(struct __kernel_timex *txc)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns))
		return do_adjtimex(txc);
	return timens_tk_adjtimex(ns, txc);
}

/*
 * CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE or CLOCK_BOOTTIME of current's
 * time namespace, if it has a timekeeper of its own; false otherwise.
 */
static inline bool timens_get_own_ts64(clockid_t clockid, struct timespec64 *ts)
{
	struct time_namespace *ns = current_timens_local();

	return unlikely(ns) && timens_tk_get_own_ts64(ns, clockid, ts);
}

/*
 * A CLOCK_REALTIME time of the host, a socket timestamp for one, in the
 * realtime of current's time namespace, at its offset from the host's now.
 * 0, no timestamp, stays 0.
 */
static inline ktime_t timens_real_from_host(ktime_t tim)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns) || !tim)
		return tim;
	return timens_tk_from_host(ns, CLOCK_REALTIME, tim);
}

/* The realtime of boot, in current's time namespace (/proc/stat btime). */
static inline void timens_getboottime64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timens_local();

	if (likely(!ns)) {
		getboottime64(ts);
		timens_sub_boottime(ts);
	} else {
		timens_tk_get_boottime64(ns, ts);
	}
}

#endif /* _LINUX_TIMEKEEPER_NS_H */
