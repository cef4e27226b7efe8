/* tests/test_diff.c: how diff normalises command lines (render/diff.c), rule by rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/diff.h"

#define NORM(want, arg)                                                                   \
	do {                                                                              \
		struct sbuf b_ = { 0 };                                                   \
		assert_int_equal(diff_normalise_arg(&b_, arg), 0);                        \
		assert_int_equal(sbuf_reserve(&b_, 1), 0);                                \
		b_.buf[b_.len] = 0;                                                       \
		assert_string_equal(b_.len ? b_.buf : "", want);                          \
		sbuf_free(&b_);                                                           \
	} while (0)

static void temporary_names(void **state)
{
	(void)state;
	NORM("/tmp/*.s", "/tmp/ccAbc123.s");            /* gcc */
	NORM("/tmp/*.s", "/tmp/ccabcdef.s");            /* gcc, all lower case */
	NORM("/tmp/tmp.*", "/tmp/tmp.k3JdE9xQ2a");      /* mktemp */
	NORM("tmp.*/out", "tmp.abcdef/out");            /* mktemp -d in the current directory */
	NORM("/var/tmp/*/x.c", "/var/tmp/Build9xyz/x.c");
	NORM("-o/tmp/*.o", "-o/tmp/ccQ1w2E3.o");
	/* only directly inside a directory named tmp, and only random-looking words */
	NORM("/tmp/build/main.c", "/tmp/build/main.c");
	NORM("/tmp/project/src9abc/x.c", "/tmp/project/src9abc/x.c");
	NORM("/home/u/ccAbc123.s", "/home/u/ccAbc123.s");
	NORM("/mytmp/Abc123x", "/mytmp/Abc123x");
}

static void numbers_and_hashes(void **state)
{
	(void)state;
	NORM("kill -<n>", "kill -12345");
	NORM("/proc/<n>/status", "/proc/12345/status");
	NORM("--since=<n>", "--since=1733390000");
	NORM("<n>.123", "1733390000.123");
	NORM("-j8", "-j8");
	NORM("-O2", "-O2");
	NORM("100", "100");                   /* fewer than 4 digits */
	NORM("alloc_1234.c", "alloc_1234.c"); /* part of a word */
	NORM("x86_64-linux-gnu", "x86_64-linux-gnu");
	NORM("<hex>", "3f2a9c1e");
	NORM("<hex>", "9C04D1A2EE");
	NORM("--ref=<hex>", "--ref=0123abcdef0123abcdef0123abcdef0123abcd");
	NORM("<hex>", "3f2a9c1");   /* 7 hex digits */
	NORM("deadbee", "deadbee");          /* no digit: a word */
	NORM("abc123", "abc123");            /* 6: too short */
	NORM("sha256sum", "sha256sum");
	NORM("python3.11", "python3.11");
}

static void other_bytes_are_kept(void **state)
{
	(void)state;
	NORM("", "");
	NORM("a b", "a b");
	NORM("caf\xc3\xa9", "caf\xc3\xa9");
	NORM("a?b", "a\nb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(temporary_names),
		cmocka_unit_test(numbers_and_hashes),
		cmocka_unit_test(other_bytes_are_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
