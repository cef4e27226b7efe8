/* tests/test_writer.c: unit tests of the format-1 JSON-lines writer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "formats/jsonl.h"
#include "formats/recording.h"

/* Each test gets a fresh buffer; teardown frees it. */
static int setup(void **state)
{
	struct sbuf *b = calloc(1, sizeof(*b));

	if (!b)
		return -1;
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct sbuf *b = *state;

	sbuf_free(b);
	free(b);
	return 0;
}

/*
 * Checks that b holds exactly one line, that jansson parses it into an
 * object with exactly one key, and returns the line without its '\n'
 * (NUL-terminated in place of the newline). jansson's integers are
 * long long: lines with larger integers (valid JSON) need
 * JSON_DECODE_INT_AS_REAL in flags.
 */
static const char *one_line_flags(struct sbuf *b, size_t flags)
{
	json_error_t jerr;
	json_t *j;

	assert_true(b->len > 0);
	assert_int_equal(b->buf[b->len - 1], '\n');
	assert_null(memchr(b->buf, '\n', b->len - 1));
	j = json_loadb(b->buf, b->len, flags, &jerr);
	if (!j)
		fail_msg("not JSON: %s: %.*s", jerr.text, (int)b->len, b->buf);
	assert_true(json_is_object(j));
	assert_int_equal(json_object_size(j), 1);
	json_decref(j);
	b->buf[b->len - 1] = '\0';
	return b->buf;
}

static const char *one_line(struct sbuf *b)
{
	return one_line_flags(b, 0);
}

static const char *write_event_flags(struct sbuf *b, const struct event *ev, size_t flags)
{
	b->len = 0;
	assert_int_equal(jsonl_write_event(b, ev), 0);
	return one_line_flags(b, flags);
}

static const char *write_event(struct sbuf *b, const struct event *ev)
{
	return write_event_flags(b, ev, 0);
}

/* The decoded value of the string at .Type.key[idx] (idx < 0: not an array). */
static char *decoded(struct sbuf *b, const char *type, const char *key, int idx)
{
	json_t *j = json_loadb(b->buf, strlen(b->buf), 0, NULL);
	json_t *v;
	char *s;

	assert_non_null(j);
	v = json_object_get(json_object_get(j, type), key);
	if (idx >= 0)
		v = json_array_get(v, (size_t)idx);
	assert_true(json_is_string(v));
	s = strdup(json_string_value(v));
	json_decref(j);
	return s;
}

static void test_fork(void **state)
{
	struct event ev = {
		.type = EV_FORK, .flags = EVF_SEQ | EVF_PGID, .seq = 3, .ts = 1200,
		.pid = 10, .pgid = 10, .u.fork.child_pid = 11,
	};

	assert_string_equal(write_event(*state, &ev),
		"{\"Fork\":{\"seq\":3,\"timestamp\":1200,\"parent_pid\":10,\"child_pid\":11,\"parent_pgid\":10}}");
}

static void test_exec(void **state)
{
	const char *argv[] = { "ls", "-l" };
	struct event ev = {
		.type = EV_EXEC, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_FILENAME | EVF_CMDLINE,
		.seq = 4, .ts = 1300, .pid = 11, .ppid = 10, .pgid = 10,
		.u.exec = { .filename = "/bin/ls", .argv = argv, .argc = 2 },
	};

	assert_string_equal(write_event(*state, &ev),
		"{\"Exec\":{\"seq\":4,\"timestamp\":1300,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"filename\":\"/bin/ls\",\"cmdline\":[\"ls\",\"-l\"]}}");
	ev.flags |= EVF_TRUNCATED;
	assert_string_equal(write_event(*state, &ev),
		"{\"Exec\":{\"seq\":4,\"timestamp\":1300,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"filename\":\"/bin/ls\",\"cmdline\":[\"ls\",\"-l\"],\"truncated\":true}}");
	ev.flags = (ev.flags & ~EVF_TRUNCATED) | EVF_CWD;
	ev.u.exec.cwd = "/home/u/\"x\"";
	assert_string_equal(write_event(*state, &ev),
		"{\"Exec\":{\"seq\":4,\"timestamp\":1300,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"filename\":\"/bin/ls\",\"cmdline\":[\"ls\",\"-l\"],\"cwd\":\"/home/u/\\\"x\\\"\"}}");
	ev.flags |= EVF_CWD_TRUNCATED;
	ev.u.exec.cwd = ".../x";
	assert_string_equal(write_event(*state, &ev),
		"{\"Exec\":{\"seq\":4,\"timestamp\":1300,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"filename\":\"/bin/ls\",\"cmdline\":[\"ls\",\"-l\"],\"cwd\":\".../x\",\"cwd_truncated\":true}}");
	ev.flags = (ev.flags & ~(EVF_CWD | EVF_CWD_TRUNCATED)) | EVF_CWD_UNKNOWN;
	assert_string_equal(write_event(*state, &ev),
		"{\"Exec\":{\"seq\":4,\"timestamp\":1300,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"filename\":\"/bin/ls\",\"cmdline\":[\"ls\",\"-l\"],\"cwd_unknown\":true}}");
}

