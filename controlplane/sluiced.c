/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced: start-up, the CLI socket and the loop (sluiced.h); the path of a change and
 * the dataplane's sync are sd_core.c's.
 *
 * CLI peers are let in by their credentials (SO_PEERCRED): root, sluiced's own user, or
 * a member of --group; anyone else is refused, counted and audited, whatever the
 * socket's mode lets connect.
 *
 * Context: sluiced's single thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dp_client.h"
#include "health.h"
#include "lb_conf.h"
#include "metrics.h"
#include "sluice_config.h"
#include "sd_log.h"
#include "sluiced.h"
#include "store.h"

#define SD_EXIT_USAGE   2
#define SD_CLIENT_MS    5000            /* a CLI client has this long to send its line */
#define SD_CLIENTS_MAX  64

/* A CLI connection until its reply is written. */
struct sd_client {
	struct sd_io io;                /* first: the loop hands back &io */
	struct sd_client *next;
	char *buf;
	size_t len;
	pid_t pid;
	uid_t uid;
	uint64_t opened_ms;
	size_t req_len;                 /* a staged change: its request, kept for a replay */
	struct cmd_deferred def;        /* a staged change: what its reply needs */
};

/* Changes staged in this pass of the loop, in the order they came (group commit). */
#define SD_PENDING_MAX 32               /* = events per epoll_wait */
static struct sd_client *sd_pending[SD_PENDING_MAX];
static unsigned int sd_nb_pending;

static struct sd sd_main;
static struct sd_client *sd_clients;
static unsigned int sd_nb_clients;

