/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-xdpctl: the XDP front filter's controls until sluiced takes them over (its verbs
 * then move into sluicectl: block, limit, ...). One change per call, checked before it is
 * made; exit status 0 done, 1 refused or failed (one line saying what and why), 2 usage.
 *
 * Context: a short-lived CLI process.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_ctl.h"
#include "sluice_config.h"
#include "sluice_xdp_abi.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: sluice-xdpctl [--bpffs DIR] [--json] COMMAND\n"
"\n"
"Controls Sluice's XDP front filter through its pinned maps (default bpffs %s;\n"
"the lab's is /run/sluice/lab/bpffs). Changes take effect at once, nothing restarts,\n"
"and they survive dataplane restarts.\n"
"\n"
"  block add PREFIX [--ttl SECONDS]   drop every packet from PREFIX (v4 or v6)\n"
"  block del PREFIX | block list\n"
"  allow add PREFIX | allow del PREFIX | allow list\n"
"                                     allowlisted sources skip blocks, bans and limits\n"
"  class set PREFIX CLASS             sources in PREFIX use limit CLASS (1-%d)\n"
"  class del PREFIX | class list      (unmatched sources use class 0)\n"
"  limit set CLASS [--pps N --burst N] [--bps N --burst-bytes N]\n"
"                  [--ban-after SECONDS --ban-ttl SECONDS]\n"
"                                     a token bucket per source, in packets and/or\n"
"                                     bytes; sources over it for --ban-after are banned\n"
"  limit del CLASS | limit list\n"
"  ban add ADDRESS --ttl SECONDS | ban del ADDRESS | ban list\n"
"  sweep                              delete expired blocks and bans (they already\n"
"                                     stop matching; the dataplane sweeps every second)\n"
"  stats                              the filter's counters, summed over CPUs, and\n"
"                                     the changes refused (ctl_refused_*)\n"
"\n"
"Exit status: 0 done, 1 refused or failed, 2 usage.\n",
		BPF_CTL_PIN_DIR_DEFAULT, SL_XDP_CLASS_MAX - 1);
}

static int json_out;
static int list_first;

static int
print_entry(const struct bpf_ctl_entry *e, void *arg)
{
	enum bpf_ctl_list what = *(enum bpf_ctl_list *)arg;
	char pfx[64];
	uint64_t now = bpf_ctl_now_ns();
	long long left = e->expires_ns ? (long long)((e->expires_ns - now) / SL_NSEC_PER_SEC) : -1;

	bpf_ctl_prefix_format(&e->prefix, pfx, sizeof(pfx));
	if (what == BPF_CTL_BAN)
		*strchr(pfx, '/') = '\0';
	if (json_out) {
		printf("%s{\"%s\":\"%s\"", list_first ? "" : ",", what == BPF_CTL_BAN ? "address" : "prefix", pfx);
		if (what == BPF_CTL_CLASS)
			printf(",\"class\":%u", e->class_id);
		if (e->expires_ns)
			printf(",\"expires_in_s\":%lld,\"expired\":%s", left < 0 ? 0 : left,
			       e->expires_ns <= now ? "true" : "false");
		printf("}");
	} else {
		printf("%-44s", pfx);
		if (what == BPF_CTL_CLASS)
			printf(" class %u", e->class_id);
		if (e->expires_ns)
			printf(e->expires_ns <= now ? " expired" : " expires in %llds", left);
		printf("\n");
	}
	list_first = 0;
	return 0;
}

static int
do_list(struct bpf_ctl *c, enum bpf_ctl_list what)
{
	list_first = 1;
	if (json_out)
		printf("[");
	bpf_ctl_list(c, what, print_entry, &what);
	if (json_out)
		printf("]\n");
	return 0;
}