static void test_exec_empty_argv(void **state)
{
	struct event ev = {
		.type = EV_EXEC, .flags = EVF_FILENAME | EVF_CMDLINE, .ts = 5, .pid = 2,
		.u.exec = { .filename = "/bin/true", .argv = NULL, .argc = 0 },
	};

	assert_string_equal(write_event(*state, &ev),
		"{\"Exec\":{\"timestamp\":5,\"pid\":2,\"filename\":\"/bin/true\",\"cmdline\":[]}}");
}

static void test_badexec(void **state)
{
	struct event ev = {
		.type = EV_BADEXEC, .flags = EVF_SEQ | EVF_FILENAME | EVF_ERRNO | EVF_PPID | EVF_PGID,
		.seq = 5, .ts = 1400, .pid = 11, .ppid = 10, .pgid = 10,
		.u.badexec = { .filename = "/nope", .err = 2 },
	};

	/* ppid/pgid are not part of BadExec even when known. */
	assert_string_equal(write_event(*state, &ev),
		"{\"BadExec\":{\"seq\":5,\"timestamp\":1400,\"pid\":11,\"filename\":\"/nope\",\"errno\":2}}");
	/* A filename longer than the recorder keeps: cut, and said so. */
	ev.flags |= EVF_TRUNCATED;
	ev.u.badexec.err = 36;
	assert_string_equal(write_event(*state, &ev),
		"{\"BadExec\":{\"seq\":5,\"timestamp\":1400,\"pid\":11,\"filename\":\"/nope\",\"errno\":36,"
		"\"truncated\":true}}");
}

static void test_exit_code(void **state)
{
	struct event ev = {
		.type = EV_EXIT, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_STATUS | EVF_RUSAGE,
		.seq = 6, .ts = 1500, .pid = 11, .ppid = 10, .pgid = 10,
		.u.exit = { .code = 0, .user_ns = 1, .system_ns = 2, .max_rss_kb = 3 },
	};

	assert_string_equal(write_event(*state, &ev),
		"{\"Exit\":{\"seq\":6,\"timestamp\":1500,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"exit_code\":0,\"user_ns\":1,\"system_ns\":2,\"max_rss_kb\":3}}");
}

static void test_exit_signal(void **state)
{
	struct event ev = {
		.type = EV_EXIT,
		.flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_STATUS | EVF_SIGNALED | EVF_RUSAGE,
		.seq = 6, .ts = 1500, .pid = 11, .ppid = 10, .pgid = 10,
		.u.exit = { .code = 9, .user_ns = 1, .system_ns = 2, .max_rss_kb = 3 },
	};

	assert_string_equal(write_event(*state, &ev),
		"{\"Exit\":{\"seq\":6,\"timestamp\":1500,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"signal\":9,\"user_ns\":1,\"system_ns\":2,\"max_rss_kb\":3}}");
	ev.flags |= EVF_CORE;
	ev.u.exit.code = 11;
	assert_string_equal(write_event(*state, &ev),
		"{\"Exit\":{\"seq\":6,\"timestamp\":1500,\"pid\":11,\"ppid\":10,\"pgid\":10,"
		"\"signal\":11,\"core_dumped\":true,\"user_ns\":1,\"system_ns\":2,\"max_rss_kb\":3}}");
}

