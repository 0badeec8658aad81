/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * slgen: the lab traffic generator's per-frame rewriter (userspace: bench/slgen.c).
 *
 * slgen runs slgen_tx through BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on one
 * template frame (Ethernet + IPv4 or IPv6 + TCP or UDP, built by slgen.c): the kernel
 * hands the program `repeat` copies of it, one after another in slgen's thread, and each
 * copy the program returns XDP_TX for leaves the interface as a real packet. Before that
 * the program makes copy n (n counts the frames this loaded program has sent) a frame of
 * one of `flows` flows:
 *
 *   flow      f = n mod flows: round robin, so over any `flows` consecutive frames every
 *             flow gets exactly one (deterministic, nothing random; kept as counters
 *             that wrap, so there is no division per frame).
 *   source    f mod spread picks one of `spread` addresses: the last 32 bits of --src
 *             plus that index, wrapped within the host bits of the spread prefix.
 *   port      sport_first + f / spread, so (source, port) is one-to-one with f.
 *   SYN       TCP only: frame n is a SYN iff frac(n * golden ratio) < syn_permille / 1000
 *             (a Weyl sequence: the share is exact to within a few frames over any
 *             window, and it does not line up with n mod flows, so every flow sees the
 *             same mix); otherwise an ACK carrying slgen_ack_seq. UDP has no flags.
 *   IPv4 ID   the low 16 bits of n.
 *
 * Pacing (slgen_rate_pps != 0) happens here, not between calls: a BPF_PROG_RUN call
 * costs 10-40 ms of setup on the lab machine (kernel 6.18, 2 vCPUs) once it sends more
 * than one frame, far more than a batch of a paced run may take. So slgen makes one long
 * call (repeat = UINT32_MAX; its watcher thread ends it with a signal), and the program
 * sends frame n only once CLOCK_MONOTONIC has reached its slot, t0 + n / rate (kept as
 * a running sum with its remainder, Bresenham style); the copies that come sooner are
 * dropped unsent, so the kernel's loop is the wait, at the price of one busy CPU. A frame
 * that is late goes at once: the average holds, and the lag is counted. Unpaced, every
 * copy is sent, and the clock is read on every 64th frame only, for the achieved rate.
 *
 * Every header byte is written from the template (slgen_hdr) before the varying fields:
 * the kernel recycles copies through a page pool without rewriting them, and a receiver
 * may have rewritten the page it was handed in place — a forwarding kernel behind the
 * veth rewrites the MACs, the TTL and, NATing, the addresses and ports (the lab's
 * nftables peer did: its next copies went out with the backends' MACs). Checksums are
 * correct by construction, never patched from what the copy holds. slgen.c sums every fixed 16-bit word once (the
 * IPv4 header; the pseudo-header + L4 header + payload), with the varying fields zero;
 * the program adds the varying words, folds and writes both checksums. The dataplane
 * drops bad IPv4 header checksums (dataplane/pkt_fp.h), a receiving kernel bad L4 ones.
 *
 * State and totals live in .bss (slgen_frames, ...), written only here, read by slgen.c
 * while the call runs (aligned 64-bit words: no torn reads) and after it. The copies of
 * a call run one at a time and slgen makes one call at a time, so plain increments are
 * exact without atomics or per-CPU slots. The configuration is .rodata (slgen_flows,
 * ...), fixed at load, so the verifier prunes the family and protocol not in use.
 *
 * slgen_pass (XDP_PASS) is for a receiver that should see the frames in its stack (the
 * smoke test captures them there): XDP_TX into a veth needs an XDP program on the peer.
 *
 * Context: BPF_PROG_RUN in slgen's main thread, per copy (slgen_tx); kernel XDP hook,
 * per packet (slgen_pass).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* 2^64 / golden ratio: n * SLGEN_WEYL_MUL, top 32 bits = frac(n * 0.618...) * 2^32. */
#define SLGEN_WEYL_MUL 0x9e3779b97f4a7c15ULL

/* Paced: a frame this far behind its slot counts as late. */
#define SLGEN_LATE_NS 100000ull
/* Unpaced: the clock is read on every SLGEN_CLOCK_EVERY-th frame only, a helper call
 * the fast path need not make per frame. A power of two. */
#define SLGEN_CLOCK_EVERY 64

#define SLGEN_TCP_FLAG_SYN 0x02
#define SLGEN_TCP_FLAG_ACK 0x10

/*
 * Set by slgen.c through the skeleton before load; all numbers in host order. Scalars,
 * not a struct: the skeleton then needs no shared header to spell them.
 */
const volatile __u32 slgen_flows = 1;           /* >= 1 */
const volatile __u32 slgen_spread = 1;          /* distinct sources, 1..flows */
const volatile __u32 slgen_src_last32 = 0;      /* the last 32 bits of --src: source 0 */
const volatile __u32 slgen_src_host_mask = 0;   /* of those, the bits the spread changes */
const volatile __u32 slgen_sport_first = 1024;  /* the source port of flows 0..spread-1 */
const volatile __u32 slgen_ack_seq = 0;         /* acknowledgment number of ACK frames */
const volatile __u64 slgen_syn_thresh = 0;      /* SYN iff Weyl step >> 32 < this (2^32: all) */
const volatile __u32 slgen_ip4_sum = 0;         /* 16-bit word sum: IPv4 header ... */
const volatile __u32 slgen_l4_sum = 0;          /* ... pseudo-header + L4; varying fields 0 */
#define SLGEN_HDR_MAX 80                        /* Ethernet + IPv6 + TCP: 74 */
const volatile __u8 slgen_hdr[SLGEN_HDR_MAX] = { 0 };   /* the template's headers */
const volatile __u32 slgen_hdr_len = 0;         /* their length, even */
const volatile __u8 slgen_ipv6 = 0;             /* 1: the template is IPv6 */
const volatile __u8 slgen_tcp = 1;              /* 1: TCP, 0: UDP */

const volatile __u64 slgen_rate_pps = 0;        /* 0: unpaced */
const volatile __u64 slgen_period_ns = 0;       /* paced: 10^9 / rate ... */
const volatile __u64 slgen_period_rem = 0;      /* ... and 10^9 mod rate */
const volatile __u64 slgen_limit_frames = 0;    /* 0: none; copies past it are not sent */

/* Written by slgen_tx only; read by slgen.c during and after the call. */
__u64 slgen_frames = 0;         /* frames returned as XDP_TX; also the next frame's n */
__u64 slgen_bytes = 0;          /* their bytes, Ethernet header to payload end */
__u64 slgen_syn_frames = 0;     /* of them, TCP SYN */
__u64 slgen_bad_frames = 0;     /* copies shorter than the headers (never, with slgen.c) */
__u64 slgen_idle_copies = 0;    /* copies not sent: ahead of the schedule or past the limit */
__u32 slgen_flow = 0;           /* f = n mod flows, kept without dividing ... */
__u32 slgen_flow_src = 0;       /* ... f mod spread */
__u32 slgen_flow_port = 0;      /* ... f / spread */
__u64 slgen_due_ns = 0;         /* paced: when frame n is due, t0 + n / rate ... */
__u64 slgen_due_rem = 0;        /* ... and its fraction, in 1/rate ns */
__u64 slgen_t0_ns = 0;          /* CLOCK_MONOTONIC when frame 0 went */
__u64 slgen_last_ns = 0;        /* ... and frame slgen_last_n, the last one timed */
__u64 slgen_last_n = 0;
__u64 slgen_max_lag_ns = 0;     /* paced: the most a frame went after its slot */
__u64 slgen_late_frames = 0;    /* paced: frames that went SLGEN_LATE_NS or more after it */

/* Folds a sum of 16-bit words to the one's complement checksum field (host order). */
static __always_inline __u16
slgen_csum_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* The L4 header at l4: source port, flags, ack number and checksum for frame n. Returns
 * 1 if it made a SYN, 0 if not, -1 if the header does not fit before data_end. */
static __always_inline int
slgen_l4_write(void *l4, void *data_end, __u16 sport, __u32 src, __u64 n)
{
	__u64 sum = (__u64)slgen_l4_sum + (src >> 16) + (src & 0xffff) + sport;
	int syn = 0;

	if (slgen_tcp) {
		struct tcphdr *th = l4;
		__u32 ack = 0;
		__u8 flags;

		if ((void *)(th + 1) > data_end)
			return -1;
		syn = ((n * SLGEN_WEYL_MUL) >> 32) < slgen_syn_thresh;
		flags = syn ? SLGEN_TCP_FLAG_SYN : SLGEN_TCP_FLAG_ACK;
		if (!syn)
			ack = slgen_ack_seq;
		sum += flags + (ack >> 16) + (ack & 0xffff);
		th->source = bpf_htons(sport);
		th->ack_seq = bpf_htonl(ack);
		((__u8 *)th)[13] = flags;       /* the flags byte after data offset */
		th->check = bpf_htons(slgen_csum_fold(sum));
	} else {
		struct udphdr *uh = l4;
		__u16 c = slgen_csum_fold(sum);

		if ((void *)(uh + 1) > data_end)
			return -1;
		uh->source = bpf_htons(sport);
		uh->check = bpf_htons(c ? c : 0xffff);  /* 0 means "no checksum" in UDP */
	}
	return syn;
}

/* Flow f + 1 after f, its source and port index, with no division on the fast path. */
static __always_inline void
slgen_flow_next(void)
{
	if (++slgen_flow >= slgen_flows) {
		slgen_flow = slgen_flow_src = slgen_flow_port = 0;
		return;
	}
	if (++slgen_flow_src >= slgen_spread) {
		slgen_flow_src = 0;
		slgen_flow_port++;
	}
}

/* The next frame's slot: one period later, the fractions carried (Bresenham). */
static __always_inline void
slgen_due_next(void)
{
	slgen_due_ns += slgen_period_ns;
	slgen_due_rem += slgen_period_rem;
	if (slgen_due_rem >= slgen_rate_pps) {
		slgen_due_rem -= slgen_rate_pps;
		slgen_due_ns++;
	}
}

SEC("xdp")
int slgen_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u32 l3_len = slgen_ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	__u64 n = slgen_frames;
	__u32 mask = slgen_src_host_mask, src;
	void *l4 = data + sizeof(struct ethhdr) + l3_len;
	__u64 now, due;
	__u16 sport;
	int syn;

	if (slgen_limit_frames && n >= slgen_limit_frames)
		goto idle;
	if (slgen_rate_pps) {
		/* Frame n is due at t0 + n / rate; a copy that comes sooner is not sent, so the
		 * kernel's loop is the wait. A late frame goes at once: the average holds. */
		now = bpf_ktime_get_ns();
		if (!slgen_t0_ns)
			slgen_t0_ns = slgen_due_ns = now;
		due = slgen_due_ns;
		if (now < due)
			goto idle;
		if (now - due > slgen_max_lag_ns)
			slgen_max_lag_ns = now - due;
		if (now - due >= SLGEN_LATE_NS)
			slgen_late_frames++;
		slgen_last_ns = now;
		slgen_last_n = n;
	} else if (!(n & (SLGEN_CLOCK_EVERY - 1))) {
		now = bpf_ktime_get_ns();
		if (!slgen_t0_ns)
			slgen_t0_ns = now;
		slgen_last_ns = now;
		slgen_last_n = n;
	}

	/* the headers as the template has them, whatever the last user of this copy did */
#pragma unroll
	for (int i = 0; i < SLGEN_HDR_MAX; i += 2) {
		if (i >= slgen_hdr_len || data + i + 2 > data_end)
			break;
		*(__u16 *)(data + i) = *(const volatile __u16 *)&slgen_hdr[i];
	}

	sport = (__u16)(slgen_sport_first + slgen_flow_port);
	src = (slgen_src_last32 & ~mask) | ((slgen_src_last32 + slgen_flow_src) & mask);

	if (slgen_ipv6) {
		struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);

		if ((void *)(ip6 + 1) > data_end)
			goto bad;
		ip6->saddr.in6_u.u6_addr32[3] = bpf_htonl(src);
	} else {
		struct iphdr *ip = data + sizeof(struct ethhdr);
		__u64 sum = (__u64)slgen_ip4_sum + (src >> 16) + (src & 0xffff) + (n & 0xffff);

		if ((void *)(ip + 1) > data_end)
			goto bad;
		ip->saddr = bpf_htonl(src);
		ip->id = bpf_htons((__u16)n);
		ip->check = bpf_htons(slgen_csum_fold(sum));
	}
	syn = slgen_l4_write(l4, data_end, sport, src, n);
	if (syn < 0)
		goto bad;

	slgen_frames = n + 1;
	slgen_flow_next();
	if (slgen_rate_pps)
		slgen_due_next();
	slgen_bytes += (__u64)(data_end - data);
	slgen_syn_frames += (__u64)syn;
	return XDP_TX;
idle:
	slgen_idle_copies++;
	return XDP_DROP;
bad:
	slgen_bad_frames++;
	return XDP_DROP;
}

SEC("xdp")
int slgen_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
