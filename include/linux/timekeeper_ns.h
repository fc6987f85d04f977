/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A timekeeper per time namespace: CLOCK_REALTIME, CLOCK_TAI and the
 * timezone of a time namespace, set and read independently of the host.
 *
 * The state itself (struct timekeeper_ns) is private to
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

struct vdso_data;

#ifdef CONFIG_TIME_NS_TIMEKEEPER

int timekeeper_ns_init(struct time_namespace *ns, struct time_namespace *parent);
void timekeeper_ns_free(struct time_namespace *ns);
void timekeeper_ns_setup_vdso(struct time_namespace *ns, struct vdso_data *vdata);

void timekeeper_ns_get_real_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timekeeper_ns_get_coarse_real_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timekeeper_ns_get_clocktai_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timekeeper_ns_get_timezone(struct time_namespace *ns, struct timezone *tz);
int timekeeper_ns_settimeofday64(struct time_namespace *ns, const struct timespec64 *tv,
				 const struct timezone *tz);
int timekeeper_ns_adjtimex(struct time_namespace *ns, struct __kernel_timex *txc);
void timekeeper_ns_get_boottime64(struct time_namespace *ns, struct timespec64 *ts);
ktime_t timekeeper_ns_to_host(struct time_namespace *ns, clockid_t clockid, ktime_t tim);
bool timekeeper_ns_get_own_ts64(struct time_namespace *ns, clockid_t clockid,
				struct timespec64 *ts);

/* The time namespace of current, if it is not the host's. */
static inline struct time_namespace *current_timekeeper_ns(void)
{
	struct time_namespace *ns = current->nsproxy->time_ns;

	return likely(ns == &init_time_ns) ? NULL : ns;
}

#else /* !CONFIG_TIME_NS_TIMEKEEPER */

static inline int timekeeper_ns_init(struct time_namespace *ns,
				     struct time_namespace *parent)
{
	return 0;
}

static inline void timekeeper_ns_free(struct time_namespace *ns) { }
static inline void timekeeper_ns_setup_vdso(struct time_namespace *ns,
					    struct vdso_data *vdata) { }
static inline struct time_namespace *current_timekeeper_ns(void) { return NULL; }

static inline ktime_t timekeeper_ns_to_host(struct time_namespace *ns,
					    clockid_t clockid, ktime_t tim)
{
	return tim;
}

/* Never called: current_timekeeper_ns() is NULL. */
void timekeeper_ns_get_real_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timekeeper_ns_get_coarse_real_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timekeeper_ns_get_clocktai_ts64(struct time_namespace *ns, struct timespec64 *ts);
void timekeeper_ns_get_timezone(struct time_namespace *ns, struct timezone *tz);
int timekeeper_ns_settimeofday64(struct time_namespace *ns, const struct timespec64 *tv,
				 const struct timezone *tz);
int timekeeper_ns_adjtimex(struct time_namespace *ns, struct __kernel_timex *txc);
void timekeeper_ns_get_boottime64(struct time_namespace *ns, struct timespec64 *ts);
bool timekeeper_ns_get_own_ts64(struct time_namespace *ns, clockid_t clockid,
				struct timespec64 *ts);

#endif /* CONFIG_TIME_NS_TIMEKEEPER */

/*
 * The clocks of current's time namespace: the host's clocks in the
 * initial time namespace, the namespace's own everywhere else.
 */
static inline void timens_get_real_ts64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timekeeper_ns();

	if (likely(!ns))
		ktime_get_real_ts64(ts);
	else
		timekeeper_ns_get_real_ts64(ns, ts);
}

static inline void timens_get_coarse_real_ts64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timekeeper_ns();

	if (likely(!ns))
		ktime_get_coarse_real_ts64(ts);
	else
		timekeeper_ns_get_coarse_real_ts64(ns, ts);
}

static inline void timens_get_clocktai_ts64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timekeeper_ns();

	if (likely(!ns))
		ktime_get_clocktai_ts64(ts);
	else
		timekeeper_ns_get_clocktai_ts64(ns, ts);
}

static inline time64_t timens_get_real_seconds(void)
{
	struct time_namespace *ns = current_timekeeper_ns();
	struct timespec64 ts;

	if (likely(!ns))
		return ktime_get_real_seconds();
	timekeeper_ns_get_coarse_real_ts64(ns, &ts);
	return ts.tv_sec;
}

static inline void timens_get_timezone(struct timezone *tz)
{
	struct time_namespace *ns = current_timekeeper_ns();

	if (likely(!ns))
		*tz = sys_tz;
	else
		timekeeper_ns_get_timezone(ns, tz);
}

static inline int timens_do_adjtimex(struct __kernel_timex *txc)
{
	struct time_namespace *ns = current_timekeeper_ns();

	if (likely(!ns))
		return do_adjtimex(txc);
	return timekeeper_ns_adjtimex(ns, txc);
}

/*
 * CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE or CLOCK_BOOTTIME of current's
 * time namespace, if it has a timekeeper of its own; false otherwise.
 */
static inline bool timens_get_own_ts64(clockid_t clockid, struct timespec64 *ts)
{
	struct time_namespace *ns = current_timekeeper_ns();

	return unlikely(ns) && timekeeper_ns_get_own_ts64(ns, clockid, ts);
}

/* The realtime of boot, in current's time namespace (/proc/stat btime). */
static inline void timens_getboottime64(struct timespec64 *ts)
{
	struct time_namespace *ns = current_timekeeper_ns();

	if (likely(!ns)) {
		getboottime64(ts);
		timens_sub_boottime(ts);
	} else {
		timekeeper_ns_get_boottime64(ns, ts);
	}
}

#endif /* _LINUX_TIMEKEEPER_NS_H */