static void test_setsid_setpgid(void **state)
{
	struct event sid = {
		.type = EV_SETSID, .flags = EVF_SEQ | EVF_PPID | EVF_PGID, .seq = 7, .ts = 1,
		.pid = 11, .ppid = 10, .pgid = 11, .u.setsid.sid = 11,
	};
	struct event pg = {
		.type = EV_SETPGID, .flags = EVF_SEQ | EVF_PPID | EVF_PGID, .seq = 8, .ts = 1,
		.pid = 11, .ppid = 10, .pgid = 11,
	};

	assert_string_equal(write_event(*state, &sid),
		"{\"SetSID\":{\"seq\":7,\"timestamp\":1,\"pid\":11,\"ppid\":10,\"pgid\":11,\"sid\":11}}");
	assert_string_equal(write_event(*state, &pg),
		"{\"SetPGID\":{\"seq\":8,\"timestamp\":1,\"pid\":11,\"ppid\":10,\"pgid\":11}}");
}

static void test_header(void **state)
{
	struct sbuf *b = *state;
	const char *cmd[] = { "make", "-j2" };
	struct rec_header h = {
		.format = PROCTRACE_FORMAT, .tool = "proctrace " PROCTRACE_VERSION,
		.root_pid = 10, .command = cmd, .command_len = 2,
		.start_time = "2026-11-22T10:00:00.123456789Z", .host = "vm", .kernel = "6.18.44",
	};

	assert_int_equal(jsonl_write_header(b, &h), 0);
	assert_string_equal(one_line(b),
		"{\"Recording\":{\"format\":1,\"tool\":\"proctrace 0.1.0\",\"root_pid\":10,"
		"\"command\":[\"make\",\"-j2\"],\"start_time\":\"2026-11-22T10:00:00.123456789Z\","
		"\"host\":\"vm\",\"kernel\":\"6.18.44\"}}");
	/* record says whether it recorded failed execs (--failed-execs). */
	for (int on = 0; on < 2; on++) {
		b->len = 0;
		h.has_failed_execs = true;
		h.failed_execs = on;
		assert_int_equal(jsonl_write_header(b, &h), 0);
		assert_string_equal(one_line(b), on ?
			"{\"Recording\":{\"format\":1,\"tool\":\"proctrace 0.1.0\",\"root_pid\":10,"
			"\"command\":[\"make\",\"-j2\"],\"start_time\":\"2026-11-22T10:00:00.123456789Z\","
			"\"host\":\"vm\",\"kernel\":\"6.18.44\",\"failed_execs\":true}}" :
			"{\"Recording\":{\"format\":1,\"tool\":\"proctrace 0.1.0\",\"root_pid\":10,"
			"\"command\":[\"make\",\"-j2\"],\"start_time\":\"2026-11-22T10:00:00.123456789Z\","
			"\"host\":\"vm\",\"kernel\":\"6.18.44\",\"failed_execs\":false}}");
	}
}

static void test_end(void **state)
{
	struct sbuf *b = *state;
	struct rec_end e = { .ts = 99, .lost = 0, .exit_code = 0, .has_exit_code = true, .has_lost = true };

	assert_int_equal(jsonl_write_end(b, &e), 0);
	assert_string_equal(one_line(b), "{\"End\":{\"timestamp\":99,\"lost\":0,\"exit_code\":0}}");
	b->len = 0;
	e = (struct rec_end){ .ts = 5, .lost = 17, .exit_code = 137, .has_exit_code = false, .has_lost = true };
	assert_int_equal(jsonl_write_end(b, &e), 0);
	assert_string_equal(one_line(b), "{\"End\":{\"timestamp\":5,\"lost\":17}}");
	/* not known is not 0: left out */
	b->len = 0;
	e = (struct rec_end){ .ts = 5, .exit_code = 2, .has_exit_code = true };
	assert_int_equal(jsonl_write_end(b, &e), 0);
	assert_string_equal(one_line(b), "{\"End\":{\"timestamp\":5,\"exit_code\":2}}");
}

