/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_port_spec: the port spec parser (drivers/port.c and each port_<kind>.c).
 *
 * NAME=KIND[:ARGS] is what an operator types, so the suite checks both halves of the
 * contract: a good spec fills every field it names and leaves the others empty, and a
 * bad one is refused with a negative errno and one line that names the port (when it has
 * a name) and what is wrong with it. Parsing does not look at interfaces (that is
 * port_spec_check), but pcap rx= and af_xdp prog= must be readable files: those tests
 * use a temporary file.
 *
 * Context: test process; no EAL.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port.h"
#include "cunit_main.h"

static char tps_err[512];
static char tps_file[] = "/tmp/sl-test-port-spec-XXXXXX";    /* readable temp file */
static char tps_spec[PATH_MAX + 128];

static int
tps_parse(const char *text, struct port_spec *s)
{
	memset(tps_err, 0, sizeof(tps_err));
	return port_spec_parse(text, s, tps_err, sizeof(tps_err));
}

/* The spec with its "%s" replaced by the temp file's path. */
static const char *
tps_with_file(const char *spec)
{
	const char *at = strstr(spec, "%s");

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	snprintf(tps_spec, sizeof(tps_spec), "%.*s%s%s", (int)(at - spec), spec, tps_file,
		 at + 2);
	return tps_spec;
}

