/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_timer: a worker's hashed timing wheel (see tcp_timer.h).
 *
 * The invariant everything rests on: an armed timer's expiry_tick is at least w->tick
 * (every tick before it has been fired), and the timer is on the list of slot
 * expiry_tick & mask — or on w->due while its slot is being fired. Arming clamps the
 * expiry to w->arm_tick to keep it: that is w->tick, or the tick after the one firing
 * while callbacks run, so a timer re-armed for "now" inside a callback goes to the next
 * tick instead of looping in this one. A slot's busy bit is set exactly when its list is
 * not empty, so between ticks (every armed timer on a slot) a wheel with a timer armed
 * has a busy bit set.
 *
 * Context: the wheel's owner (one worker lcore); create and free on the control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tcp_timer.h"

static inline struct tcp_timer *
tcp_timer_of(struct tcp_timer_link *l)
{
	return (struct tcp_timer *)(void *)((char *)l - offsetof(struct tcp_timer, link));
}

static inline void
tcp_timer_list_init(struct tcp_timer_link *h)
{
	h->next = h;
	h->prev = h;
}

static inline int
tcp_timer_list_empty(const struct tcp_timer_link *h)
{
	return h->next == h;
}

static inline void
tcp_timer_list_add_tail(struct tcp_timer_link *h, struct tcp_timer_link *l)
{
	l->prev = h->prev;
	l->next = h;
	h->prev->next = l;
	h->prev = l;
}

static inline void
tcp_timer_list_del(struct tcp_timer_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
}

/* Moves every link of from to the front of to, in order; from is left empty. */
static inline void
tcp_timer_list_splice_front(struct tcp_timer_link *from, struct tcp_timer_link *to)
{
	struct tcp_timer_link *first = from->next, *last = from->prev;

	if (first == from)
		return;
	last->next = to->next;
	to->next->prev = last;
	to->next = first;
	first->prev = to;
	tcp_timer_list_init(from);
}

static inline uint32_t
tcp_timer_slot_of(const struct tcp_timer_wheel *w, uint64_t tick)
{
	return (uint32_t)tick & w->mask;
}

static inline void
tcp_timer_busy_set(struct tcp_timer_wheel *w, uint32_t s)
{
	w->busy[s >> 6] |= 1ull << (s & 63);
}

static inline void
tcp_timer_busy_clear(struct tcp_timer_wheel *w, uint32_t s)
{
	w->busy[s >> 6] &= ~(1ull << (s & 63));
}

/* Puts t (expiry_tick set, not on a list) on its slot. */
static inline void
tcp_timer_insert(struct tcp_timer_wheel *w, struct tcp_timer *t)
{
	uint32_t s = tcp_timer_slot_of(w, t->expiry_tick);

	tcp_timer_list_add_tail(&w->slot[s], &t->link);
	tcp_timer_busy_set(w, s);
}

/* Takes an armed t off its list (its slot's, or w->due). */
static inline void
tcp_timer_unlink(struct tcp_timer_wheel *w, struct tcp_timer *t)
{
	uint32_t s = tcp_timer_slot_of(w, t->expiry_tick);

	tcp_timer_list_del(&t->link);
	if (tcp_timer_list_empty(&w->slot[s]))
		tcp_timer_busy_clear(w, s);
}

int
tcp_timer_wheel_create(uint32_t slots, uint64_t tick_ns, uint64_t now_ns,
		       struct tcp_timer_wheel **out, char *err, size_t errlen)
{
	struct tcp_timer_wheel *w;
	uint32_t i;