/* Events of old recordings carry few fields: only those are written. */
static void test_optional_fields_omitted(void **state)
{
	const char *argv[] = { "x" };
	struct event fork = { .type = EV_FORK, .ts = 1, .pid = 2, .u.fork.child_pid = 3 };
	struct event exec = {
		.type = EV_EXEC, .ts = 1, .pid = 2,
		.u.exec = { .filename = "/f", .argv = argv, .argc = 1 },
	};
	struct event bad = { .type = EV_BADEXEC, .ts = 1, .pid = 2, .u.badexec.filename = "/f" };
	struct event exit_ = { .type = EV_EXIT, .ts = 1, .pid = 2, .u.exit.code = 9 };

	assert_string_equal(write_event(*state, &fork),
		"{\"Fork\":{\"timestamp\":1,\"parent_pid\":2,\"child_pid\":3}}");
	assert_string_equal(write_event(*state, &exec), "{\"Exec\":{\"timestamp\":1,\"pid\":2}}");
	exec.flags = EVF_CMDLINE;
	assert_string_equal(write_event(*state, &exec),
		"{\"Exec\":{\"timestamp\":1,\"pid\":2,\"cmdline\":[\"x\"]}}");
	exec.flags = EVF_FILENAME;
	assert_string_equal(write_event(*state, &exec),
		"{\"Exec\":{\"timestamp\":1,\"pid\":2,\"filename\":\"/f\"}}");
	assert_string_equal(write_event(*state, &bad), "{\"BadExec\":{\"timestamp\":1,\"pid\":2}}");
	assert_string_equal(write_event(*state, &exit_), "{\"Exit\":{\"timestamp\":1,\"pid\":2}}");
	/* A status without rusage, and rusage without a status. */
	exit_.flags = EVF_STATUS;
	assert_string_equal(write_event(*state, &exit_),
		"{\"Exit\":{\"timestamp\":1,\"pid\":2,\"exit_code\":9}}");
	exit_.flags = EVF_RUSAGE;
	assert_string_equal(write_event(*state, &exit_),
		"{\"Exit\":{\"timestamp\":1,\"pid\":2,\"user_ns\":0,\"system_ns\":0,\"max_rss_kb\":0}}");
}

static void test_large_integers(void **state)
{
	struct sbuf *b = *state;
	json_t *j;
	struct event ev = {
		.type = EV_EXIT, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_STATUS | EVF_RUSAGE,
		.seq = UINT64_MAX, .ts = UINT64_MAX - 1, .pid = INT32_MAX, .ppid = INT32_MIN,
		.pgid = -1,
		.u.exit = { .code = INT32_MIN, .user_ns = 10000000000000000000ull,
			    .system_ns = 99, .max_rss_kb = 100 },
	};

	assert_string_equal(write_event_flags(b, &ev, JSON_DECODE_INT_AS_REAL),
		"{\"Exit\":{\"seq\":18446744073709551615,\"timestamp\":18446744073709551614,"
		"\"pid\":2147483647,\"ppid\":-2147483648,\"pgid\":-1,\"exit_code\":-2147483648,"
		"\"user_ns\":10000000000000000000,\"system_ns\":99,\"max_rss_kb\":100}}");
	/* Up to INT64_MAX an integer reads back exactly with jansson's defaults. */
	ev.seq = INT64_MAX;
	ev.ts = INT64_MAX;
	ev.u.exit.user_ns = INT64_MAX;
	write_event(b, &ev);
	j = json_loads(b->buf, 0, NULL);
	assert_non_null(j);
	assert_true(json_integer_value(json_object_get(json_object_get(j, "Exit"), "seq")) ==
		    INT64_MAX);
	assert_true(json_integer_value(json_object_get(json_object_get(j, "Exit"), "ppid")) ==
		    INT32_MIN);
	json_decref(j);
}

/* Every power of ten and its neighbours, against snprintf. */
static void test_integer_digits(void **state)
{
	struct event ev = { .type = EV_FORK, .flags = EVF_SEQ };
	char want[128];

	for (uint64_t p = 1;; p *= 10) {
		for (int d = -1; d <= 1; d++) {
			uint64_t v = p + (uint64_t)d;

			ev.seq = v;
			ev.ts = v / 3;
			ev.pid = (int32_t)(v % 2000000000) * (d ? -1 : 1);
			ev.u.fork.child_pid = (int32_t)(v % 1000003);
			snprintf(want, sizeof(want),
				 "{\"Fork\":{\"seq\":%llu,\"timestamp\":%llu,\"parent_pid\":%d,\"child_pid\":%d}}",
				 (unsigned long long)ev.seq, (unsigned long long)ev.ts, ev.pid,
				 ev.u.fork.child_pid);
			assert_string_equal(write_event_flags(*state, &ev,
							      v > INT64_MAX ? JSON_DECODE_INT_AS_REAL : 0),
					    want);
		}
		if (p > UINT64_MAX / 10)
			break;
	}
}

