/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-dataplane: start-up, the control thread's loop, and shutdown.
 *
 * Order matters for operators: everything that can be checked without EAL (our options,
 * port specs, root, interfaces, hugepages) is checked first and refused with one line,
 * so a typo never produces a screen of EAL errors. Then EAL, the mbuf pool, the ports,
 * the XDP maps, the workers; the main lcore becomes the control thread serving the
 * control socket until SIGINT/SIGTERM, and shutdown undoes everything in reverse:
 * workers joined, ports stopped and closed (the AF_XDP PMD detaches the XDP program;
 * we restore promiscuous mode), EAL cleaned up (with --in-memory no hugepage file
 * remains).
 *
 * Context: main lcore (control thread).
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dp_args.h"
#include "dp_conf.h"
#include "dp_ctl.h"
#include "dp_stats.h"
#include "dp_xdp.h"
#include "flowlog.h"
#include "lb.h"
#include "lb_conf.h"
#include "src_filter.h"
#include "src_filter_fp.h"
#include "sluice_config.h"
#include "worker.h"

#define MAIN_EXIT_USAGE 2
#define MAIN_XDP_OBJ    "sluice_xdp.o"
#define MAIN_POOL_CACHE 256
/* Per port and queue: RX ring, TX ring and the AF_XDP fill ring (2 x 2048). */
#define MAIN_MBUFS_PER_QUEUE (1024 + 1024 + 4096)

static struct dp main_dp;
static struct dp_args main_args;
static struct src_filter main_sf;
static struct lb_conf main_conf;
static struct flowlog main_fl;          /* --flow-log; zeroed: off */
static volatile sig_atomic_t main_reload_pending;
static struct bpf_ctl main_ctl;         /* when there is no source filter to hold it */
static int main_ctl_open;

#define MAIN_TICK_MS      100           /* source filter refresh */
#define MAIN_SWEEP_TICKS  10            /* expired blocks and bans deleted every second */

/* Re-reads --config; a refused file leaves the running configuration (dp_conf.h). */
static int
main_lb_reload(struct dp *dp, char *err, size_t errlen)
{
	struct lb_conf c;
	int rc = lb_conf_load(main_args.config, &c, err, errlen);

	if (rc) {
		dp->applies_refused++;
		return rc;
	}
	rc = dp_conf_apply(dp, &c, 0, err, errlen);
	if (rc == 0) {
		printf("sluice-dataplane: %s: tables version %lu in force\n", main_args.config,
		       (unsigned long)dp->lb->version);
		fflush(stdout);
	}
	return rc;
}

static void
main_sighup(int sig)
{
	(void)sig;
	main_reload_pending = 1;
}

/*
 * The XDP filter's maps: af_xdp ports have them (the PMD loaded the program); a dataplane
 * with other ports runs the same policy as its first stage (src_filter.h), over maps it
 * creates if need be. Either way it keeps them swept. Returns 0, or -errno with err.
 */
static int
main_filter_setup(const char *xdp_obj, char *err, size_t errlen)
{
	int any_xdp = 0, any_other = 0, rc;
	uint16_t i;

	for (i = 0; i < main_dp.nb_ports; i++) {
		if (main_dp.ports[i].port.spec.kind == PORT_KIND_AF_XDP)
			any_xdp = 1;
		else
			any_other = 1;
	}
	if (main_args.no_src_filter)
		any_other = 0;
	if (!any_xdp && !any_other)
		return 0;
	if (!any_xdp) {
		rc = dp_xdp_create_maps(xdp_obj, err, errlen);
		if (rc)
			return rc;
	}
	rc = dp_xdp_filter_open(&main_ctl, err, errlen);
	if (rc)
		return rc;
	if (!any_other) {
		main_ctl_open = 1;
		return 0;
	}
	rc = sf_open(&main_sf, &main_ctl, main_dp.nb_workers, err, errlen);  /* takes ctl */
	if (rc)
		return rc;
	main_dp.sf = &main_sf;
	for (i = 0; i < main_dp.nb_ports; i++)
		main_dp.ports[i].src_filter = main_dp.ports[i].port.spec.kind != PORT_KIND_AF_XDP;
	return 0;
}

/* The control thread's periodic upkeep of the filter. Errors are said once each. */
static void
main_filter_tick(unsigned long tick)
{
	static char last[512];
	char err[512] = "";
	struct bpf_ctl *ctl = main_dp.sf ? &main_sf.ctl : main_ctl_open ? &main_ctl : NULL;

	if (main_dp.sf) {
		if (sf_tick(&main_sf, sf_now_ns(), err, sizeof(err)) == 0)
			last[0] = '\0';
		else if (strcmp(err, last) != 0) {
			fprintf(stderr, "sluice-dataplane: %s\n", err);
			snprintf(last, sizeof(last), "%s", err);
		}
	}
	if (ctl && tick % MAIN_SWEEP_TICKS == 0)
		dp_xdp_sweep(ctl);
}

