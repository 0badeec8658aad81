/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_flowlog: flow records (dataplane/flowlog.c) from real connection-table entries.
 *
 * Frames are built here, parsed by the dataplane's parser and handed to lb_input as a
 * worker would, both directions of fnat flows (IPv4 and IPv6) and the client's side of
 * dsr ones; the entries are then freed the ways a flow ends — both FINs and aging out of
 * TIME_WAIT, an RST, a new SYN on a finished tuple, a UDP idle timeout, a table flush —
 * the rings drained, and the JSON lines written to a temporary file parsed with jansson
 * and checked field by field: addresses, packets and IP bytes each way, reason, state,
 * policy, mode, times. Also: sampling (the flows kept are exactly those the tuple hash
 * picks, run after run), the rate cap's token bucket and its counter, a full ring, a
 * failed write, a rotated file reopened, the options and their refusals, and that with
 * the flow log off nothing is built.
 *
 * Context: test process with EAL (--no-huge, no PCI): root.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dp_args.h"
#include "flowlog.h"
#include "lb.h"
#include "lb_fp.h"
#include "pkt_fp.h"
#include "cunit_main.h"

#define TFL_CT_SMALL 64
#define TFL_LINES_MAX 9000

static struct dp tfl_dp;
static struct worker tfl_w;
static struct neigh_table *tfl_neigh;
static struct rte_mempool *tfl_pool;
static struct flowlog tfl_fl;
static struct dp_args tfl_args;
static uint64_t tfl_cnt[SL_CNT__MAX];
static uint64_t hz;
static char tfl_path[64], tfl_path_rot[80];
static char err[512];

static const uint8_t tfl_mac_front[6] = { 0x02, 0x5c, 0, 0, 0, 1 };
static const uint8_t tfl_mac_back[6] = { 0x02, 0x5c, 0, 0, 0, 2 };
static const uint8_t tfl_mac_client[6] = { 0x02, 0xc1, 0, 0, 0, 2 };
static const uint8_t tfl_client[4] = { 198, 18, 0, 2 };
static const uint8_t tfl_vip[4] = { 198, 18, 0, 100 };
static const uint8_t tfl6_client[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t tfl6_vip[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x01, [15] = 0x00 };
static const uint8_t tfl6_front[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t tfl6_back[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x01 };

static const char tfl_web[] =
	"pools:\n  web:\n    backends:\n"
	"      - 198.18.1.11:80\n      - 198.18.1.12:80\n      - 198.18.1.13:80\n"
	"  dns:\n    backends:\n"
	"      - 198.18.1.11:53\n      - 198.18.1.12:53\n      - 198.18.1.13:53\n"
	"  web6:\n    backends:\n"
	"      - \"[2001:db8:1::11]:80\"\n      - \"[2001:db8:1::12]:80\"\n"
	"services:\n"
	"  - vip: 198.18.0.100:80/tcp\n    pool: web\n    policy: rr\n    mode: fnat\n"
	"  - vip: 198.18.0.100:53/udp\n    pool: dns\n    policy: maglev\n    mode: dsr\n"
	"  - vip: \"[2001:db8::100]:80/tcp\"\n    pool: web6\n    policy: rr\n    mode: fnat\n";

/*
 * Fresh tables (tfl_web), a fresh worker state with a ct_max-flow table, and the flow
 * log with these --flow-log-sample/--flow-log-rate values into an emptied file (or to
 * dest when not NULL), attached. Every backend resolved on port 1.
 */
static int
tfl_setup(uint32_t ct_max, const char *sample, const char *rate, const char *dest)
{
	static uint64_t version;
	char *argv[] = { "test_flowlog", "--port", "front=null", "--flow-log",
			 dest ? dest : tfl_path, "--flow-log-sample", sample,
			 "--flow-log-rate", rate, NULL };
	struct lb_conf c;
	struct lb *lb;
	uint32_t i;
	FILE *f;

	flowlog_close(&tfl_fl);
	if (lb_conf_parse("t.yaml", tfl_web, strlen(tfl_web), &c, err, sizeof(err)) != 0) {
		printf("\n  %s", err);
		return -1;
	}
	lb = lb_build(&c, tfl_neigh, ++version, 1, err, sizeof(err));
	lb_conf_free(&c);
	if (!lb) {
		printf("\n  %s", err);
		return -1;
	}
	for (i = 0; i < tfl_neigh->n; i++) {
		uint8_t mac[8] = { 0x02, 0xbe, 0, 0, 0, 0, 0, 0 };
		uint64_t w;

		mac[5] = tfl_neigh->e[i].v6 ? tfl_neigh->e[i].addr6[15] :
			 (uint8_t)(ntohl(tfl_neigh->e[i].addr) & 0xff);
		memcpy(&w, mac, sizeof(w));
		tfl_neigh->e[i].word = NEIGH_VALID | (uint64_t)1 << NEIGH_PORT_SHIFT | w;
	}
	lb_free(tfl_dp.lb);
	tfl_dp.lb = lb;
	lb_worker_free(tfl_w.lbw);
	tfl_w.lbw = lb_worker_create(ct_max, 0, SOCKET_ID_ANY, err, sizeof(err));
	if (!tfl_w.lbw || ct_enable_v6(tfl_w.lbw->ct, SOCKET_ID_ANY) != 0)
		return -1;
	f = fopen(tfl_path, "w");               /* emptied */
	if (f)
		fclose(f);
	if (dp_args_parse((int)RTE_DIM(argv) - 1, argv, &tfl_args, err, sizeof(err)) != 0 ||
	    flowlog_open(&tfl_fl, &tfl_args, 1, err, sizeof(err)) != 0) {
		printf("\n  %s", err);
		return -1;
	}
	flowlog_attach(&tfl_fl, &tfl_dp);
	return 0;
}

/* An Ethernet frame: IPv4 or IPv6 (by alen 4/16), TCP (with flags) or UDP, payload bytes;
 * header checksums complete. Returns the frame's length. */
static uint32_t
tfl_frame(uint8_t *b, uint32_t alen, uint8_t proto, const uint8_t *src, const uint8_t *dst,
	  uint16_t sport, uint16_t dport, uint8_t flags, uint32_t payload)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)b;
	uint32_t l4len = (proto == IPPROTO_TCP ? 20u : 8u) + payload, l3 = 14;
	uint16_t *ports;
	uint8_t *l4;

	memset(b, 0, 14 + 40 + l4len);
	memcpy(eth->dst_addr.addr_bytes, tfl_mac_front, 6);
	memcpy(eth->src_addr.addr_bytes, tfl_mac_client, 6);
	if (alen == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + l3);

		eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->total_length = htons((uint16_t)(20 + l4len));
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, dst, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		l4 = (uint8_t *)(ip + 1);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(b + l3);

		eth->ether_type = htons(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = htonl(6u << 28);
		ip6->payload_len = htons((uint16_t)l4len);
		ip6->proto = proto;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, src, 16);
		memcpy(ip6->dst_addr, dst, 16);
		l4 = (uint8_t *)(ip6 + 1);
	}
	ports = (uint16_t *)l4;
	ports[0] = htons(sport);
	ports[1] = htons(dport);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->data_off = 5 << 4;
		th->tcp_flags = flags;
		th->rx_win = htons(64240);
	} else {
		((struct rte_udp_hdr *)l4)->dgram_len = htons((uint16_t)l4len);
	}
	memset(l4 + (proto == IPPROTO_TCP ? 20 : 8), 'z', payload);
	return 14 + (alen == 4 ? 20u : 40u) + l4len;
}

