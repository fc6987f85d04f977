// SPDX-License-Identifier: GPL-2.0
/*
 * Timers on the clocks of a time namespace: the rebase queue.
 *
 * Timers run on the host's clock bases. An absolute timer on a clock of a
 * time namespace with clocks of its own (CLOCK_REALTIME and CLOCK_TAI,
 * which can be set; CLOCK_MONOTONIC and CLOCK_BOOTTIME, which run at the
 * rate of its own timekeeper once it has one) is armed at the host time
 * at which the namespace's clock is expected to reach its expiry, and is
 * also kept in its namespace's queue, ordered by its expiry in namespace
 * time. Two things can make the host expiry wrong, and each is handled
 * where it happens, for that namespace only:
 *
 * - A step of the namespace's clock (settimeofday, clock_settime,
 *   ADJ_SETOFFSET, a new TAI offset, a leap second of its own clock), a
 *   change of its rate (frequency, tick, offset slew, status) or its
 *   switch to a clock of its own: the setter walks the namespace's queue
 *   and re-arms each timer at its new host expiry, on the host clock the
 *   namespace's clock now runs on (timens_timers_clock_was_set()). That
 *   is O(timers of the namespace); neither the host's tick,
 *   timekeeping_update() nor clock_was_set() ever looks at a namespace or
 *   at its timers.
 *
 * - A rate which differs from the one the conversion assumed (an NTP slew
 *   of the namespace's own clock, a leap second of its own): the expiry
 *   callback of every such timer checks the namespace's clock first
 *   (timens_hrtimer_due()) and, if the clock has not reached the expiry,
 *   re-arms the timer for the rest instead of expiring it. So no timer
 *   ever expires before its namespace clock reaches its expiry.
 *
 * A namespace which follows the host runs at the host's rate and keeps
 * its timers on the host's bases of the same clocks: a host step or leap
 * second moves its REALTIME and TAI timers as it moves the host's, with
 * no walk. One with a clock of its own keeps them on the host's BOOTTIME
 * base (its CLOCK_MONOTONIC timers on MONOTONIC), which host steps do not
 * move and which, as its clocks, advances across a host suspend. Its
 * switch to a clock of its own moves its armed timers there. A timer whose
 * expiry callback runs during that walk stays on the base it was on until
 * it is armed again: a host step meanwhile can make it late, never early.
 *
 * A timer whose user keeps a copy of its host expiry (an alarm, which
 * also sits in a queue of RTC wake-ups in host time) is not re-armed by
 * the walk but expired at once: its callback, under its user's locks,
 * finds it not due, re-arms it and updates the copy.
 *
 * A timer which can be armed so is followed in memory by its struct
 * timens_timer (TIMENS_TIMER_FOLLOWS()), and hrtimer::is_timens says so:
 * hrtimer_try_to_cancel() takes it out of the queue, so that every user's
 * cancel path also disarms the namespace side.
 *
 * Locking:
 *   queue->lock (raw spinlock, irq-safe) protects the queue, and each
 *   timens_timer's @node and @ns while the timer is queued; the user of
 *   the timer serialises arming, cancelling and forwarding, as for any
 *   hrtimer. The walk re-arms timers with queue->lock held, and the
 *   expiry check re-arms its own timer under it, so the two never race;
 *   the check finds a timer which a walk re-armed while its callback was
 *   starting already queued, and leaves it. Reading a namespace clock
 *   (ttk->lock, its timekeeper's lock) and arming an hrtimer (the
 *   hrtimer base lock) nest inside queue->lock; queue->lock is never
 *   taken with either of them held. The reference on the namespace is
 *   dropped outside queue->lock.
 *
 *   The user of a timer may cancel it, and drop the last reference on its
 *   namespace, while its expiry callback runs on another CPU: the callback
 *   looks at the namespace under rcu_read_lock() (time namespaces with
 *   clocks of their own are freed after a grace period) and finds under
 *   queue->lock whether the timer is still queued there.
 */