/* Whether a peer may use the CLI: root, our own user, or a member of --group. */
static int
sd_peer_allowed(const struct sd *sd, const struct ucred *cr)
{
	char path[64], line[512];
	FILE *f;
	int ok = 0;

	if (cr->uid == 0 || cr->uid == geteuid())
		return 1;
	if (!sd->have_group)
		return 0;
	if (cr->gid == sd->group)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cr->pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!ok && fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (tok = strtok_r(line + 7, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
			if ((gid_t)strtoul(tok, NULL, 10) == sd->group)
				ok = 1;
	}
	fclose(f);
	return ok;
}

static void
sd_client_close(struct sd_client *c)
{
	struct sd_client **pp;

	for (pp = &sd_clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	close(c->io.fd);
	free(c->buf);
	free(c);
	sd_nb_clients--;
}

/* Writes the reply (a line) and closes; a client that does not read within a second
 * loses it. */
static void
sd_client_reply(struct sd_client *c, char *reply)
{
	size_t len, off = 0;

	if (!reply) {           /* out of memory: the client sees the connection close */
		sd_client_close(c);
		return;
	}
	len = strlen(reply);
	reply[len++] = '\n';
	while (off < len) {
		struct pollfd p = { .fd = c->io.fd, .events = POLLOUT };
		ssize_t n = send(c->io.fd, reply + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (poll(&p, 1, 1000) <= 0)
			break;
	}
	free(reply);
	sd_client_close(c);
}

static void
sd_client_io(struct sd *sd, struct sd_io *io, uint32_t events)
{
	struct sd_client *c = (struct sd_client *)io;
	char *nl;
	ssize_t n;

	(void)events;
	if (!c->buf) {
		c->buf = malloc(SD_REQUEST_MAX + 1);
		if (!c->buf) {
			sd_client_close(c);
			return;
		}
	}
	n = recv(io->fd, c->buf + c->len, SD_REQUEST_MAX - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (c->len == 0) {      /* connected and left: nothing to answer */
			sd_client_close(c);
			return;
		}
		sd->cnt[SD_CNT_cli_bad_request]++;
		sd_client_reply(c, strdup("{\"ok\":false,\"usage\":true,\"error\":\"request: "
					  "no newline before the end\"}"));
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	nl = memchr(c->buf, '\n', c->len);
	if (!nl) {
		if (c->len < SD_REQUEST_MAX)
			return;
		sd->cnt[SD_CNT_cli_bad_request]++;
		sd_client_reply(c, strdup("{\"ok\":false,\"usage\":true,\"error\":\"request: "
					  "longer than 1 MiB\"}"));
		return;
	}
	{
		char *r;

		sd->batching = sd_nb_pending < SD_PENDING_MAX;
		r = cmd_handle(sd, c->buf, (size_t)(nl - c->buf), c->pid, c->uid, &c->def);
		if (!r && c->def.staged) {      /* answered by sd_commit_pending */
			c->req_len = (size_t)(nl - c->buf);
			sd_pending[sd_nb_pending++] = c;
			epoll_ctl(sd->epfd, EPOLL_CTL_DEL, c->io.fd, NULL);
			return;
		}
		sd_client_reply(c, r);
	}
}

/*
 * Group commit: the changes staged while serving one pass of ready clients go to the
 * dataplane in one push and to disk in one write, each client answered with its own
 * generation. Each change was checked on its own when staged, so only the dataplane or
 * the disk can refuse the group; then, if there were several, they are replayed one by
 * one so that each gets its own verdict, as if they had come apart. Reads in the same
 * pass see the state before the group (none of it was acknowledged yet).
 */
static void
sd_commit_pending(struct sd *sd)
{
	char err[512];
	unsigned int i, n = sd_nb_pending;
	int rc;

	sd_nb_pending = 0;
	rc = sd_flush(sd, err, sizeof(err));
	if (rc && n > 1)
		sd->cnt[SD_CNT_commits_replayed]++;
	for (i = 0; i < n; i++) {
		struct sd_client *c = sd_pending[i];
		char *r;

		if (rc == 0 || n == 1) {
			r = cmd_deferred_reply(sd, &c->def, rc, err);
		} else {
			free(c->def.out);
			c->def.out = NULL;
			c->def.staged = 0;
			r = cmd_handle(sd, c->buf, c->req_len, c->pid, c->uid, NULL);
		}
		sd_client_reply(c, r);
	}
}

/* Takes one connection; returns 0, or -1 when none is waiting. */
static int
sd_accept_one(struct sd *sd, struct sd_io *io)
{
	struct sd_client *c;
	struct ucred cr;
	socklen_t sl = sizeof(cr);
	int fd;

	fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) != 0 || !sd_peer_allowed(sd, &cr)) {
		static const char msg[] = "{\"ok\":false,\"usage\":false,\"error\":\"permission "
			"denied: sluicectl needs root or membership of sluiced's group\"}\n";
		char who[64];

		snprintf(who, sizeof(who), "(refused peer uid %d)", (int)cr.uid);
		sd->cnt[SD_CNT_cli_refused_peer]++;
		sd_audit(sd, cr.pid, cr.uid, who, 0, "permission denied");
		sd_log(SD_LOG_WARNING, "peer_refused",
		       json_pack("{s:i, s:i, s:i}", "pid", (int)cr.pid, "uid", (int)cr.uid, "gid",
				 (int)cr.gid),
		       "refused a CLI peer: pid %d uid %d gid %d", (int)cr.pid, (int)cr.uid,
		       (int)cr.gid);
		if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* the peer is told if it listens; refused either way */
		}
		close(fd);
		return 0;
	}
	if (sd_nb_clients >= SD_CLIENTS_MAX) {
		close(fd);
		sd->cnt[SD_CNT_cli_bad_request]++;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return 0;
	}
	c->io.fd = fd;
	c->io.fn = sd_client_io;
	c->pid = cr.pid;
	c->uid = cr.uid;
	c->opened_ms = sd_now_ms();
	c->next = sd_clients;
	sd_clients = c;
	sd_nb_clients++;
	if (sd_io_add(sd, &c->io, EPOLLIN) != 0) {
		sd_client_close(c);
		return 0;
	}
	/* sluicectl sends its request right after connecting: read it now, so that the
	 * requests of clients that came together are staged in one pass (group commit). */
	sd_client_io(sd, &c->io, EPOLLIN);
	return 0;
}

static void
sd_listen_io(struct sd *sd, struct sd_io *io, uint32_t events)
{
	int i;

	(void)events;
	for (i = 0; i < SD_PENDING_MAX; i++)    /* every waiting connection, bounded */
		if (sd_accept_one(sd, io) != 0)
			break;
}

/* Clients that connected and said nothing for SD_CLIENT_MS are dropped. */
static void
sd_clients_expire(uint64_t now_ms)
{
	struct sd_client *c = sd_clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (now_ms - c->opened_ms > SD_CLIENT_MS)
			sd_client_close(c);
	}
}

/* mkdir -p of path's parent directory. */
static void
sd_mkdir_parent(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	p = strrchr(buf, '/');
	if (!p || p == buf)
		return;
	*p = '\0';
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, mode);
			*p = '/';
		}
	mkdir(buf, mode);
}