/* One frame through lb_input on port pi: the verdict; the output's IP header into *out
 * (its first 60 bytes after Ethernet), and its destination MAC's last byte. */
static int
tfl_run(const uint8_t *frame, uint32_t len, uint16_t pi, uint8_t *out, uint8_t *mac_last)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tfl_pool);
	struct pkt_meta meta;
	uint16_t opi = 0;
	int rc;

	CU_ASSERT_FATAL(m != NULL);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), len, &meta);
	CU_ASSERT_EQUAL_FATAL(rc, SL_CNT_OK);
	rc = lb_input(&tfl_dp, tfl_w.lbw, 0, m, pi, &meta, &opi, tfl_cnt, NULL);
	if (out)
		memcpy(out, rte_pktmbuf_mtod(m, const uint8_t *) + 14, 60);
	if (mac_last)
		*mac_last = rte_pktmbuf_mtod(m, const uint8_t *)[5];
	rte_pktmbuf_free(m);
	return rc;
}

/* Every entry's timeout checked at now (the whole table, in the hand's slices). */
static void
tfl_age_all(uint64_t now)
{
	uint32_t i;

	for (i = 0; i <= tfl_w.lbw->ct->max / CT_AGE_SLICE; i++)
		ct_age(tfl_w.lbw->ct, now);
}

/* The file's lines, parsed (each must be a JSON object ending in a newline); their
 * number, or -1. */
static int
tfl_read(const char *path, json_t **lines, int max)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int k = 0;

	if (!f)
		return -1;
	while ((n = getline(&buf, &cap, f)) > 0) {
		json_error_t je;
		json_t *o;

		CU_ASSERT_EQUAL(buf[n - 1], '\n');
		o = json_loads(buf, JSON_REJECT_DUPLICATES, &je);
		CU_ASSERT_PTR_NOT_NULL(o);
		CU_ASSERT(json_is_object(o));
		if (!o || k == max) {
			if (!o)
				printf("\n  not JSON (%s): %s", je.text, buf);
			json_decref(o);
			continue;
		}
		lines[k++] = o;
	}
	free(buf);
	fclose(f);
	return k;
}

