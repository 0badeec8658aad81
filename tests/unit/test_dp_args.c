/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dp_args: the dataplane's own options (dataplane/dp_args.c): values land where they
 * should, and every bad option is refused with one line before EAL would start.
 */
#include <CUnit/Basic.h>
#include <errno.h>

#include "dp_args.h"
#include "worker.h"
#include "cunit_main.h"

static struct dp_args a;
static char err[512];

#define ARGS(...) ((char *[]){ "--", __VA_ARGS__, NULL })
#define NARGS(...) ((int)(sizeof((char *[]){ "--", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(...) dp_args_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), &a, err, sizeof(err))

static void
test_good(void)
{
	uint32_t v4;

	CU_ASSERT_EQUAL_FATAL(PARSE("--port", "front=af_xdp:eth1", "--port", "back=null",
				    "--addr", "front=198.18.0.1", "--addr", "front=2001:db8::1",
				    "--addr", "back=198.18.1.1", "--workers", "2",
				    "--idle-sleep-us", "50", "--ctl", "/tmp/x.sock"), 0);
	CU_ASSERT_EQUAL(a.nb_ports, 2);
	CU_ASSERT_EQUAL(a.nb_workers, 2);
	CU_ASSERT_EQUAL(a.idle_sleep_us, 50);
	CU_ASSERT_STRING_EQUAL(a.ctl_path, "/tmp/x.sock");
	CU_ASSERT_EQUAL(a.locals[0].nb_v4, 1);
	CU_ASSERT_EQUAL(a.locals[0].nb_v6, 1);
	CU_ASSERT_EQUAL(a.locals[1].nb_v4, 1);
	inet_pton(AF_INET, "198.18.1.1", &v4);
	CU_ASSERT(local_v4_owned(&a.locals[1], v4));
	/* Addresses may precede their port; --ctl none disables the socket. */
	CU_ASSERT_EQUAL(PARSE("--addr", "t=198.18.0.1", "--port", "t=null", "--ctl", "none"), 0);
	CU_ASSERT_EQUAL(a.ctl_path[0], '\0');
	CU_ASSERT_EQUAL(PARSE("--port", "t=null"), 0);
	CU_ASSERT_STRING_EQUAL(a.ctl_path, DP_CTL_DEFAULT);
}

struct bad {
	int argc;
	char **argv;
	const char *says;
};

#define BAD(says, ...) { NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), says }

static void
test_bad(void)
{
	/* Automatic, not static: the argv compound literals are not constants. */
	const struct bad bad[] = {
		BAD("no --port", "--workers", "1"),
		BAD("unknown option", "--port", "t=null", "--frobnicate"),
		BAD("needs a value", "--port"),
		BAD("unexpected argument", "--port", "t=null", "stray"),
		BAD("unknown kind", "--port", "t=nic"),
		BAD("used twice", "--port", "t=null", "--port", "t=ring"),
		BAD("used by two ports", "--port", "a=af_packet:eth9", "--port", "b=af_xdp:eth9"),
		BAD("no port named 'x'", "--port", "t=null", "--addr", "x=198.18.0.1"),
		BAD("not PORT=IP", "--port", "t=null", "--addr", "198.18.0.1"),
		BAD("not an IPv4 or IPv6", "--port", "t=null", "--addr", "t=198.18.0.0/24"),
		BAD("not a unicast", "--port", "t=null", "--addr", "t=224.0.0.1"),
		BAD("not a unicast", "--port", "t=null", "--addr", "t=ff02::1"),
		BAD("given twice", "--port", "t=null", "--addr", "t=198.18.0.1", "--addr", "t=198.18.0.1"),
		BAD("on ports 'a' and 'b'", "--port", "a=null", "--port", "b=ring", "--addr",
		    "a=198.18.0.1", "--addr", "b=198.18.0.1"),
		BAD("want a number", "--port", "t=null", "--workers", "0"),
		BAD("want a number", "--port", "t=null", "--workers", "99"),
		BAD("want a number", "--port", "t=null", "--workers", "two"),
		BAD("want 0 to", "--port", "t=null", "--idle-sleep-us", "-1"),
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		err[0] = '\0';
		rc = dp_args_parse(bad[i].argc, bad[i].argv, &a, err, sizeof(err));
		CU_ASSERT(rc < 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
		if (rc >= 0 || !strstr(err, bad[i].says))
			printf("\n  case %zu: rc %d, message '%s'\n", i, rc, err);
	}
}

static void
test_address_limit(void)
{
	char *argv[4 + 2 * (LOCAL_ADDR_MAX + 1) + 1];
	char addrs[LOCAL_ADDR_MAX + 1][32];
	int argc = 0, i;

	argv[argc++] = "--";
	argv[argc++] = "--port";
	argv[argc++] = "t=null";
	for (i = 0; i <= LOCAL_ADDR_MAX; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "t=198.18.0.%d", i + 1);
		argv[argc++] = "--addr";
		argv[argc++] = addrs[i];
	}
	argv[argc] = NULL;
	CU_ASSERT(dp_args_parse(argc, argv, &a, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most"));
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_good),
	UNIT_TEST(test_bad),
	UNIT_TEST(test_address_limit),
	{ NULL, NULL },
};

int
main(void)
{
	return unit_run("dp_args", tests, NULL, NULL);
}
