/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_port: port spec parsing (drivers/port.c). Good specs fill the spec; bad ones are
 * refused with a one-line reason that names the port and what is wrong.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "port.h"
#include "cunit_main.h"

static char err[512];

static int
parse(const char *text, struct port_spec *s)
{
	err[0] = '\0';
	return port_spec_parse(text, s, err, sizeof(err));
}

static void
test_good_specs(void)
{
	struct port_spec s;
	char path[] = "/tmp/sl-test-port-XXXXXX", spec[128];
	int fd;

	CU_ASSERT_EQUAL(parse("front=af_xdp:eth1", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.name, "front");
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_AF_XDP);
	CU_ASSERT_STRING_EQUAL(s.ifname, "eth1");
	CU_ASSERT_EQUAL(s.xdp_prog[0], '\0');
	CU_ASSERT_EQUAL(parse("back=af_packet:veth-b,mac=02:00:00:00:00:07", &s), 0);
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_AF_PACKET);
	CU_ASSERT(s.has_mac);
	CU_ASSERT_EQUAL(s.mac.addr_bytes[5], 7);
	CU_ASSERT_EQUAL(parse("t=null", &s), 0);
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_NULL);
	CU_ASSERT_EQUAL(parse("r_1=ring", &s), 0);
	CU_ASSERT_EQUAL(s.kind, PORT_KIND_RING);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	snprintf(spec, sizeof(spec), "p=pcap:rx=%s,tx=/tmp/out.pcap", path);
	CU_ASSERT_EQUAL(parse(spec, &s), 0);
	CU_ASSERT_STRING_EQUAL(s.rx_pcap, path);
	CU_ASSERT_STRING_EQUAL(s.tx_pcap, "/tmp/out.pcap");
	CU_ASSERT_EQUAL(parse("p=pcap:iface=eth0", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.ifname, "eth0");
	CU_ASSERT_EQUAL(parse("x=af_xdp:eth1,prog=/etc/hostname", &s), 0);
	close(fd);
	unlink(path);
}

struct bad {
	const char *spec;
	const char *says;       /* a fragment the message must contain */
};

static void
test_bad_specs(void)
{
	static const struct bad bad[] = {
		{ "front", "NAME=KIND" },
		{ "=af_xdp:eth1", "port name" },
		{ "a/b=null", "port name" },
		{ "averyveryverylongname=null", "port name" },
		{ "front=dpdk:eth1", "unknown kind" },
		{ "front=af_xdp", "needs an interface" },
		{ "front=af_xdp:eth1,color=red", "no argument 'color'" },
		{ "front=af_xdp:eth1,nokey", "not key=value" },
		{ "front=af_xdp:eth1,mac=zz", "not a MAC" },
		{ "front=af_xdp:eth1,prog=/nonexistent/x.o", "/nonexistent/x.o" },
		{ "front=af_packet", "needs an interface" },
		{ "p=pcap", "needs rx=" },
		{ "p=pcap:rx=/nonexistent.pcap", "cannot read" },
		{ "p=pcap:iface=eth0,rx=/etc/hostname", "not both" },
		{ "t=null:x=1", "no argument 'x'" },
		{ "front=af_xdp:abcdefghijklmnopq", "invalid" },
	};
	struct port_spec s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].spec, &s);

		CU_ASSERT(rc < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
		CU_ASSERT_PTR_NULL(strchr(err, '\n'));
		if (rc >= 0 || !strstr(err, bad[i].says))
			printf("\n  spec '%s': rc %d, message '%s'\n", bad[i].spec, rc, err);
	}
}

static void
test_check_missing_interface(void)
{
	struct port_spec s;

	CU_ASSERT_EQUAL(parse("front=af_packet:sl-no-such-if", &s), 0);
	CU_ASSERT(port_spec_check(&s, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not exist"));
	CU_ASSERT_EQUAL(parse("t=null", &s), 0);
	CU_ASSERT_EQUAL(port_spec_check(&s, err, sizeof(err)), 0);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_good_specs),
	UNIT_TEST(test_bad_specs),
	UNIT_TEST(test_check_missing_interface),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("port", tests, NULL, NULL);
}
