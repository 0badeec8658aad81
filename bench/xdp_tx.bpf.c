/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/* The live-frames generator: BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs it on each
 * copy of the test frame, and XDP_TX sends the copy out of the ingress interface. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_xdp_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