#include <linux/hrtimer.h>
#include <linux/hrtimer_ns.h>
#include <linux/time_namespace.h>
#include <linux/timekeeper_ns.h>

#ifdef CONFIG_TIME_NS_TIMEKEEPER

/* Like container_of(), which the layout is the reverse of: not const */
static struct timens_timer *timens_timer_of(const struct hrtimer *timer)
{
	return (struct timens_timer *)(timer + 1);
}

static struct hrtimer *timens_timer_hrtimer(struct timens_timer *nt)
{
	return (struct hrtimer *)nt - 1;
}

/* The namespace whose clock @timer is armed on; NULL for a host clock */
static struct time_namespace *timens_timer_ns(const struct hrtimer *timer)
{
	return timer->is_timens ? READ_ONCE(timens_timer_of(timer)->ns) : NULL;
}

/* Let an inactive @timer run on the host clock @clockid, if it does not. */
static void timens_timer_set_clock(struct hrtimer *timer, clockid_t clockid)
{
	if (timer->base->clockid != clockid)
		hrtimer_set_clock(timer, clockid);
}

/**
 * timens_hrtimer_init - Let an hrtimer run on the clocks of a time namespace
 * @timer:	the timer, initialised, not armed, followed by a struct timens_timer
 *
 * After hrtimer_init(), which clears the mark.
 */
void timens_hrtimer_init(struct hrtimer *timer)
{
	struct timens_timer *nt = timens_timer_of(timer);

	/* On-stack sleepers come here with whatever the stack held */
	*nt = (struct timens_timer) {};
	RB_CLEAR_NODE(&nt->node.node);
	timer->is_timens = 1;
}

/* Put @nt in the queue of @ns, which it holds a reference on. queue->lock held. */
static void timens_timer_enqueue(struct timens_timer_queue *q, struct timens_timer *nt,
				 struct time_namespace *ns)
{
	lockdep_assert_held(&q->lock);
	nt->ns = ns;
	if (RB_EMPTY_NODE(&nt->node.node))
		timerqueue_add(&q->head, &nt->node);
}

/* Take @nt out of the queue; its namespace, whose reference the caller drops. */
static struct time_namespace *timens_timer_dequeue(struct timens_timer *nt)
{
	struct time_namespace *ns = READ_ONCE(nt->ns);
	struct timens_timer_queue *q;

	if (!ns)
		return NULL;
	q = timens_tk_timers(ns);
	scoped_guard(raw_spinlock_irqsave, &q->lock) {
		if (!RB_EMPTY_NODE(&nt->node.node)) {
			timerqueue_del(&q->head, &nt->node);
			RB_CLEAR_NODE(&nt->node.node);
		}
		nt->ns = NULL;
	}
	return ns;
}

static void timens_timer_put(struct time_namespace *ns)
{
	if (ns)
		put_time_ns(ns);
}

/* The host time of the namespace expiry of @timer, on its base. queue->lock held. */
static ktime_t timens_timer_host_expiry(struct hrtimer *timer, struct timens_timer *nt)
{
	return timens_tk_timer_to_host(nt->ns, nt->clockid, nt->node.expires, timer->base->clockid);
}

/*
 * Set the host expiry of @timer, whose callback runs and returns
 * HRTIMER_RESTART, on the base it stays on. queue->lock held.
 */
static void timens_timer_set_host_expiry(struct hrtimer *timer, struct timens_timer *nt)
{
	hrtimer_set_expires_range_ns(timer, timens_timer_host_expiry(timer, nt), nt->range);
}

/*
 * Move an inactive @timer to the host clock which the namespace's clock
 * runs on now; a timer whose callback runs stays on its base.
 */
static void timens_timer_to_base(struct hrtimer *timer, struct timens_timer *nt)
{
	clockid_t base = timens_tk_timer_base(nt->ns, nt->clockid);

	if (timer->base->clockid != base)
		hrtimer_set_clock(timer, base);
}