static void
tfl_free_lines(json_t **lines, int n)
{
	int i;

	for (i = 0; i < n; i++)
		json_decref(lines[i]);
}

static const char *
tfl_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "(none)";
}

static json_int_t
tfl_int(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	CU_ASSERT(json_is_integer(v));
	return json_integer_value(v);
}

/* "2025-01-31T12:00:00.123456Z" -> seconds since the epoch, or -1. */
static time_t
tfl_time(const char *s)
{
	struct tm tm;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 27 || s[26] != 'Z' || s[19] != '.')
		return -1;
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest || *rest != '.')
		return -1;
	return timegm(&tm);
}

static uint64_t
tfl_counter(enum flowlog_counter c)
{
	uint64_t v[FLOWLOG_CNT__MAX];

	flowlog_counters(&tfl_fl, v);
	return v[c];
}

/* The fields every record has, whatever its flow. */
static void
tfl_check_common(json_t *o)
{
	time_t now = time(NULL), t = tfl_time(tfl_str(o, "time"));
	time_t st = tfl_time(tfl_str(o, "start"));

	CU_ASSERT(t > 0 && st > 0 && st <= t);
	CU_ASSERT(t >= now - 60 && t <= now + 5);       /* the TSC to wall clock conversion */
	CU_ASSERT(strcmp(tfl_str(o, "start"), tfl_str(o, "time")) <= 0);
	CU_ASSERT(json_is_real(json_object_get(o, "duration_ms")) ||
		  json_is_integer(json_object_get(o, "duration_ms")));
	CU_ASSERT(json_number_value(json_object_get(o, "duration_ms")) >= 0);
	CU_ASSERT_EQUAL(tfl_int(o, "worker"), 0);
	CU_ASSERT(json_is_null(json_object_get(o, "policed")));
}

/* An fnat TCP flow, both FINs, aged out of TIME_WAIT: the whole record, bytes exact. */
static void
test_fnat_fin_record(void)
{
	uint8_t f[512], o[60], back[4], local[4];
	json_t *lines[4];
	char want[64];
	uint16_t lport;
	uint32_t n;
	int k;

	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", NULL) == 0);
	/* client -> VIP: SYN (40 IP bytes) */
	n = tfl_frame(f, 4, IPPROTO_TCP, tfl_client, tfl_vip, 40001, 80, RTE_TCP_SYN_FLAG, 0);
	CU_ASSERT_EQUAL_FATAL(tfl_run(f, n, 0, o, NULL), SL_CNT_LB_FORWARD);
	memcpy(local, o + 12, 4);               /* rewritten: our address -> the backend */
	memcpy(back, o + 16, 4);
	lport = ntohs(*(const uint16_t *)(o + 20));
	CU_ASSERT_EQUAL(back[3], 11);           /* rr starts with the first backend */
	/* backend -> us: SYN-ACK (40), data (240) and its FIN (40) */
	n = tfl_frame(f, 4, IPPROTO_TCP, back, local, 80, lport,
		      RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 1, NULL, NULL), SL_CNT_LB_REPLY);
	/* client: ACK (40), data (140) */
	n = tfl_frame(f, 4, IPPROTO_TCP, tfl_client, tfl_vip, 40001, 80, RTE_TCP_ACK_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	n = tfl_frame(f, 4, IPPROTO_TCP, tfl_client, tfl_vip, 40001, 80, RTE_TCP_ACK_FLAG, 100);
	CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	n = tfl_frame(f, 4, IPPROTO_TCP, back, local, 80, lport, RTE_TCP_ACK_FLAG, 200);
	CU_ASSERT_EQUAL(tfl_run(f, n, 1, NULL, NULL), SL_CNT_LB_REPLY);
	/* FINs both ways, the last ACK: TIME_WAIT */
	n = tfl_frame(f, 4, IPPROTO_TCP, tfl_client, tfl_vip, 40001, 80,
		      RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	n = tfl_frame(f, 4, IPPROTO_TCP, back, local, 80, lport,
		      RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 1, NULL, NULL), SL_CNT_LB_REPLY);
	n = tfl_frame(f, 4, IPPROTO_TCP, tfl_client, tfl_vip, 40001, 80, RTE_TCP_ACK_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(tfl_w.lbw->ct->used, 1);

	/* Nothing is built while the flow lives, nor before its TIME_WAIT runs out. */
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 0);
	tfl_age_all(rte_rdtsc() + 100 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 0);
	tfl_age_all(rte_rdtsc() + 121 * hz);
	CU_ASSERT_EQUAL(tfl_w.lbw->ct->used, 0);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 1);

	k = tfl_read(tfl_path, lines, 4);
	CU_ASSERT_EQUAL_FATAL(k, 1);
	tfl_check_common(lines[0]);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "client"), "198.18.0.2:40001");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "service"), "198.18.0.100:80/tcp");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "backend"), "198.18.1.11:80");
	snprintf(want, sizeof(want), "198.18.1.1:%u", lport);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "local"), want);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "policy"), "rr");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "mode"), "fnat");
	CU_ASSERT_EQUAL(tfl_int(lines[0], "pkts_orig"), 5);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "bytes_orig"), 40 + 40 + 140 + 40 + 40);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "pkts_reply"), 3);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "bytes_reply"), 40 + 240 + 40);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "reason"), "fin");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "state"), "time_wait");
	/* The least-conn accounting ran on the same free as before. */
	CU_ASSERT_EQUAL(tfl_w.lbw->conns[0] + tfl_w.lbw->conns[1] + tfl_w.lbw->conns[2], 0);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_WRITTEN), 1);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_DROPPED_CAP), 0);
	tfl_free_lines(lines, k);
	flowlog_close(&tfl_fl);
	CU_ASSERT_PTR_NULL(tfl_w.lbw->flowlog);
	CU_ASSERT_PTR_NULL(tfl_dp.flowlog);
}