static int
sd_listen(struct sd *sd, struct sd_io *io, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	sd_mkdir_parent(sd->args.sock, 0755);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sd->args.sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	/* a socket file left by a killed daemon: nobody listens on it */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		snprintf(err, errlen, "%s: another sluiced is listening there", sd->args.sock);
		return -EADDRINUSE;
	}
	unlink(sd->args.sock);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0) {
		snprintf(err, errlen, "%s: %s", sd->args.sock, strerror(errno));
		close(fd);
		return -EADDRINUSE;
	}
	if (chmod(sd->args.sock, 0660) != 0 ||
	    (sd->have_group && chown(sd->args.sock, (uid_t)-1, sd->group) != 0))
		sd_log(SD_LOG_WARNING, "socket_mode", json_pack("{s:s, s:s}", "socket", sd->args.sock,
		       "error", strerror(errno)), "%s: mode/group: %s", sd->args.sock,
		       strerror(errno));
	io->fd = fd;
	io->fn = sd_listen_io;
	return sd_io_add(sd, io, EPOLLIN);
}

/* systemd's Type=notify: one datagram to $NOTIFY_SOCKET (sd_notify(3)'s protocol). */
static void
sd_notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';  /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sa, len) < 0)
		sd_log(SD_LOG_WARNING, "notify_failed", json_pack("{s:s}", "error", strerror(errno)),
		       "sd_notify: %s", strerror(errno));
	close(fd);
}

static void
sd_usage(FILE *f)
{
	fprintf(f,
"Usage: sluiced [OPTIONS]\n"
"\n"
"Sluice's control-plane daemon: owns the configuration (config file plus runtime\n"
"changes, persisted atomically to the state file), serves sluicectl, pushes the\n"
"configuration to sluice-dataplane, health-checks backends, owns the XDP filter's\n"
"maps and serves Prometheus metrics.\n"
"\n"
"  --config FILE      the operator's config (default %s); read at first start,\n"
"                     on SIGHUP and `sluicectl config reload`\n"
"  --state FILE       the desired state, runtime changes included (default %s);\n"
"                     when it exists it wins over --config at start\n"
"  --socket PATH      the CLI socket (default %s), mode 0660\n"
"  --dataplane PATH   the dataplane's control socket (default %s)\n"
"  --group NAME       members may use the CLI (default %s; root always may)\n"
"  --audit-log FILE   one JSON line per change and refused peer (default %s)\n"
"  --metrics ADDR:PORT  Prometheus metrics (default %s; 'off' for none)\n"
"  --bpffs DIR        where the XDP filter's maps are pinned (default /sys/fs/bpf)\n"
"  --no-filter        do not manage the XDP filter's maps\n"
"  --log-format text|json  log lines on stderr as text (default) or one JSON object\n"
"                     each: time, level, event, msg and the event's fields\n"
"  --help, --version\n"
"\n"
"Signals: SIGHUP re-reads --config (refused if invalid; the running state stays),\n"
"SIGTERM/SIGINT stop. Exit status: 0 stopped, 1 failed to start, 2 usage.\n",
		SD_CONFIG_DEFAULT, SD_STATE_DEFAULT, SD_SOCK_DEFAULT, SD_DP_SOCK_DEFAULT,
		SD_GROUP_DEFAULT, SD_AUDIT_DEFAULT, SD_METRICS_DEFAULT);
}

