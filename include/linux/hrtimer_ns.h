/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timers on the clocks of a time namespace: the rebase queue of
 * kernel/time/hrtimer_ns.c. Included by linux/hrtimer.h, which defines
 * the modes; include that.
 *
 * An hrtimer which a task may arm on a clock of its time namespace (a
 * sleeper, a POSIX timer, a timerfd) is followed in memory by a struct
 * timens_timer, and its user marks it so with timens_hrtimer_init() (the
 * sleeper code does for every sleeper). TIMENS_TIMER_FOLLOWS() checks the
 * layout at build time. HRTIMER_MODE_TIMENS arms one on the clock of the
 * caller's time namespace. Without CONFIG_TIME_NS_TIMEKEEPER the struct is
 * empty and arming converts the expiry to host time once, as upstream.
 */
#ifndef _LINUX_HRTIMER_NS_H
#define _LINUX_HRTIMER_NS_H

#include <linux/build_bug.h>
#include <linux/hrtimer_types.h>
#include <linux/spinlock_types.h>
#include <linux/stddef.h>
#include <linux/timerqueue_types.h>
#include <linux/types.h>

struct time_namespace;

/* Check at build time that the timens_timer @nt directly follows the hrtimer @timer. */
#define TIMENS_TIMER_FOLLOWS(type, timer, nt)					\
	static_assert(offsetof(type, nt) == offsetof(type, timer) + sizeof(struct hrtimer))

void timens_hrtimer_start_on(struct hrtimer *timer, struct time_namespace *ns,
			     ktime_t tim, u64 range, enum hrtimer_mode mode);
void timens_hrtimer_start_range_ns(struct hrtimer *timer, ktime_t tim, u64 range,
				   enum hrtimer_mode mode);

#ifdef CONFIG_TIME_NS_TIMEKEEPER

/**
 * struct timens_timer - The namespace side of an hrtimer on a namespace clock
 * @node:	in the namespace's queue, keyed by the expiry in namespace
 *		time, while the timer is armed there and not yet due
 * @ns:		the namespace, with a reference, from arming until the timer
 *		is cancelled or armed again; NULL otherwise
 * @range:	the slack of the timer, in nanoseconds
 * @mode:	the hrtimer mode it was armed with, without HRTIMER_MODE_TIMENS
 * @clockid:	the namespace clock of @node.expires
 * @set:	@node.expires, @range and @clockid hold the expiry to arm
 * @on_ns:	a sleeper initialised with HRTIMER_MODE_TIMENS: every start
 *		arms it on the namespace clock
 * @rearms:	a user which keeps a copy of the host expiry (an alarm, whose
 *		place in the queue of RTC wake-ups is in host time): a walk
 *		expires the timer at once instead of re-arming it, and its
 *		callback, finding it not due, re-arms it and updates the copy
 */
struct timens_timer {
	struct timerqueue_node	node;
	struct time_namespace	*ns;
	u64			range;
	u32			mode;
	clockid_t		clockid;
	bool			set;
	bool			on_ns;
	bool			rearms;
};

/**
 * struct timens_timer_queue - The armed timers of a time namespace
 * @lock:	serialises the queue and the namespace side of its timers
 * @head:	the struct timens_timer of each timer armed on a clock of the
 *		namespace and not yet due, in the order of their expiry
 * @cancel_list: the timerfds which a set of the namespace's CLOCK_REALTIME
 *		cancels (TFD_TIMER_CANCEL_ON_SET), under the lock of fs/timerfd.c
 */
struct timens_timer_queue {
	raw_spinlock_t		lock;
	struct timerqueue_head	head;
	struct list_head	cancel_list;
};

void timens_hrtimer_init(struct hrtimer *timer);

static inline void timens_timer_set_on_ns(struct timens_timer *nt, bool on_ns)
{
	nt->on_ns = on_ns;
}

static inline bool timens_timer_on_ns(const struct timens_timer *nt)
{
	return nt->on_ns;
}

/* After timens_hrtimer_init(): the callback of @nt's timer sees every re-arm. */
static inline void timens_timer_set_rearms(struct timens_timer *nt)
{
	nt->rearms = true;
}

void timens_hrtimer_start_expires(struct hrtimer *timer, enum hrtimer_mode mode);
bool timens_hrtimer_due(struct hrtimer *timer);
void timens_hrtimer_cancel(struct hrtimer *timer);
bool timens_hrtimer_on_ns(const struct hrtimer *timer);
ktime_t timens_hrtimer_remaining(const struct hrtimer *timer);
u64 timens_hrtimer_forward(struct hrtimer *timer, ktime_t now, ktime_t interval);
u64 timens_hrtimer_forward_now(struct hrtimer *timer, ktime_t interval);
void timens_hrtimer_restart(struct hrtimer *timer);
void timens_timers_clock_was_set(struct time_namespace *ns, bool cancel);
void timens_hrtimer_set_expires(struct hrtimer *timer, ktime_t tim);
ktime_t timens_hrtimer_cb_get_time(struct hrtimer *timer);
u64 timens_hrtimer_forward_requeue(struct hrtimer *timer, ktime_t now, ktime_t interval);
void timens_hrtimer_requeue(struct hrtimer *timer);

#ifdef CONFIG_TIMERFD
void timerfd_timens_clock_was_set(struct time_namespace *ns);
#else
static inline void timerfd_timens_clock_was_set(struct time_namespace *ns) { }
#endif

#else /* !CONFIG_TIME_NS_TIMEKEEPER */

struct timens_timer { };

static inline void timens_hrtimer_init(struct hrtimer *timer) { }
static inline void timens_timer_set_on_ns(struct timens_timer *nt, bool on_ns) { }
static inline bool timens_timer_on_ns(const struct timens_timer *nt) { return false; }
static inline void timens_timer_set_rearms(struct timens_timer *nt) { }
void timens_hrtimer_start_expires(struct hrtimer *timer, enum hrtimer_mode mode);
static inline bool timens_hrtimer_due(struct hrtimer *timer) { return true; }
static inline void timens_hrtimer_cancel(struct hrtimer *timer) { }
static inline bool timens_hrtimer_on_ns(const struct hrtimer *timer) { return false; }
ktime_t timens_hrtimer_remaining(const struct hrtimer *timer);
u64 timens_hrtimer_forward(struct hrtimer *timer, ktime_t now, ktime_t interval);
u64 timens_hrtimer_forward_now(struct hrtimer *timer, ktime_t interval);
void timens_hrtimer_restart(struct hrtimer *timer);
static inline void timens_timers_clock_was_set(struct time_namespace *ns, bool cancel) { }
void timens_hrtimer_set_expires(struct hrtimer *timer, ktime_t tim);
ktime_t timens_hrtimer_cb_get_time(struct hrtimer *timer);
u64 timens_hrtimer_forward_requeue(struct hrtimer *timer, ktime_t now, ktime_t interval);
static inline void timens_hrtimer_requeue(struct hrtimer *timer) { }

#endif /* CONFIG_TIME_NS_TIMEKEEPER */

#endif /* _LINUX_HRTIMER_NS_H */
