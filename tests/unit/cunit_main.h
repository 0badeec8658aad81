/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cunit_main: the one main() every CUnit suite shares. A suite defines its test table
 * and name, optional init/cleanup, and includes this file last. Exit status is non-zero
 * when a test failed or the registry could not be built, so a crash or a failure never
 * reads as a pass.
 */
#ifndef SL_TEST_CUNIT_MAIN_H
#define SL_TEST_CUNIT_MAIN_H

#include <CUnit/Basic.h>
#include <stdlib.h>

struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

#define UNIT_TEST(fn) { #fn, fn }

static int
unit_run(const char *suite_name, const struct unit_test *tests, CU_InitializeFunc init,
	 CU_CleanupFunc cleanup)
{
	CU_pSuite s;
	unsigned int failed;
	int i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return EXIT_FAILURE;
	s = CU_add_suite(suite_name, init, cleanup);
	if (!s)
		goto fail;
	for (i = 0; tests[i].name; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
fail:
	CU_cleanup_registry();
	return EXIT_FAILURE;
}

#endif /* SL_TEST_CUNIT_MAIN_H */