/*
 * (Re)arm @timer at the host time of its namespace expiry, on the host
 * clock which the namespace's clock runs on now. queue->lock held, so that
 * a switch of the namespace to a clock of its own, which walks the queue
 * afterwards, is seen by every timer in it.
 */
static void timens_timer_arm(struct hrtimer *timer, struct timens_timer *nt)
{
	timens_timer_to_base(timer, nt);
	hrtimer_start_range_ns(timer, timens_timer_host_expiry(timer, nt), nt->range, nt->mode);
}

/*
 * Expire @timer at once, on the host clock which the namespace's clock runs
 * on now: its callback finds it not due and re-arms it through
 * timens_hrtimer_due(), then updates its user's copy of the host expiry,
 * under the user's lock, which may not nest in queue->lock. queue->lock held.
 */
static void timens_timer_expire_now(struct hrtimer *timer, struct timens_timer *nt)
{
	timens_timer_to_base(timer, nt);
	hrtimer_start_range_ns(timer, 0, 0, nt->mode);
}

static void __timens_hrtimer_start(struct hrtimer *timer, struct timens_timer *nt,
				   struct time_namespace *ns)
{
	struct timens_timer_queue *q;
	ktime_t host;

	timens_timer_put(timens_timer_dequeue(nt));

	/* An inactive timer: its first arming, or one cancelled before */
	if (!timens_tk_timer_queued(ns, nt->clockid)) {
		/* The host's clock, or one at fixed offsets from it */
		host = nt->node.expires;
		if (ns != &init_time_ns)
			host = do_timens_ktime_to_host(nt->clockid, host, &ns->offsets);
		timens_timer_set_clock(timer, nt->clockid);
		hrtimer_start_range_ns(timer, host, nt->range, nt->mode);
		return;
	}

	q = timens_tk_timers(ns);
	get_time_ns(ns);
	scoped_guard(raw_spinlock_irqsave, &q->lock) {
		timens_timer_enqueue(q, nt, ns);
		timens_timer_arm(timer, nt);
	}
}

/**
 * timens_hrtimer_start_on - Arm a timer on a clock of a time namespace
 * @timer:	the timer, marked by timens_hrtimer_init(), inactive
 * @ns:		the time namespace
 * @tim:	the absolute expiry, in the time of @ns on the clock @timer
 *		was initialised for
 * @range:	the slack, in nanoseconds
 * @mode:	the hrtimer mode, absolute; HRTIMER_MODE_TIMENS is implied
 *
 * If the namespace's clock can be set or steered, the timer is queued on
 * the namespace and follows its clock until it expires or is cancelled;
 * otherwise it is armed once at the host time of @tim, as upstream.
 */
void timens_hrtimer_start_on(struct hrtimer *timer, struct time_namespace *ns,
			     ktime_t tim, u64 range, enum hrtimer_mode mode)
{
	struct timens_timer *nt = timens_timer_of(timer);

	if (WARN_ON_ONCE(!timer->is_timens || (mode & HRTIMER_MODE_REL)))
		return;
	nt->node.expires = tim;
	nt->range = range;
	nt->mode = mode & ~HRTIMER_MODE_TIMENS;
	nt->clockid = timer->base->clockid;
	nt->set = true;
	__timens_hrtimer_start(timer, nt, ns);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_start_on);

/**
 * timens_hrtimer_set_expires - Set the expiry of a timer which is not armed
 * @timer:	the timer, marked by timens_hrtimer_init(), inactive
 * @tim:	the absolute expiry, in the time of the caller's namespace
 *
 * For a timer which is read but never armed (a SIGEV_NONE POSIX timer):
 * timens_hrtimer_remaining() and timens_hrtimer_forward() work on its
 * clock, as if it were armed.
 */