/* A reset flow is logged "rst" the moment a new SYN reuses its tuple (ct_delete), not
 * when it would have timed out; a flow deleted before it ended is "evicted". */
static void
test_rst_reuse_and_evicted(void)
{
	uint8_t f[512], o[60], back[4], local[4];
	json_t *lines[4];
	struct ct_entry *e;
	struct ct_key key;
	enum ct_dir d;
	uint16_t lport;
	uint32_t n;
	int k;

	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", NULL) == 0);
	n = tfl_frame(f, 4, IPPROTO_TCP, tfl_client, tfl_vip, 40002, 80, RTE_TCP_SYN_FLAG, 0);
	CU_ASSERT_EQUAL_FATAL(tfl_run(f, n, 0, o, NULL), SL_CNT_LB_FORWARD);
	memcpy(local, o + 12, 4);
	memcpy(back, o + 16, 4);
	lport = ntohs(*(const uint16_t *)(o + 20));
	n = tfl_frame(f, 4, IPPROTO_TCP, back, local, 80, lport,
		      RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 1, NULL, NULL), SL_CNT_LB_REPLY);
	n = tfl_frame(f, 4, IPPROTO_TCP, tfl_client, tfl_vip, 40002, 80, RTE_TCP_SYN_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	CU_ASSERT_EQUAL(tfl_w.lbw->ct->used, 1);        /* the new connection */
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 1);

	/* The new one, deleted while it is opening. */
	lb_ct_key4(&key, IPPROTO_TCP, htonl(0xc6120002u), htonl(0xc6120064u), htons(40002),
		   htons(80));
	e = ct_lookup(tfl_w.lbw->ct, &key, rte_rdtsc(), &d);
	CU_ASSERT_FATAL(e != NULL);
	ct_delete(tfl_w.lbw->ct, e);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 1);

	k = tfl_read(tfl_path, lines, 4);
	CU_ASSERT_EQUAL_FATAL(k, 2);
	tfl_check_common(lines[0]);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "reason"), "rst");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "state"), "close");
	CU_ASSERT_EQUAL(tfl_int(lines[0], "pkts_orig"), 1);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "pkts_reply"), 1);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "backend"), "198.18.1.11:80");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[1], "reason"), "evicted");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[1], "state"), "syn_sent");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[1], "backend"), "198.18.1.12:80");  /* rr on */
	CU_ASSERT_EQUAL(tfl_int(lines[1], "pkts_reply"), 0);
	tfl_free_lines(lines, k);
}

/* A dsr UDP flow: no reply side, no local address, its backend by its neighbour entry;
 * it ends by idling past the UDP timeout. */
static void
test_dsr_udp_timeout(void)
{
	uint8_t f[512], mac_last = 0;
	json_t *lines[4];
	char want[64];
	uint32_t n, i;
	int k;

	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", NULL) == 0);
	for (i = 0; i < 3; i++) {
		n = tfl_frame(f, 4, IPPROTO_UDP, tfl_client, tfl_vip, 5353, 53, 0, 10 * i);
		CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, &mac_last), SL_CNT_LB_FORWARD);
	}
	tfl_age_all(rte_rdtsc() + 299 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 0);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 1);
	k = tfl_read(tfl_path, lines, 4);
	CU_ASSERT_EQUAL_FATAL(k, 1);
	tfl_check_common(lines[0]);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "client"), "198.18.0.2:5353");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "service"), "198.18.0.100:53/udp");
	snprintf(want, sizeof(want), "198.18.1.%u:53", mac_last);       /* the MAC's backend */
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "backend"), want);
	CU_ASSERT(json_is_null(json_object_get(lines[0], "local")));
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "policy"), "maglev");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "mode"), "dsr");
	CU_ASSERT_EQUAL(tfl_int(lines[0], "pkts_orig"), 3);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "bytes_orig"), 28 * 3 + 0 + 10 + 20);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "pkts_reply"), 0);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "bytes_reply"), 0);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "reason"), "timeout");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "state"), "udp");
	tfl_free_lines(lines, k);
}

