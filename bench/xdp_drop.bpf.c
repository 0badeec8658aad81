/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/* The floor for XDP benchmarks: drops every frame, touching nothing. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