void timens_hrtimer_set_expires(struct hrtimer *timer, ktime_t tim)
{
	struct time_namespace *ns = current->nsproxy->time_ns;
	struct timens_timer *nt = timens_timer_of(timer);
	clockid_t clockid = timer->base->clockid;

	if (WARN_ON_ONCE(!timer->is_timens))
		return;
	timens_timer_put(timens_timer_dequeue(nt));
	if (!timens_tk_timer_queued(ns, clockid)) {
		hrtimer_set_expires(timer, timens_ktime_to_host(clockid, tim));
		return;
	}
	hrtimer_set_expires(timer, tim);
	nt->node.expires = tim;
	nt->range = 0;
	nt->clockid = clockid;
	nt->set = true;
	nt->ns = get_time_ns(ns);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_set_expires);

/**
 * timens_hrtimer_start_expires - Arm a timer on its expiry in namespace time
 * @timer:	the timer, marked by timens_hrtimer_init(), inactive
 * @mode:	the hrtimer mode, absolute; HRTIMER_MODE_TIMENS is implied
 *
 * The first arming takes the expiry of @timer as the absolute time of the
 * caller's time namespace on the clock @timer was initialised for; arming
 * it again, after an early wake-up, arms it at that same namespace time.
 */
void timens_hrtimer_start_expires(struct hrtimer *timer, enum hrtimer_mode mode)
{
	struct timens_timer *nt = timens_timer_of(timer);
	ktime_t soft = hrtimer_get_softexpires(timer);

	if (WARN_ON_ONCE(!timer->is_timens || (mode & HRTIMER_MODE_REL)))
		return;
	if (!nt->set)
		timens_hrtimer_start_range_ns(timer, soft,
					      ktime_sub(hrtimer_get_expires(timer), soft), mode);
	else
		__timens_hrtimer_start(timer, nt, current->nsproxy->time_ns);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_start_expires);

/* timens_hrtimer_due() with the lock of the queue of @ns held */
static bool __timens_hrtimer_due(struct hrtimer *timer, struct timens_timer *nt,
				 struct time_namespace *ns, struct timens_timer_queue *q)
{
	lockdep_assert_held(&q->lock);
	/* Cancelled meanwhile, or due already */
	if (nt->ns != ns || RB_EMPTY_NODE(&nt->node.node))
		return true;
	/* Re-armed by a set of the clock since this expiry began: leave it */
	if (hrtimer_is_queued(timer))
		return false;
	if (timens_tk_clock_now(ns, nt->clockid) >= nt->node.expires) {
		timerqueue_del(&q->head, &nt->node);
		RB_CLEAR_NODE(&nt->node.node);
		return true;
	}
	timens_timer_set_host_expiry(timer, nt);
	return false;
}

/**
 * timens_hrtimer_due - Has the namespace clock of an expiring timer reached its expiry?
 * @timer:	the timer, in its expiry callback
 *
 * Called first by the expiry callback of every timer which can run on a
 * namespace clock. The namespace's clock ran slower than the conversion
 * to host time assumed, or went back in a leap second, if it has not
 * reached the timer's expiry yet: then the timer is re-armed for the rest,
 * and the callback returns HRTIMER_RESTART without expiring it.
 *
 * Return: true if the timer expires now (as every timer which is not on
 * a namespace clock does); false if the callback must return
 * HRTIMER_RESTART instead.
 */
bool timens_hrtimer_due(struct hrtimer *timer)
{
	struct timens_timer *nt = timens_timer_of(timer);
	struct timens_timer_queue *q;
	struct time_namespace *ns;
	unsigned long flags;
	bool due = true;

	if (!timer->is_timens)
		return true;

	/* Its user may cancel it meanwhile and drop the last reference. */
	rcu_read_lock();
	ns = READ_ONCE(nt->ns);
	if (ns) {
		q = timens_tk_timers(ns);
		raw_spin_lock_irqsave(&q->lock, flags);
		due = __timens_hrtimer_due(timer, nt, ns, q);
		raw_spin_unlock_irqrestore(&q->lock, flags);
	}
	rcu_read_unlock();
	return due;
}
EXPORT_SYMBOL_GPL(timens_hrtimer_due);