	*out = NULL;
	if (slots < TCP_TIMER_SLOTS_MIN || slots > TCP_TIMER_SLOTS_MAX ||
	    (slots & (slots - 1)) != 0) {
		snprintf(err, errlen, "timer wheel: %u slots: want a power of two from %u to %u",
			 slots, TCP_TIMER_SLOTS_MIN, TCP_TIMER_SLOTS_MAX);
		return -EINVAL;
	}
	if (tick_ns < TCP_TIMER_TICK_NS_MIN || tick_ns > TCP_TIMER_TICK_NS_MAX) {
		snprintf(err, errlen, "timer wheel: tick of %llu ns: want 1 us to 1 s",
			 (unsigned long long)tick_ns);
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto err_nomem;
	w->slot = calloc(slots, sizeof(*w->slot));
	if (!w->slot)
		goto err_free_wheel;
	w->busy = calloc(slots / 64, sizeof(*w->busy));
	if (!w->busy)
		goto err_free_slots;
	for (i = 0; i < slots; i++)
		tcp_timer_list_init(&w->slot[i]);
	tcp_timer_list_init(&w->due);
	w->slots = slots;
	w->mask = slots - 1;
	w->tick_ns = tick_ns;
	/* the boundary at or before now has passed, as after an advance at now */
	w->tick = now_ns / tick_ns + 1;
	w->arm_tick = w->tick;
	w->next_ns = w->tick > UINT64_MAX / tick_ns ? UINT64_MAX : w->tick * tick_ns;
	*out = w;
	return 0;

err_free_slots:
	free(w->slot);
err_free_wheel:
	free(w);
err_nomem:
	snprintf(err, errlen, "timer wheel: %u slots: out of memory", slots);
	return -ENOMEM;
}

void
tcp_timer_wheel_free(struct tcp_timer_wheel *w)
{
	if (!w)
		return;
	free(w->busy);
	free(w->slot);
	free(w);
}

void
tcp_timer_init(struct tcp_timer *t)
{
	t->link.next = NULL;
	t->link.prev = NULL;
	t->expiry_tick = 0;
}

void
tcp_timer_arm(struct tcp_timer_wheel *w, struct tcp_timer *t, uint64_t deadline_ns)
{
	uint64_t e = deadline_ns / w->tick_ns + (deadline_ns % w->tick_ns != 0);

	if (e < w->arm_tick)
		e = w->arm_tick;
	if (tcp_timer_armed(t)) {
		if (t->expiry_tick == e)
			return;         /* an RTO pushed back within its tick: nothing moves */
		tcp_timer_unlink(w, t);
	} else {
		w->armed++;
	}
	t->expiry_tick = e;
	tcp_timer_insert(w, t);
}

void
tcp_timer_cancel(struct tcp_timer_wheel *w, struct tcp_timer *t)
{
	if (!tcp_timer_armed(t))
		return;
	tcp_timer_unlink(w, t);
	t->link.next = NULL;
	t->link.prev = NULL;
	w->armed--;
}

/*
 * The distance from slot from to the first busy slot at or after it (cyclically), if it
 * is at most within: the busy bits read a word at a time, only the words that can hold
 * such a slot. Larger than within, or UINT32_MAX, when there is none.
 */
static uint32_t
tcp_timer_wheel_next_busy(const struct tcp_timer_wheel *w, uint32_t from, uint64_t within)
{
	uint32_t words = w->slots >> 6, i = from >> 6, n, reads;
	uint64_t word = w->busy[i] & (~0ull << (from & 63));

	/* slots from .. from + within span at most within / 64 + 2 words; the first word is
	 * read twice when the whole wheel is (its bits below from come last) */
	reads = within >= w->slots ? words + 1 : (uint32_t)(within >> 6) + 2;
	if (reads > words + 1)
		reads = words + 1;
	for (n = 0; n < reads; n++) {
		if (word)
			return ((i << 6) + (uint32_t)__builtin_ctzll(word) - from) & w->mask;
		i = (i + 1) & (words - 1);
		word = w->busy[i];
	}
	return UINT32_MAX;
}

/* The earliest expiry tick of all armed timers (UINT64_MAX if none): every busy slot's
 * list read. Only when more than a turn is due, once a turn at most. */
static uint64_t
tcp_timer_wheel_earliest(const struct tcp_timer_wheel *w)
{
	uint64_t min = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < w->slots >> 6; i++) {
		uint64_t word;

		for (word = w->busy[i]; word; word &= word - 1) {
			uint32_t s = (i << 6) + (uint32_t)__builtin_ctzll(word);
			struct tcp_timer_link *h = &w->slot[s], *l;

			for (l = h->next; l != h; l = l->next)
				if (tcp_timer_of(l)->expiry_tick < min)
					min = tcp_timer_of(l)->expiry_tick;
		}
	}
	return min;
}

