/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced: the control-plane daemon's shared state (DESIGN.md sections 1 and 6).
 *
 * One thread runs everything — the CLI socket, the dataplane client, health checks and
 * the metrics server — from one epoll loop, so the state below has one writer and needs
 * no locks. What the daemon owns:
 *
 *   - the desired configuration (struct lb_conf) and its generation, persisted to the
 *     state file on every change (store.c) before the change is acknowledged;
 *   - the backends' health (health.c), which overlays the desired state: a backend whose
 *     checks fail is pushed as drain (no new flows; its established ones stay, as with
 *     HAProxy's default on-marked-down);
 *   - the XDP filter's pinned maps (bpf_ctl), changed only through sluicectl verbs.
 *
 * The dataplane is told the effective model (desired + health) whole, with the
 * generation and a health sequence number; a timer compares what it runs (its status)
 * with what it should run and pushes again when they differ, so a restarted dataplane is
 * restored within one tick and a dataplane that is down costs nothing but a retry.
 *
 * Context: sluiced's single thread.
 */
#ifndef SL_SLUICED_H
#define SL_SLUICED_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bpf_ctl.h"
#include "lb_conf.h"

#define SD_SOCK_DEFAULT     "/run/sluice/sluiced.sock"
#define SD_DP_SOCK_DEFAULT  "/run/sluice/dataplane.sock"
#define SD_CONFIG_DEFAULT   "/etc/sluice/sluice.yaml"
#define SD_STATE_DEFAULT    "/var/lib/sluice/state.yaml"
#define SD_AUDIT_DEFAULT    "/var/log/sluice/audit.log"
#define SD_METRICS_DEFAULT  "127.0.0.1:9477"
#define SD_GROUP_DEFAULT    "sluice"
#define SD_REQUEST_MAX      (1 << 20)   /* a CLI request line */
#define SD_SYNC_MS          200         /* how often the dataplane's state is compared */

struct health;
struct metrics;
struct sd;

/* A file descriptor in the loop's epoll and what to call when it is ready. */
struct sd_io {
	int fd;
	void (*fn)(struct sd *sd, struct sd_io *io, uint32_t events);
};

/* What sluiced counts (exported as metrics; DESIGN: every error has a counter). */
#define SD_FOREACH_COUNTER(X) \
	X(cli_requests, "requests served on the CLI socket") \
	X(cli_refused_peer, "CLI clients refused by the peer-credential check") \
	X(cli_bad_request, "CLI requests that were malformed or oversized") \
	X(changes_applied, "configuration changes applied") \
	X(changes_refused, "configuration changes refused (invalid, stale, dataplane)") \
	X(changes_stale, "changes refused because their generation was stale") \
	X(commits, "group commits: staged changes pushed and persisted at once") \
	X(commits_replayed, "group commits refused as a whole, their changes retried one by one") \
	X(persist_errors, "failures to write the state file") \
	X(dp_pushes, "full models pushed to the dataplane") \
	X(dp_push_errors, "pushes the dataplane refused or did not answer") \
	X(dp_unreachable, "sync ticks that found no dataplane") \
	X(dp_restarts_seen, "dataplane restarts seen (new boot id)") \
	X(dp_rtt_pushes, "health-probe RTTs pushed to the dataplane (least-latency)") \
	X(health_transitions, "backend health changes (up or down)") \
	X(filter_changes, "XDP filter changes made") \
	X(filter_refused, "XDP filter changes refused") \
	X(audit_errors, "audit records that could not be written") \
	X(metrics_scrapes, "metrics requests served")

enum sd_counter {
#define SD_ENUM(n, d) SD_CNT_##n,
	SD_FOREACH_COUNTER(SD_ENUM)
#undef SD_ENUM
	SD_CNT__MAX
};

extern const char *const sd_counter_names[SD_CNT__MAX];
extern const char *const sd_counter_help[SD_CNT__MAX];

struct sd_args {
	char config[PATH_MAX];
	char state[PATH_MAX];
	char sock[108];
	char dp_sock[108];
	char audit[PATH_MAX];
	char metrics[64];       /* ADDR:PORT or "off" */
	char group[64];
	char bpffs[256];
	int no_filter;          /* do not open the XDP maps */
};

struct sd {
	struct sd_args args;
	int epfd;
	struct lb_conf conf;            /* desired state; conf.generation is its number */
	uint64_t health_seq;            /* +1 on every health transition */
	gid_t group;                    /* CLI peers in this group are let in */
	int have_group;
	struct bpf_ctl ctl;
	int ctl_open;
	struct health *health;
	struct metrics *metrics;
	FILE *audit;
	/* the dataplane as last seen */
	int dp_up;
	uint64_t dp_boot_id, dp_generation, dp_health_seq;
	uint64_t dp_last_apply_us;
	uint64_t dp_acked_at_us;        /* sd_now_us() when it last acknowledged a push */
	uint64_t dp_rtt_seq;            /* health_rtt_seq at the last RTT push; 0: none */
	uint64_t cnt[SD_CNT__MAX];
	volatile int quit, reload;
	/* Group commit: while batching (the loop's pass over ready clients), each change is
	 * checked on its own and staged; sd_flush then pushes and persists them once. */
	int batching;
	unsigned int staged_n;          /* changes staged; 0: staged is unused */
	struct lb_conf staged;          /* the state with every staged change */
};

/*
 * Replaces the desired state with next (moved on success; freed on refusal): checked as a
 * whole, given the next generation, pushed to the dataplane if it is up (a refusal there
 * refuses the change), persisted. Returns 0 or -errno with one line in err. The running
 * state is untouched on refusal.
 */
int sd_commit(struct sd *sd, struct lb_conf *next, char *err, size_t errlen);

/* The state a change builds on: the staged one while changes are staged, else the
 * desired state. */
const struct lb_conf *sd_base(const struct sd *sd);

/*
 * Stages next (a copy of sd_base, changed), moved on success, freed on refusal: checked
 * as a whole like sd_commit and given the next generation, but neither pushed nor
 * persisted until sd_flush. Returns 0 or -errno with one line in err.
 */
int sd_stage(struct sd *sd, struct lb_conf *next, char *err, size_t errlen);

/*
 * Commits what is staged in one push and one write (the last staged generation), and
 * ends staging. Returns 0 (also when nothing was staged) or -errno with one line in
 * err; on refusal nothing of it is in force and the staged changes are dropped.
 */
int sd_flush(struct sd *sd, char *err, size_t errlen);

/* Drops the file lines objects were read with: later messages name them instead. */
void sd_forget_lines(struct lb_conf *c);

/* The effective model (desired + health) pushed to the dataplane now; 0 or -errno. */
int sd_push(struct sd *sd, char *err, size_t errlen);

/* Compares the dataplane's state with ours and pushes when they differ. */
void sd_sync(struct sd *sd);

/* Adds io->fd to the loop for events (EPOLLIN, ...); 0 or -errno. Removing is close(). */
int sd_io_add(struct sd *sd, struct sd_io *io, uint32_t events);
int sd_io_mod(struct sd *sd, struct sd_io *io, uint32_t events);

/* Monotonic milliseconds / microseconds. */
uint64_t sd_now_ms(void);
uint64_t sd_now_us(void);

/* One audit record: who (peer), what (the words), the outcome and the generation. */
void sd_audit(struct sd *sd, pid_t pid, uid_t uid, const char *what, int ok,
	      const char *detail);

#endif /* SL_SLUICED_H */
