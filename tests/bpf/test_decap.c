/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_decap: BPF_PROG_TEST_RUN fixtures for bpf/sluice_tc_decap.bpf.c, the backends' tc
 * decapsulator for dsr-ipip.
 *
 * Each fixture is {name, input frame, verdict, expected output frame, counter that must
 * move by one}: an IPv4-in-IPv4 packet comes out as the Ethernet header and the inner
 * packet, byte for byte (with and without outer options), IPv6-in-IPv6 likewise; frames
 * that are not tunnels pass untouched; an outer fragment and broken inner headers are
 * dropped and counted. The program is loaded from its skeleton (nothing pinned).
 *
 * Prints "ok - NAME" / "not ok - NAME: why" per fixture; exits 1 if any failed, 77
 * (skip) without root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sluice_tc_decap.skel.h"

#define FRAME_MAX 512

enum { OK_V4, OK_V6, PASS_NOT_TUNNEL, DROP_MALFORMED, DROP_FRAGMENT, DROP_ADJUST, NB_REASONS };

struct frame {
	unsigned char b[FRAME_MAX];
	unsigned int len;
};

static void put(struct frame *f, const void *p, unsigned int n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void eth(struct frame *f, unsigned int type)
{
	static const unsigned char macs[12] = { 2, 0xbe, 0, 0, 0, 0x11, 2, 0x5c, 0, 0, 0, 2 };
	unsigned char t[2] = { (unsigned char)(type >> 8), (unsigned char)type };

	put(f, macs, 12);
	put(f, t, 2);
}

static unsigned short csum(const unsigned char *p, unsigned int n)
{
	unsigned long s = 0;
	unsigned int i;

	for (i = 0; i + 1 < n; i += 2)
		s += (unsigned int)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

/* An IPv4 header (ihl words, protocol proto, total length tot, fragment field frag). */
static void ip4(struct frame *f, unsigned int ihl, unsigned int proto, unsigned int tot,
		unsigned int frag, const char *src, const char *dst)
{
	unsigned char h[60] = { 0 };
	unsigned short c;

	h[0] = (unsigned char)(0x40 | ihl);
	h[2] = (unsigned char)(tot >> 8);
	h[3] = (unsigned char)tot;
	h[6] = (unsigned char)(frag >> 8);
	h[7] = (unsigned char)frag;
	h[8] = 64;
	h[9] = (unsigned char)proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	if (ihl > 5)
		h[20] = 1;              /* NOP options */
	memset(h + 20, 1, ihl * 4 - 20);
	c = csum(h, ihl * 4);
	h[10] = (unsigned char)(c >> 8);
	h[11] = (unsigned char)c;
	put(f, h, ihl * 4);
}

static void ip6(struct frame *f, unsigned int next, unsigned int plen, const char *src,
		const char *dst)
{
	unsigned char h[40] = { 0x60, 0, 0, 0 };

	h[4] = (unsigned char)(plen >> 8);
	h[5] = (unsigned char)plen;
	h[6] = (unsigned char)next;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	put(f, h, 40);
}

/* The client's packet: TCP SYN to the VIP (20 bytes of header, no payload). */
static void tcp(struct frame *f)
{
	static const unsigned char t[20] = { 0x9c, 0x41, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0,
					     0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0 };

	put(f, t, 20);
}

static int failed;

static void
run(int fd, int map_fd, const char *name, const struct frame *in, int verdict,
    const struct frame *want, int reason)
{
	unsigned char out[FRAME_MAX];
	unsigned long long before[64], after[64], b = 0, a = 0;
	int ncpu = libbpf_num_possible_cpus(), i;
	unsigned int k = (unsigned int)reason;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (ncpu > 64)
		ncpu = 64;
	bpf_map_lookup_elem(map_fd, &k, before);
	if (bpf_prog_test_run_opts(fd, &o)) {
		printf("not ok - %s: test run: %s\n", name, strerror(errno));
		failed = 1;
		return;
	}
	bpf_map_lookup_elem(map_fd, &k, after);
	for (i = 0; i < ncpu; i++) {
		b += before[i];
		a += after[i];
	}
	if ((int)o.retval != verdict) {
		printf("not ok - %s: verdict %u, want %d\n", name, o.retval, verdict);
		failed = 1;
	} else if (want && (o.data_size_out != want->len || memcmp(out, want->b, want->len))) {
		printf("not ok - %s: output differs (%u bytes, want %u)\n", name, o.data_size_out,
		       want->len);
		failed = 1;
	} else if (a != b + 1) {
		printf("not ok - %s: counter %d moved by %llu\n", name, reason, a - b);
		failed = 1;
	} else {
		printf("ok - %s\n", name);
	}
}

int
main(void)
{
	struct sluice_tc_decap *skel;
	struct frame in, want, inner;
	int fd, map_fd;

	if (geteuid() != 0) {
		printf("skip - decap fixtures: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	skel = sluice_tc_decap__open_and_load();
	if (!skel) {
		printf("not ok - decap fixtures: load (verifier): %s\n", strerror(errno));
		return 1;
	}
	fd = bpf_program__fd(skel->progs.sl_decap);
	map_fd = bpf_map__fd(skel->maps.sl_decap_stats);

	/* The client's packet as the backend must see it. */
	memset(&inner, 0, sizeof(inner));
	ip4(&inner, 5, 6, 40, 0x4000, "198.18.0.2", "198.18.0.100");
	tcp(&inner);

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	eth(&in, 0x0800);
	ip4(&in, 5, 4, 20 + 40, 0x4000, "198.18.1.1", "198.18.1.11");
	put(&in, inner.b, inner.len);
	eth(&want, 0x0800);
	put(&want, inner.b, inner.len);
	run(fd, map_fd, "ipip: the outer header goes, the client's packet stays", &in, TC_ACT_OK,
	    &want, OK_V4);

	memset(&in, 0, sizeof(in));
	eth(&in, 0x0800);
	ip4(&in, 7, 4, 28 + 40, 0, "198.18.1.1", "198.18.1.11");
	put(&in, inner.b, inner.len);
	run(fd, map_fd, "ipip with outer options: all 28 outer bytes go", &in, TC_ACT_OK, &want,
	    OK_V4);

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	memset(&inner, 0, sizeof(inner));
	ip6(&inner, 6, 20, "2001:db8::2", "2001:db8::100");
	tcp(&inner);
	eth(&in, 0x86dd);
	ip6(&in, 41, 60, "2001:db8:1::1", "2001:db8:1::11");
	put(&in, inner.b, inner.len);
	eth(&want, 0x86dd);
	put(&want, inner.b, inner.len);
	run(fd, map_fd, "ip6ip6: the outer header goes, the client's packet stays", &in, TC_ACT_OK,
	    &want, OK_V6);

	memset(&in, 0, sizeof(in));
	eth(&in, 0x0800);
	ip4(&in, 5, 6, 40, 0x4000, "198.18.0.2", "198.18.1.11");
	tcp(&in);
	run(fd, map_fd, "plain TCP passes untouched", &in, TC_ACT_OK, &in, PASS_NOT_TUNNEL);

	memset(&in, 0, sizeof(in));
	eth(&in, 0x0806);
	put(&in, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	memset(in.b + in.len, 0, 20);
	in.len += 20;
	run(fd, map_fd, "ARP passes untouched", &in, TC_ACT_OK, &in, PASS_NOT_TUNNEL);

	memset(&inner, 0, sizeof(inner));
	ip4(&inner, 5, 6, 40, 0x4000, "198.18.0.2", "198.18.0.100");
	tcp(&inner);
	memset(&in, 0, sizeof(in));
	eth(&in, 0x0800);
	ip4(&in, 5, 4, 20 + 40, 0x2000, "198.18.1.1", "198.18.1.11");   /* MF */
	put(&in, inner.b, inner.len);
	run(fd, map_fd, "an outer fragment is dropped", &in, TC_ACT_SHOT, NULL, DROP_FRAGMENT);

	memset(&in, 0, sizeof(in));
	eth(&in, 0x0800);
	ip4(&in, 5, 4, 20 + 12, 0, "198.18.1.1", "198.18.1.11");
	put(&in, inner.b, 12);
	run(fd, map_fd, "a truncated inner header is dropped", &in, TC_ACT_SHOT, NULL,
	    DROP_MALFORMED);

	memset(&in, 0, sizeof(in));
	eth(&in, 0x0800);
	ip4(&in, 5, 4, 20 + 40, 0, "198.18.1.1", "198.18.1.11");
	inner.b[0] = 0x65;              /* version 6 inside protocol 4 */
	put(&in, inner.b, inner.len);
	run(fd, map_fd, "an inner header of the wrong version is dropped", &in, TC_ACT_SHOT, NULL,
	    DROP_MALFORMED);

	memset(&in, 0, sizeof(in));
	eth(&in, 0x0800);
	ip4(&in, 5, 4, 20 + 40 + 8, 0, "198.18.1.1", "198.18.1.11");
	inner.b[0] = 0x45;
	put(&in, inner.b, inner.len);
	put(&in, "\0\0\0\0\0\0\0\0", 8);
	run(fd, map_fd, "lengths that disagree (outer vs inner) are dropped", &in, TC_ACT_SHOT,
	    NULL, DROP_MALFORMED);

	sluice_tc_decap__destroy(skel);
	return failed;
}