static int
sd_parse_args(struct sd_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "state", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' }, { "dataplane", required_argument, NULL, 'd' },
		{ "group", required_argument, NULL, 'g' }, { "audit-log", required_argument, NULL, 'a' },
		{ "metrics", required_argument, NULL, 'm' }, { "bpffs", required_argument, NULL, 'b' },
		{ "no-filter", no_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
		{ "log-format", required_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	struct { char *dst; size_t len; } dst[128] = { { 0 } };
	int o;

	snprintf(a->config, sizeof(a->config), "%s", SD_CONFIG_DEFAULT);
	snprintf(a->state, sizeof(a->state), "%s", SD_STATE_DEFAULT);
	snprintf(a->sock, sizeof(a->sock), "%s", SD_SOCK_DEFAULT);
	snprintf(a->dp_sock, sizeof(a->dp_sock), "%s", SD_DP_SOCK_DEFAULT);
	snprintf(a->audit, sizeof(a->audit), "%s", SD_AUDIT_DEFAULT);
	snprintf(a->metrics, sizeof(a->metrics), "%s", SD_METRICS_DEFAULT);
	snprintf(a->group, sizeof(a->group), "%s", SD_GROUP_DEFAULT);
	dst['c'].dst = a->config, dst['c'].len = sizeof(a->config);
	dst['s'].dst = a->state, dst['s'].len = sizeof(a->state);
	dst['S'].dst = a->sock, dst['S'].len = sizeof(a->sock);
	dst['d'].dst = a->dp_sock, dst['d'].len = sizeof(a->dp_sock);
	dst['g'].dst = a->group, dst['g'].len = sizeof(a->group);
	dst['a'].dst = a->audit, dst['a'].len = sizeof(a->audit);
	dst['m'].dst = a->metrics, dst['m'].len = sizeof(a->metrics);
	dst['b'].dst = a->bpffs, dst['b'].len = sizeof(a->bpffs);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'h') {
			sd_usage(stdout);
			exit(0);
		}
		if (o == 'V') {
			printf("sluiced %s\n", SLUICE_VERSION);
			exit(0);
		}
		if (o == 'n') {
			a->no_filter = 1;
			continue;
		}
		if (o == 'L') {
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "sluiced: --log-format '%.32s': want text or json\n",
					optarg);
				return -EINVAL;
			}
			sd_log_set_json(strcmp(optarg, "json") == 0);
			continue;
		}
		if (o < 0 || o >= 128 || !dst[o].dst) {
			fprintf(stderr, "sluiced: unknown option (try --help)\n");
			return -EINVAL;
		}
		if (strlen(optarg) >= dst[o].len) {
			fprintf(stderr, "sluiced: '%.40s...': too long\n", optarg);
			return -EINVAL;
		}
		snprintf(dst[o].dst, dst[o].len, "%s", optarg);
	}
	if (optind < argc) {
		fprintf(stderr, "sluiced: unexpected argument '%s' (try --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (!a->state[0] || !a->sock[0] || !a->dp_sock[0]) {
		fprintf(stderr, "sluiced: --state, --socket and --dataplane may not be empty\n");
		return -EINVAL;
	}
	return 0;
}

/* The XDP maps exist once a dataplane with an af_xdp port ran: tried every second. */
static void
sd_filter_try_open(struct sd *sd)
{
	char err[256];

	if (sd->ctl_open || sd->args.no_filter)
		return;
	if (bpf_ctl_open(&sd->ctl, sd->args.bpffs[0] ? sd->args.bpffs : NULL, err,
			 sizeof(err)) == 0) {
		sd->ctl_open = 1;
		sd_log(SD_LOG_INFO, "filter_open", NULL, "XDP filter maps open");
	}
}

/* SIGHUP: the config file replaces the desired state, or is refused. */
static void
sd_reload(struct sd *sd)
{
	json_t *req = json_pack("{s:[s,s]}", "argv", "config", "reload");
	char *line = json_dumps(req, JSON_COMPACT), *reply;

	json_decref(req);
	reply = line ? cmd_handle(sd, line, strlen(line), getpid(), geteuid(), NULL) : NULL;
	sd_log(SD_LOG_INFO, "reload", json_pack("{s:s}", "reply", reply ? reply : ""),
	       "SIGHUP: %s", reply ? reply : "out of memory");
	free(line);
	free(reply);
}