/**
 * timens_hrtimer_cancel - Take a timer out of its namespace's queue
 * @timer:	the timer, marked by timens_hrtimer_init()
 *
 * Called by hrtimer_try_to_cancel(), before it cancels the timer itself,
 * so that no set of the namespace's clock arms it again.
 */
void timens_hrtimer_cancel(struct hrtimer *timer)
{
	struct timens_timer *nt = timens_timer_of(timer);

	timens_timer_put(timens_timer_dequeue(nt));
}

/**
 * timens_hrtimer_on_ns - Was a timer armed on a clock of a time namespace?
 * @timer:	the timer
 *
 * Return: true from the arming of @timer on a namespace clock which can be
 * set or steered until it is cancelled or armed again, expired or not.
 */
bool timens_hrtimer_on_ns(const struct hrtimer *timer)
{
	return timens_timer_ns(timer);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_on_ns);

/**
 * timens_hrtimer_remaining - The time left until a timer expires, on its clock
 * @timer:	the timer
 *
 * Return: the time until @timer expires, on the clock it was armed on
 * (hrtimer_expires_remaining_adjusted() for a timer on a host clock).
 */
ktime_t timens_hrtimer_remaining(const struct hrtimer *timer)
{
	struct time_namespace *ns = timens_timer_ns(timer);
	struct timens_timer *nt = timens_timer_of(timer);

	if (!ns)
		return hrtimer_expires_remaining_adjusted(timer);
	return ktime_sub(nt->node.expires, timens_tk_clock_now(ns, nt->clockid));
}
EXPORT_SYMBOL_GPL(timens_hrtimer_remaining);

/**
 * timens_hrtimer_forward - hrtimer_forward() on the clock a timer was armed on
 * @timer:	the timer, not armed: expired, or not started
 * @now:	the time to forward past, on that clock
 * @interval:	the period
 *
 * Return: the number of overruns, as hrtimer_forward() returns them.
 */
u64 timens_hrtimer_forward(struct hrtimer *timer, ktime_t now, ktime_t interval)
{
	struct timens_timer *nt = timens_timer_of(timer);
	ktime_t soft, exp;
	u64 overruns;

	if (!timens_timer_ns(timer))
		return hrtimer_forward(timer, now, interval);

	/* The arithmetic of hrtimer_forward(), on the namespace expiry */
	soft = hrtimer_get_softexpires(timer);
	exp = hrtimer_get_expires(timer);
	hrtimer_set_expires(timer, nt->node.expires);
	overruns = hrtimer_forward(timer, now, interval);
	nt->node.expires = hrtimer_get_expires(timer);
	hrtimer_set_expires_range_ns(timer, soft, ktime_sub(exp, soft));
	return overruns;
}
EXPORT_SYMBOL_GPL(timens_hrtimer_forward);

/**
 * timens_hrtimer_cb_get_time - hrtimer_cb_get_time() on the clock a timer was armed on
 * @timer:	the timer, in its expiry callback or serialised by its user
 *
 * Return: the time of the namespace clock @timer was armed on, if it was
 * armed on one which can be set or steered; else the time of its base.
 */
ktime_t timens_hrtimer_cb_get_time(struct hrtimer *timer)
{
	struct time_namespace *ns = timens_timer_ns(timer);

	if (!ns)
		return hrtimer_cb_get_time(timer);
	return timens_tk_clock_now(ns, timens_timer_of(timer)->clockid);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_cb_get_time);

/**
 * timens_hrtimer_forward_now - hrtimer_forward_now() on the clock a timer was armed on
 * @timer:	the timer, not armed
 * @interval:	the period
 *
 * Return: the number of overruns.
 */
u64 timens_hrtimer_forward_now(struct hrtimer *timer, ktime_t interval)
{
	return timens_hrtimer_forward(timer, timens_hrtimer_cb_get_time(timer), interval);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_forward_now);