static void test_escapes(void **state)
{
	struct sbuf *b = *state;
	const char *argv[] = { "q\"b\\s/", "\n\t\r\b\f", "\x01\x1f\x7f", "" };
	struct event ev = {
		.type = EV_EXEC, .flags = EVF_CMDLINE | EVF_FILENAME, .pid = 1,
		.u.exec = { .filename = "a\"b", .argv = argv, .argc = 4 },
	};
	char *s;

	assert_string_equal(write_event(b, &ev),
		"{\"Exec\":{\"timestamp\":0,\"pid\":1,\"filename\":\"a\\\"b\",\"cmdline\":"
		"[\"q\\\"b\\\\s/\",\"\\n\\t\\r\\b\\f\",\"\\u0001\\u001f\\u007f\",\"\"]}}");
	for (int i = 0; i < 4; i++) {
		s = decoded(b, "Exec", "cmdline", i);
		assert_string_equal(s, argv[i]);
		free(s);
	}
}

/* Every control byte round-trips through jansson. */
static void test_all_control_bytes(void **state)
{
	struct sbuf *b = *state;
	char str[0x21];
	const char *argv[] = { str };
	struct event ev = {
		.type = EV_EXEC, .flags = EVF_CMDLINE, .pid = 1,
		.u.exec = { .argv = argv, .argc = 1 },
	};
	char *s;

	for (int i = 1; i < 0x20; i++)
		str[i - 1] = (char)i;
	str[0x1f] = 0x7f;
	str[0x20] = '\0';
	write_event(b, &ev);
	s = decoded(b, "Exec", "cmdline", 0);
	assert_string_equal(s, str);
	free(s);
}

static void test_argv_spaces_and_empty(void **state)
{
	struct sbuf *b = *state;
	const char *argv[] = { "", "a b", " ", "", "  two  spaces  ", "" };
	struct event ev = {
		.type = EV_EXEC, .flags = EVF_CMDLINE, .pid = 1,
		.u.exec = { .argv = argv, .argc = 6 },
	};

	assert_string_equal(write_event(b, &ev),
		"{\"Exec\":{\"timestamp\":0,\"pid\":1,\"cmdline\":"
		"[\"\",\"a b\",\" \",\"\",\"  two  spaces  \",\"\"]}}");
}

static void test_valid_utf8_passes(void **state)
{
	struct sbuf *b = *state;
	/* 2-, 3- and 4-byte forms, and the edges of each valid range. */
	const char *argv[] = {
		"caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc2\x80\xdf\xbf",
		"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
	};
	struct event ev = {
		.type = EV_EXEC, .flags = EVF_CMDLINE, .pid = 1,
		.u.exec = { .argv = argv, .argc = 6 },
	};
	char *s;

	write_event(b, &ev);
	/* Passed through byte for byte: no \u escapes. */
	assert_null(strstr(b->buf, "\\u"));
	for (int i = 0; i < 6; i++) {
		assert_non_null(strstr(b->buf, argv[i]));
		s = decoded(b, "Exec", "cmdline", i);
		assert_string_equal(s, argv[i]);
		free(s);
	}
}

static void test_invalid_utf8_replaced(void **state)
{
	struct sbuf *b = *state;
#define FFFD "\xef\xbf\xbd"
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a\xff" "b", "a" FFFD "b" },                    /* never valid */
		{ "\x80", FFFD },                                 /* lone continuation */
		{ "\xc3", FFFD },                                 /* cut at the end */
		{ "\xc3" "a", FFFD "a" },                         /* cut mid-string */
		{ "\xc0\xaf", FFFD FFFD },                        /* overlong '/' */
		{ "\xc1\xbf", FFFD FFFD },                        /* overlong */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },               /* overlong 3-byte */
		{ "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD },      /* overlong 4-byte */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },               /* surrogate U+D800 */
		{ "\xed\xbf\xbf", FFFD FFFD FFFD },               /* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },      /* U+110000 */
		{ "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD },      /* beyond */
		{ "\xe2\x82", FFFD FFFD },                        /* 3-byte cut */
		{ "\xf0\x9f\x98", FFFD FFFD FFFD },               /* 4-byte cut */
		{ "\xe2\x82\xac\xe2", "\xe2\x82\xac" FFFD },      /* valid then cut */
	};
	struct event ev = {
		.type = EV_BADEXEC, .flags = EVF_FILENAME, .pid = 1,
	};
	char *s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev.u.badexec.filename = cases[i].in;
		write_event(b, &ev);
		s = decoded(b, "BadExec", "filename", -1);
		if (strcmp(s, cases[i].out))
			fail_msg("case %zu: got \"%s\"", i, s);
		free(s);
	}
