/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slgen: the lab's traffic generator. The lab kernel has no pktgen, and a BPF_PROG_RUN
 * live-frames sender reaches many times what an AF_PACKET one does (DESIGN.md 3).
 *
 * slgen builds one template frame (Ethernet, IPv4 or IPv6, TCP or UDP, --size bytes),
 * loads slgen.bpf.c from its skeleton with the options in .rodata, enters the sending
 * interface's namespace and calls BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on the
 * template: the kernel runs the program on a copy of the frame per repeat, the program
 * makes it a frame of flow n mod --flows (source port, and source address among --spread
 * ones; SYN for --syn-permille of them, else ACK), and its XDP_TX sends it out of --dev.
 * How frames are chosen is told in slgen.bpf.c.
 *
 * Rate: a call costs 10-40 ms of setup here, so pacing batches of calls against the
 * clock cannot reach a steady rate. slgen makes one long call instead and the program
 * paces itself: frame n goes at t0 + n / rate, and copies that come before their slot
 * are dropped unsent (one CPU busy-waits in the kernel). A second thread, the watcher,
 * reads the program's counters while the call runs (.bss is mmap'ed), takes the rate
 * over each --interval-ms, and ends the call with a signal once the run is over. A
 * paced run is rate x --seconds frames (or --packets); an unpaced one lasts --seconds.
 *
 * What it reports comes from the program's own counters (frames it returned XDP_TX for,
 * their bytes, SYNs, the time of the first and last frames, lateness) and, where the
 * driver has them (veth does), the device's per-queue xdp_xmit and xdp_xmit_errors:
 * frames the device took and refused (a veth refuses when its peer's ring is full, or
 * without an XDP program or GRO on the peer). Bytes are frame bytes, Ethernet header to
 * payload end, no FCS; Mbit/s is of those bytes.
 *
 * Addresses only from 198.18.0.0/15 and 2001:db8::/32 (DESIGN.md 4): anything else is
 * refused before a frame is built.
 *
 * Context: a command-line tool, as root; the main thread sends, the watcher watches.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "slgen.skel.h"

#define SLGEN_SIZE_MIN_BYTES 64
#define SLGEN_SIZE_MAX_BYTES 1514
#define SLGEN_ETH_BYTES 14
#define SLGEN_INTERVAL_MS 100u          /* the report's intervals, by default */
#define SLGEN_WATCH_NS 1000000l         /* the watcher looks this often */
/* A paced run behind its schedule is stopped at --seconds x 1.05 + 0.1 s (the 0.1 s
 * covers the call's setup before the first frame, 10-40 ms here). */
#define SLGEN_PACED_SLACK 1.05
#define SLGEN_PACED_GRACE_S 0.1
#define SLGEN_SEQ 0x534c0001u           /* TCP sequence number of every frame */
#define SLGEN_ACK_SEQ 0x534c1001u       /* ... and acknowledgment number of ACKs */
#define SLGEN_TCP_WINDOW 64240

struct slgen_opts {
	const char *ns, *dev, *json;
	uint8_t dst_mac[6], src_mac[6];
	int have_src_mac;
	int family;                     /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];       /* IPv4 in the first 4 bytes */
	unsigned int src_plen;          /* the prefix the spread stays in */
	int have_plen;
	unsigned int dport, sport_first, tcp, size_bytes, syn_permille;
	uint64_t flows, spread, rate_pps, packets;
	uint64_t limit_frames;          /* --packets, or rate x --seconds when paced; 0: none */
	unsigned int interval_ms;
	double seconds;
};

struct slgen_result {
	uint64_t frames, bytes, syn_frames, late_frames, idle_copies;
	double seconds;                 /* frames / pps */
	double pps;                     /* timed frames / time from the first to the last */
	double wall_seconds;            /* first call to the end of the last */
	double first_frame_ms;          /* from the start to the first frame: call setup */
	double max_lag_us;
	uint64_t calls;                 /* BPF_PROG_RUN calls: one, unless repeat ran out */
	uint64_t intervals;             /* whole --interval-ms spans of the run ... */
	double interval_pps_min, interval_pps_max, interval_pps_sum;   /* ... their rates */
	long long dev_xmit, dev_xmit_errors;    /* deltas; -1: the device has no such counter */
	int interrupted;
};

static volatile sig_atomic_t slgen_stop;        /* SIGINT, SIGTERM: end the run, report */

static void
slgen_on_signal(int sig)
{
	(void)sig;
	slgen_stop = 1;
}

/* SIGALRM from the watcher: its only job is to interrupt BPF_PROG_RUN (EINTR). */
static void
slgen_on_alarm(int sig)
{
	(void)sig;
}