/**
 * timens_hrtimer_restart - hrtimer_restart() for a timer on a namespace clock
 * @timer:	the timer, not armed
 *
 * Arms a timer which expired, or was forwarded, again at its expiry on the
 * clock it was armed on, in its namespace's queue if it was in one.
 */
void timens_hrtimer_restart(struct hrtimer *timer)
{
	struct time_namespace *ns = timens_timer_ns(timer);
	struct timens_timer *nt = timens_timer_of(timer);
	struct timens_timer_queue *q;

	if (!ns) {
		hrtimer_restart(timer);
		return;
	}
	q = timens_tk_timers(ns);
	scoped_guard(raw_spinlock_irqsave, &q->lock) {
		timens_timer_enqueue(q, nt, ns);
		timens_timer_arm(timer, nt);
	}
}
EXPORT_SYMBOL_GPL(timens_hrtimer_restart);

/**
 * timens_hrtimer_forward_requeue - Forward an expiring timer on the clock it was armed on
 * @timer:	the timer, in its expiry callback, which returns HRTIMER_RESTART
 * @now:	the time to forward past, on that clock
 * @interval:	the period
 *
 * hrtimer_forward() for a periodic timer which its callback restarts. A
 * timer on a namespace clock is forwarded in namespace time and queued
 * again on its namespace, at the host time of its new expiry, so that a
 * set of the namespace's clock re-arms it.
 *
 * Return: the number of overruns, as hrtimer_forward() returns them.
 */
u64 timens_hrtimer_forward_requeue(struct hrtimer *timer, ktime_t now, ktime_t interval)
{
	u64 overruns;

	if (!timens_timer_ns(timer))
		return hrtimer_forward(timer, now, interval);

	overruns = timens_hrtimer_forward(timer, now, interval);
	timens_hrtimer_requeue(timer);
	return overruns;
}
EXPORT_SYMBOL_GPL(timens_hrtimer_forward_requeue);

/**
 * timens_hrtimer_requeue - Queue an expiring timer again on its namespace
 * @timer:	the timer, on a namespace clock (timens_hrtimer_on_ns()), in
 *		its expiry callback, which returns HRTIMER_RESTART, after
 *		timens_hrtimer_forward() moved its expiry
 *
 * Puts the timer back in its namespace's queue, so that a set of the
 * namespace's clock re-arms it, and sets its host expiry to the host time
 * of its new expiry in namespace time.
 */
void timens_hrtimer_requeue(struct hrtimer *timer)
{
	struct time_namespace *ns = timens_timer_ns(timer);
	struct timens_timer *nt = timens_timer_of(timer);
	struct timens_timer_queue *q;

	if (WARN_ON_ONCE(!ns))
		return;
	q = timens_tk_timers(ns);
	scoped_guard(raw_spinlock_irqsave, &q->lock) {
		timens_timer_enqueue(q, nt, ns);
		timens_timer_set_host_expiry(timer, nt);
	}
}
EXPORT_SYMBOL_GPL(timens_hrtimer_requeue);

/**
 * timens_timers_clock_was_set - Re-arm the timers of a namespace whose clock changed
 * @ns:		the namespace, whose clock was stepped, whose rate changed or
 *		which switched to a clock of its own
 * @cancel:	its CLOCK_REALTIME was set or stepped (not only steered): cancel
 *		its TFD_TIMER_CANCEL_ON_SET timerfds, as clock_was_set() cancels
 *		those of the host
 *
 * Re-arms every timer queued on @ns at the host time of its expiry under
 * the namespace's new clock, on the host clock which that runs on; those
 * which became due expire at once, and so do those whose callback re-arms
 * them (timens_timer_set_rearms()). Costs O(timers of @ns); touches
 * nothing of any other namespace.
 */