#undef FFFD
}

/* A 128 KiB argument of mixed content survives exactly. */
static void test_huge_argument(void **state)
{
	struct sbuf *b = *state;
	size_t n = 128 * 1024;
	char *big = malloc(n + 1);
	const char *argv[] = { "echo", big, "tail" };
	struct event ev = {
		.type = EV_EXEC, .flags = EVF_CMDLINE | EVF_FILENAME, .pid = 1,
		.u.exec = { .filename = "/bin/echo", .argv = argv, .argc = 3 },
	};
	char *s;

	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = "ab \"\\\n\x01z"[i % 8];
	big[n] = '\0';
	write_event(b, &ev);
	s = decoded(b, "Exec", "cmdline", 1);
	assert_int_equal(strlen(s), n);
	assert_memory_equal(s, big, n);
	free(s);
	s = decoded(b, "Exec", "cmdline", 2);
	assert_string_equal(s, "tail");
	free(s);
	free(big);
}

/* Lines append: a buffer of several events is a valid JSON-lines stream. */
static void test_lines_append(void **state)
{
	struct sbuf *b = *state;
	struct event ev = { .type = EV_SETPGID, .flags = EVF_SEQ };
	json_error_t jerr;
	size_t off = 0, lines = 0;

	for (uint64_t i = 0; i < 1000; i++) {
		ev.seq = i;
		ev.pid = (int32_t)i;
		assert_int_equal(jsonl_write_event(b, &ev), 0);
	}
	while (off < b->len) {
		char *nl = memchr(b->buf + off, '\n', b->len - off);
		json_t *j;

		assert_non_null(nl);
		j = json_loadb(b->buf + off, (size_t)(nl - (b->buf + off)), 0, &jerr);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "SetPGID"),
								    "seq")), lines);
		json_decref(j);
		off = (size_t)(nl - b->buf) + 1;
		lines++;
	}
	assert_int_equal(lines, 1000);
}

/*
 * An independent model of the sanitising: decode code points one by one
 * with the Unicode ranges spelt out, and emit U+FFFD for a lead byte that
 * does not start a valid sequence (then resume at the next byte).
 */
static size_t reference_sanitize(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		unsigned c = s[i], need, cp;
		bool ok;

		if (c < 0x80) {
			out[o++] = (char)c;
			i++;
			continue;
		}
		/* Continuation bytes (0x80-0xbf) and 0xf8-0xff start nothing. */
		need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		cp = c & (0x3f >> need);
		ok = need && c < 0xf8;
		for (unsigned k = 1; ok && k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				ok = false;
			else
				cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (ok) {
			static const unsigned min[4] = { 0, 0x80, 0x800, 0x10000 };

			ok = cp >= min[need] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
		}
		if (ok) {
			memcpy(out + o, s + i, need + 1);
			o += need + 1;
			i += need + 1;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return o;
}

/* Random strings biased to bytes that matter: the writer agrees with the model. */
static void test_random_strings_match_reference(void **state)
{
	struct sbuf *b = *state;
	static const unsigned char pool[] = {
		'a', ' ', '"', '\\', '\n', 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
		0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf3, 0xf4,
		0xf5, 0xff,
	};
	unsigned char in[33];
	char want[33 * 3 + 1];
	struct event ev = { .type = EV_BADEXEC, .flags = EVF_FILENAME, .pid = 1 };
	unsigned seed = 12345;
	char *got;

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 1 + (seed = seed * 1103515245 + 12345) % 32;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = pool[(seed >> 16) % sizeof(pool)];
		}
		in[n] = '\0';
		reference_sanitize(in, n, want);
		ev.u.badexec.filename = (const char *)in;
		write_event(b, &ev);
		got = decoded(b, "BadExec", "filename", -1);
		if (strcmp(got, want))
			fail_msg("iteration %d: writer and model disagree", iter);
		free(got);
	}
}

