/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * frame: byte-by-byte builders for test frames (Ethernet, VLAN, IPv4 with options, IPv6
 * with extension headers, TCP, UDP, ICMP, ICMPv6, ARP), written independently of the
 * parser under test so that a test checks the parser against the wire format, not
 * against itself. Checksums are computed here from RFC 1071, not with DPDK's helpers.
 */
#ifndef SL_TEST_FRAME_H
#define SL_TEST_FRAME_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define FRAME_MAX 2048

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t l3;            /* offset of the IP header last written */
	uint32_t l4;            /* offset of the L4 header last written */
};

static const uint8_t frame_mac_us[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x01 };
static const uint8_t frame_mac_them[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x02 };
static const uint8_t frame_mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static inline void
fr_put(struct frame *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static inline void
fr_u8(struct frame *f, uint8_t v)
{
	fr_put(f, &v, 1);
}

static inline void
fr_u16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	fr_put(f, b, 2);
}

static inline void
fr_u32(struct frame *f, uint32_t v)
{
	fr_u16(f, (uint16_t)(v >> 16));
	fr_u16(f, (uint16_t)v);
}

static inline void
fr_zero(struct frame *f, uint32_t n)
{
	memset(f->b + f->len, 0, n);
	f->len += n;
}

static inline void
fr_set16(struct frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* RFC 1071 one's complement sum, folded, not inverted. */
static inline uint32_t
fr_sum(const uint8_t *p, uint32_t n, uint32_t s)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static inline void
fr_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
}

/* Ethernet with nb_vlan tags (outer 802.1ad when there are two or more). */
static inline void
fr_eth(struct frame *f, const uint8_t *dst, int nb_vlan, uint16_t type)
{
	int i;

	fr_put(f, dst, 6);
	fr_put(f, frame_mac_them, 6);
	for (i = 0; i < nb_vlan; i++) {
		fr_u16(f, i == 0 && nb_vlan > 1 ? 0x88a8 : 0x8100);
		fr_u16(f, (uint16_t)(100 + i));
	}
	fr_u16(f, type);
}

/* IPv4 header with opt_len bytes of options (NOPs, multiple of 4); total length
 * covers payload bytes that the caller appends next. Checksum is filled in. */
static inline void
fr_ipv4(struct frame *f, const char *src, const char *dst, uint8_t proto, uint32_t payload,
	uint32_t opt_len, uint16_t frag)
{
	uint32_t hl = 20 + opt_len, start = f->len;

	f->l3 = start;
	fr_u8(f, (uint8_t)(0x40 | (hl / 4)));
	fr_u8(f, 0);
	fr_u16(f, (uint16_t)(hl + payload));
	fr_u16(f, 0x1234);
	fr_u16(f, frag);
	fr_u8(f, 64);
	fr_u8(f, proto);
	fr_u16(f, 0);
	inet_pton(AF_INET, src, f->b + f->len);
	f->len += 4;
	inet_pton(AF_INET, dst, f->b + f->len);
	f->len += 4;
	memset(f->b + f->len, 1, opt_len);     /* NOP options */
	f->len += opt_len;
	fr_set16(f, start + 10, (uint16_t)~fr_sum(f->b + start, hl, 0));
	f->l4 = f->len;
}

static inline void
fr_ipv6(struct frame *f, const char *src, const char *dst, uint8_t nh, uint32_t payload,
	uint8_t hlim)
{
	f->l3 = f->len;
	fr_u32(f, 0x60000000);
	fr_u16(f, (uint16_t)payload);
	fr_u8(f, nh);
	fr_u8(f, hlim);
	inet_pton(AF_INET6, src, f->b + f->len);
	f->len += 16;
	inet_pton(AF_INET6, dst, f->b + f->len);
	f->len += 16;
	f->l4 = f->len;
}