/* IPv6 addresses in brackets; the tuples come from the IPv6 key table. */
static void
test_ipv6_fnat_record(void)
{
	uint8_t f[512], o[60];
	json_t *lines[4];
	char want[80], lip[INET6_ADDRSTRLEN];
	uint32_t n;
	int k;

	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", NULL) == 0);
	n = tfl_frame(f, 16, IPPROTO_TCP, tfl6_client, tfl6_vip, 40010, 80, RTE_TCP_SYN_FLAG, 0);
	CU_ASSERT_EQUAL_FATAL(tfl_run(f, n, 0, o, NULL), SL_CNT_LB_FORWARD);
	n = tfl_frame(f, 16, IPPROTO_TCP, tfl6_client, tfl6_vip, 40010, 80, RTE_TCP_RST_FLAG, 0);
	CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	tfl_age_all(rte_rdtsc() + 11 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 1);
	k = tfl_read(tfl_path, lines, 4);
	CU_ASSERT_EQUAL_FATAL(k, 1);
	tfl_check_common(lines[0]);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "client"), "[2001:db8::2]:40010");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "service"), "[2001:db8::100]:80/tcp");
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "backend"), "[2001:db8:1::11]:80");
	inet_ntop(AF_INET6, o + 8, lip, sizeof(lip));   /* the rewritten source */
	snprintf(want, sizeof(want), "[%s]:%u", lip, ntohs(*(const uint16_t *)(o + 40)));
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "local"), want);
	CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "reason"), "rst");
	CU_ASSERT_EQUAL(tfl_int(lines[0], "pkts_orig"), 2);
	CU_ASSERT_EQUAL(tfl_int(lines[0], "bytes_orig"), 2 * 60);
	tfl_free_lines(lines, k);
}

/* Flows still open when the table is emptied (shutdown): "table-reset", all of them,
 * even more than a ring holds. */
static void
test_flush_table_reset(void)
{
	static json_t *lines[TFL_LINES_MAX];
	uint8_t f[512];
	uint32_t n, i, flows = FLOWLOG_RING_SIZE + 100;
	int k, reset = 0;

	CU_ASSERT_FATAL(tfl_setup(flows + 16, "1", "0", NULL) == 0);
	for (i = 0; i < flows; i++) {
		n = tfl_frame(f, 4, IPPROTO_UDP, tfl_client, tfl_vip, (uint16_t)(10000 + i), 53, 0,
			      0);
		CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	}
	CU_ASSERT_EQUAL(tfl_w.lbw->ct->used, flows);
	flowlog_flush(&tfl_fl);
	CU_ASSERT_EQUAL(tfl_w.lbw->ct->used, 0);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_WRITTEN), flows);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_DROPPED_RING), 0);
	k = tfl_read(tfl_path, lines, TFL_LINES_MAX);
	CU_ASSERT_EQUAL(k, (int)flows);
	for (i = 0; i < (uint32_t)k; i++)
		reset += strcmp(tfl_str(lines[i], "reason"), "table-reset") == 0;
	CU_ASSERT_EQUAL(reset, (int)flows);
	tfl_free_lines(lines, k);
}

/* Free UDP flows from client ports first..first+count-1 (dsr, so one tuple each). */
static void
tfl_udp_flows(uint16_t first, uint32_t count)
{
	uint8_t f[512];
	uint32_t n, i;

	for (i = 0; i < count; i++) {
		n = tfl_frame(f, 4, IPPROTO_UDP, tfl_client, tfl_vip, (uint16_t)(first + i), 53, 0,
			      0);
		CU_ASSERT_EQUAL(tfl_run(f, n, 0, NULL, NULL), SL_CNT_LB_FORWARD);
	}
}

/* Logged flows of one run, as a bitmap of client ports (from first, count of them). */
static int
tfl_sampled_run(uint16_t first, uint32_t count, uint8_t *seen)
{
	static json_t *lines[TFL_LINES_MAX];
	int k, i;

	CU_ASSERT_FATAL(tfl_setup(1024, "4", "0", NULL) == 0);
	tfl_udp_flows(first, count);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	flowlog_drain(&tfl_fl, rte_rdtsc());
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_WRITTEN) + tfl_counter(FLOWLOG_CNT_SAMPLED_OUT),
			count);
	k = tfl_read(tfl_path, lines, TFL_LINES_MAX);
	memset(seen, 0, count);
	for (i = 0; i < k; i++) {
		const char *c = tfl_str(lines[i], "client"), *colon = strrchr(c, ':');
		long p = colon ? strtol(colon + 1, NULL, 10) : -1;

		if (p >= first && p < first + (long)count)
			seen[p - first] = 1;
	}
	tfl_free_lines(lines, k);
	return k;
}

