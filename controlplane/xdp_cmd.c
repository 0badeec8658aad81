/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_cmd: the XDP front filter's verbs (block, allow, class, limit, ban, sweep, stats)
 * over bpf_ctl, shared by sluicectl (through sluiced, which owns the maps) and by
 * sluice-xdpctl (the maps' own tool, for a node without sluiced). One verb per call,
 * checked before it is made; its output (text or JSON) goes to a stream.
 *
 * Context: control side, may block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_ctl.h"
#include "sluice_xdp_abi.h"
#include "xdp_cmd.h"

/* One command's output: where it goes and in which form. */
struct xc_out {
	FILE *f;
	int json;
	int first;
	enum bpf_ctl_list what;
};

static int
xc_print_entry(const struct bpf_ctl_entry *e, void *arg)
{
	struct xc_out *o = arg;
	enum bpf_ctl_list what = o->what;
	char pfx[64];
	uint64_t now = bpf_ctl_now_ns();
	long long left = e->expires_ns ? (long long)((e->expires_ns - now) / SL_NSEC_PER_SEC) : -1;

	bpf_ctl_prefix_format(&e->prefix, pfx, sizeof(pfx));
	if (what == BPF_CTL_BAN)
		*strchr(pfx, '/') = '\0';
	if (o->json) {
		fprintf(o->f, "%s{\"%s\":\"%s\"", o->first ? "" : ",", what == BPF_CTL_BAN ? "address" : "prefix", pfx);
		if (what == BPF_CTL_CLASS)
			fprintf(o->f, ",\"class\":%u", e->class_id);
		if (e->expires_ns)
			fprintf(o->f, ",\"expires_in_s\":%lld,\"expired\":%s", left < 0 ? 0 : left,
			       e->expires_ns <= now ? "true" : "false");
		fprintf(o->f, "}");
	} else {
		fprintf(o->f, "%-44s", pfx);
		if (what == BPF_CTL_CLASS)
			fprintf(o->f, " class %u", e->class_id);
		if (e->expires_ns)
			fprintf(o->f, e->expires_ns <= now ? " expired" : " expires in %llds", left);
		fprintf(o->f, "\n");
	}
	o->first = 0;
	return 0;
}

static int
xc_list(struct bpf_ctl *c, enum bpf_ctl_list what, struct xc_out *o)
{
	o->first = 1;
	o->what = what;
	if (o->json)
		fprintf(o->f, "[");
	bpf_ctl_list(c, what, xc_print_entry, o);
	if (o->json)
		fprintf(o->f, "]\n");
	return 0;
}

static int
xc_u64(const char *s, const char *what, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || v > max) {
		snprintf(err, errlen, "%s '%.32s': want a whole number up to %llu", what, s,
			 (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
xc_limit_list(struct bpf_ctl *c, struct xc_out *o)
{
	uint32_t k;
	int first = 1;

	if (o->json)
		fprintf(o->f, "[");
	for (k = 0; k < SL_XDP_CLASS_MAX; k++) {
		struct sl_bucket_params p;
		uint64_t pps, bps;

		if (bpf_ctl_limit_get(c, k, &p) != 0 || (!p.pkt_interval_ns && !p.byte_q16))
			continue;
		pps = p.pkt_interval_ns ? SL_NSEC_PER_SEC / p.pkt_interval_ns : 0;
		bps = p.byte_q16 ? (SL_NSEC_PER_SEC << SL_BUCKET_Q) / p.byte_q16 : 0;
		if (o->json) {
			fprintf(o->f, "%s{\"class\":%u,\"pps\":%llu,\"burst\":%llu,\"bps\":%llu,\"burst_bytes\":%llu,"
			       "\"ban_after_s\":%llu,\"ban_ttl_s\":%llu}", first ? "" : ",", k,
			       (unsigned long long)pps,
			       (unsigned long long)(p.pkt_interval_ns ? p.pkt_burst_ns / p.pkt_interval_ns : 0),
			       (unsigned long long)bps,
			       (unsigned long long)(bps ? p.byte_burst_ns * bps / SL_NSEC_PER_SEC : 0),
			       (unsigned long long)(p.ban_after_ns / SL_NSEC_PER_SEC),
			       (unsigned long long)(p.ban_ttl_ns / SL_NSEC_PER_SEC));
		} else {
			fprintf(o->f, "class %-3u", k);
			if (pps)
				fprintf(o->f, " %llu pps burst %llu", (unsigned long long)pps,
				       (unsigned long long)(p.pkt_burst_ns / p.pkt_interval_ns));
			if (bps)
				fprintf(o->f, " %llu B/s burst %llu B", (unsigned long long)bps,
				       (unsigned long long)(p.byte_burst_ns * bps / SL_NSEC_PER_SEC));
			if (p.ban_after_ns)
				fprintf(o->f, " ban after %llus for %llus",
				       (unsigned long long)(p.ban_after_ns / SL_NSEC_PER_SEC),
				       (unsigned long long)(p.ban_ttl_ns / SL_NSEC_PER_SEC));
			fprintf(o->f, "\n");
		}
		first = 0;
	}
	if (o->json)
		fprintf(o->f, "]\n");
	return 0;
}

/* limit set CLASS [options]: argv starts at CLASS. */
static int
xc_limit_set(struct bpf_ctl *c, int argc, char **argv, char *err, size_t errlen)
{
	static const struct { const char *name; } opts[] = {
		{ "pps" }, { "burst" }, { "bps" }, { "burst-bytes" }, { "ban-after" }, { "ban-ttl" },
		{ NULL },
	};
	uint64_t cls, pps = 0, burst = 0, bps = 0, burst_bytes = 0, after = 0, ttl = 0;
	struct sl_bucket_params p;
	int o, i;

	if (argc < 1)
		return XDP_CMD_USAGE;
	if (xc_u64(argv[0], "class", SL_XDP_CLASS_MAX - 1, &cls, err, errlen))
		return XDP_CMD_USAGE;
	for (i = 1; i < argc; i += 2) {
		uint64_t *dst = NULL;

		for (o = 0; opts[o].name; o++)
			if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, opts[o].name) == 0)
				break;
		if (opts[o].name)
			dst = o == 0 ? &pps : o == 1 ? &burst : o == 2 ? &bps : o == 3 ? &burst_bytes :
			      o == 4 ? &after : &ttl;
		if (!dst || i + 1 >= argc) {
			snprintf(err, errlen, "limit set: '%.32s' %s (--pps, --burst, --bps, "
				 "--burst-bytes, --ban-after, --ban-ttl)", argv[i],
				 dst ? "needs a value" : "is not an option");
			return XDP_CMD_USAGE;
		}
		if (xc_u64(argv[i + 1], argv[i], UINT64_MAX / SL_NSEC_PER_SEC, dst, err, errlen))
			return XDP_CMD_USAGE;
	}
	if (!pps && !bps) {
		snprintf(err, errlen, "limit: give --pps/--burst and/or --bps/--burst-bytes "
			 "(a rate of zero is not a limit; use limit del)");
		return -EINVAL;
	}
	memset(&p, 0, sizeof(p));
	if ((pps && !burst) || (bps && !burst_bytes) ||
	    sl_bucket_params_set(&p, pps, burst, bps, burst_bytes)) {
		snprintf(err, errlen, "limit: out of range: --pps 1..1e9 with --burst 1..16777216, "
			 "--bps 1000..2^40 with --burst-bytes 1514..2^32 (a burst below one packet "
			 "would drop everything)");
		return -EINVAL;
	}
	if ((after && !ttl) || (!after && ttl)) {
		snprintf(err, errlen, "limit: --ban-after and --ban-ttl go together");
		return -EINVAL;
	}
	p.ban_after_ns = after * SL_NSEC_PER_SEC;
	p.ban_ttl_ns = ttl * SL_NSEC_PER_SEC;
	return bpf_ctl_limit_set(c, (uint32_t)cls, &p, err, errlen);
}

static int
xc_stats(struct bpf_ctl *c, struct xc_out *o)
{
	uint64_t v[SL_CNT__MAX], refused[SL_CTL_REFUSED__MAX];
	int i, first = 1;

	bpf_ctl_stats(c, v);
	if (o->json)
		fprintf(o->f, "{");
	for (i = 1; i < SL_CNT__MAX; i++) {
		if (strncmp(sl_counter_names[i], "xdp_", 4) && i != SL_CNT_VLAN_TOO_DEEP &&
		    i != SL_CNT_L2_TRUNCATED)
			continue;
		if (o->json)
			fprintf(o->f, "%s\"%s\":%llu", first ? "" : ",", sl_counter_names[i],
			       (unsigned long long)v[i]);
		else
			fprintf(o->f, "%-20s %llu\n", sl_counter_names[i], (unsigned long long)v[i]);
		first = 0;
	}
	bpf_ctl_refusals(c, refused);
	for (i = 0; i < SL_CTL_REFUSED__MAX; i++) {
		if (o->json)
			fprintf(o->f, ",\"%s\":%llu", bpf_ctl_refusal_name(i), (unsigned long long)refused[i]);
		else
			fprintf(o->f, "%-20s %llu\n", bpf_ctl_refusal_name(i), (unsigned long long)refused[i]);
	}
	if (o->json)
		fprintf(o->f, "}\n");
	return 0;
}

static int
xc_kind(const char *s, enum bpf_ctl_list *what)
{
	int i;

	for (i = 0; i < BPF_CTL_LIST__MAX; i++)
		if (strcmp(s, bpf_ctl_list_name((enum bpf_ctl_list)i)) == 0) {
			*what = (enum bpf_ctl_list)i;
			return 0;
		}
	return -1;
}

int
xdp_cmd_run(struct bpf_ctl *c, int argc, char **argv, FILE *f, int json, char *err,
	    size_t errlen)
{
	struct xc_out o = { .f = f, .json = json };
	const char *obj, *verb;
	enum bpf_ctl_list what = BPF_CTL_BLOCK;
	struct bpf_ctl_prefix pfx;
	uint64_t ttl = 0, cls;
	int rc, nargs;
	char **args;

	err[0] = '\0';
	if (argc < 1)
		return XDP_CMD_USAGE;
	obj = argv[0];
	verb = argc > 1 ? argv[1] : "";
	args = argv + 2;
	nargs = argc - 2;
	rc = XDP_CMD_USAGE;
	if (strcmp(obj, "stats") && strcmp(obj, "sweep") && strcmp(obj, "limit") &&
	    xc_kind(obj, &what) != 0)
		return XDP_CMD_USAGE;
	if (strcmp(obj, "stats") == 0) {
		rc = xc_stats(c, &o);
	} else if (strcmp(obj, "sweep") == 0 && !*verb) {
		rc = bpf_ctl_sweep(c, bpf_ctl_now_ns());
		if (rc >= 0) {
			fprintf(o.f, o.json ? "{\"deleted\":%d}\n" : "%d expired entries deleted\n", rc);
			rc = 0;
		} else {
			snprintf(err, errlen, "sweep: %s", strerror(-rc));
		}
	} else if (strcmp(obj, "limit") == 0) {
		if (strcmp(verb, "list") == 0 && nargs == 0)
			rc = xc_limit_list(c, &o);
		else if (strcmp(verb, "set") == 0)
			rc = xc_limit_set(c, nargs, args, err, errlen);
		else if (strcmp(verb, "del") == 0 && nargs == 1 &&
			 xc_u64(args[0], "class", SL_XDP_CLASS_MAX - 1, &cls, err, errlen) == 0) {
			struct sl_bucket_params zero;

			memset(&zero, 0, sizeof(zero));
			rc = bpf_ctl_limit_set(c, (uint32_t)cls, &zero, err, errlen);
		}
	} else if (strcmp(verb, "list") == 0 && nargs == 0) {
		rc = xc_list(c, what, &o);
	} else if (nargs >= 1 && bpf_ctl_prefix_parse(args[0], &pfx, err, errlen) != 0) {
		rc = -EINVAL;
		bpf_ctl_refused(c, rc);
	} else if (strcmp(verb, "del") == 0 && nargs == 1) {
		rc = bpf_ctl_del(c, what, &pfx, err, errlen);
	} else if (strcmp(verb, "add") == 0 && what != BPF_CTL_CLASS && nargs >= 1) {
		if (nargs == 3 && strcmp(args[1], "--ttl") == 0) {
			if (xc_u64(args[2], "--ttl", 100ULL * 365 * 86400, &ttl, err, errlen))
				return XDP_CMD_USAGE;
		} else if (nargs != 1 || (what == BPF_CTL_ALLOW && ttl)) {
			return XDP_CMD_USAGE;
		}
		if (what == BPF_CTL_BLOCK)
			rc = bpf_ctl_block_add(c, &pfx, ttl, err, errlen);
		else if (what == BPF_CTL_ALLOW)
			rc = nargs == 1 ? bpf_ctl_allow_add(c, &pfx, err, errlen) : XDP_CMD_USAGE;
		else
			rc = bpf_ctl_ban_add(c, &pfx, ttl, err, errlen);
	} else if (strcmp(verb, "set") == 0 && what == BPF_CTL_CLASS && nargs == 2) {
		if (xc_u64(args[1], "class", UINT32_MAX, &cls, err, errlen) == 0)
			rc = bpf_ctl_class_set(c, &pfx, (uint32_t)cls, err, errlen);
	}
	if (rc > 0)
		return XDP_CMD_USAGE;
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "%s %s: %s", obj, verb, strerror(-rc));
	return rc;
}

int
xdp_cmd_known(const char *obj)
{
	enum bpf_ctl_list what;

	return strcmp(obj, "stats") == 0 || strcmp(obj, "limit") == 0 ||
	       strcmp(obj, "sweep") == 0 || xc_kind(obj, &what) == 0;
}
