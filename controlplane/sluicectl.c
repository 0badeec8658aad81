/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl: the operator's CLI (DESIGN.md section 6).
 *
 * It sends its words to sluiced, which parses and checks them (cmd.c), and prints the
 * answer: so every client gets the daemon's checks and messages, and a new verb needs no
 * new CLI. Only `config check FILE` runs here, without the daemon: ExecReload and CI
 * validate a file before anything is told about it.
 *
 * Exit status: 0 ok, 1 refused or failed (one line on stderr: what and why), 2 usage.
 *
 * Context: a short-lived CLI process.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dp_client.h"
#include "lb_conf.h"
#include "sluice_config.h"

#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_USAGE   2
#define CTL_SOCK_DEFAULT "/run/sluice/sluiced.sock"
#define CTL_TIMEOUT_MS   10000

static void
ctl_usage(FILE *f)
{
	fputs(
"Usage: sluicectl [--socket PATH] [--json] [--if-generation N] COMMAND\n"
"\n"
"Drives Sluice through sluiced (socket default " CTL_SOCK_DEFAULT ", or $SLUICED_SOCKET).\n"
"Every change is checked as a whole, applied without a restart and without dropping\n"
"established flows, persisted, and audited; a refused change leaves everything as it was.\n"
"\n"
"  status                              the daemon, its generation, the dataplane's sync\n"
"  stats                               counters: sluiced, dataplane, XDP filter\n"
"\n"
"  vip add ADDR:PORT/PROTO --pool NAME [--policy P] [--mode M] [--sticky-ttl S] [--mss N]\n"
"      policies: rr wrr sticky source-hash maglev least-conn least-latency random-p2c\n"
"      modes: fnat dsr dsr-ipip; PORT * for any port; IPv6 as [ADDR]:PORT/tcp\n"
"  vip set ADDR:PORT/PROTO [--pool NAME] [--policy P] [--mode M] [--sticky-ttl S] [--mss N]\n"
"  vip del ADDR:PORT/PROTO | vip list\n"
"\n"
"  pool add NAME [--maglev-size PRIME] [--check tcp|http|udp|none] [--check-port N]\n"
"                [--check-path /P] [--check-status N] [--check-send S] [--check-expect S]\n"
"                [--inter-ms N] [--timeout-ms N] [--rise N] [--fall N]\n"
"      health checks default to every 2000 ms, down after 3 failures, up after 2 passes\n"
"  pool set NAME [the same options] | pool del NAME | pool list\n"
"\n"
"  backend add POOL ADDR:PORT [--weight 0-256] [--state ready|drain|maint]\n"
"  backend set POOL ADDR:PORT [--weight N] [--state S]\n"
"      drain: no new flows, established ones stay; maint: out; weight 0 drains\n"
"  backend del POOL ADDR:PORT | backend list [POOL]\n"
"\n"
"  block add PREFIX [--ttl SECONDS] | block del PREFIX | block list\n"
"  allow add PREFIX | allow del PREFIX | allow list\n"
"  ban add ADDRESS --ttl SECONDS | ban del ADDRESS | ban list\n"
"  class set PREFIX CLASS | class del PREFIX | class list\n"
"  limit set CLASS [--pps N --burst N] [--bps N --burst-bytes N]\n"
"                  [--ban-after SECONDS --ban-ttl SECONDS]\n"
"  limit del CLASS                     (the XDP front filter, over its pinned maps)\n"
"\n"
"  limit set NAME [options]            a dataplane rate limit (NAME starts with a letter;\n"
"                                      docs/limits.md): --algorithm token-bucket or\n"
"                                      leaky-bucket with --rate R --burst B, or fixed-window,\n"
"                                      sliding-log or sliding-window with --limit L\n"
"                                      --window-ms W; --unit packets|bytes|connections,\n"
"                                      --key source|prefix|service|subscriber, --prefix4 N,\n"
"                                      --prefix6 N, --service ADDR:PORT/PROTO|any,\n"
"                                      --from PREFIX|any, --subscriber NAME|any,\n"
"                                      --action drop|remark|count, --dscp N, --priority N,\n"
"                                      --max-keys N (set again: changes what is given);\n"
"                                      a meter: --profile NAME (the config's meter_profiles:)\n"
"                                      or --algorithm srtcm|trtcm|trtcm-rfc4115 with\n"
"                                      --cir --cbs --ebs | --pir --pbs | --eir (bytes/s,\n"
"                                      bytes), --green|--yellow|--red transmit|remark|drop,\n"
"                                      --green-dscp|--yellow-dscp|--red-dscp N,\n"
"                                      --colour-aware true|false, --l1-overhead true|false\n"
"  limit del NAME\n"
"  limit list                          the filter's classes and the dataplane's limits\n"
"\n"
"  config check FILE                   validate a config file (no daemon needed)\n"
"  config show                         the configuration in force, as YAML\n"
"  config save [FILE]                  write it to FILE (default: sluiced's --config)\n"
"  config reload                       replace it with sluiced's --config file\n"
"\n"
"  --json             machine-readable output for every read\n"
"  --if-generation N  make a change only if the state is still at generation N\n"
"  (these and --socket may also follow the command: sluicectl stats --json)\n"
"\n"
"Exit status: 0 ok, 1 refused or failed, 2 usage.\n", f);
}