int
main(int argc, char **argv)
{
	struct sd *sd = &sd_main;
	struct sd_io listen_io, sig_io;
	struct epoll_event evs[32];
	const char *from;
	char err[512];
	uint64_t next_sync = 0, next_filter = 0;
	sigset_t mask;
	int i, n, rc;

	setvbuf(stderr, NULL, _IOLBF, 0);
	if (sd_parse_args(&sd->args, argc, argv) != 0)
		return SD_EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned int)(sd_now_us() ^ (uint64_t)getpid()));
	{
		struct group *g = getgrnam(sd->args.group);

		if (g) {
			sd->group = g->gr_gid;
			sd->have_group = 1;
		} else if (strcmp(sd->args.group, SD_GROUP_DEFAULT) != 0) {
			sd_log(SD_LOG_ERR, "start_failed", NULL, "--group %s: no such group",
			       sd->args.group);
			return 1;
		}
	}
	sd_mkdir_parent(sd->args.state, 0755);
	rc = store_load(sd->args.state, sd->args.config, &sd->conf, &from, err, sizeof(err));
	if (rc) {
		sd_log(SD_LOG_ERR, "start_failed", NULL, "%s", err);
		return 1;
	}
	sd_forget_lines(&sd->conf);
	if (strcmp(from, "state") != 0) {
		/* the state file starts as the config's (generation 1) */
		sd->conf.generation = sd->conf.generation ? sd->conf.generation : 1;
		if (store_save(sd->args.state, &sd->conf, err, sizeof(err)) != 0) {
			sd_log(SD_LOG_ERR, "start_failed", NULL, "%s", err);
			return 1;
		}
	}
	sd_log(SD_LOG_INFO, "state_loaded",
	       json_pack("{s:s, s:s, s:I, s:i, s:i}", "from", from, "path",
			 strcmp(from, "state") == 0 ? sd->args.state : sd->args.config,
			 "generation", (json_int_t)sd->conf.generation,
			 "services", (int)sd->conf.nb_services, "pools", (int)sd->conf.nb_pools),
	       "desired state from %s (%s): generation %llu, %u services, %u pools", from,
	       strcmp(from, "state") == 0 ? sd->args.state : sd->args.config,
	       (unsigned long long)sd->conf.generation, sd->conf.nb_services, sd->conf.nb_pools);
	if (sd->args.audit[0]) {
		sd_mkdir_parent(sd->args.audit, 0755);
		sd->audit = fopen(sd->args.audit, "ae");
		if (!sd->audit)
			sd_log(SD_LOG_ERR, "audit_failed", json_pack("{s:s, s:s}", "path",
			       sd->args.audit, "error", strerror(errno)),
			       "audit log %s: %s (changes are not audited)", sd->args.audit,
			       strerror(errno));
	}
	sd->epfd = epoll_create1(EPOLL_CLOEXEC);
	sd->health = health_create();
	if (sd->epfd < 0 || !sd->health || health_sync(sd, sd->health, &sd->conf) != 0) {
		sd_log(SD_LOG_ERR, "start_failed", NULL, "out of memory");
		return 1;
	}
	if (sd_listen(sd, &listen_io, err, sizeof(err)) != 0) {
		sd_log(SD_LOG_ERR, "start_failed", NULL, "%s", err);
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig_io.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	sig_io.fn = NULL;
	if (sig_io.fd < 0 || sd_io_add(sd, &sig_io, EPOLLIN) != 0) {
		sd_log(SD_LOG_ERR, "start_failed", NULL, "signalfd: %s", strerror(errno));
		return 1;
	}
	if (strcmp(sd->args.metrics, "off") != 0) {
		sd->metrics = metrics_start(sd, sd->args.metrics, err, sizeof(err));
		if (!sd->metrics) {
			sd_log(SD_LOG_ERR, "start_failed", NULL, "metrics: %s", err);
			return 1;
		}
	}
	sd_filter_try_open(sd);
	sd_sync(sd);
	sd_log(SD_LOG_INFO, "ready",
	       json_pack("{s:s, s:s, s:b, s:s}", "socket", sd->args.sock, "dataplane",
			 sd->args.dp_sock, "dataplane_up", sd->dp_up, "metrics", sd->args.metrics),
	       "ready; CLI socket %s, dataplane %s (%s), metrics %s", sd->args.sock,
	       sd->args.dp_sock, sd->dp_up ? "up" : "not answering", sd->args.metrics);
	sd_notify_ready();

	while (!sd->quit) {
		uint64_t now = sd_now_ms();
		int wait = health_tick(sd, sd->health, now);

		if (now >= next_sync) {
			sd_sync(sd);
			next_sync = now + SD_SYNC_MS;
		}
		if (now >= next_filter) {
			sd_filter_try_open(sd);
			if (sd->ctl_open)
				bpf_ctl_sweep(&sd->ctl, bpf_ctl_now_ns());
			next_filter = now + 1000;
		}
		sd_clients_expire(now);
		if (sd->metrics)
			metrics_poll(sd->metrics);
		if ((uint64_t)wait > next_sync - now)
			wait = (int)(next_sync - now);
		if (wait > 100)
			wait = 100;
		n = epoll_wait(sd->epfd, evs, 32, wait);
		for (i = 0; i < n; i++) {
			struct sd_io *io = evs[i].data.ptr;

			if (io == &sig_io) {
				struct signalfd_siginfo si;

				while (read(sig_io.fd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						sd->reload = 1;
					else
						sd->quit = 1;
				}
				continue;
			}
			io->fn(sd, io, evs[i].events);
		}
		sd->batching = 0;
		if (sd_nb_pending)
			sd_commit_pending(sd);
		if (sd->reload) {
			sd->reload = 0;
			sd_reload(sd);
		}
	}
	sd_log(SD_LOG_INFO, "stopping",
	       json_pack("{s:I}", "generation", (json_int_t)sd->conf.generation),
	       "stopping (generation %llu on disk)", (unsigned long long)sd->conf.generation);
	while (sd_clients)
		sd_client_close(sd_clients);
	metrics_stop(sd->metrics);
	health_free(sd->health);
	if (sd->ctl_open)
		bpf_ctl_close(&sd->ctl);
	close(listen_io.fd);
	unlink(sd->args.sock);
	if (sd->audit)
		fclose(sd->audit);
	lb_conf_free(&sd->conf);
	return 0;
}
