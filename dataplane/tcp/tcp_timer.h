/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_timer: one worker's timers for its TCP connections (retransmission, delayed ACK,
 * keepalive, TIME-WAIT) on a hashed timing wheel (Varghese & Lauck 1987, scheme 6).
 *
 * Time is cut into ticks of tick_ns (1 ms by default). A timer takes the first tick
 * boundary at or after its deadline, tick e (e x tick_ns >= deadline), and sits on the
 * list of slot e mod slots (4096 by default: a turn of 4.096 s, which holds the delayed
 * ACK, the handshake timers and RTOs until backed off past 4 s). Timers are nodes the caller
 * embeds in its connection, so arming allocates nothing and the memory is the wheel's
 * slot heads (16 bytes each) and a bit per slot, allocated once. Arm, re-arm and cancel
 * are O(1): a doubly linked list insert or unlink.
 *
 * The key decision is how to keep a timer more than a turn away (TIME-WAIT, keepalive,
 * an RTO backed off to 60 s). It stays in its slot and carries its absolute expiry tick,
 * not a rounds count and not a second wheel: the slot's walk fires only the timers whose
 * tick it is and passes over the others with a read (a rounds count would be decremented,
 * dirtying every far connection's cache line every turn); cancel and re-arm have nothing
 * to fix up; and after a long gap the earliest expiry can be found and the empty turns
 * between skipped. The price is a read per far timer per turn — fifteen for TIME-WAIT's
 * 60 s, some 1760 for a 2 h keepalive — where a hierarchical wheel would move it a few
 * times; it buys one level of code, exact ticks for every timer and no cascade bursts
 * (what made Linux 4.8 give cascading up). Most of a server's timers never go round.
 *
 * tcp_timer_wheel_advance walks the ticks up to now in order, so timers fire in order of
 * their expiry tick (those of one tick in no particular order); a timer never fires
 * before its deadline, and fires in the first advance whose now is at or past its
 * tick boundary: less than one tick late when advance runs at least once a tick. A bit
 * per slot lets the walk skip empty slots 64 at a time, a gap of more than a turn is
 * crossed by jumping to the earliest expiry, and max_fires bounds the callbacks of one
 * call: a tick cut short is resumed by the next call, so nothing is lost or fired early.
 *
 * Not rte_timer: that one takes a spinlock and CASes a state word on every reset and
 * stop, keeps a skiplist (O(log n) insert), fires everything due in one call and needs
 * EAL. This module is pure C: it runs without EAL in the unit tests.
 *
 * Context: everything on the worker lcore that owns the wheel (single thread, no locks,
 * no allocation after create); create and free on the control thread. Not reentrant:
 * a callback may arm and cancel any timer but must not call advance.
 */
#ifndef SL_TCP_TIMER_H
#define SL_TCP_TIMER_H

#include <stddef.h>
#include <stdint.h>

#define TCP_TIMER_SLOTS_DEFAULT   4096u
#define TCP_TIMER_SLOTS_MIN       64u           /* a word of the busy bitmap */
#define TCP_TIMER_SLOTS_MAX       (1u << 22)
#define TCP_TIMER_TICK_NS_DEFAULT 1000000ull    /* 1 ms: G for tcp_rto */
#define TCP_TIMER_TICK_NS_MIN     1000ull       /* so tick numbers never wrap */
#define TCP_TIMER_TICK_NS_MAX     1000000000ull

/* A link in a slot's circular list; a slot's head is one too. */
struct tcp_timer_link {
	struct tcp_timer_link *next;
	struct tcp_timer_link *prev;
};

/*
 * A timer, embedded in the caller's connection (find the connection from it with
 * offsetof). All zeroes is a timer that is not armed, so a calloc'd or memset connection
 * needs no further setup. Written only by the wheel's functions.
 */
struct tcp_timer {
	struct tcp_timer_link link;     /* link.next is NULL while not armed */
	uint64_t expiry_tick;           /* the tick it fires in, while armed */
};

struct tcp_timer_wheel;

/* Called for each timer that fires, already disarmed: it may re-arm it (or arm or cancel
 * any other timer), but must not call tcp_timer_wheel_advance. */
typedef void (*tcp_timer_fire_fn)(struct tcp_timer_wheel *w, struct tcp_timer *t,
				  uint64_t now_ns, void *arg);

/* The wheel. Written by its owner's calls only; the counters may be read by the same
 * thread (a stats snapshot). */
struct tcp_timer_wheel {
	struct tcp_timer_link *slot;    /* the slots' list heads */
	uint64_t *busy;                 /* a bit per slot: its list is not empty */
	struct tcp_timer_link due;      /* the slot being fired, detached from it */
	uint64_t tick_ns;
	uint64_t tick;                  /* the next tick to fire: every earlier one has */
	uint64_t arm_tick;              /* the earliest tick an arm may take */
	uint64_t next_ns;               /* tick x tick_ns: advance does nothing before it */
	uint64_t rescan_tick;           /* no earliest-expiry scan before this tick */
	uint32_t slots;                 /* a power of two */
	uint32_t mask;
	uint64_t armed;                 /* timers armed now */
	uint64_t fired;                 /* timers fired, ever */
};

/*
 * A wheel of slots (a power of two, TCP_TIMER_SLOTS_MIN to _MAX) ticks of tick_ns
 * (TCP_TIMER_TICK_NS_MIN to _MAX), starting at now_ns. Returns 0 and *out, -EINVAL
 * with a line in err, or -ENOMEM. Context: control thread.
 */
int tcp_timer_wheel_create(uint32_t slots, uint64_t tick_ns, uint64_t now_ns,
			   struct tcp_timer_wheel **out, char *err, size_t errlen);
/* Frees w (NULL is a no-op). Timers still armed on it are not touched (their memory may
 * be gone already): tcp_timer_init them before they are armed on another wheel.
 * Context: control thread, the owner stopped. */
void tcp_timer_wheel_free(struct tcp_timer_wheel *w);

/* A timer not armed (the same as zeroing it). Context: any. */
void tcp_timer_init(struct tcp_timer *t);

/* Whether t is armed. Context: the wheel's owner. */
static inline int
tcp_timer_armed(const struct tcp_timer *t)
{
	return t->link.next != NULL;
}

/*
 * Arms t to fire at the first tick boundary at or after deadline_ns; an armed t is
 * moved (re-armed, earlier or later). A deadline already passed fires at the next tick
 * boundary (in a callback: not in the tick being fired). Context: the wheel's owner,
 * fast path (callbacks included).
 */
void tcp_timer_arm(struct tcp_timer_wheel *w, struct tcp_timer *t, uint64_t deadline_ns);

/* Disarms t; a t not armed is left as it is. Context: the wheel's owner, fast path
 * (callbacks included). */
void tcp_timer_cancel(struct tcp_timer_wheel *w, struct tcp_timer *t);

/*
 * Fires, through fn(w, t, now_ns, arg), the timers whose tick boundary is at or before
 * now_ns, in order of their ticks, at most max_fires of them; those left over (the call
 * returned max_fires) fire first in the next call. Returns the number fired. A now_ns
 * earlier than a previous call's fires nothing new. Context: the wheel's owner, fast
 * path; once per loop pass (a single compare when no tick boundary has passed).
 */
unsigned int tcp_timer_wheel_advance(struct tcp_timer_wheel *w, uint64_t now_ns,
				     tcp_timer_fire_fn fn, void *arg, unsigned int max_fires);

/* The time an armed timer fires at the earliest: its tick boundary. Context: the
 * wheel's owner. */
static inline uint64_t
tcp_timer_fire_ns(const struct tcp_timer_wheel *w, const struct tcp_timer *t)
{
	return t->expiry_tick * w->tick_ns;
}

#endif /* SL_TCP_TIMER_H */