/* An IPv6 extension header of 8*(len8+1) bytes (hop-by-hop, routing, dest opts). */
static inline void
fr_ext6(struct frame *f, uint8_t nh, uint8_t len8)
{
	fr_u8(f, nh);
	fr_u8(f, len8);
	fr_zero(f, 6 + 8u * len8);
	f->l4 = f->len;
}

static inline void
fr_frag6(struct frame *f, uint8_t nh, uint16_t offset8, int more)
{
	fr_u8(f, nh);
	fr_u8(f, 0);
	fr_u16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	fr_u32(f, 0xabcd);
	f->l4 = f->len;
}

static inline void
fr_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t doff_words)
{
	f->l4 = f->len;
	fr_u16(f, sport);
	fr_u16(f, dport);
	fr_u32(f, 1);
	fr_u32(f, 0);
	fr_u8(f, (uint8_t)(doff_words << 4));
	fr_u8(f, 0x02);
	fr_u16(f, 65535);
	fr_u16(f, 0);
	fr_u16(f, 0);
	if (doff_words > 5)
		fr_zero(f, 4u * (doff_words - 5u));
}

static inline void
fr_udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t ulen)
{
	f->l4 = f->len;
	fr_u16(f, sport);
	fr_u16(f, dport);
	fr_u16(f, ulen);
	fr_u16(f, 0);
}

/* ICMP/ICMPv6 echo-like header: type, code, checksum (filled by fr_icmp*_cksum), id, seq. */
static inline void
fr_icmp(struct frame *f, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	f->l4 = f->len;
	fr_u8(f, type);
	fr_u8(f, code);
	fr_u16(f, 0);
	fr_u16(f, id);
	fr_u16(f, seq);
}

/* ICMPv4 checksum over everything from the L4 header to the end of the frame. */
static inline void
fr_icmp4_cksum(struct frame *f)
{
	fr_set16(f, f->l4 + 2, 0);
	fr_set16(f, f->l4 + 2, (uint16_t)~fr_sum(f->b + f->l4, f->len - f->l4, 0));
}

/* ICMPv6 checksum with the pseudo-header, for ICMPv6 right after the fixed header. */
static inline uint16_t
fr_icmp6_sum(const uint8_t *ip6, const uint8_t *l4, uint32_t len)
{
	uint8_t ph[40];

	memcpy(ph, ip6 + 8, 32);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 58;
	return (uint16_t)fr_sum(l4, len, fr_sum(ph, 40, 0));
}

static inline void
fr_icmp6_cksum(struct frame *f)
{
	fr_set16(f, f->l4 + 2, 0);
	fr_set16(f, f->l4 + 2, (uint16_t)~fr_icmp6_sum(f->b + f->l3, f->b + f->l4, f->len - f->l4));
}

static inline void
fr_arp(struct frame *f, uint16_t op, uint8_t hlen, const char *spa, const char *tpa)
{
	f->l3 = f->len;
	fr_u16(f, 1);
	fr_u16(f, 0x0800);
	fr_u8(f, hlen);
	fr_u8(f, 4);
	fr_u16(f, op);
	fr_put(f, frame_mac_them, 6);
	inet_pton(AF_INET, spa, f->b + f->len);
	f->len += 4;
	fr_zero(f, 6);
	inet_pton(AF_INET, tpa, f->b + f->len);
	f->len += 4;
}

/* Neighbour solicitation for target, with a source link-layer address option. */
static inline void
fr_ns(struct frame *f, const char *target, int with_slla)
{
	f->l4 = f->len;
	fr_u8(f, 135);
	fr_u8(f, 0);
	fr_u16(f, 0);
	fr_u32(f, 0);
	inet_pton(AF_INET6, target, f->b + f->len);
	f->len += 16;
	if (with_slla) {
		fr_u8(f, 1);
		fr_u8(f, 1);
		fr_put(f, frame_mac_them, 6);
	}
}

#endif /* SL_TEST_FRAME_H */