/* 1 in 4 by the tuple's hash: the same flows every run, exactly those the hash picks. */
static void
test_sampling_by_tuple_hash(void)
{
	uint8_t a[400], b[400];
	uint32_t i, want = 0;
	int k1, k2;

	k1 = tfl_sampled_run(20000, 400, a);
	k2 = tfl_sampled_run(20000, 400, b);
	CU_ASSERT_EQUAL(k1, k2);
	CU_ASSERT(k1 > 50 && k1 < 150);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	for (i = 0; i < 400; i++) {
		uint32_t words[sizeof(struct ct_key) / 4];
		struct ct_key key;
		int pick;

		lb_ct_key4(&key, IPPROTO_UDP, htonl(0xc6120002u), htonl(0xc6120064u),
			   htons((uint16_t)(20000 + i)), htons(53));
		/* rte_jhash reads 32-bit words: through a copy, not the struct just written
		 * (strict aliasing would let the compiler read it before the stores). */
		memcpy(words, &key, sizeof(words));
		pick = rte_jhash(words, sizeof(words), FLOWLOG_SAMPLE_SEED) % 4 == 0;
		want += (uint32_t)pick;
		CU_ASSERT_EQUAL(a[i], pick);
	}
	CU_ASSERT_EQUAL((uint32_t)k1, want);
	flowlog_close(&tfl_fl);
}

/* The token bucket: a second's burst at first, then the rate; the rest counted. */
static void
test_rate_cap(void)
{
	static json_t *lines[TFL_LINES_MAX];
	uint64_t t0 = rte_rdtsc();
	int k;

	CU_ASSERT_FATAL(tfl_setup(1024, "1", "10", NULL) == 0);
	tfl_udp_flows(30000, 50);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, t0), 10);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_DROPPED_CAP), 40);
	tfl_udp_flows(31000, 30);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, t0 + hz / 2), 5);       /* half a second */
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_DROPPED_CAP), 65);
	tfl_udp_flows(32000, 20);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, t0 + 5 * hz), 10);      /* burst: one second */
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_DROPPED_CAP), 75);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_WRITTEN), 25);
	k = tfl_read(tfl_path, lines, TFL_LINES_MAX);
	CU_ASSERT_EQUAL(k, 25);
	tfl_free_lines(lines, k);
}

/* More flows end between two drains than the ring holds: the rest are counted, none
 * waits; what the ring held is written whole. */
static void
test_ring_full(void)
{
	uint32_t flows = FLOWLOG_RING_SIZE + 20;

	CU_ASSERT_FATAL(tfl_setup(flows + 16, "1", "0", NULL) == 0);
	tfl_udp_flows(10000, flows);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(tfl_w.lbw->ct->used, 0);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_DROPPED_RING), flows - (FLOWLOG_RING_SIZE - 1));
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), FLOWLOG_RING_SIZE - 1);
	{
		static json_t *lines[TFL_LINES_MAX];
		int k = tfl_read(tfl_path, lines, TFL_LINES_MAX);

		CU_ASSERT_EQUAL(k, FLOWLOG_RING_SIZE - 1);
		tfl_free_lines(lines, k);
	}
}

/* A write that fails loses its lines, counted, and says so once; a rotated file is
 * reopened by path without a signal. */
static void
test_write_error_and_rotation(void)
{
	json_t *lines[4];
	int k;

	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", "/dev/full") == 0);
	tfl_udp_flows(40000, 2);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 0);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_DROPPED_IO), 2);
	CU_ASSERT_EQUAL(tfl_counter(FLOWLOG_CNT_WRITE_ERRORS), 1);

	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", NULL) == 0);
	tfl_udp_flows(40000, 1);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 1);
	CU_ASSERT_EQUAL_FATAL(rename(tfl_path, tfl_path_rot), 0);       /* logrotate */
	tfl_udp_flows(40001, 1);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc() + 2 * hz), 1);
	k = tfl_read(tfl_path_rot, lines, 4);
	CU_ASSERT_EQUAL(k, 1);
	if (k == 1)
		CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "client"), "198.18.0.2:40000");
	tfl_free_lines(lines, k > 0 ? k : 0);
	k = tfl_read(tfl_path, lines, 4);
	CU_ASSERT_EQUAL(k, 1);
	if (k == 1)
		CU_ASSERT_STRING_EQUAL(tfl_str(lines[0], "client"), "198.18.0.2:40001");
	tfl_free_lines(lines, k > 0 ? k : 0);
	unlink(tfl_path_rot);
}