static int
tps_init(void)
{
	int fd = mkstemp(tps_file);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
tps_cleanup(void)
{
	return unlink(tps_file);
}

static void
test_af_xdp(void)
{
	struct port_spec s;

	CU_ASSERT_EQUAL(tps_parse("front=af_xdp:eth1", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.name, "front");
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_AF_XDP);
	CU_ASSERT_STRING_EQUAL(s.ifname, "eth1");
	CU_ASSERT_STRING_EQUAL(s.xdp_prog, "");
	CU_ASSERT_STRING_EQUAL(s.rx_pcap, "");
	CU_ASSERT_FALSE(s.has_mac);
	CU_ASSERT_STRING_EQUAL(tps_err, "");
	/* the interface is named with iface= too, and need not exist to parse */
	CU_ASSERT_EQUAL(tps_parse("f_2=af_xdp:iface=sl-nosuch0", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.ifname, "sl-nosuch0");
	CU_ASSERT_EQUAL(tps_parse(tps_with_file("front=af_xdp:eth1,prog=%s"), &s), 0);
	CU_ASSERT_STRING_EQUAL(s.xdp_prog, tps_file);
	CU_ASSERT_EQUAL(tps_parse("front=af_xdp:eth1,mac=02:00:00:00:00:0a", &s), 0);
	CU_ASSERT(s.has_mac);
	CU_ASSERT_EQUAL(s.mac.addr_bytes[0], 0x02);
	CU_ASSERT_EQUAL(s.mac.addr_bytes[5], 0x0a);
	/* the longest interface name Linux allows (IFNAMSIZ - 1) */
	CU_ASSERT_EQUAL(tps_parse("front=af_xdp:abcdefghijklmno", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.ifname, "abcdefghijklmno");
}

static void
test_af_packet(void)
{
	struct port_spec s;

	CU_ASSERT_EQUAL(tps_parse("back=af_packet:veth-b,mac=02:53:4c:00:00:07", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.name, "back");
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_AF_PACKET);
	CU_ASSERT_STRING_EQUAL(s.ifname, "veth-b");
	CU_ASSERT(s.has_mac);
	CU_ASSERT_EQUAL(s.mac.addr_bytes[2], 0x4c);
	CU_ASSERT_EQUAL(s.mac.addr_bytes[5], 0x07);
}

static void
test_pcap(void)
{
	struct port_spec s;

	CU_ASSERT_EQUAL(tps_parse(tps_with_file("p=pcap:rx=%s"), &s), 0);
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_PCAP);
	CU_ASSERT_STRING_EQUAL(s.rx_pcap, tps_file);
	CU_ASSERT_STRING_EQUAL(s.tx_pcap, "");
	CU_ASSERT_STRING_EQUAL(s.ifname, "");
	/* tx= is written later: it need not exist */
	CU_ASSERT_EQUAL(tps_parse(tps_with_file("p=pcap:rx=%s,tx=/nonexistent/out.pcap"), &s),
			0);
	CU_ASSERT_STRING_EQUAL(s.tx_pcap, "/nonexistent/out.pcap");
	CU_ASSERT_EQUAL(tps_parse("p=pcap:iface=eth0", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.ifname, "eth0");
	CU_ASSERT_STRING_EQUAL(s.rx_pcap, "");
	CU_ASSERT_EQUAL(tps_parse("p=pcap:eth0", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.ifname, "eth0");
}

static void
test_null_ring_and_names(void)
{
	struct port_spec s;

	CU_ASSERT_EQUAL(tps_parse("t=null", &s), 0);
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_NULL);
	CU_ASSERT_STRING_EQUAL(s.name, "t");
	CU_ASSERT_EQUAL(tps_parse("t=null:mac=02:00:00:00:00:01", &s), 0);
	CU_ASSERT(s.has_mac);
	CU_ASSERT_EQUAL(tps_parse("R-1_x=ring", &s), 0);
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_RING);
	CU_ASSERT_STRING_EQUAL(s.name, "R-1_x");
	/* PORT_NAME_MAX - 1 characters is the longest name */
	CU_ASSERT_EQUAL(tps_parse("abcdefghijklmno=null", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.name, "abcdefghijklmno");
	/* a spec parsed into a used struct leaves nothing of the old one */
	CU_ASSERT_EQUAL(tps_parse("front=af_xdp:eth1,mac=02:00:00:00:00:01", &s), 0);
	CU_ASSERT_EQUAL(tps_parse("t=ring", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.ifname, "");
	CU_ASSERT_FALSE(s.has_mac);
}

/* Every kind the table knows parses under its own name. */
static void
test_kind_names(void)
{
	struct port_spec s;
	char text[64];
	int k;

	for (k = 0; k < PORT_KIND__MAX; k++) {
		const char *kind = port_kind_name((enum port_kind)k);

		CU_ASSERT_PTR_NOT_NULL_FATAL(port_ops_of((enum port_kind)k));
		if (k == PORT_KIND_PCAP)
			snprintf(text, sizeof(text), "x=%s:iface=lo", kind);
		else
			snprintf(text, sizeof(text), "x=%s%s", kind,
				 k == PORT_KIND_AF_XDP || k == PORT_KIND_AF_PACKET ? ":lo" : "");
		CU_ASSERT_EQUAL(tps_parse(text, &s), 0);
		CU_ASSERT_EQUAL(s.kind, (enum port_kind)k);
	}
	CU_ASSERT_PTR_NULL(port_ops_of(PORT_KIND__MAX));
	CU_ASSERT_STRING_EQUAL(port_kind_name(PORT_KIND__MAX), "?");
}

struct tps_bad {
	const char *spec;       /* "%s" is replaced by the readable temp file */
	int rc;
	const char *says;       /* a fragment the message must contain */
};

static const struct tps_bad tps_bad_specs[] = {
	/* missing '=' */
	{ "front", -EINVAL, "NAME=KIND" },
	{ "", -EINVAL, "NAME=KIND" },
	{ "af_xdp:eth1", -EINVAL, "NAME=KIND" },
	/* bad names */
	{ "=af_xdp:eth1", -EINVAL, "port name" },
	{ "a/b=null", -EINVAL, "port name 'a/b'" },
	{ "a b=null", -EINVAL, "port name" },
	{ "fr.nt=null", -EINVAL, "port name" },
	{ "abcdefghijklmnop=null", -EINVAL, "port name" },
	/* unknown kind */
	{ "front=dpdk:eth1", -EINVAL, "unknown kind 'dpdk'" },
	{ "front=", -EINVAL, "unknown kind ''" },
	{ "front=AF_XDP:eth1", -EINVAL, "unknown kind" },
	{ "front=af_xdp=eth1", -EINVAL, "unknown kind" },
	/* af_xdp / af_packet without an interface */
	{ "front=af_xdp", -EINVAL, "needs an interface" },
	{ "front=af_xdp:", -EINVAL, "needs an interface" },
	{ "front=af_xdp:prog=%s", -EINVAL, "needs an interface" },
	{ "front=af_xdp:mac=02:00:00:00:00:01", -EINVAL, "needs an interface" },
	{ "back=af_packet", -EINVAL, "needs an interface" },
	{ "front=af_xdp:abcdefghijklmnop", -EINVAL, "interface name 'abcdefghijklmnop'" },
	{ "front=af_xdp:iface=", -EINVAL, "interface name" },
	/* unknown keys, and words that are not key=value */
	{ "front=af_xdp:eth1,color=red", -EINVAL, "af_xdp ports take no argument 'color'" },
	{ "back=af_packet:eth1,prog=%s", -EINVAL, "no argument 'prog'" },
	{ "t=null:x=1", -EINVAL, "null ports take no argument 'x'" },
	{ "t=ring:eth0", -EINVAL, "no argument 'iface'" },
	{ "p=pcap:rx=%s,speed=10", -EINVAL, "no argument 'speed'" },
	{ "front=af_xdp:eth1,nokey", -EINVAL, "'nokey' is not key=value" },
	/* mac= */
	{ "front=af_xdp:eth1,mac=zz", -EINVAL, "mac 'zz' is not a MAC" },
	{ "front=af_xdp:eth1,mac=", -EINVAL, "not a MAC" },
	{ "front=af_xdp:eth1,mac=02:00:00:00:00", -EINVAL, "not a MAC" },
	{ "front=af_xdp:eth1,mac=02:00:00:00:00:00:01", -EINVAL, "not a MAC" },
	{ "front=af_xdp:eth1,mac=02:00:00:00:00:gg", -EINVAL, "not a MAC" },
	{ "t=null:mac=1:2:3", -EINVAL, "not a MAC" },
	/* files that must be readable */
	{ "front=af_xdp:eth1,prog=/nonexistent/x.o", -ENOENT, "/nonexistent/x.o" },
	{ "p=pcap:rx=/nonexistent/in.pcap", -ENOENT, "cannot read '/nonexistent/in.pcap'" },
	/* pcap: one source, not two, and at least one */
	{ "p=pcap:iface=eth0,rx=%s", -EINVAL, "not both" },
	{ "p=pcap:rx=%s,iface=eth0", -EINVAL, "not both" },
	{ "p=pcap:iface=eth0,tx=/tmp/out.pcap", -EINVAL, "not both" },
	{ "p=pcap", -EINVAL, "needs rx=" },
	{ "p=pcap:tx=/tmp/out.pcap", -EINVAL, "needs rx=" },
	{ "p=pcap:rx=", -EINVAL, "empty" },
};

static void
test_bad_specs(void)
{
	struct port_spec s;
	unsigned int i;

	for (i = 0; i < RTE_DIM(tps_bad_specs); i++) {
		const struct tps_bad *b = &tps_bad_specs[i];
		const char *text = strstr(b->spec, "%s") ? tps_with_file(b->spec) : b->spec;
		int rc = tps_parse(text, &s);
		int ok = rc == b->rc && tps_err[0] != '\0' && !strchr(tps_err, '\n') &&
			 strstr(tps_err, b->says) != NULL;

		CU_ASSERT(ok);
		if (!ok)
			printf("\n  spec '%s': rc %d (want %d), message \"%s\" (want \"%s\")\n",
			       text, rc, b->rc, tps_err, b->says);
	}
}

/* A named port's errors name it, so a command line with several ports is clear. */
static void
test_messages_name_the_port(void)
{
	struct port_spec s;

	CU_ASSERT(tps_parse("uplink=af_xdp", &s) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tps_err, "port 'uplink'"));
	CU_ASSERT(tps_parse("uplink=af_packet:eth0,mac=x", &s) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tps_err, "port 'uplink'"));
	CU_ASSERT(tps_parse("uplink=pcap", &s) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tps_err, "port 'uplink'"));
}

/* Overlong input and a tiny error buffer: refused, truncated, never overrun. */
static void
test_limits(void)
{
	struct port_spec s;
	char tiny[8], *text;
	size_t n = 3 * PATH_MAX;

	text = malloc(n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memcpy(text, "p=pcap:rx=", 10);
	memset(text + 10, 'a', n - 10);
	text[n] = '\0';
	CU_ASSERT_EQUAL(tps_parse(text, &s), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(tps_err, "too long"));
	/* a path longer than PATH_MAX within a spec that fits */
	text[10 + PATH_MAX + 10] = '\0';
	CU_ASSERT_EQUAL(tps_parse(text, &s), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(tps_err, "too long"));
	free(text);
	memset(tiny, 'x', sizeof(tiny));
	CU_ASSERT(port_spec_parse("front=dpdk", &s, tiny, sizeof(tiny)) < 0);
	CU_ASSERT(memchr(tiny, '\0', sizeof(tiny)) != NULL);
}

/* Parsing accepts a missing interface; port_spec_check is where it is refused. */
static void
test_check_is_separate(void)
{
	struct port_spec s;
	int rc;

	CU_ASSERT_EQUAL_FATAL(tps_parse("front=af_packet:sl-nosuch0", &s), 0);
	rc = port_spec_check(&s, tps_err, sizeof(tps_err));
	CU_ASSERT(rc == -ENODEV || (geteuid() != 0 && rc == -EPERM));
	CU_ASSERT_PTR_NOT_NULL(strstr(tps_err, "front"));
	CU_ASSERT_EQUAL_FATAL(tps_parse("front=af_packet:lo", &s), 0);
	if (geteuid() == 0)
		CU_ASSERT_EQUAL(port_spec_check(&s, tps_err, sizeof(tps_err)), 0);
	CU_ASSERT_EQUAL_FATAL(tps_parse("t=null", &s), 0);
	CU_ASSERT_EQUAL(port_spec_check(&s, tps_err, sizeof(tps_err)), 0);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_af_xdp),
	UNIT_TEST(test_af_packet),
	UNIT_TEST(test_pcap),
	UNIT_TEST(test_null_ring_and_names),
	UNIT_TEST(test_kind_names),
	UNIT_TEST(test_bad_specs),
	UNIT_TEST(test_messages_name_the_port),
	UNIT_TEST(test_limits),
	UNIT_TEST(test_check_is_separate),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("port_spec", tests, tps_init, tps_cleanup);
}
