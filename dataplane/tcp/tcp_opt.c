/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp_opt: TCP options (tcp_opt.h). */
#include <string.h>

#include "tcp_opt.h"

static uint16_t
tcp_opt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
tcp_opt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum tcp_opt_err
tcp_opt_parse(const uint8_t *opt, unsigned int len, int syn, struct tcp_opts *o)
{
	unsigned int i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = opt[i], olen;

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return TCP_OPT_BAD_LENGTH;      /* a kind without its length */
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return TCP_OPT_BAD_LENGTH;
		switch (kind) {
		case TCP_OPT_MSS:
			if (olen != 4)
				return TCP_OPT_BAD_MSS;
			if (syn) {
				o->mss = tcp_opt_get16(opt + i + 2);
				o->have |= TCP_OPTS_MSS;
			}
			break;
		case TCP_OPT_WSCALE:
			if (olen != 3)
				return TCP_OPT_BAD_WSCALE;
			if (syn) {
				o->wscale = opt[i + 2] > TCP_OPT_WSCALE_MAX ? TCP_OPT_WSCALE_MAX :
					    opt[i + 2];
				o->have |= TCP_OPTS_WSCALE;
			}
			break;
		case TCP_OPT_SACK_PERM:
			if (syn)
				o->have |= TCP_OPTS_SACK_PERM;
			break;
		case TCP_OPT_TIMESTAMP:
			if (olen != 10)
				return TCP_OPT_BAD_TIMESTAMP;
			o->ts_val = tcp_opt_get32(opt + i + 2);
			o->ts_ecr = tcp_opt_get32(opt + i + 6);
			o->have |= TCP_OPTS_TIMESTAMP;
			break;
		default:
			break;          /* SACK blocks and unknown kinds: skipped by length */
		}
		i += olen;
	}
	return TCP_OPT_OK;
}

unsigned int
tcp_opt_write_synack(uint8_t *out, uint16_t mss, const struct tcp_opts *peer,
		     uint8_t our_wscale)
{
	out[0] = TCP_OPT_MSS;
	out[1] = 4;
	out[2] = (uint8_t)(mss >> 8);
	out[3] = (uint8_t)mss;
	if (!(peer->have & TCP_OPTS_WSCALE))
		return 4;
	out[4] = TCP_OPT_NOP;
	out[5] = TCP_OPT_WSCALE;
	out[6] = 3;
	out[7] = our_wscale > TCP_OPT_WSCALE_MAX ? TCP_OPT_WSCALE_MAX : our_wscale;
	return 8;
}

const char *
tcp_opt_err_name(enum tcp_opt_err e)
{
	static const char *const names[] = {
		[TCP_OPT_OK] = "ok", [TCP_OPT_BAD_LENGTH] = "bad_option_length",
		[TCP_OPT_BAD_MSS] = "bad_mss_option", [TCP_OPT_BAD_WSCALE] = "bad_wscale_option",
		[TCP_OPT_BAD_TIMESTAMP] = "bad_timestamp_option",
	};

	return (unsigned int)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}