static int
slgen_err(const char *fmt, ...)
{
	va_list ap;

	fputs("slgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* libbpf's warnings (the verifier log among them) to stderr; its chatter nowhere. */
static int
slgen_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	fputs("slgen: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* User text fit to echo: at most 64 characters, the unprintable ones as '?'. Four
 * rotating buffers, so one message can show four. */
static const char *
slgen_clean(const char *s)
{
	static char bufs[4][68];
	static unsigned int next;
	char *b = bufs[next++ % 4];
	size_t i;

	for (i = 0; s[i] && i < 64; i++)
		b[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(b + i, s[i] ? "..." : "");
	return b;
}

static double
slgen_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- options ---------------------------------------------------------------------- */

/* A whole decimal number in [min, max] into *out, or -1 (said why). */
static int
slgen_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		return slgen_err("--%s %s: want a whole number in %llu..%llu", opt,
				 slgen_clean(s), (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int
slgen_parse_mac(const char *opt, const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6 || strlen(s) != 17)
		return slgen_err("--%s %s: not a MAC address (want xx:xx:xx:xx:xx:xx)", opt,
				 slgen_clean(s));
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* Is a (IPv4 in 4 bytes, IPv6 in 16) inside the lab ranges 198.18.0.0/15, 2001:db8::/32? */
static int
slgen_in_lab(int family, const uint8_t *a)
{
	static const uint8_t lab6[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	if (family == AF_INET)
		return a[0] == 198 && (a[1] & 0xfe) == 18;
	return memcmp(a, lab6, sizeof(lab6)) == 0;
}

/* ADDR or, with plen != NULL, ADDR[/LEN]: family, bytes, refused outside the lab. */
static int
slgen_parse_addr(const char *opt, const char *s, int *family, uint8_t a[16],
		 unsigned int *plen, int *have_plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	uint64_t len = 0;

	if (strlen(s) >= sizeof(buf))
		return slgen_err("--%s: address too long", opt);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		if (!plen)
			return slgen_err("--%s %s: a single address, no /LEN", opt, slgen_clean(s));
		*slash++ = '\0';
	}
	memset(a, 0, 16);
	if (inet_pton(AF_INET, buf, a) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		*family = AF_INET6;
	else
		return slgen_err("--%s %s: not an IPv4 or IPv6 address", opt, slgen_clean(s));
	if (!slgen_in_lab(*family, a))
		return slgen_err("--%s %s: outside the lab ranges 198.18.0.0/15 and 2001:db8::/32 "
				 "(DESIGN.md 4), refused", opt, slgen_clean(s));
	if (slash) {
		/* The prefix must lie inside the lab range too, so no shorter than it. */
		unsigned int min = *family == AF_INET ? 15 : 32, max = *family == AF_INET ? 32 : 128;
		char *end;

		errno = 0;
		len = strtoull(slash, &end, 10);
		if (errno || end == slash || *end || !isdigit((unsigned char)*slash) || len < min ||
		    len > max)
			return slgen_err("--%s %s: want /LEN in %u..%u, a prefix inside %s", opt,
					 slgen_clean(s), min, max,
					 *family == AF_INET ? "198.18.0.0/15" : "2001:db8::/32");
		*plen = (unsigned int)len;
		*have_plen = 1;
	}
	return 0;
}

static void
slgen_usage(FILE *f)
{
	fprintf(f,
		"usage: slgen --dev IF --dst-mac MAC --src ADDR[/LEN] --dst ADDR --dport PORT\n"
		"             [--ns NS] [--src-mac MAC] [--proto tcp|udp] [--sport PORT]\n"
		"             [--size BYTES] [--flows N] [--syn-permille N] [--spread N]\n"
		"             [--rate PPS] [--seconds S] [--packets N] [--interval-ms MS]\n"
		"             [--json FILE|-]\n"
		"  --ns NS          send from network namespace NS (/var/run/netns/NS, or a path)\n"
		"  --src-mac MAC    default: the MAC of --dev\n"
		"  --src ADDR/LEN   first source; --spread N sources ADDR, ADDR+1, ... wrap in /LEN\n"
		"                   (default /15 for IPv4, /96 for IPv6). Lab ranges only,\n"
		"                   198.18.0.0/15 and 2001:db8::/32; IPv6 addresses: IPv6 frames\n"
		"  --sport PORT     source port of the first flows (default 1024)\n"
		"  --size BYTES     frame bytes without FCS, 64..1514 (default 64; IPv6/TCP >= 74)\n"
		"  --flows N        flows, round robin (default: --spread); flow f: source f mod\n"
		"                   spread, port sport + f / spread\n"
		"  --syn-permille N TCP: share of SYN frames in 1/1000 (default 0: all ACK)\n"
		"  --rate PPS       target rate, 0: as fast as possible (default 0); paced, the\n"
		"                   run is PPS x S frames\n"
		"  --seconds S      run time (default 1); --packets N: stop after N frames\n"
		"                   (with both, whichever comes first)\n"
		"  --interval-ms MS the report's rate per interval: min, mean, max (default 100)\n"
		"  --json FILE      also write the report as one JSON object (-: stdout)\n");
}

/* The options' consequences and cross-checks: 0, or -1 (said why). */
static int
slgen_opts_check(struct slgen_opts *o)
{
	unsigned int host_bits;
	uint64_t room;

	if (strlen(o->dev) >= IF_NAMESIZE)
		return slgen_err("--dev %s: interface names are shorter than %d",
				 slgen_clean(o->dev), IF_NAMESIZE);
	if (o->family == AF_INET6 && o->tcp && o->size_bytes < SLGEN_ETH_BYTES + 40 + 20)
		return slgen_err("--size %u: an IPv6/TCP frame is at least 74 bytes",
				 o->size_bytes);
	if (!o->have_plen)
		o->src_plen = o->family == AF_INET ? 15 : 96;
	host_bits = (o->family == AF_INET ? 32 : 128) - o->src_plen;
	room = host_bits >= 32 ? UINT32_MAX : 1ull << host_bits;
	if (o->spread > room)
		return slgen_err("--spread %llu: /%u has room for %llu sources",
				 (unsigned long long)o->spread, o->src_plen,
				 (unsigned long long)room);
	if (!o->flows)
		o->flows = o->spread;
	if (o->flows < o->spread)
		return slgen_err("--flows %llu < --spread %llu: every source needs a flow",
				 (unsigned long long)o->flows, (unsigned long long)o->spread);
	/* Flow f uses port sport + f / spread: the last must still be a port. */
	if ((o->flows - 1) / o->spread + o->sport_first > 65535)
		return slgen_err("--flows %llu over --spread %llu sources needs %llu ports from "
				 "--sport %u: more than there are", (unsigned long long)o->flows,
				 (unsigned long long)o->spread,
				 (unsigned long long)((o->flows + o->spread - 1) / o->spread),
				 o->sport_first);
	if (!o->tcp && o->syn_permille)
		return slgen_err("--syn-permille: UDP has no SYN");
	if (!o->seconds && !o->packets)
		o->seconds = 1;
	o->limit_frames = o->packets;
	if (o->rate_pps && o->seconds) {
		uint64_t by_time = (uint64_t)llround((double)o->rate_pps * o->seconds);

		by_time = by_time ? by_time : 1;
		if (!o->limit_frames || by_time < o->limit_frames)
			o->limit_frames = by_time;
	}
	return 0;
}

/* argv into *o with every value checked; 0, -1 (said why) or 1 (--help). */
static int
slgen_opts_parse(int argc, char **argv, struct slgen_opts *o)
{
	static const struct option longopts[] = {
		{ "ns", required_argument, NULL, 'n' }, { "dev", required_argument, NULL, 'd' },
		{ "dst-mac", required_argument, NULL, 'M' }, { "src-mac", required_argument, NULL, 'm' },
		{ "src", required_argument, NULL, 's' }, { "dst", required_argument, NULL, 'D' },
		{ "dport", required_argument, NULL, 'P' }, { "sport", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'r' }, { "size", required_argument, NULL, 'z' },
		{ "flows", required_argument, NULL, 'f' }, { "spread", required_argument, NULL, 'S' },
		{ "syn-permille", required_argument, NULL, 'y' },
		{ "rate", required_argument, NULL, 'R' }, { "seconds", required_argument, NULL, 't' },
		{ "packets", required_argument, NULL, 'c' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "json", required_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_dst_mac = 0, src_family = 0, dst_family = 0;
	const char *src_text = NULL, *dst_text = NULL;
	uint64_t v;
	char *end;

	memset(o, 0, sizeof(*o));
	o->tcp = 1;
	o->size_bytes = SLGEN_SIZE_MIN_BYTES;
	o->sport_first = 1024;
	o->spread = 1;
	o->interval_ms = SLGEN_INTERVAL_MS;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->ns = optarg; break;
		case 'd': o->dev = optarg; break;
		case 'j': o->json = optarg; break;
		case 'M':
			if (slgen_parse_mac("dst-mac", optarg, o->dst_mac))
				return -1;
			have_dst_mac = 1;
			break;
		case 'm':
			if (slgen_parse_mac("src-mac", optarg, o->src_mac))
				return -1;
			o->have_src_mac = 1;
			break;
		case 's':
			src_text = optarg;
			if (slgen_parse_addr("src", optarg, &src_family, o->src, &o->src_plen,
					     &o->have_plen))
				return -1;
			break;
		case 'D':
			dst_text = optarg;
			if (slgen_parse_addr("dst", optarg, &dst_family, o->dst, NULL, NULL))
				return -1;
			break;
		case 'P':
			if (slgen_parse_u64("dport", optarg, 1, 65535, &v))
				return -1;
			o->dport = (unsigned int)v;
			break;
		case 'p':
			if (slgen_parse_u64("sport", optarg, 1, 65535, &v))
				return -1;
			o->sport_first = (unsigned int)v;
			break;
		case 'r':
			if (strcmp(optarg, "tcp") && strcmp(optarg, "udp"))
				return slgen_err("--proto %s: want tcp or udp", slgen_clean(optarg));
			o->tcp = strcmp(optarg, "tcp") == 0;
			break;
		case 'z':
			if (slgen_parse_u64("size", optarg, SLGEN_SIZE_MIN_BYTES,
					    SLGEN_SIZE_MAX_BYTES, &v))
				return -1;
			o->size_bytes = (unsigned int)v;
			break;
		case 'f':
			if (slgen_parse_u64("flows", optarg, 1, UINT32_MAX, &o->flows))
				return -1;
			break;
		case 'S':
			if (slgen_parse_u64("spread", optarg, 1, UINT32_MAX, &o->spread))
				return -1;
			break;
		case 'y':
			if (slgen_parse_u64("syn-permille", optarg, 0, 1000, &v))
				return -1;
			o->syn_permille = (unsigned int)v;
			break;
		case 'R':
			if (slgen_parse_u64("rate", optarg, 0, 1000000000, &o->rate_pps))
				return -1;
			break;
		case 'c':
			if (slgen_parse_u64("packets", optarg, 1, UINT64_MAX / 2, &o->packets))
				return -1;
			break;
		case 'i':
			if (slgen_parse_u64("interval-ms", optarg, 1, 60000, &v))
				return -1;
			o->interval_ms = (unsigned int)v;
			break;
		case 't':
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->seconds > 0) || o->seconds > 86400)
				return slgen_err("--seconds %s: want a number of seconds in (0, 86400]",
						 slgen_clean(optarg));
			break;
		case 'h':
			slgen_usage(stdout);
			return 1;
		default:
			return slgen_err("unknown option (see --help)");
		}
	}
	if (optind < argc)
		return slgen_err("%s: unexpected argument (see --help)", slgen_clean(argv[optind]));
	if (!o->dev || !have_dst_mac || !src_text || !dst_text || !o->dport)
		return slgen_err("--dev, --dst-mac, --src, --dst and --dport are required "
				 "(see --help)");
	if (src_family != dst_family)
		return slgen_err("--src %s, --dst %s: not the same family", slgen_clean(src_text),
				 slgen_clean(dst_text));
	o->family = src_family;
	return slgen_opts_check(o);
}

/* ---- the interface -------------------------------------------------------------------- */

static int
slgen_netns_enter(const char *ns)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return slgen_err("--ns %s: %s: %s", slgen_clean(ns), slgen_clean(path),
				 strerror(errno));
	if (setns(fd, CLONE_NEWNET) != 0) {
		slgen_err("--ns %s: setns: %s", slgen_clean(ns), strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
slgen_dev_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return slgen_err("socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc != 0)
		return slgen_err("--dev %s: its MAC address: %s", dev, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/*
 * The device's XDP transmit counters, summed over its queues: frames it took from
 * XDP_TX/redirect ("tx_queue_N_xdp_xmit", veth) and refused ("..._xdp_xmit_errors").
 * Either is -1 when the driver has no such counter. Context: the device's namespace.
 */
static void
slgen_dev_xdp_xmit(const char *dev, long long *xmit, long long *errors)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_STATS } };
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *vals = NULL;
	struct ifreq ifr = { 0 };
	uint32_t n, i;
	int fd;

	*xmit = *errors = -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&sset;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0 || !(sset.hdr.sset_mask & (1ull << ETH_SS_STATS)))
		goto out;
	n = sset.len;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + (size_t)n * sizeof(uint64_t));
	if (!names || !vals)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = n;
	ifr.ifr_data = (void *)names;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0)
		goto out;
	ifr.ifr_data = (void *)vals;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0)
		goto out;
	for (i = 0; i < n && i < names->len && i < vals->n_stats; i++) {
		char name[ETH_GSTRING_LEN + 1], rest[ETH_GSTRING_LEN + 1];
		unsigned int q;

		memcpy(name, names->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		if (sscanf(name, "tx_queue_%u_%32s", &q, rest) != 2)
			continue;
		if (strcmp(rest, "xdp_xmit") == 0)
			*xmit = (*xmit < 0 ? 0 : *xmit) + (long long)vals->data[i];
		else if (strcmp(rest, "xdp_xmit_errors") == 0)
			*errors = (*errors < 0 ? 0 : *errors) + (long long)vals->data[i];
	}
out:
	free(names);
	free(vals);
	close(fd);
}

/* ---- the template frame ------------------------------------------------------------- */

/* Sum of the big-endian 16-bit words of p[0..len), unfolded. */
static uint32_t
slgen_sum16(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void
slgen_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
slgen_put32(uint8_t *p, uint32_t v)
{
	slgen_put16(p, v >> 16);
	slgen_put16(p + 2, v);
}

/*
 * The template into f (o->size_bytes long), with the fields slgen_tx rewrites (source
 * port, the last 32 bits of the source address, TCP flags and ack, IPv4 ID, checksums)
 * left zero, and the sums slgen_tx completes: *ip4_sum over the IPv4 header, *l4_sum
 * over the pseudo-header, L4 header and payload.
 */
static void
slgen_frame_build(const struct slgen_opts *o, uint8_t *f, uint32_t *ip4_sum, uint32_t *l4_sum)
{
	unsigned int l3_len = o->family == AF_INET ? 20 : 40, l4_len;
	uint8_t *ip = f + SLGEN_ETH_BYTES, *l4 = ip + l3_len, proto = o->tcp ? 6 : 17;
	uint32_t pseudo;

	l4_len = o->size_bytes - SLGEN_ETH_BYTES - l3_len;
	memset(f, 0, o->size_bytes);
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, o->src_mac, 6);
	slgen_put16(f + 12, o->family == AF_INET ? 0x0800 : 0x86dd);
	if (o->family == AF_INET) {
		ip[0] = 0x45;
		slgen_put16(ip + 2, o->size_bytes - SLGEN_ETH_BYTES);
		slgen_put16(ip + 6, 0x4000);            /* DF */
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 16, o->dst, 4);
		*ip4_sum = slgen_sum16(ip, 20);
		pseudo = slgen_sum16(o->dst, 4);
	} else {
		ip[0] = 0x60;
		slgen_put16(ip + 4, l4_len);
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, o->src, 12);
		memcpy(ip + 24, o->dst, 16);
		*ip4_sum = 0;
		pseudo = slgen_sum16(o->src, 12) + slgen_sum16(o->dst, 16);
	}
	pseudo += proto + l4_len;
	slgen_put16(l4 + 2, o->dport);
	if (o->tcp) {
		slgen_put32(l4 + 4, SLGEN_SEQ);
		l4[12] = 5 << 4;                        /* data offset: no options */
		slgen_put16(l4 + 14, SLGEN_TCP_WINDOW);
	} else {
		slgen_put16(l4 + 4, l4_len);
	}
	*l4_sum = pseudo + slgen_sum16(l4, l4_len);
}

/* The last 32 bits of the source address, host order. */
static uint32_t
slgen_src_last32(const struct slgen_opts *o)
{
	const uint8_t *p = o->src + (o->family == AF_INET ? 0 : 12);

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- the run ------------------------------------------------------------------------ */

/*
 * The watcher: a second thread that reads the program's counters while BPF_PROG_RUN
 * runs (they are mmap'ed .bss), takes the rate over each --interval-ms, and ends the
 * call with SIGALRM once the run is over: the frames reached the limit (the program
 * sends no more), or --seconds passed unpaced, or SIGINT. It signals every
 * SLGEN_WATCH_NS while the run is over, so a signal that comes just before the call
 * begins is followed by one that ends it.
 */
struct slgen_watch {
	const struct slgen_opts *o;
	volatile struct slgen_bpf__bss *bss;
	pthread_t main;
	double end_s;                   /* unpaced: stop then; paced: give up then */
	atomic_int done;                /* main: the run is over, stop watching */
	struct slgen_result *r;         /* intervals: written here, read after the join */
};

static int
slgen_watch_over(const struct slgen_watch *w, double now)
{
	uint64_t limit = w->o->limit_frames;

	return slgen_stop || (limit && w->bss->slgen_frames >= limit) || now >= w->end_s;
}

static void *
slgen_watch_main(void *arg)
{
	struct slgen_watch *w = arg;
	struct timespec tick = { .tv_nsec = SLGEN_WATCH_NS };
	double iv_s = w->o->interval_ms / 1e3, iv_start = 0, now;
	uint64_t iv_frames = 0, frames, t0_ns;

	while (!atomic_load(&w->done)) {
		nanosleep(&tick, NULL);
		now = slgen_now_s();
		frames = w->bss->slgen_frames;
		if (slgen_watch_over(w, now)) {
			pthread_kill(w->main, SIGALRM);
			continue;
		}
		t0_ns = w->bss->slgen_t0_ns;
		if (!t0_ns)
			continue;               /* the first frame has not gone yet */
		if (!iv_start) {
			iv_start = (double)t0_ns / 1e9;
			iv_frames = 0;
		}
		if (now - iv_start >= iv_s) {
			double pps = (double)(frames - iv_frames) / (now - iv_start);
			struct slgen_result *r = w->r;

			r->interval_pps_min = !r->intervals || pps < r->interval_pps_min ?
					      pps : r->interval_pps_min;
			r->interval_pps_max = pps > r->interval_pps_max ? pps : r->interval_pps_max;
			r->interval_pps_sum += pps;
			r->intervals++;
			iv_start = now;
			iv_frames = frames;
		}
	}
	return NULL;
}

/*
 * Calls BPF_PROG_RUN (repeat: all the frames left unpaced, UINT32_MAX paced) until the
 * watcher ends the run; normally that is one call. The totals from the program's
 * counters into *r. 0, or -1 (said why) if BPF_PROG_RUN fails.
 */
static int
slgen_run(const struct slgen_opts *o, struct slgen_bpf *skel, int ifindex, uint8_t *frame,
	  struct slgen_result *r)
{
	struct xdp_md ctx = { .data_end = o->size_bytes, .ingress_ifindex = (uint32_t)ifindex };
	struct sigaction sa = { .sa_handler = slgen_on_alarm };    /* no SA_RESTART */
	int prog_fd = bpf_program__fd(skel->progs.slgen_tx), rc = 0, err;
	volatile struct slgen_bpf__bss *bss = skel->bss;
	struct slgen_watch w = { .o = o, .bss = bss, .main = pthread_self(), .r = r };
	sigset_t block, old;
	pthread_t watcher;
	double start_s;

	sigaction(SIGALRM, &sa, NULL);
	start_s = slgen_now_s();
	w.end_s = !o->seconds ? INFINITY :
		  !o->rate_pps ? start_s + o->seconds :
		  start_s + o->seconds * SLGEN_PACED_SLACK + SLGEN_PACED_GRACE_S;
	/* The watcher takes no signal: SIGINT and SIGTERM must interrupt this thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = pthread_create(&watcher, NULL, slgen_watch_main, &w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return slgen_err("pthread_create: %s", strerror(err));
	while (!slgen_watch_over(&w, slgen_now_s())) {
		uint64_t left = o->limit_frames ? o->limit_frames - bss->slgen_frames : UINT64_MAX;
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = o->size_bytes,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		run.repeat = o->rate_pps || left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
		err = bpf_prog_test_run_opts(prog_fd, &run);
		r->calls++;
		if (err && err != -EINTR) {
			rc = slgen_err("BPF_PROG_RUN (live frames) on %s: %s", o->dev,
				       strerror(-err));
			break;
		}
		if (bss->slgen_bad_frames) {
			rc = slgen_err("the program found the template shorter than its headers");
			break;
		}
	}
	atomic_store(&w.done, 1);
	pthread_join(watcher, NULL);
	r->wall_seconds = slgen_now_s() - start_s;
	r->interrupted = slgen_stop;
	r->frames = bss->slgen_frames;
	r->bytes = bss->slgen_bytes;
	r->syn_frames = bss->slgen_syn_frames;
	r->late_frames = bss->slgen_late_frames;
	r->idle_copies = bss->slgen_idle_copies;
	r->max_lag_us = (double)bss->slgen_max_lag_ns / 1e3;
	if (bss->slgen_t0_ns)
		r->first_frame_ms = ((double)bss->slgen_t0_ns / 1e9 - start_s) * 1e3;
	/* Frames 0..last_n went in last_ns - t0_ns: the achieved rate, with none of the
	 * call's setup before the first frame in it; a single frame has none. */
	if (bss->slgen_last_n && bss->slgen_last_ns > bss->slgen_t0_ns)
		r->pps = (double)bss->slgen_last_n * 1e9 /
			 (double)(bss->slgen_last_ns - bss->slgen_t0_ns);
	r->seconds = r->pps > 0 ? (double)r->frames / r->pps : r->wall_seconds;
	return rc;
}

/* ---- the report ----------------------------------------------------------------------- */

/* s as a JSON string: quotes, backslashes and control characters escaped. */
static void
slgen_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ,"key":v or ,"key":null for v < 0 */
static void
slgen_json_num(FILE *f, const char *key, long long v)
{
	if (v < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%lld", key, v);
}

static int
slgen_report_json(const struct slgen_opts *o, const struct slgen_result *r, const char *src,
		  const char *dst, double mbps)
{
	FILE *f = strcmp(o->json, "-") == 0 ? stdout : fopen(o->json, "w");

	if (!f)
		return slgen_err("--json %s: %s", slgen_clean(o->json), strerror(errno));
	fprintf(f, "{\"tool\":\"slgen\",\"ns\":");
	slgen_json_str(f, o->ns ? o->ns : "");
	fprintf(f, ",\"dev\":");
	slgen_json_str(f, o->dev);
	fprintf(f, ",\"family\":\"%s\",\"proto\":\"%s\",\"src\":\"%s\",\"src_prefix_len\":%u,"
		"\"spread\":%llu,\"dst\":\"%s\",\"dport\":%u,\"sport_first\":%u,"
		"\"frame_bytes\":%u,\"flows\":%llu,\"syn_permille\":%u,\"target_pps\":%llu",
		o->family == AF_INET ? "ipv4" : "ipv6", o->tcp ? "tcp" : "udp", src, o->src_plen,
		(unsigned long long)o->spread, dst, o->dport, o->sport_first, o->size_bytes,
		(unsigned long long)o->flows, o->syn_permille, (unsigned long long)o->rate_pps);
	if (o->seconds)
		fprintf(f, ",\"target_seconds\":%.6f", o->seconds);
	else
		fprintf(f, ",\"target_seconds\":null");
	slgen_json_num(f, "target_packets", o->packets ? (long long)o->packets : -1);
	slgen_json_num(f, "target_frames", o->limit_frames ? (long long)o->limit_frames : -1);
	fprintf(f, ",\"frames\":%llu,\"bytes\":%llu,\"syn_frames\":%llu,\"seconds\":%.6f,"
		"\"wall_seconds\":%.6f,\"pps\":%.1f,\"mbps\":%.3f",
		(unsigned long long)r->frames, (unsigned long long)r->bytes,
		(unsigned long long)r->syn_frames, r->seconds, r->wall_seconds, r->pps, mbps);
	if (o->rate_pps && r->pps > 0)
		fprintf(f, ",\"rate_error\":%.6f", r->pps / (double)o->rate_pps - 1);
	else
		fprintf(f, ",\"rate_error\":null");
	if (o->rate_pps)
		fprintf(f, ",\"max_lag_us\":%.1f,\"late_frames\":%llu", r->max_lag_us,
			(unsigned long long)r->late_frames);
	else
		fprintf(f, ",\"max_lag_us\":null,\"late_frames\":null");
	fprintf(f, ",\"idle_copies\":%llu,\"calls\":%llu,\"first_frame_ms\":%.3f,"
		"\"interval_ms\":%u,\"intervals\":%llu",
		(unsigned long long)r->idle_copies, (unsigned long long)r->calls,
		r->first_frame_ms, o->interval_ms, (unsigned long long)r->intervals);
	if (r->intervals)
		fprintf(f, ",\"interval_pps_min\":%.1f,\"interval_pps_mean\":%.1f,"
			"\"interval_pps_max\":%.1f", r->interval_pps_min,
			r->interval_pps_sum / (double)r->intervals, r->interval_pps_max);
	else
		fprintf(f, ",\"interval_pps_min\":null,\"interval_pps_mean\":null,"
			"\"interval_pps_max\":null");
	slgen_json_num(f, "dev_xdp_xmit", r->dev_xmit);
	slgen_json_num(f, "dev_xdp_xmit_errors", r->dev_xmit_errors);
	fprintf(f, ",\"interrupted\":%s}\n", r->interrupted ? "true" : "false");
	if (f != stdout && fclose(f) != 0)
		return slgen_err("--json %s: %s", slgen_clean(o->json), strerror(errno));
	return 0;
}

static int
slgen_report(const struct slgen_opts *o, const struct slgen_result *r)
{
	double mbps = r->seconds > 0 ? (double)r->bytes * 8 / r->seconds / 1e6 : 0;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], target[96], dev[96], iv[96] = "";

	inet_ntop(o->family, o->src, src, sizeof(src));
	inet_ntop(o->family, o->dst, dst, sizeof(dst));
	if (o->rate_pps && r->pps > 0)
		snprintf(target, sizeof(target), "target %llu pps, %+.2f%%, max lag %.0f us, "
			 "%llu late", (unsigned long long)o->rate_pps,
			 100 * (r->pps / (double)o->rate_pps - 1), r->max_lag_us,
			 (unsigned long long)r->late_frames);
	else if (o->rate_pps)
		snprintf(target, sizeof(target), "target %llu pps; too few frames for a rate",
			 (unsigned long long)o->rate_pps);
	else
		snprintf(target, sizeof(target), "unpaced");
	if (r->intervals)
		snprintf(iv, sizeof(iv), "; per %u ms: %.0f/%.0f/%.0f pps min/mean/max",
			 o->interval_ms, r->interval_pps_min,
			 r->interval_pps_sum / (double)r->intervals, r->interval_pps_max);
	if (r->dev_xmit >= 0)
		snprintf(dev, sizeof(dev), "; %s took %lld, refused %lld", o->dev, r->dev_xmit,
			 r->dev_xmit_errors < 0 ? 0 : r->dev_xmit_errors);
	else
		snprintf(dev, sizeof(dev), "; %s has no XDP xmit counters", o->dev);
	printf("slgen: %s %s %s/%u x%llu -> %s:%u, %u-byte frames, %llu flows: sent %llu frames "
	       "(%llu bytes, %llu SYN) in %.3f s = %.0f pps, %.2f Mbit/s (%s)%s%s%s\n",
	       o->family == AF_INET ? "IPv4" : "IPv6", o->tcp ? "TCP" : "UDP", src, o->src_plen,
	       (unsigned long long)o->spread, dst, o->dport, o->size_bytes,
	       (unsigned long long)o->flows, (unsigned long long)r->frames,
	       (unsigned long long)r->bytes, (unsigned long long)r->syn_frames, r->seconds,
	       r->pps, mbps, target, iv, dev, r->interrupted ? "; interrupted" : "");
	fflush(stdout);
	return o->json ? slgen_report_json(o, r, src, dst, mbps) : 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = slgen_on_signal };   /* no SA_RESTART: EINTR */
	struct slgen_opts o;
	struct slgen_result r = { .dev_xmit = -1, .dev_xmit_errors = -1 };
	struct slgen_bpf *skel = NULL;
	uint8_t frame[SLGEN_SIZE_MAX_BYTES];
	uint32_t ip4_sum, l4_sum, host_bits;
	long long x0, e0, x1, e1;
	int ifindex, rc;

	rc = slgen_opts_parse(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (o.ns && slgen_netns_enter(o.ns))
		return 1;
	ifindex = (int)if_nametoindex(o.dev);
	if (!ifindex) {
		slgen_err("--dev %s: no such interface in %s: %s", slgen_clean(o.dev),
			  o.ns ? slgen_clean(o.ns) : "this namespace", strerror(errno));
		return 1;
	}
	if (!o.have_src_mac && slgen_dev_mac(o.dev, o.src_mac))
		return 1;
	slgen_frame_build(&o, frame, &ip4_sum, &l4_sum);

	libbpf_set_print(slgen_libbpf_print);
	skel = slgen_bpf__open();
	if (!skel) {
		slgen_err("open the BPF skeleton: %s", strerror(errno));
		return 1;
	}
	host_bits = (o.family == AF_INET ? 32 : 128) - o.src_plen;
	skel->rodata->slgen_flows = (uint32_t)o.flows;
	skel->rodata->slgen_spread = (uint32_t)o.spread;
	skel->rodata->slgen_src_last32 = slgen_src_last32(&o);
	skel->rodata->slgen_src_host_mask = host_bits >= 32 ? UINT32_MAX : (1u << host_bits) - 1;
	skel->rodata->slgen_sport_first = o.sport_first;
	skel->rodata->slgen_ack_seq = SLGEN_ACK_SEQ;
	skel->rodata->slgen_syn_thresh = ((uint64_t)o.syn_permille << 32) / 1000;
	skel->rodata->slgen_ip4_sum = ip4_sum;
	skel->rodata->slgen_l4_sum = l4_sum;
	skel->rodata->slgen_hdr_len = SLGEN_ETH_BYTES + (o.family == AF_INET ? 20 : 40) +
				      (o.tcp ? 20 : 8);
	memcpy((void *)skel->rodata->slgen_hdr, frame, skel->rodata->slgen_hdr_len);
	skel->rodata->slgen_ipv6 = o.family == AF_INET6;
	skel->rodata->slgen_tcp = (uint8_t)o.tcp;
	skel->rodata->slgen_rate_pps = o.rate_pps;
	if (o.rate_pps) {
		skel->rodata->slgen_period_ns = 1000000000ull / o.rate_pps;
		skel->rodata->slgen_period_rem = 1000000000ull % o.rate_pps;
	}
	skel->rodata->slgen_limit_frames = o.limit_frames;
	rc = slgen_bpf__load(skel);
	if (rc) {
		slgen_err("load the XDP program slgen_tx: %s%s", strerror(-rc),
			  geteuid() ? " (needs root)" : "");
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	slgen_dev_xdp_xmit(o.dev, &x0, &e0);
	rc = slgen_run(&o, skel, ifindex, frame, &r);
	if (rc == 0) {
		slgen_dev_xdp_xmit(o.dev, &x1, &e1);
		if (x0 >= 0 && x1 >= 0)
			r.dev_xmit = x1 - x0;
		if (e0 >= 0 && e1 >= 0)
			r.dev_xmit_errors = e1 - e0;
		rc = slgen_report(&o, &r);
	}
out:
	slgen_bpf__destroy(skel);
	return rc ? 1 : 0;
}