static void
main_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&main_dp.quit, 1, __ATOMIC_RELAXED);
}

static int
main_has_arg(int argc, char **argv, const char *const *names)
{
	int i, j;

	for (i = 1; i < argc; i++)
		for (j = 0; names[j]; j++)
			if (strcmp(argv[i], names[j]) == 0 ||
			    (strncmp(argv[i], names[j], strlen(names[j])) == 0 &&
			     argv[i][strlen(names[j])] == '='))
				return 1;
	return 0;
}

/* The XDP object: --xdp-prog, else next to the binary in the build tree, else installed. */
static void
main_find_xdp_obj(const char *argv0, char *out, size_t len)
{
	char self[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n;

	if (main_args.xdp_obj[0]) {
		snprintf(out, len, "%s", main_args.xdp_obj);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(cand, sizeof(cand), "%s/../bpf/%s", dirname(self), MAIN_XDP_OBJ);
		if (access(cand, R_OK) == 0 && strlen(cand) < len) {
			strcpy(out, cand);
			return;
		}
	}
	snprintf(cand, sizeof(cand), "%s/%s", SLUICE_BPF_INSTALL_DIR, MAIN_XDP_OBJ);
	if (access(cand, R_OK) == 0 && strlen(cand) < len) {
		strcpy(out, cand);
		return;
	}
	snprintf(out, len, "%s/%s", SLUICE_BPF_BUILD_DIR, MAIN_XDP_OBJ);
	(void)argv0;
}

static unsigned long
main_free_hugepages(void)
{
	static const char *const files[] = {
		"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
		"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages",
	};
	unsigned long total = 0, v;
	size_t i;

	for (i = 0; i < RTE_DIM(files); i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		if (fscanf(f, "%lu", &v) == 1)
			total += v;
		fclose(f);
	}
	return total;
}

/* Checks that need no EAL. Exits with a message on failure. */
static void
main_precheck(int eal_argc, char **eal_argv)
{
	static const char *const no_huge[] = { "--no-huge", NULL };
	char err[512];
	unsigned int i;
	int any_xdp = 0;

	for (i = 0; i < main_args.nb_ports; i++) {
		if (port_spec_check(&main_args.ports[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "sluice-dataplane: %s\n", err);
			exit(EXIT_FAILURE);
		}
		any_xdp |= main_args.ports[i].kind == PORT_KIND_AF_XDP;
	}
	if (!main_has_arg(eal_argc, eal_argv, no_huge) && main_free_hugepages() == 0) {
		fprintf(stderr, "sluice-dataplane: no free hugepages. Reserve some as root "
			"(echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; "
			"deploy/install-deps.sh does it), or run with --no-huge --no-shconf "
			"(slower%s)\n", any_xdp ? "; af_xdp ports need hugepages" : "");
		exit(EXIT_FAILURE);
	}
}

static struct rte_mempool *
main_pool_create(void)
{
	unsigned int n = main_dp.nb_ports * main_dp.nb_workers * MAIN_MBUFS_PER_QUEUE +
			 main_dp.nb_workers * (main_dp.nb_workers * DP_HANDOFF_RING +
					       MAIN_POOL_CACHE + DP_BURST * PORT_MAX);

	n = rte_align32pow2(n) - 1;
	return rte_pktmbuf_pool_create("sl_mbuf", n, MAIN_POOL_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
}

static void
main_close_ports(void)
{
	uint16_t i;

	for (i = 0; i < main_dp.nb_ports; i++)
		port_close(&main_dp.ports[i].port);
}

static void
main_print_summary(void)
{
	uint64_t total[SL_CNT__MAX];
	int i;

	dp_stats_sum(&main_dp, total);
	printf("sluice-dataplane: final counters:");
	for (i = 1; i < SL_CNT__MAX; i++)
		if (total[i])
			printf(" %s=%" PRIu64, sl_counter_names[i], total[i]);
	if (main_fl.enabled) {
		uint64_t fl[FLOWLOG_CNT__MAX];

		flowlog_counters(&main_fl, fl);
		for (i = 0; i < FLOWLOG_CNT__MAX; i++)
			if (fl[i])
				printf(" %s=%" PRIu64, flowlog_counter_names[i], fl[i]);
	}
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static const char *const help[] = { "-h", "--help", NULL };
	static const char *const version[] = { "--version", NULL };
	static const char *const pci_sel[] = { "--no-pci", "-a", "--allow", "-b", "--block", NULL };
	char err[512], xdp_obj[PATH_MAX];
	uint64_t next_tick = 0;
	unsigned long tick = 0;
	char **eal_argv;
	int eal_argc, app_argc, i, rc, ctl_fd = -1, status = EXIT_SUCCESS;
	struct rte_mempool *pool;
	struct sigaction sa;
	unsigned int lcore;

	if (main_has_arg(argc, argv, help)) {
		dp_args_usage(stdout, "sluice-dataplane");
		return EXIT_SUCCESS;
	}
	if (main_has_arg(argc, argv, version)) {
		printf("sluice-dataplane %s\n", SLUICE_VERSION);
		return EXIT_SUCCESS;
	}
	/* EAL options before "--", ours after. */
	for (eal_argc = 1; eal_argc < argc && strcmp(argv[eal_argc], "--") != 0; eal_argc++)
		;
	app_argc = argc - eal_argc;     /* includes the "--" that stands in for argv[0] */
	if (app_argc <= 1) {
		fprintf(stderr, "sluice-dataplane: no dataplane options: give EAL options, then "
			"'--', then at least one --port (try --help)\n");
		return MAIN_EXIT_USAGE;
	}
	if (dp_args_parse(app_argc, argv + eal_argc, &main_args, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-dataplane: %s\n", err);
		return MAIN_EXIT_USAGE;
	}
	main_precheck(eal_argc, argv);
	if (main_args.config[0] &&
	    lb_conf_load(main_args.config, &main_conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-dataplane: %s\n", err);
		return MAIN_EXIT_USAGE;
	}

	/* No PCI port kind is configured yet: never let EAL probe the host's own NIC. */
	eal_argv = calloc((size_t)eal_argc + 2, sizeof(*eal_argv));
	if (!eal_argv)
		return EXIT_FAILURE;
	for (i = 0; i < eal_argc; i++)
		eal_argv[i] = argv[i];
	if (!main_has_arg(eal_argc, argv, pci_sel))
		eal_argv[eal_argc++] = (char *)(uintptr_t)"--no-pci";
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0) {
		fprintf(stderr, "sluice-dataplane: EAL initialisation failed: %s. Check the EAL "
			"options above; without hugepages use --no-huge --no-shconf; as non-root "
			"use --in-memory and pcap/null/ring ports\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}

	main_dp.nb_ports = (uint16_t)main_args.nb_ports;
	main_dp.idle_sleep_us = main_args.idle_sleep_us;
	main_dp.nb_workers = main_args.nb_workers ? main_args.nb_workers : rte_lcore_count() - 1;
	if (rte_lcore_count() < 2 || main_dp.nb_workers + 1 > rte_lcore_count()) {
		fprintf(stderr, "sluice-dataplane: %u workers need %u lcores (main + workers), EAL "
			"has %u; pass e.g. -l 0-%u, or --lcores to put several on one core\n",
			RTE_MAX(main_dp.nb_workers, 1u), RTE_MAX(main_dp.nb_workers, 1u) + 1,
			rte_lcore_count(), RTE_MAX(main_dp.nb_workers, 1u));
		status = EXIT_FAILURE;
		goto err_eal;
	}
	if (main_dp.nb_workers > DP_MAX_WORKERS)
		main_dp.nb_workers = DP_MAX_WORKERS;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = main_sighup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	pool = main_pool_create();
	if (!pool) {
		fprintf(stderr, "sluice-dataplane: mbuf pool: %s (reserve more hugepages)\n",
			rte_strerror(rte_errno));
		status = EXIT_FAILURE;
		goto err_eal;
	}
	main_find_xdp_obj(argv[0], xdp_obj, sizeof(xdp_obj));
	for (i = 0; i < main_dp.nb_ports; i++) {
		struct dp_port *dpp = &main_dp.ports[i];

		dpp->port.spec = main_args.ports[i];
		dpp->local = main_args.locals[i];
		rc = port_open(&dpp->port, (uint16_t)main_dp.nb_workers, pool, xdp_obj, err,
			       sizeof(err));
		if (rc) {
			fprintf(stderr, "sluice-dataplane: %s\n", err);
			status = EXIT_FAILURE;
			goto err_ports;
		}
		dpp->local.mac = dpp->port.mac;
		dp_port_set_mtu(dpp);
		main_dp.port_idx[dpp->port.port_id] = (uint8_t)i;
	}
	main_dp.pool = pool;
	/* 53 bits: exact in any JSON reader */
	if (getrandom(&main_dp.boot_id, sizeof(main_dp.boot_id), 0) != sizeof(main_dp.boot_id))
		main_dp.boot_id = rte_get_timer_cycles() ^ (uint64_t)getpid() << 32;
	main_dp.boot_id &= (1ULL << 53) - 1;
	/* The balancer is always there: without --config it starts empty and waits for
	 * sluiced's push over the control socket. */
	main_dp.ct_max = main_args.ct_max;
	rc = dp_conf_setup(&main_dp, &main_conf, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sluice-dataplane: %s%s%s\n", main_args.config,
			main_args.config[0] ? ": " : "", err);
		status = EXIT_FAILURE;
		goto err_ports;
	}
	if (main_args.config[0])
		main_dp.reload = main_lb_reload;
	rc = main_filter_setup(xdp_obj, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sluice-dataplane: %s\n", err);
		status = EXIT_FAILURE;
		goto err_ports;
	}
	rc = worker_setup_all(&main_dp, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sluice-dataplane: %s\n", err);
		status = EXIT_FAILURE;
		goto err_workers;
	}
	rc = flowlog_open(&main_fl, &main_args, main_dp.nb_workers, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sluice-dataplane: %s\n", err);
		status = EXIT_FAILURE;
		goto err_workers;
	}
	flowlog_attach(&main_fl, &main_dp);
	if (main_args.ctl_path[0]) {
		ctl_fd = dp_ctl_open(main_args.ctl_path, err, sizeof(err));
		if (ctl_fd < 0) {
			fprintf(stderr, "sluice-dataplane: %s\n", err);
			status = EXIT_FAILURE;
			goto err_workers;
		}
	}
	dp_ctl_telemetry_register(&main_dp);

	for (i = 0; i < main_dp.nb_ports; i++) {
		const struct port *p = &main_dp.ports[i].port;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		printf("sluice-dataplane: port %s: %s%s%s, %s, %u queue pair(s), %u+%u addresses\n",
		       p->spec.name, port_kind_name(p->spec.kind), p->spec.ifname[0] ? " on " : "",
		       p->spec.ifname, mac, p->nb_queues, main_dp.ports[i].local.nb_v4,
		       main_dp.ports[i].local.nb_v6);
	}
	for (i = 0; i < (int)main_dp.nb_workers; i++) {
		struct worker *w = main_dp.workers[i];

		rte_eal_remote_launch(worker_main, w, w->lcore_id);
		printf("sluice-dataplane: worker %u on lcore %u\n", w->idx, w->lcore_id);
	}
	printf("sluice-dataplane: ready%s%s\n", ctl_fd >= 0 ? "; control socket " : "",
	       ctl_fd >= 0 ? main_args.ctl_path : "");
	fflush(stdout);

	while (!__atomic_load_n(&main_dp.quit, __ATOMIC_RELAXED)) {
		uint64_t now = rte_get_timer_cycles();

		if (ctl_fd >= 0) {
			rc = dp_ctl_poll(&main_dp, ctl_fd, MAIN_TICK_MS);
			if (rc)
				fprintf(stderr, "sluice-dataplane: control socket: %s\n", strerror(-rc));
		} else {
			usleep(MAIN_TICK_MS * 1000);
		}
		flowlog_drain(&main_fl, rte_rdtsc());
		if (main_reload_pending && main_dp.reload) {
			main_reload_pending = 0;
			if (main_dp.reload(&main_dp, err, sizeof(err)) != 0)
				fprintf(stderr, "sluice-dataplane: reload refused, the running "
					"configuration stays: %s\n", err);
		}
		if (now >= next_tick) {
			main_filter_tick(tick++);
			next_tick = now + rte_get_timer_hz() * MAIN_TICK_MS / 1000;
		}
	}

	printf("sluice-dataplane: stopping\n");
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_wait_lcore(lcore);
	flowlog_flush(&main_fl);        /* the flows still open, as table-reset */
	main_print_summary();
	dp_ctl_close(ctl_fd, main_args.ctl_path);
err_workers:
	dp_ctl_telemetry_unregister();
	flowlog_close(&main_fl);
	worker_free_all(&main_dp);
err_ports:
	dp_conf_teardown(&main_dp);
	lb_conf_free(&main_conf);
	if (main_dp.sf)
		sf_close(&main_sf);
	else if (main_ctl_open)
		bpf_ctl_close(&main_ctl);
	main_dp.sf = NULL;
	main_ctl_open = 0;
	main_close_ports();
	rte_mempool_free(pool);
err_eal:
	rte_eal_cleanup();
	free(eal_argv);
	return status;
}