/* The options, their defaults and refusals; off means nothing attached, nothing built. */
static void
test_options_and_off(void)
{
	char *plain[] = { "x", "--port", "front=null", NULL };
	char *orphan[] = { "x", "--port", "front=null", "--flow-log-sample", "4", NULL };
	char *zero[] = { "x", "--port", "front=null", "--flow-log", "/tmp/x",
			 "--flow-log-sample", "0", NULL };
	char *big[] = { "x", "--port", "front=null", "--flow-log", "/tmp/x",
			 "--flow-log-rate", "99999999", NULL };
	char *nocap[] = { "x", "--port", "front=null", "--flow-log", "syslog",
			  "--flow-log-rate", "0", NULL };
	char *baddir[] = { "x", "--port", "front=null", "--flow-log", "/nonexistent/dir/f", NULL };
	uint64_t c[FLOWLOG_CNT__MAX];
	json_t *o;
	FILE *mem;
	char *help = NULL;
	size_t hlen = 0;

	flowlog_close(&tfl_fl);
	CU_ASSERT_EQUAL(dp_args_parse(3, plain, &tfl_args, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tfl_args.flow_log[0], '\0');
	CU_ASSERT_EQUAL(tfl_args.flow_log_sample, 1);
	CU_ASSERT_EQUAL(tfl_args.flow_log_rate, DP_FLOW_LOG_RATE_DEFAULT);
	CU_ASSERT_EQUAL(dp_args_parse(5, orphan, &tfl_args, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "without --flow-log"));
	CU_ASSERT_EQUAL(dp_args_parse(7, zero, &tfl_args, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--flow-log-sample"));
	CU_ASSERT_EQUAL(dp_args_parse(7, big, &tfl_args, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--flow-log-rate"));
	CU_ASSERT_EQUAL(dp_args_parse(7, nocap, &tfl_args, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tfl_args.flow_log_rate, 0);
	CU_ASSERT_STRING_EQUAL(tfl_args.flow_log, DP_FLOW_LOG_SYSLOG);
	CU_ASSERT_EQUAL(dp_args_parse(5, baddir, &tfl_args, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(flowlog_open(&tfl_fl, &tfl_args, 1, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir/f"));
	CU_ASSERT_EQUAL(tfl_fl.enabled, 0);
	mem = open_memstream(&help, &hlen);
	CU_ASSERT_FATAL(mem != NULL);
	dp_args_usage(mem, "sluice-dataplane");
	fclose(mem);
	CU_ASSERT_PTR_NOT_NULL(strstr(help, "--flow-log PATH|syslog"));
	CU_ASSERT_PTR_NOT_NULL(strstr(help, "--flow-log-sample N"));
	CU_ASSERT_PTR_NOT_NULL(strstr(help, "--flow-log-rate N"));
	free(help);

	/* Off: open and attach leave everything as it was. */
	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", NULL) == 0);
	flowlog_close(&tfl_fl);
	CU_ASSERT_EQUAL(dp_args_parse(3, plain, &tfl_args, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(flowlog_open(&tfl_fl, &tfl_args, 1, err, sizeof(err)), 0);
	flowlog_attach(&tfl_fl, &tfl_dp);
	CU_ASSERT_PTR_NULL(tfl_w.lbw->flowlog);
	CU_ASSERT_PTR_NULL(tfl_dp.flowlog);
	tfl_udp_flows(50000, 3);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(tfl_w.lbw->ct->used, 0);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 0);
	flowlog_counters(&tfl_fl, c);
	CU_ASSERT_EQUAL(c[FLOWLOG_CNT_WRITTEN] + c[FLOWLOG_CNT_SAMPLED_OUT] +
			c[FLOWLOG_CNT_DROPPED_RING], 0);
	flowlog_flush(&tfl_fl);
	flowlog_close(&tfl_fl);

	/* Syslog: records go out through syslog(3) and count as written. */
	CU_ASSERT_FATAL(tfl_setup(TFL_CT_SMALL, "1", "0", DP_FLOW_LOG_SYSLOG) == 0);
	CU_ASSERT_EQUAL(tfl_fl.to_syslog, 1);
	tfl_udp_flows(50000, 1);
	tfl_age_all(rte_rdtsc() + 301 * hz);
	CU_ASSERT_EQUAL(flowlog_drain(&tfl_fl, rte_rdtsc()), 1);
	/* ... and the counters join the stats' JSON by name. */
	o = json_object();
	flowlog_stats_json(&tfl_fl, o);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "flowlog_written")), 1);
	CU_ASSERT_PTR_NOT_NULL(json_object_get(o, "flowlog_dropped_cap"));
	CU_ASSERT_PTR_NOT_NULL(json_object_get(o, "flowlog_dropped_ring"));
	CU_ASSERT_EQUAL(json_object_size(o), FLOWLOG_CNT__MAX);
	json_decref(o);
	flowlog_close(&tfl_fl);
}

static int
suite_init(void)
{
	char *argv[] = { "test_flowlog", "--no-pci", "--no-huge", "--no-shconf", "-m", "512",
			 "--log-level=*:error", NULL };
	int fd;

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	hz = rte_get_tsc_hz();
	snprintf(tfl_path, sizeof(tfl_path), "/tmp/test_flowlog.XXXXXX");
	fd = mkstemp(tfl_path);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(tfl_path_rot, sizeof(tfl_path_rot), "%s.1", tfl_path);
	tfl_fl.fd = -1;
	tfl_pool = rte_pktmbuf_pool_create("tfl_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	tfl_neigh = rte_zmalloc("neigh", sizeof(*tfl_neigh), 0);
	if (!tfl_pool || !tfl_neigh)
		return -1;
	tfl_dp.nb_workers = 1;
	tfl_dp.neigh = tfl_neigh;
	tfl_dp.nb_ports = 2;
	memcpy(tfl_dp.ports[0].local.mac.addr_bytes, tfl_mac_front, 6);
	tfl_dp.ports[0].local.v4[0] = htonl(0xc6120001u);
	tfl_dp.ports[0].local.v4[1] = htonl(0xc6120064u);
	tfl_dp.ports[0].local.nb_v4 = 2;
	memcpy(tfl_dp.ports[0].local.v6[0], tfl6_front, 16);
	memcpy(tfl_dp.ports[0].local.v6[1], tfl6_vip, 16);
	tfl_dp.ports[0].local.nb_v6 = 2;
	tfl_dp.ports[0].mtu = 1500;
	memcpy(tfl_dp.ports[1].local.mac.addr_bytes, tfl_mac_back, 6);
	tfl_dp.ports[1].local.v4[0] = htonl(0xc6120101u);
	tfl_dp.ports[1].local.nb_v4 = 1;
	memcpy(tfl_dp.ports[1].local.v6[0], tfl6_back, 16);
	tfl_dp.ports[1].local.nb_v6 = 1;
	tfl_dp.ports[1].mtu = 1500;
	tfl_w.idx = 0;
	tfl_dp.workers[0] = &tfl_w;
	return 0;
}

static int
suite_cleanup(void)
{
	flowlog_close(&tfl_fl);
	lb_free(tfl_dp.lb);
	lb_worker_free(tfl_w.lbw);
	rte_free(tfl_neigh);
	rte_mempool_free(tfl_pool);
	unlink(tfl_path);
	unlink(tfl_path_rot);
	rte_eal_cleanup();
	return 0;
}

/* What rate limits did, in "policed": the bits as words, null when none. */
static void
test_policed_field(void)
{
	static const struct { uint8_t bits; const char *want; } cases[] = {
		{ FLOWLOG_POLICED_REMARKED, "remarked" },
		{ FLOWLOG_POLICED_DROPPED, "dropped" },
		{ FLOWLOG_POLICED_REMARKED | FLOWLOG_POLICED_DROPPED, "remarked,dropped" },
		{ FLOWLOG_POLICED_COUNTED | FLOWLOG_POLICED_DROPPED, "counted,dropped" },
		{ FLOWLOG_POLICED_REMARKED | FLOWLOG_POLICED_COUNTED | FLOWLOG_POLICED_DROPPED,
		  "remarked,counted,dropped" },
	};
	struct flowlog_rec r;
	char line[FLOWLOG_LINE_MAX];
	unsigned int i;
	json_t *o;

	memset(&r, 0, sizeof(r));
	r.proto = IPPROTO_TCP;
	r.start_tsc = r.last_tsc = 1000;
	CU_ASSERT_FATAL(flowlog_format(&r, 0, 1000000000ULL * 1700000000ULL, 1000, 1000000000ULL,
				       line, sizeof(line)) > 0);
	o = json_loads(line, 0, NULL);
	CU_ASSERT(json_is_null(json_object_get(o, "policed")));
	json_decref(o);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.policed = cases[i].bits;
		CU_ASSERT_FATAL(flowlog_format(&r, 0, 1000000000ULL * 1700000000ULL, 1000,
					       1000000000ULL, line, sizeof(line)) > 0);
		o = json_loads(line, 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "policed")) ?: "",
				       cases[i].want);
		json_decref(o);
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_policed_field),
	UNIT_TEST(test_fnat_fin_record),
	UNIT_TEST(test_rst_reuse_and_evicted),
	UNIT_TEST(test_dsr_udp_timeout),
	UNIT_TEST(test_ipv6_fnat_record),
	UNIT_TEST(test_flush_table_reset),
	UNIT_TEST(test_sampling_by_tuple_hash),
	UNIT_TEST(test_rate_cap),
	UNIT_TEST(test_ring_full),
	UNIT_TEST(test_write_error_and_rotation),
	UNIT_TEST(test_options_and_off),
	{ NULL, NULL }
};

int
main(void)
{
	return unit_run("flowlog", tests, suite_init, suite_cleanup);
}
