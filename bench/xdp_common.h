/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_common: what the XDP benchmarks share — the test frame, Sluice's program loaded
 * privately (nothing pinned) under a named policy, xdp-tools' xdp-filter loaded with the
 * same list, and a median.
 *
 * Context: benchmark processes, as root.
 */
#ifndef SL_BENCH_XDP_COMMON_H
#define SL_BENCH_XDP_COMMON_H

#include <stddef.h>

struct bpf_object;
struct sluice_xdp;

/* xdp-tools' allow-policy IP filter (Debian's xdp-tools): listed sources dropped. */
#define XDPFILT_OBJ "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_ip.o"

struct bench_frame {
	unsigned char b[64];
};

/* A 64-byte IPv4/UDP frame (12345 -> 53) from src to dst. */
void bench_frame_v4(struct bench_frame *f, const char *src, const char *dst);

/* The policies Sluice is measured under, each a superset of the one before. */
enum bench_policy {
	POLICY_BLOCKLIST,       /* the listed sources and blocked, nothing else: xdp-filter's job */
	POLICY_LIMITED,         /* + limited classes: 198.18.0.48/28 (a burst of 168 ms:
				 * coarse clock), 198.18.0.32/28 (17 ms: fine clock) */
	POLICY_FULL,            /* + allow entries, blocked networks, a ban, more classes */
};

/*
 * The list both filters hold: entries sources spread over 198.19.0.0/16, plus blocked
 * (an address). Sluice's appliance address is 198.18.0.1. Returns 0 or -1 (said why).
 */
int bench_sluice_load(struct sluice_xdp **out, unsigned int entries, const char *blocked,
		      enum bench_policy policy);

/* xdp-filter with the same list; NULL (said why) if it cannot be loaded. */
struct bpf_object *bench_xdpfilt_load(unsigned int entries, const char *blocked, int *prog_fd);

/* Sorts v[0..n) and returns its median. */
double bench_median(double *v, size_t n);

#endif /* SL_BENCH_XDP_COMMON_H */
