/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one list of Sluice counters and drop reasons.
 *
 * Every packet the XDP filter or a dataplane worker handles ends in exactly one of these:
 * an event (it was answered, forwarded, handed off) or a drop with a reason. The list is
 * an X-macro so that the enum, the names printed by the CLI, the JSON stats and (later)
 * the Prometheus metric labels all come from one place, and so that bpf/ and the
 * dataplane share the same numeric codes (VPP's foreach_*_error, Cilium's DROP_*).
 *
 * This header is included by BPF C and by userspace: it must stay preprocessor-only.
 *
 * _(SYM, "name", kind)  kind is SL_KIND_EVENT or SL_KIND_DROP. Append only: the codes
 * are stored in pinned per-CPU maps that outlive a dataplane restart.
 */
#ifndef SL_REASONS_H
#define SL_REASONS_H

#define SL_KIND_EVENT 0
#define SL_KIND_DROP  1

#define SL_FOREACH_COUNTER(_)                                                   \
	_(RX,               "rx",                  SL_KIND_EVENT)               \
	_(TX,               "tx",                  SL_KIND_EVENT)               \
	_(ARP_REPLY,        "arp_reply",           SL_KIND_EVENT)               \
	_(ND_ADVERT,        "nd_advert",           SL_KIND_EVENT)               \
	_(ICMP_ECHO_REPLY,  "icmp_echo_reply",     SL_KIND_EVENT)               \
	_(ICMP6_ECHO_REPLY, "icmp6_echo_reply",    SL_KIND_EVENT)               \
	_(HANDOFF_OUT,      "handoff_out",         SL_KIND_EVENT)               \
	_(HANDOFF_IN,       "handoff_in",          SL_KIND_EVENT)               \
	_(XDP_REDIRECT,     "xdp_redirect",        SL_KIND_EVENT)               \
	_(XDP_PASS,         "xdp_pass",            SL_KIND_EVENT)               \
	_(L2_TRUNCATED,     "l2_truncated",        SL_KIND_DROP)                \
	_(VLAN_TOO_DEEP,    "vlan_too_deep",       SL_KIND_DROP)                \
	_(L2_OTHER_HOST,    "l2_other_host",       SL_KIND_DROP)                \
	_(ETHERTYPE,        "unknown_ethertype",   SL_KIND_DROP)                \
	_(ARP_MALFORMED,    "arp_malformed",       SL_KIND_DROP)                \
	_(ARP_NOT_OURS,     "arp_not_ours",        SL_KIND_DROP)                \
	_(ARP_OTHER_OP,     "arp_other_op",        SL_KIND_DROP)                \
	_(IP4_TRUNCATED,    "ip4_truncated",       SL_KIND_DROP)                \
	_(IP4_BAD_HEADER,   "ip4_bad_header",      SL_KIND_DROP)                \
	_(IP4_BAD_LENGTH,   "ip4_bad_length",      SL_KIND_DROP)                \
	_(IP4_BAD_CHECKSUM, "ip4_bad_checksum",    SL_KIND_DROP)                \
	_(IP6_TRUNCATED,    "ip6_truncated",       SL_KIND_DROP)                \
	_(IP6_BAD_HEADER,   "ip6_bad_header",      SL_KIND_DROP)                \
	_(IP6_BAD_LENGTH,   "ip6_bad_length",      SL_KIND_DROP)                \
	_(IP6_EXT_CHAIN,    "ip6_ext_chain",       SL_KIND_DROP)                \
	_(L4_TRUNCATED,     "l4_truncated",        SL_KIND_DROP)                \
	_(TCP_BAD_HEADER,   "tcp_bad_header",      SL_KIND_DROP)                \
	_(UDP_BAD_LENGTH,   "udp_bad_length",      SL_KIND_DROP)                \
	_(NOT_LOCAL,        "not_local",           SL_KIND_DROP)                \
	_(ICMP_BAD_CHECKSUM, "icmp_bad_checksum",  SL_KIND_DROP)                \
	_(ICMP_UNHANDLED,   "icmp_unhandled",      SL_KIND_DROP)                \
	_(ND_MALFORMED,     "nd_malformed",        SL_KIND_DROP)                \
	_(ICMP6_UNHANDLED,  "icmp6_unhandled",     SL_KIND_DROP)                \
	_(NO_SERVICE,       "no_service",          SL_KIND_DROP)                \
	_(FRAGMENT,         "fragment_unhandled",  SL_KIND_DROP)                \
	_(HANDOFF_FULL,     "handoff_ring_full",   SL_KIND_DROP)                \
	_(TX_FULL,          "tx_full",             SL_KIND_DROP)                \
	_(XDP_BLOCKED,      "xdp_blocked",         SL_KIND_DROP)                \
	_(XDP_BANNED,       "xdp_banned",          SL_KIND_DROP)                \
	_(XDP_RATE_LIMITED, "xdp_rate_limited",    SL_KIND_DROP)                \
	_(XDP_ALLOWLISTED,  "xdp_allowlisted",     SL_KIND_EVENT)               \
	_(XDP_BAN_ADDED,    "xdp_ban_added",       SL_KIND_EVENT)               \
	_(XDP_SRC_RACE,     "xdp_src_race",        SL_KIND_EVENT)               \
	_(FILTER_SRC_TABLE_FULL, "filter_src_table_full", SL_KIND_EVENT)        \
	_(FILTER_BAN_RING_FULL,  "filter_ban_ring_full",  SL_KIND_EVENT)        \
	_(LB_NEW_FLOW,      "lb_new_flow",         SL_KIND_EVENT)               \
	_(LB_FORWARD,       "lb_forward",          SL_KIND_EVENT)               \
	_(LB_REPLY,         "lb_reply",            SL_KIND_EVENT)               \
	_(LB_NO_BACKEND,    "lb_no_backend",       SL_KIND_DROP)                \
	_(LB_NEIGH_UNRESOLVED, "lb_neigh_unresolved", SL_KIND_DROP)             \
	_(LB_NO_CONN,       "lb_no_conn",          SL_KIND_DROP)                \
	_(LB_CT_FULL,       "lb_ct_full",          SL_KIND_DROP)                \
	_(LB_PORTS_EXHAUSTED, "lb_ports_exhausted", SL_KIND_DROP)               \
	_(LB_NO_SOURCE_ADDR, "lb_no_source_address", SL_KIND_DROP)               \
	_(LB_STATELESS,     "lb_stateless",        SL_KIND_EVENT)               \
	_(LB_MSS_CLAMPED,   "lb_mss_clamped",      SL_KIND_EVENT)               \
	_(LB_FRAG_NEEDED_SENT, "lb_icmp_frag_needed_sent", SL_KIND_EVENT)       \
	_(LB_TOO_BIG,       "lb_too_big",          SL_KIND_DROP)                \
	_(LB_NO_HEADROOM,   "lb_no_headroom",      SL_KIND_DROP)                \
	_(LB_ICMP_ERROR,    "lb_icmp_error_forwarded", SL_KIND_EVENT)          \
	_(FRAG_HELD,        "frag_held",           SL_KIND_EVENT)               \
	_(FRAG_REASSEMBLED, "frag_reassembled",    SL_KIND_EVENT)               \
	_(FRAG_DROPPED,     "frag_dropped",        SL_KIND_DROP)                \
	_(FRAG_HEADER_SPLIT, "frag_header_split",  SL_KIND_DROP)                \
	_(FRAG_NOT_SERVICE, "frag_not_for_a_service", SL_KIND_DROP)             \
	_(FRAG_SENT,        "frag_sent",           SL_KIND_EVENT)               \
	_(FRAG_OUT_FAILED,  "frag_out_failed",     SL_KIND_DROP)                \
	_(POLICED,          "police_dropped",      SL_KIND_DROP)                \
	_(POLICE_REMARKED,  "police_remarked",     SL_KIND_EVENT)               \
	_(POLICE_COUNTED,   "police_over_counted", SL_KIND_EVENT)               \
	_(POLICE_NO_STATE,  "police_no_state",     SL_KIND_EVENT)               \
	_(SHAPED,           "shaper_queued",       SL_KIND_EVENT)               \
	_(SHAPER_DROPPED,   "shaper_dropped",      SL_KIND_DROP)

/* SL_CNT_OK (0) is "no verdict yet"/"parsed fine"; it is never counted. */
enum sl_counter {
	SL_CNT_OK = 0,
#define SL_CNT_ENUM_(sym, name, kind) SL_CNT_##sym,
	SL_FOREACH_COUNTER(SL_CNT_ENUM_)
#undef SL_CNT_ENUM_
	SL_CNT__MAX
};

#ifndef __bpf__
/* Userspace: names and kinds by code (sl_reasons.c). */
extern const char *const sl_counter_names[SL_CNT__MAX];
extern const unsigned char sl_counter_kinds[SL_CNT__MAX];
/* Returns the counter with that name, or -1. */
int sl_counter_by_name(const char *name);
#endif

#endif /* SL_REASONS_H */
