/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-xdpctl: the XDP front filter's controls straight over its pinned maps, for a
 * node without sluiced (sluicectl has the same verbs, through sluiced). The verbs are
 * xdp_cmd.c's. One change per call, checked before it is made; exit status 0 done, 1
 * refused or failed (one line saying what and why), 2 usage.
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
#include "xdp_cmd.h"

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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bpffs", required_argument, NULL, 'd' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	struct bpf_ctl c;
	char err[512] = "";
	int o, rc;

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
	if (!xdp_cmd_known(argv[optind])) {
		fprintf(stderr, "sluice-xdpctl: unknown command '%.32s' (try --help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (bpf_ctl_open(&c, dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-xdpctl: %s\n", err);
		return EXIT_REFUSED;
	}
	rc = xdp_cmd_run(&c, argc - optind, argv + optind, stdout, json_out, err, sizeof(err));
	bpf_ctl_close(&c);
	if (rc == XDP_CMD_USAGE) {
		if (err[0])
			fprintf(stderr, "sluice-xdpctl: %s\n", err);
		else
			fprintf(stderr, "sluice-xdpctl: bad arguments for '%s' (try --help)\n",
				argv[optind]);
		return EXIT_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "sluice-xdpctl: %s\n", err);
		return EXIT_REFUSED;
	}
	return 0;
}