/* What the writer writes, the reader reads back to the same events. */
static void test_round_trip_through_reader(void **state)
{
	struct sbuf *b = *state, again = { 0 };
	const char *argv[] = { "sh", "-c", "echo \"hi\"\tthere", "", "\xf0\x9f\x98\x80" };
	const char *cmd[] = { "sh", "-c", "x" };
	struct rec_header h = {
		.format = 1, .tool = "proctrace 0.1.0", .root_pid = 10, .command = cmd,
		.command_len = 3, .start_time = "2026-11-22T10:00:00.000000001Z", .host = "h",
		.kernel = "k",
	};
	struct rec_end e = { .ts = 900, .lost = 0, .exit_code = 137, .has_exit_code = true, .has_lost = true };
	const uint16_t base = EVF_SEQ | EVF_PPID | EVF_PGID;
	struct event evs[] = {
		{ .type = EV_FORK, .flags = EVF_SEQ | EVF_PGID, .seq = 1, .ts = 100, .pid = 10,
		  .pgid = 10, .u.fork.child_pid = 11 },
		{ .type = EV_SETPGID, .flags = base, .seq = 2, .ts = 150, .pid = 11, .ppid = 10,
		  .pgid = 11 },
		{ .type = EV_SETSID, .flags = base, .seq = 3, .ts = 160, .pid = 11, .ppid = 10,
		  .pgid = 11, .u.setsid.sid = 11 },
		{ .type = EV_BADEXEC, .flags = EVF_SEQ | EVF_FILENAME | EVF_ERRNO, .seq = 4,
		  .ts = 190, .pid = 11, .u.badexec = { .filename = "/x/sh", .err = 2 } },
		{ .type = EV_EXEC, .flags = base | EVF_FILENAME | EVF_CMDLINE | EVF_TRUNCATED,
		  .seq = 5, .ts = 200, .pid = 11, .ppid = 10, .pgid = 11,
		  .u.exec = { .filename = "/bin/sh", .argv = argv, .argc = 5 } },
		{ .type = EV_EXIT, .flags = base | EVF_STATUS | EVF_SIGNALED | EVF_CORE | EVF_RUSAGE,
		  .seq = 6, .ts = 300, .pid = 11, .ppid = 10, .pgid = 11,
		  .u.exit = { .code = 11, .user_ns = 5, .system_ns = 6, .max_rss_kb = 7 } },
		{ .type = EV_EXIT, .flags = base | EVF_STATUS | EVF_RUSAGE, .seq = 7, .ts = 400,
		  .pid = 10, .ppid = 1, .pgid = 10,
		  .u.exit = { .code = 137, .user_ns = 1, .system_ns = 2, .max_rss_kb = 3 } },
	};
	const size_t n = sizeof(evs) / sizeof(evs[0]);
	char path[] = "/tmp/proctrace-test-writer.XXXXXX";
	struct recording *r = NULL;
	FILE *f;
	int fd;

	assert_int_equal(jsonl_write_header(b, &h), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jsonl_write_event(b, &evs[i]), 0);
	assert_int_equal(jsonl_write_end(b, &e), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b->buf, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(recording_load(&r, path), 0);
	unlink(path);
	assert_true(r->has_header);
	assert_true(r->has_end);
	assert_true(r->end.has_lost);
	assert_int_equal(r->n, n);
	assert_int_equal(jsonl_write_header(&again, &r->hdr), 0);
	for (size_t i = 0; i < r->n; i++)
		assert_int_equal(jsonl_write_event(&again, &r->ev[i]), 0);
	assert_int_equal(jsonl_write_end(&again, &r->end), 0);
	assert_int_equal(again.len, b->len);
	assert_memory_equal(again.buf, b->buf, b->len);
	recording_free(r);
	sbuf_free(&again);
}

/* A Running: negative start, the comm in argv[argc], and the round trip through the reader. */
static void test_running_round_trip(void **state)
{
	struct sbuf *b = *state, again = { 0 };
	const char *argv[] = { "bash", "-c", "sleep 1", "bash" }; /* argv[3]: the comm */
	const char *kthread[] = { "kworker/0:1" };
	const char *names[] = { "make", "cc" };
	const uint32_t uids[] = { 0, 1000 };
	struct rec_header h = {
		.format = 1, .tool = "proctrace 0.1.0", .start_time = "2026-11-22T10:00:00.000000001Z",
		.host = "h", .kernel = "k", .has_failed_execs = true, .system_wide = true,
		.comm = names, .ncomm = 2, .uid = uids, .nuid = 2,
	};
	struct rec_end e = { .ts = 900, .has_lost = true, .stopped = "max-size" };
	const uint16_t base = EVF_SEQ | EVF_PPID | EVF_PGID;
	struct event evs[] = {
		{ .type = EV_RUNNING, .flags = base | EVF_CMDLINE | EVF_COMM | EVF_TRUNCATED,
		  .seq = 1, .ts = 10, .pid = 40, .ppid = 1, .pgid = 40,
		  .u.running = { .argv = argv, .argc = 3, .start = -1234567890123 } },
		{ .type = EV_RUNNING, .flags = base | EVF_CMDLINE | EVF_COMM, .seq = 2, .ts = 11,
		  .pid = 41, .ppid = 2, .pgid = 0, .u.running = { .argv = kthread, .argc = 0, .start = -5 } },
		{ .type = EV_RUNNING, .flags = base | EVF_FILENAME | EVF_CMDLINE, .seq = 3, .ts = 12,
		  .pid = 42, .ppid = 1, .pgid = 42,
		  .u.running = { .filename = "/bin/bash", .argv = argv, .argc = 1, .start = 7 } },
	};
	const size_t n = sizeof(evs) / sizeof(evs[0]);
	char path[] = "/tmp/proctrace-test-writer.XXXXXX";
	struct recording *r = NULL;
	FILE *f;
	int fd;

	assert_string_equal(write_event(b, &evs[0]),
		"{\"Running\":{\"seq\":1,\"timestamp\":10,\"pid\":40,\"ppid\":1,\"pgid\":40,"
		"\"start\":-1234567890123,\"comm\":\"bash\",\"cmdline\":[\"bash\",\"-c\",\"sleep 1\"],"
		"\"truncated\":true}}");
	assert_string_equal(write_event(b, &evs[1]),
		"{\"Running\":{\"seq\":2,\"timestamp\":11,\"pid\":41,\"ppid\":2,\"pgid\":0,"
		"\"start\":-5,\"comm\":\"kworker/0:1\",\"cmdline\":[]}}");
	b->len = 0;
	assert_int_equal(jsonl_write_header(b, &h), 0);
	assert_string_equal(one_line(b),
		"{\"Recording\":{\"format\":1,\"tool\":\"proctrace 0.1.0\","
		"\"start_time\":\"2026-11-22T10:00:00.000000001Z\",\"host\":\"h\",\"kernel\":\"k\","
		"\"failed_execs\":false,\"system_wide\":true,\"comm\":[\"make\",\"cc\"],\"uid\":[0,1000]}}");
	b->len = 0;
	assert_int_equal(jsonl_write_end(b, &e), 0);
	assert_string_equal(one_line(b), "{\"End\":{\"timestamp\":900,\"lost\":0,\"stopped\":\"max-size\"}}");

	b->len = 0;
	h.system_wide = false;
	h.attached_pid = 40;
	h.root_pid = 40;
	assert_int_equal(jsonl_write_header(b, &h), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jsonl_write_event(b, &evs[i]), 0);
	assert_int_equal(jsonl_write_end(b, &e), 0);
	assert_non_null(strstr(b->buf, "\"root_pid\":40,\"start_time\""));
	assert_non_null(strstr(b->buf, "\"attached_pid\":40,"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b->buf, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(recording_load(&r, path), 0);
	unlink(path);
	assert_int_equal(r->n, n);
	assert_int_equal(r->hdr.attached_pid, 40);
	assert_int_equal(r->hdr.nuid, 2);
	assert_int_equal(r->hdr.uid[1], 1000);
	assert_string_equal(r->end.stopped, "max-size");
	assert_int_equal(r->ev[0].u.running.start, -1234567890123);
	assert_string_equal(r->ev[0].u.running.argv[3], "bash");
	assert_int_equal(jsonl_write_header(&again, &r->hdr), 0);
	for (size_t i = 0; i < r->n; i++)
		assert_int_equal(jsonl_write_event(&again, &r->ev[i]), 0);
	assert_int_equal(jsonl_write_end(&again, &r->end), 0);
	assert_int_equal(again.len, b->len);
	assert_memory_equal(again.buf, b->buf, b->len);
	recording_free(r);
	sbuf_free(&again);
}

static void test_unknown_type_rejected(void **state)
{
	struct sbuf *b = *state;
	struct event ev = { .type = EV__COUNT };

	assert_int_equal(jsonl_write_event(b, &ev), -EINVAL);
	assert_int_equal(b->len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_empty_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_badexec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setsid_setpgid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optional_fields_omitted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_integers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integer_digits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_control_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_spaces_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_utf8_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_argument, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_strings_match_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_through_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_type_rejected, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