/*
 * Fires the timers of tick w->tick. Its slot's list is moved to w->due first, so that
 * callbacks may arm and cancel anything (a cancelled timer leaves w->due; a re-armed one
 * goes to a later tick's slot) while the walk takes w->due's first timer each time: a
 * timer of a later turn goes back to the slot, one of this tick fires. Returns 0 when
 * the tick is done; -1 when max_fires ran out before it was, its unfired timers back on
 * the slot to be fired first by the next call.
 */
static int
tcp_timer_wheel_fire_tick(struct tcp_timer_wheel *w, uint64_t now_ns, tcp_timer_fire_fn fn,
			  void *arg, unsigned int max_fires, unsigned int *fired)
{
	uint64_t tick = w->tick;
	uint32_t s = tcp_timer_slot_of(w, tick);
	struct tcp_timer_link *head = &w->slot[s];

	tcp_timer_list_splice_front(head, &w->due);
	tcp_timer_busy_clear(w, s);
	w->arm_tick = tick + 1;
	while (!tcp_timer_list_empty(&w->due)) {
		struct tcp_timer *t = tcp_timer_of(w->due.next);

		if (t->expiry_tick != tick) {
			tcp_timer_list_del(&t->link);   /* a later turn's: back to the slot */
			tcp_timer_insert(w, t);
			continue;
		}
		if (*fired >= max_fires) {
			tcp_timer_list_splice_front(&w->due, head);
			tcp_timer_busy_set(w, s);
			w->arm_tick = tick;
			return -1;
		}
		tcp_timer_list_del(&t->link);
		t->link.next = NULL;
		t->link.prev = NULL;
		w->armed--;
		w->fired++;
		(*fired)++;
		fn(w, t, now_ns, arg);
	}
	return 0;
}

unsigned int
tcp_timer_wheel_advance(struct tcp_timer_wheel *w, uint64_t now_ns, tcp_timer_fire_fn fn,
			void *arg, unsigned int max_fires)
{
	unsigned int fired = 0;
	uint64_t last;

	if (now_ns < w->next_ns)
		return 0;
	last = now_ns / w->tick_ns;     /* the last tick whose boundary has passed */
	while (w->tick <= last) {
		uint64_t gap = last - w->tick;
		uint32_t d;

		if (w->armed == 0) {
			w->tick = last + 1;
			break;
		}
		/* More than a turn due (an idle gap, a stalled loop): jump to the earliest
		 * expiry rather than walk empty turns — at most once a turn walked, since a
		 * scan reads every armed timer. */
		if (gap >= w->slots && w->tick >= w->rescan_tick) {
			uint64_t e = tcp_timer_wheel_earliest(w);

			if (e > last) {
				w->tick = last + 1;
				break;
			}
			w->tick = e;
			w->rescan_tick = e + w->slots;
			continue;
		}
		d = tcp_timer_wheel_next_busy(w, tcp_timer_slot_of(w, w->tick), gap);
		if (d == UINT32_MAX || d > gap) {
			w->tick = last + 1;
			break;
		}
		w->tick += d;
		if (tcp_timer_wheel_fire_tick(w, now_ns, fn, arg, max_fires, &fired) != 0)
			break;
		w->tick++;
	}
	w->arm_tick = w->tick;
	w->next_ns = w->tick > UINT64_MAX / w->tick_ns ? UINT64_MAX : w->tick * w->tick_ns;
	return fired;
}