void timens_timers_clock_was_set(struct time_namespace *ns, bool cancel)
{
	struct timens_timer_queue *q = timens_tk_timers(ns);
	struct timerqueue_node *node;
	struct timens_timer *nt;

	scoped_guard(raw_spinlock_irqsave, &q->lock) {
		for (node = timerqueue_getnext(&q->head); node;
		     node = timerqueue_iterate_next(node)) {
			nt = container_of(node, struct timens_timer, node);
			if (nt->rearms)
				timens_timer_expire_now(timens_timer_hrtimer(nt), nt);
			else
				timens_timer_arm(timens_timer_hrtimer(nt), nt);
		}
	}
	/* As clock_was_set() for the host's clock */
	if (cancel)
		timerfd_timens_clock_was_set(ns);
}

#else /* !CONFIG_TIME_NS_TIMEKEEPER */

/*
 * Without clocks of their own, the clocks of a time namespace are the
 * host's shifted by fixed offsets: an expiry is converted to host time
 * once, when the timer is armed.
 */
void timens_hrtimer_start_on(struct hrtimer *timer, struct time_namespace *ns,
			     ktime_t tim, u64 range, enum hrtimer_mode mode)
{
#ifdef CONFIG_TIME_NS
	if (ns != &init_time_ns)
		tim = do_timens_ktime_to_host(timer->base->clockid, tim, &ns->offsets);
#endif
	hrtimer_start_range_ns(timer, tim, range, mode & ~HRTIMER_MODE_TIMENS);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_start_on);

void timens_hrtimer_start_expires(struct hrtimer *timer, enum hrtimer_mode mode)
{
	ktime_t soft = hrtimer_get_softexpires(timer);

	timens_hrtimer_start_range_ns(timer, soft, ktime_sub(hrtimer_get_expires(timer), soft),
				      mode);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_start_expires);

ktime_t timens_hrtimer_remaining(const struct hrtimer *timer)
{
	return hrtimer_expires_remaining_adjusted(timer);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_remaining);

u64 timens_hrtimer_forward(struct hrtimer *timer, ktime_t now, ktime_t interval)
{
	return hrtimer_forward(timer, now, interval);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_forward);

u64 timens_hrtimer_forward_now(struct hrtimer *timer, ktime_t interval)
{
	return hrtimer_forward_now(timer, interval);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_forward_now);

void timens_hrtimer_set_expires(struct hrtimer *timer, ktime_t tim)
{
	hrtimer_set_expires(timer, timens_ktime_to_host(timer->base->clockid, tim));
}
EXPORT_SYMBOL_GPL(timens_hrtimer_set_expires);

void timens_hrtimer_restart(struct hrtimer *timer)
{
	hrtimer_restart(timer);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_restart);

ktime_t timens_hrtimer_cb_get_time(struct hrtimer *timer)
{
	return hrtimer_cb_get_time(timer);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_cb_get_time);

u64 timens_hrtimer_forward_requeue(struct hrtimer *timer, ktime_t now, ktime_t interval)
{
	return hrtimer_forward(timer, now, interval);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_forward_requeue);

#endif /* CONFIG_TIME_NS_TIMEKEEPER */

/**
 * timens_hrtimer_start_range_ns - Arm a timer on a clock of the caller's time namespace
 * @timer:	the timer, marked by timens_hrtimer_init(), inactive
 * @tim:	the absolute expiry, in the time of the caller's namespace on
 *		the clock @timer was initialised for
 * @range:	the slack, in nanoseconds
 * @mode:	the hrtimer mode, absolute; HRTIMER_MODE_TIMENS is implied
 *
 * timens_hrtimer_start_on() for the time namespace of current.
 */
void timens_hrtimer_start_range_ns(struct hrtimer *timer, ktime_t tim, u64 range,
				   enum hrtimer_mode mode)
{
	timens_hrtimer_start_on(timer, current->nsproxy->time_ns, tim, range, mode);
}
EXPORT_SYMBOL_GPL(timens_hrtimer_start_range_ns);