static int
ctl_check_file(const char *path, int json)
{
	struct lb_conf c;
	char err[512];

	if (lb_conf_load(path, &c, err, sizeof(err)) != 0) {
		if (json) {
			json_t *o = json_pack("{s:b, s:s}", "valid", 0, "error", err);

			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		}
		fprintf(stderr, "sluicectl: %s\n", err);
		return CTL_EXIT_REFUSED;
	}
	if (json)
		printf("{\"valid\":true,\"services\":%u,\"pools\":%u,\"limits\":%u}\n",
		       c.nb_services, c.nb_pools, c.nb_limits);
	else
		printf("%s: valid (%u services, %u pools, %u limits)\n", path, c.nb_services,
		       c.nb_pools, c.nb_limits);
	lb_conf_free(&c);
	return 0;
}

/*
 * The global options may come anywhere (sluicectl stats --json, as kubectl and ip -j
 * users type them): moved ahead of the command, in their order, so getopt stops at the
 * command and the rest goes to sluiced as typed. A verb's own options never share a
 * name with them. After a "--", nothing moves.
 */
static int
ctl_is_global(const char *a, int *takes_value)
{
	static const char *const with_value[] = { "--socket", "--if-generation" };
	unsigned int i;

	*takes_value = 0;
	if (strcmp(a, "--json") == 0)
		return 1;
	for (i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++) {
		size_t n = strlen(with_value[i]);

		if (strncmp(a, with_value[i], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
			*takes_value = a[n] == '\0';
			return 1;
		}
	}
	return 0;
}

static void
ctl_hoist_globals(int argc, char **argv)
{
	char **globals = calloc((size_t)argc, sizeof(*globals));
	char **rest = calloc((size_t)argc, sizeof(*rest));
	int i, ng = 0, nr = 0, tv, done = 0;

	if (!globals || !rest)
		goto out;       /* then only leading options count, as before */
	for (i = 1; i < argc; i++) {
		if (!done && strcmp(argv[i], "--") == 0)
			done = 1;
		if (!done && ctl_is_global(argv[i], &tv)) {
			globals[ng++] = argv[i];
			if (tv && i + 1 < argc)
				globals[ng++] = argv[++i];
			continue;
		}
		rest[nr++] = argv[i];
	}
	memcpy(argv + 1, globals, (size_t)ng * sizeof(*argv));
	memcpy(argv + 1 + ng, rest, (size_t)nr * sizeof(*argv));
out:
	free(globals);
	free(rest);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "if-generation", required_argument, NULL, 'g' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("SLUICED_SOCKET");
	long long ifgen = -1;
	json_t *req, *words, *rep;
	char err[512], *end;
	int o, json = 0, i, rc;

	if (!sock || !*sock)
		sock = CTL_SOCK_DEFAULT;
	ctl_hoist_globals(argc, argv);
	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'g':
			errno = 0;
			ifgen = strtoll(optarg, &end, 10);
			if (!*optarg || *end || errno || ifgen < 0) {
				fprintf(stderr, "sluicectl: --if-generation '%s': want a whole number\n",
					optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		case 'V':
			printf("sluicectl %s\n", SLUICE_VERSION);
			return 0;
		default:
			fprintf(stderr, "sluicectl: unknown option (try --help)\n");
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		ctl_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		ctl_usage(stdout);
		return 0;
	}
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			ctl_usage(stdout);
			return 0;
		}
	if (strcmp(argv[optind], "config") == 0 && optind + 1 < argc &&
	    strcmp(argv[optind + 1], "check") == 0) {
		if (argc - optind != 3) {
			fprintf(stderr, "sluicectl: usage: sluicectl config check FILE\n");
			return CTL_EXIT_USAGE;
		}
		return ctl_check_file(argv[optind + 2], json);
	}
	words = json_array();
	for (i = optind; i < argc; i++)
		json_array_append_new(words, json_string(argv[i]));
	req = json_pack("{s:o, s:b}", "argv", words, "json", json);
	if (!req) {
		fprintf(stderr, "sluicectl: arguments must be UTF-8 text\n");
		return CTL_EXIT_USAGE;
	}
	if (ifgen >= 0)
		json_object_set_new(req, "if_generation", json_integer(ifgen));
	rep = dpc_call(sock, req, CTL_TIMEOUT_MS, err, sizeof(err));
	json_decref(req);
	if (!rep) {
		fprintf(stderr, "sluicectl: cannot reach sluiced: %s\n", err);
		return CTL_EXIT_REFUSED;
	}
	if (json_is_true(json_object_get(rep, "ok"))) {
		const char *out = json_string_value(json_object_get(rep, "output"));

		fputs(out ? out : "", stdout);
		rc = 0;
	} else {
		const char *e = json_string_value(json_object_get(rep, "error"));

		fprintf(stderr, "sluicectl: %s\n", e ? e : "refused, no reason given");
		rc = json_is_true(json_object_get(rep, "usage")) ? CTL_EXIT_USAGE : CTL_EXIT_REFUSED;
	}
	json_decref(rep);
	return rc;
}