static int
parse_u64(const char *s, const char *what, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || v > max) {
		fprintf(stderr, "sluice-xdpctl: %s '%s': want a whole number up to %llu\n", what, s,
			(unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
do_limit_list(struct bpf_ctl *c)
{
	uint32_t k;
	int first = 1;

	if (json_out)
		printf("[");
	for (k = 0; k < SL_XDP_CLASS_MAX; k++) {
		struct sl_bucket_params p;
		uint64_t pps, bps;

		if (bpf_ctl_limit_get(c, k, &p) != 0 || (!p.pkt_interval_ns && !p.byte_q16))
			continue;
		pps = p.pkt_interval_ns ? SL_NSEC_PER_SEC / p.pkt_interval_ns : 0;
		bps = p.byte_q16 ? (SL_NSEC_PER_SEC << SL_BUCKET_Q) / p.byte_q16 : 0;
		if (json_out) {
			printf("%s{\"class\":%u,\"pps\":%llu,\"burst\":%llu,\"bps\":%llu,\"burst_bytes\":%llu,"
			       "\"ban_after_s\":%llu,\"ban_ttl_s\":%llu}", first ? "" : ",", k,
			       (unsigned long long)pps,
			       (unsigned long long)(p.pkt_interval_ns ? p.pkt_burst_ns / p.pkt_interval_ns : 0),
			       (unsigned long long)bps,
			       (unsigned long long)(bps ? p.byte_burst_ns * bps / SL_NSEC_PER_SEC : 0),
			       (unsigned long long)(p.ban_after_ns / SL_NSEC_PER_SEC),
			       (unsigned long long)(p.ban_ttl_ns / SL_NSEC_PER_SEC));
		} else {
			printf("class %-3u", k);
			if (pps)
				printf(" %llu pps burst %llu", (unsigned long long)pps,
				       (unsigned long long)(p.pkt_burst_ns / p.pkt_interval_ns));
			if (bps)
				printf(" %llu B/s burst %llu B", (unsigned long long)bps,
				       (unsigned long long)(p.byte_burst_ns * bps / SL_NSEC_PER_SEC));
			if (p.ban_after_ns)
				printf(" ban after %llus for %llus",
				       (unsigned long long)(p.ban_after_ns / SL_NSEC_PER_SEC),
				       (unsigned long long)(p.ban_ttl_ns / SL_NSEC_PER_SEC));
			printf("\n");
		}
		first = 0;
	}
	if (json_out)
		printf("]\n");
	return 0;
}

/* limit set CLASS [options]: argv starts at CLASS. */
static int
do_limit_set(struct bpf_ctl *c, int argc, char **argv, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "pps", required_argument, NULL, 'p' }, { "burst", required_argument, NULL, 'b' },
		{ "bps", required_argument, NULL, 'B' }, { "burst-bytes", required_argument, NULL, 'y' },
		{ "ban-after", required_argument, NULL, 'a' }, { "ban-ttl", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t cls, pps = 0, burst = 0, bps = 0, burst_bytes = 0, after = 0, ttl = 0;
	struct sl_bucket_params p;
	int o;

	if (argc < 1 || parse_u64(argv[0], "class", SL_XDP_CLASS_MAX - 1, &cls))
		return argc < 1 ? -EINVAL : EXIT_USAGE;
	optind = 1;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		uint64_t *dst = o == 'p' ? &pps : o == 'b' ? &burst : o == 'B' ? &bps :
				o == 'y' ? &burst_bytes : o == 'a' ? &after : o == 't' ? &ttl : NULL;

		if (!dst || parse_u64(optarg, opts[0].name, UINT64_MAX / SL_NSEC_PER_SEC, dst))
			return EXIT_USAGE;
	}
	if (optind != argc)
		return EXIT_USAGE;
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
do_stats(struct bpf_ctl *c)
{
	uint64_t v[SL_CNT__MAX], refused[SL_CTL_REFUSED__MAX];
	int i, first = 1;

	bpf_ctl_stats(c, v);
	if (json_out)
		printf("{");
	for (i = 1; i < SL_CNT__MAX; i++) {
		if (strncmp(sl_counter_names[i], "xdp_", 4) && i != SL_CNT_VLAN_TOO_DEEP &&
		    i != SL_CNT_L2_TRUNCATED)
			continue;
		if (json_out)
			printf("%s\"%s\":%llu", first ? "" : ",", sl_counter_names[i],
			       (unsigned long long)v[i]);
		else
			printf("%-20s %llu\n", sl_counter_names[i], (unsigned long long)v[i]);
		first = 0;
	}
	bpf_ctl_refusals(c, refused);
	for (i = 0; i < SL_CTL_REFUSED__MAX; i++) {
		if (json_out)
			printf(",\"%s\":%llu", bpf_ctl_refusal_name(i), (unsigned long long)refused[i]);
		else
			printf("%-20s %llu\n", bpf_ctl_refusal_name(i), (unsigned long long)refused[i]);
	}
	if (json_out)
		printf("}\n");
	return 0;
}

static int
kind_of(const char *s, enum bpf_ctl_list *what)
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
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bpffs", required_argument, NULL, 'd' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *obj, *verb;
	enum bpf_ctl_list what = BPF_CTL_BLOCK;
	struct bpf_ctl_prefix pfx;
	struct bpf_ctl c;
	char err[512] = "";
	uint64_t ttl = 0, cls;
	int o, rc, nargs;
	char **args;

	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case 'd': dir = optarg; break;
		case 'j': json_out = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sluice-xdpctl %s\n", SLUICE_VERSION); return 0;
		default: fprintf(stderr, "sluice-xdpctl: unknown option (try --help)\n"); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	obj = argv[optind];
	verb = optind + 1 < argc ? argv[optind + 1] : "";
	args = argv + optind + 2;
	nargs = argc - optind - 2;
	if (strcmp(obj, "stats") != 0 && strcmp(obj, "limit") != 0 && strcmp(obj, "sweep") != 0 &&
	    kind_of(obj, &what)) {
		fprintf(stderr, "sluice-xdpctl: unknown command '%.32s' (try --help)\n", obj);
		return EXIT_USAGE;
	}
	if (bpf_ctl_open(&c, dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-xdpctl: %s\n", err);
		return EXIT_REFUSED;
	}
	rc = EXIT_USAGE;
	if (strcmp(obj, "stats") == 0) {
		rc = do_stats(&c);
	} else if (strcmp(obj, "sweep") == 0 && !*verb) {
		rc = bpf_ctl_sweep(&c, bpf_ctl_now_ns());
		if (rc >= 0) {
			printf(json_out ? "{\"deleted\":%d}\n" : "%d expired entries deleted\n", rc);
			rc = 0;
		} else {
			snprintf(err, sizeof(err), "sweep: %s", strerror(-rc));
		}
	} else if (strcmp(obj, "limit") == 0) {
		if (strcmp(verb, "list") == 0 && nargs == 0)
			rc = do_limit_list(&c);
		else if (strcmp(verb, "set") == 0)
			rc = do_limit_set(&c, nargs, args, err, sizeof(err));
		else if (strcmp(verb, "del") == 0 && nargs == 1 &&
			 parse_u64(args[0], "class", SL_XDP_CLASS_MAX - 1, &cls) == 0) {
			struct sl_bucket_params zero;

			memset(&zero, 0, sizeof(zero));
			rc = bpf_ctl_limit_set(&c, (uint32_t)cls, &zero, err, sizeof(err));
		}
	} else if (strcmp(verb, "list") == 0 && nargs == 0) {
		rc = do_list(&c, what);
	} else if (nargs >= 1 && bpf_ctl_prefix_parse(args[0], &pfx, err, sizeof(err)) != 0) {
		rc = -EINVAL;
		bpf_ctl_refused(&c, rc);
	} else if (strcmp(verb, "del") == 0 && nargs == 1) {
		rc = bpf_ctl_del(&c, what, &pfx, err, sizeof(err));
	} else if (strcmp(verb, "add") == 0 && what != BPF_CTL_CLASS && nargs >= 1) {
		if (nargs == 3 && strcmp(args[1], "--ttl") == 0) {
			if (parse_u64(args[2], "--ttl", 100ULL * 365 * 86400, &ttl))
				goto out;
		} else if (nargs != 1 || (what == BPF_CTL_ALLOW && ttl)) {
			goto out;
		}
		if (what == BPF_CTL_BLOCK)
			rc = bpf_ctl_block_add(&c, &pfx, ttl, err, sizeof(err));
		else if (what == BPF_CTL_ALLOW)
			rc = nargs == 1 ? bpf_ctl_allow_add(&c, &pfx, err, sizeof(err)) : EXIT_USAGE;
		else
			rc = bpf_ctl_ban_add(&c, &pfx, ttl, err, sizeof(err));
	} else if (strcmp(verb, "set") == 0 && what == BPF_CTL_CLASS && nargs == 2) {
		if (parse_u64(args[1], "class", UINT32_MAX, &cls) == 0)
			rc = bpf_ctl_class_set(&c, &pfx, (uint32_t)cls, err, sizeof(err));
	}
out:
	bpf_ctl_close(&c);
	if (rc == EXIT_USAGE) {
		if (!err[0])
			fprintf(stderr, "sluice-xdpctl: bad arguments for '%s %s' (try --help)\n", obj, verb);
		return EXIT_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "sluice-xdpctl: %s\n", err[0] ? err : strerror(-rc));
		return EXIT_REFUSED;
	}
	return 0;
}
