/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp_isn: initial sequence numbers and SYN cookies (tcp_isn.h). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "tcp_isn.h"

const uint16_t tcp_cookie_mss[TCP_COOKIE_MSS_N] = { 536, 1300, 1440, 1460 };

int
tcp_secret_init(struct tcp_secret *s)
{
	uint8_t b[16];
	ssize_t n = getrandom(b, sizeof(b), 0);

	if (n != (ssize_t)sizeof(b))
		return n < 0 ? -errno : -EIO;
	memcpy(&s->k0, b, 8);
	memcpy(&s->k1, b + 8, 8);
	return 0;
}

#define TCP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
tcp_sip_round(uint64_t *v0, uint64_t *v1, uint64_t *v2, uint64_t *v3)
{
	*v0 += *v1;
	*v1 = TCP_ROTL(*v1, 13);
	*v1 ^= *v0;
	*v0 = TCP_ROTL(*v0, 32);
	*v2 += *v3;
	*v3 = TCP_ROTL(*v3, 16);
	*v3 ^= *v2;
	*v0 += *v3;
	*v3 = TCP_ROTL(*v3, 21);
	*v3 ^= *v0;
	*v2 += *v1;
	*v1 = TCP_ROTL(*v1, 17);
	*v1 ^= *v2;
	*v2 = TCP_ROTL(*v2, 32);
}

static inline uint64_t
tcp_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4: 2 compression rounds per 8-byte word, 4 finalisation rounds. */
uint64_t
tcp_siphash(const struct tcp_secret *s, const void *data, unsigned int len)
{
	const uint8_t *p = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ s->k0, v1 = 0x646f72616e646f6dULL ^ s->k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ s->k0, v3 = 0x7465646279746573ULL ^ s->k1;
	uint64_t m, last = (uint64_t)len << 56;
	unsigned int i, left = len % 8;

	for (i = 0; i + 8 <= len; i += 8) {
		m = tcp_le64(p + i);
		v3 ^= m;
		tcp_sip_round(&v0, &v1, &v2, &v3);
		tcp_sip_round(&v0, &v1, &v2, &v3);
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		last |= (uint64_t)p[len - left + i] << (8 * i);
	v3 ^= last;
	tcp_sip_round(&v0, &v1, &v2, &v3);
	tcp_sip_round(&v0, &v1, &v2, &v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		tcp_sip_round(&v0, &v1, &v2, &v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t
tcp_isn(const struct tcp_secret *s, const struct tcp_tuple *t, uint64_t now_ns)
{
	return (uint32_t)(now_ns / 4000) + (uint32_t)tcp_siphash(s, t, sizeof(*t));
}

unsigned int
tcp_cookie_mss_index(uint16_t peer_mss)
{
	unsigned int i = TCP_COOKIE_MSS_N;

	while (i-- > 1)
		if (tcp_cookie_mss[i] <= peer_mss)
			return i;
	return 0;
}

/* H1(tuple) and H2(tuple, count): the same hash, told apart by a word after the tuple. */
static uint32_t
tcp_cookie_hash(const struct tcp_secret *s, const struct tcp_tuple *t, uint32_t which,
		uint32_t count)
{
	uint8_t b[sizeof(*t) + 8];

	memcpy(b, t, sizeof(*t));
	memcpy(b + sizeof(*t), &which, 4);
	memcpy(b + sizeof(*t) + 4, &count, 4);
	return (uint32_t)tcp_siphash(s, b, sizeof(b));
}

uint32_t
tcp_cookie_make(const struct tcp_secret *s, const struct tcp_tuple *t, uint32_t peer_isn,
		unsigned int mss_index, uint64_t now_ns)
{
	uint32_t count = (uint32_t)(now_ns / TCP_COOKIE_PERIOD_NS);

	return tcp_cookie_hash(s, t, 1, 0) + peer_isn + (count << 24) +
	       ((tcp_cookie_hash(s, t, 2, count) + mss_index) & 0x00ffffffu);
}

uint16_t
tcp_cookie_check(const struct tcp_secret *s, const struct tcp_tuple *t, uint32_t seg_seq,
		 uint32_t seg_ack, uint64_t now_ns)
{
	uint32_t count = (uint32_t)(now_ns / TCP_COOKIE_PERIOD_NS), made, age, idx;
	uint32_t c = (seg_ack - 1) - tcp_cookie_hash(s, t, 1, 0) - (seg_seq - 1);

	age = (count - (c >> 24)) & 0xff;
	if (age > TCP_COOKIE_MAX_AGE)
		return 0;
	made = count - age;
	idx = (c - tcp_cookie_hash(s, t, 2, made)) & 0x00ffffffu;
	return idx < TCP_COOKIE_MSS_N ? tcp_cookie_mss[idx] : 0;
}
