/* tests/test_recording.c: the recording reader: round trips, old shapes, bad input, sorting. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/recording.h"

/* Each test gets a fresh input file and a place to catch stderr. */
struct fx {
	char path[64];
	char errpath[64];
	char *err; /* what the last load printed on stderr */
	struct recording *r;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int fd;

	strcpy(f->path, "/tmp/test_recording.XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	strcpy(f->errpath, "/tmp/test_recording.err.XXXXXX");
	fd = mkstemp(f->errpath);
	if (fd < 0)
		return -1;
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	recording_free(f->r);
	unlink(f->path);
	unlink(f->errpath);
	free(f->err);
	free(f);
	return 0;
}

static void put(struct fx *f, const char *data, size_t len)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Load path with stderr caught into f->err. */
static int load_path(struct fx *f, const char *path)
{
	int saved, fd, ret;
	FILE *fp;
	long n;

	recording_free(f->r);
	f->r = NULL;
	free(f->err);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(f->errpath, O_WRONLY | O_TRUNC);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	ret = recording_load(&f->r, path);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	fp = fopen(f->errpath, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	f->err = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(f->err, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return ret;
}

static int load(struct fx *f, const char *text)
{
	put(f, text, strlen(text));
	return load_path(f, f->path);
}

/* The text after the file name in "proctrace: error: FILE:..." */
static void assert_err(struct fx *f, const char *kind, const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "proctrace: %s: %s%s", kind, f->path, rest);
	if (!strstr(f->err, want))
		fail_msg("stderr is '%s', expected it to contain '%s'", f->err, want);
}

/* ---------------------------------------------------------------- round trip */

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	static const char *const cmd[] = { "make", "-j2", "a b" };
	static const char *const argv[] = { "cc", "-c", "x.c", "", "ünï \"q\" \\ \n\t" };
	struct rec_header h = {
		.format = 1, .tool = "proctrace 0.1.0", .root_pid = 42, .command = cmd,
		.command_len = 3, .start_time = "2026-11-22T03:54:02.123456789Z",
		.host = "box", .kernel = "6.18.0", .has_failed_execs = true, .failed_execs = true,
	};
	struct rec_end end = { .ts = 999, .lost = 7, .exit_code = 3, .has_exit_code = true, .has_lost = true };
	struct event ev[] = {
		{ .ts = 1, .seq = 1, .type = EV_FORK, .flags = EVF_SEQ | EVF_PGID, .pid = 41, .pgid = 40,
		  .u.fork.child_pid = 42 },
		{ .ts = 2, .seq = 2, .type = EV_EXEC, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_FILENAME | EVF_CMDLINE | EVF_TRUNCATED | EVF_CWD,
		  .pid = 42, .ppid = 41, .pgid = 42, .u.exec = { "/usr/bin/cc", argv, 5, "/home/u/a \"b\"" } },
		{ .ts = 3, .seq = 3, .type = EV_EXEC, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_FILENAME | EVF_CMDLINE | EVF_CWD_UNKNOWN,
		  .pid = 42, .ppid = 41, .pgid = 42, .u.exec = { "/bin/true", argv, 0, NULL } },
		{ .ts = 3, .seq = 10, .type = EV_EXEC, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_FILENAME | EVF_CMDLINE | EVF_CWD | EVF_CWD_TRUNCATED,
		  .pid = 42, .ppid = 41, .pgid = 42, .u.exec = { "/bin/true", argv, 0, ".../deep/er" } },
		{ .ts = 4, .seq = 4, .type = EV_BADEXEC, .flags = EVF_SEQ | EVF_FILENAME | EVF_ERRNO | EVF_TRUNCATED,
		  .pid = 42, .u.badexec = { "/nope", ENAMETOOLONG } },
		{ .ts = 5, .seq = 5, .type = EV_SETSID, .flags = EVF_SEQ | EVF_PPID | EVF_PGID, .pid = 42, .ppid = 41,
		  .pgid = 42, .u.setsid.sid = 42 },
		{ .ts = 6, .seq = 6, .type = EV_SETPGID, .flags = EVF_SEQ | EVF_PPID | EVF_PGID, .pid = 43, .ppid = 42,
		  .pgid = 43 },
		{ .ts = 7, .seq = 7, .type = EV_EXIT, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_STATUS | EVF_RUSAGE,
		  .pid = 43, .ppid = 42, .pgid = 43, .u.exit = { 3, 1000, 2000, 3000 } },
		{ .ts = 8, .seq = 8, .type = EV_EXIT, .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_STATUS | EVF_SIGNALED | EVF_CORE | EVF_RUSAGE,
		  .pid = 42, .ppid = 41, .pgid = 42, .u.exit = { 11, 1, 2, 3 } },
		{ .ts = UINT64_C(9223372036854775807), .seq = 9, .type = EV_EXIT,
		  .flags = EVF_SEQ | EVF_PPID | EVF_PGID | EVF_STATUS | EVF_RUSAGE,
		  .pid = 2147483647, .ppid = 0, .pgid = 0, .u.exit = { 0, 0, 0, 0 } },
	};
	size_t n = sizeof(ev) / sizeof(ev[0]);
	struct sbuf b = { 0 };

	assert_int_equal(jsonl_write_header(&b, &h), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jsonl_write_event(&b, &ev[i]), 0);
	assert_int_equal(jsonl_write_end(&b, &end), 0);
	put(f, b.buf, b.len);
	sbuf_free(&b);
	assert_int_equal(load_path(f, f->path), 0);
	assert_string_equal(f->err, "");

	assert_true(f->r->has_header);
	assert_int_equal(f->r->hdr.format, 1);
	assert_string_equal(f->r->hdr.tool, h.tool);
	assert_int_equal(f->r->hdr.root_pid, 42);
	assert_int_equal(f->r->hdr.command_len, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(f->r->hdr.command[i], cmd[i]);
	assert_string_equal(f->r->hdr.start_time, h.start_time);
	assert_string_equal(f->r->hdr.host, h.host);
	assert_string_equal(f->r->hdr.kernel, h.kernel);
	assert_true(f->r->hdr.has_failed_execs);
	assert_true(f->r->hdr.failed_execs);
	assert_true(f->r->has_end);
	assert_int_equal(f->r->end.ts, 999);
	assert_true(f->r->end.has_lost);
	assert_int_equal(f->r->end.lost, 7);
	assert_true(f->r->end.has_exit_code);
	assert_int_equal(f->r->end.exit_code, 3);

	assert_int_equal(f->r->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct event *a = &f->r->ev[i], *e = &ev[i];

		assert_int_equal(a->type, e->type);
		assert_int_equal(a->flags, e->flags);
		assert_int_equal(a->ts, e->ts);
		assert_int_equal(a->seq, e->seq);
		assert_int_equal(a->pid, e->pid);
		if (e->flags & EVF_PPID)
			assert_int_equal(a->ppid, e->ppid);
		if (e->flags & EVF_PGID)
			assert_int_equal(a->pgid, e->pgid);
		switch (e->type) {
		case EV_FORK:
			assert_int_equal(a->u.fork.child_pid, e->u.fork.child_pid);
			break;
		case EV_EXEC:
			assert_string_equal(a->u.exec.filename, e->u.exec.filename);
			assert_int_equal(a->u.exec.argc, e->u.exec.argc);
			for (uint32_t k = 0; k < e->u.exec.argc; k++)
				assert_string_equal(a->u.exec.argv[k], e->u.exec.argv[k]);
			if (e->flags & EVF_CWD)
				assert_string_equal(a->u.exec.cwd, e->u.exec.cwd);
			break;
		case EV_BADEXEC:
			assert_string_equal(a->u.badexec.filename, e->u.badexec.filename);
			assert_int_equal(a->u.badexec.err, e->u.badexec.err);
			break;
		case EV_EXIT:
			assert_int_equal(a->u.exit.code, e->u.exit.code);
			assert_int_equal(a->u.exit.user_ns, e->u.exit.user_ns);
			assert_int_equal(a->u.exit.system_ns, e->u.exit.system_ns);
			assert_int_equal(a->u.exit.max_rss_kb, e->u.exit.max_rss_kb);
			break;
		case EV_SETSID:
			assert_int_equal(a->u.setsid.sid, e->u.setsid.sid);
			break;
		}
	}
	assert_int_equal(recording_root_pid(f->r), 42);
}

/* Repeated strings are stored once (the arena interns them). */
static void test_interned_strings(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f,
		"{\"Exec\":{\"timestamp\":1,\"pid\":2,\"filename\":\"/bin/sh\",\"cmdline\":[\"sh\",\"-c\"]}}\n"
		"{\"Exec\":{\"timestamp\":2,\"pid\":3,\"filename\":\"/bin/sh\",\"cmdline\":[\"sh\",\"-c\"]}}\n"), 0);
	assert_int_equal(f->r->n, 2);
	assert_ptr_equal(f->r->ev[0].u.exec.filename, f->r->ev[1].u.exec.filename);
	assert_ptr_equal(f->r->ev[0].u.exec.argv[1], f->r->ev[1].u.exec.argv[1]);
}

/* ---------------------------------------------------------- original shapes */

static const struct event *only_exec(struct fx *f, size_t i)
{
	assert_true(i < f->r->n);
	assert_int_equal(f->r->ev[i].type, EV_EXEC);
	return &f->r->ev[i];
}

static void assert_argv(const struct event *e, uint32_t argc, ...)
{
	va_list ap;

	assert_true(e->flags & EVF_CMDLINE);
	assert_int_equal(e->u.exec.argc, argc);
	va_start(ap, argc);
	for (uint32_t i = 0; i < argc; i++)
		assert_string_equal(e->u.exec.argv[i], va_arg(ap, const char *));
	va_end(ap);
}

static void test_exec_cmdline_shapes(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f,
		"{\"Exec\":{\"timestamp\":1,\"pid\":10,\"ppid\":1,\"pgid\":10,\"cmdline\":null}}\n"
		"{\"Exec\":{\"timestamp\":2,\"pid\":10,\"ppid\":1,\"pgid\":10,\"cmdline\":\"sed -e  s/a/b/ f\"}}\n"
		"{\"Exec\":{\"timestamp\":3,\"pid\":10,\"ppid\":1,\"pgid\":10,\"cmdline\":[\"a b\",\"c\"]}}\n"
		"{\"Exec\":{\"timestamp\":4,\"pid\":10,\"ppid\":1,\"pgid\":10,\"cmdline\":[]}}\n"
		"{\"Exec\":{\"timestamp\":5,\"pid\":10,\"ppid\":1,\"pgid\":10}}\n"), 0);
	assert_int_equal(f->r->n, 5);
	assert_false(only_exec(f, 0)->flags & EVF_CMDLINE);
	assert_false(only_exec(f, 0)->flags & EVF_SEQ);
	assert_true((only_exec(f, 0)->flags & (EVF_PPID | EVF_PGID)) == (EVF_PPID | EVF_PGID));
	/* a joined string is split on spaces, empty pieces dropped */
	assert_argv(only_exec(f, 1), 4, "sed", "-e", "s/a/b/", "f");
	assert_argv(only_exec(f, 2), 2, "a b", "c");
	assert_argv(only_exec(f, 3), 0);
	assert_false(only_exec(f, 4)->flags & (EVF_CMDLINE | EVF_FILENAME));
}

/* The seed README's shape: ExecArgs after its Exec, same pid and timestamp. */
static void test_execargs_after_exec(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f,
		"{\"Exec\":{\"timestamp\":46047144,\"pid\":181852,\"ppid\":181841,\"pgid\":181852,\"cmdline\":[]}}\n"
		"{\"ExecArgs\":{\"timestamp\":46047144,\"pid\":181852,\"args\":\"/bin/bash --noprofile -c curl\"}}\n"
		"{\"Exec\":{\"timestamp\":46831560,\"pid\":181852,\"ppid\":181841,\"pgid\":181852,\"cmdline\":[\"curl\",\"-X\",\"GET\"]}}\n"
		"{\"ExecArgs\":{\"timestamp\":46831560,\"pid\":181852,\"args\":\"curl -X GET http://example.com\"}}\n"
		"{\"Exec\":{\"timestamp\":47000000,\"pid\":181853,\"ppid\":181852,\"pgid\":181853,\"cmdline\":null}}\n"
		"{\"ExecArgs\":{\"timestamp\":47000000,\"pid\":181853,\"args\":[\"x\",\"y z\"]}}\n"
		"{\"Exit\":{\"timestamp\":103232110,\"pid\":181852,\"ppid\":181841,\"pgid\":181852}}\n"), 0);
	assert_string_equal(f->err, "");
	assert_int_equal(f->r->n, 4);
	/* empty cmdline: filled from the joined args */
	assert_argv(only_exec(f, 0), 4, "/bin/bash", "--noprofile", "-c", "curl");
	/* an Exec's own argv is exact and wins over the joined string */
	assert_argv(only_exec(f, 1), 3, "curl", "-X", "GET");
	assert_argv(only_exec(f, 2), 2, "x", "y z");
	assert_int_equal(f->r->ev[3].type, EV_EXIT);
	assert_false(f->r->ev[3].flags & (EVF_STATUS | EVF_RUSAGE));
}

/* The later shape: ExecFilename and ExecArgs first, then Exec; BadExec with only pid. */
static void test_pieces_before_exec(void **state)
{
	struct fx *f = *state;
	const struct event *e;

	assert_int_equal(load(f,
		"{\"ExecFilename\":{\"seq\":2,\"timestamp\":2000,\"pid\":5001,\"filename\":\"/usr/bin/make\"}}\n"
		"{\"Fork\":{\"seq\":1,\"timestamp\":1000,\"parent_pid\":5000,\"child_pid\":5009,\"parent_pgid\":4990}}\n"
		"{\"ExecArgs\":{\"seq\":3,\"timestamp\":2000,\"pid\":5001,\"args\":\"make -j2\"}}\n"
		"{\"Exec\":{\"seq\":4,\"timestamp\":2000,\"pid\":5001,\"ppid\":5000,\"pgid\":5001,\"cmdline\":null}}\n"
		"{\"ExecFilename\":{\"seq\":7,\"timestamp\":3200,\"pid\":5002,\"filename\":\"/nope\"}}\n"
		"{\"ExecArgs\":{\"seq\":8,\"timestamp\":3200,\"pid\":5002,\"args\":\"nope\"}}\n"
		"{\"BadExec\":{\"seq\":9,\"timestamp\":3250,\"pid\":5002}}\n"
		"{\"ExecFull\":{\"seq\":10,\"timestamp\":3300,\"pid\":5002,\"ppid\":5001,\"pgid\":5002,\"filename\":\"/bin/sh\",\"args\":\"sh -c true\"}}\n"
		"{\"ExecFilename\":{\"seq\":11,\"timestamp\":3400,\"pid\":5003,\"filename\":\"/lost\"}}\n"), 0);
	assert_int_equal(f->r->n, 4);
	e = only_exec(f, 1);
	assert_true(e->flags & EVF_SEQ);
	assert_int_equal(e->seq, 4);
	assert_true(e->flags & EVF_FILENAME);
	assert_string_equal(e->u.exec.filename, "/usr/bin/make");
	assert_argv(e, 2, "make", "-j2");
	/* the failed exec keeps the filename it tried */
	e = &f->r->ev[2];
	assert_int_equal(e->type, EV_BADEXEC);
	assert_int_equal(e->pid, 5002);
	assert_true(e->flags & EVF_FILENAME);
	assert_string_equal(e->u.badexec.filename, "/nope");
	assert_false(e->flags & EVF_ERRNO);
	e = only_exec(f, 3);
	assert_string_equal(e->u.exec.filename, "/bin/sh");
	assert_argv(e, 3, "sh", "-c", "true");
	assert_true((e->flags & (EVF_PPID | EVF_PGID)) == (EVF_PPID | EVF_PGID));
}

/* Two pieces of one kind for one exec: the first is kept, with a warning naming both lines. */
static void test_exec_piece_given_twice(void **state)
{
	struct fx *f = *state;

	/* after the Exec */
	assert_int_equal(load(f,
		"{\"Exec\":{\"timestamp\":10,\"pid\":7,\"ppid\":1,\"pgid\":7,\"cmdline\":null}}\n"
		"{\"ExecArgs\":{\"timestamp\":10,\"pid\":7,\"args\":\"first one\"}}\n"
		"{\"ExecArgs\":{\"timestamp\":10,\"pid\":7,\"args\":\"second one\"}}\n"
		"{\"ExecFilename\":{\"timestamp\":10,\"pid\":7,\"filename\":\"/bin/first\"}}\n"), 0);
	assert_int_equal(f->r->n, 1);
	assert_argv(only_exec(f, 0), 2, "first", "one");
	assert_string_equal(only_exec(f, 0)->u.exec.filename, "/bin/first");
	assert_err(f, "warning", ":3: a second ExecArgs for the exec of pid 7 at timestamp 10 "
		   "(the first is line 2): line 2's is kept, this one ignored\n");
	assert_null(strstr(f->err, "more exec pieces"));
	/* before the Exec, and before a failed one */
	assert_int_equal(load(f,
		"{\"ExecFilename\":{\"timestamp\":10,\"pid\":7,\"filename\":\"/bin/first\"}}\n"
		"{\"ExecArgs\":{\"timestamp\":10,\"pid\":7,\"args\":\"first\"}}\n"
		"{\"ExecFilename\":{\"timestamp\":10,\"pid\":7,\"filename\":\"/bin/second\"}}\n"
		"{\"Exec\":{\"timestamp\":10,\"pid\":7,\"ppid\":1,\"pgid\":7,\"cmdline\":null}}\n"
		"{\"ExecFilename\":{\"timestamp\":10,\"pid\":7,\"filename\":\"/bin/third\"}}\n"
		"{\"ExecFilename\":{\"timestamp\":20,\"pid\":7,\"filename\":\"/nope/1\"}}\n"
		"{\"ExecFilename\":{\"timestamp\":20,\"pid\":7,\"filename\":\"/nope/2\"}}\n"
		"{\"BadExec\":{\"timestamp\":20,\"pid\":7}}\n"), 0);
	assert_int_equal(f->r->n, 2);
	assert_string_equal(only_exec(f, 0)->u.exec.filename, "/bin/first");
	assert_argv(only_exec(f, 0), 1, "first");
	assert_int_equal(f->r->ev[1].type, EV_BADEXEC);
	assert_string_equal(f->r->ev[1].u.badexec.filename, "/nope/1");
	assert_err(f, "warning", ":3: a second ExecFilename for the exec of pid 7 at timestamp 10 "
		   "(the first is line 1): line 1's is kept, this one ignored\n");
	/* the others are counted, not each said */
	assert_err(f, "warning", ": 2 more exec pieces given twice, ignored the same way\n");
	assert_null(strstr(f->err, ":5: a second"));
	assert_int_equal(load(f,
		"{\"ExecArgs\":{\"timestamp\":10,\"pid\":7,\"args\":\"a\"}}\n"
		"{\"ExecArgs\":{\"timestamp\":10,\"pid\":7,\"args\":\"b\"}}\n"
		"{\"ExecArgs\":{\"timestamp\":10,\"pid\":7,\"args\":\"c\"}}\n"
		"{\"Exec\":{\"timestamp\":10,\"pid\":7,\"cmdline\":null}}\n"), 0);
	assert_err(f, "warning", ": 1 more exec piece given twice, ignored the same way\n");
	/* one of each kind is no repeat, nor are pieces of two execs */
	assert_int_equal(load(f,
		"{\"ExecFilename\":{\"timestamp\":10,\"pid\":7,\"filename\":\"/bin/a\"}}\n"
		"{\"Exec\":{\"timestamp\":10,\"pid\":7,\"cmdline\":null}}\n"
		"{\"ExecArgs\":{\"timestamp\":10,\"pid\":7,\"args\":\"a\"}}\n"
		"{\"ExecFilename\":{\"timestamp\":20,\"pid\":7,\"filename\":\"/bin/b\"}}\n"
		"{\"ExecArgs\":{\"timestamp\":20,\"pid\":7,\"args\":\"b\"}}\n"
		"{\"Exec\":{\"timestamp\":20,\"pid\":7,\"cmdline\":null}}\n"), 0);
	assert_string_equal(f->err, "");
	assert_argv(only_exec(f, 1), 1, "b");
}

static void test_root_pid(void **state)
{
	struct fx *f = *state;

	/* no header: the first Fork's child (the recorder's parent has no events) */
	assert_int_equal(load(f,
		"{\"Exec\":{\"timestamp\":5,\"pid\":11,\"cmdline\":[]}}\n"
		"{\"Fork\":{\"timestamp\":6,\"parent_pid\":11,\"child_pid\":12}}\n"
		"{\"Fork\":{\"timestamp\":1,\"parent_pid\":10,\"child_pid\":11}}\n"), 0);
	assert_false(f->r->has_header);
	assert_int_equal(recording_root_pid(f->r), 11);
	/* the first Fork's parent has events of its own: the recording began inside it */
	assert_int_equal(load(f,
		"{\"Exec\":{\"timestamp\":5,\"pid\":11,\"cmdline\":[]}}\n"
		"{\"Fork\":{\"timestamp\":6,\"parent_pid\":11,\"child_pid\":12}}\n"
		"{\"Exit\":{\"timestamp\":9,\"pid\":11}}\n"), 0);
	assert_int_equal(recording_root_pid(f->r), 11);
	/* no fork at all: the first event's pid */
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":9,\"pid\":8}}\n{\"Exit\":{\"timestamp\":3,\"pid\":7}}\n"), 0);
	assert_int_equal(recording_root_pid(f->r), 7);
	assert_int_equal(load(f, ""), 0);
	assert_int_equal(recording_root_pid(f->r), 0);
	/* the header wins */
	assert_int_equal(load(f,
		"{\"Recording\":{\"format\":1,\"root_pid\":99}}\n"
		"{\"Fork\":{\"timestamp\":1,\"parent_pid\":10,\"child_pid\":11}}\n"), 0);
	assert_int_equal(recording_root_pid(f->r), 99);
}

/*
 * Plain lines take a fast scanner, others jansson: the same event written
 * both ways (the second forced onto jansson by a nested value in an extra
 * field) reads the same, escapes and all.
 */
static void test_fast_and_slow_paths_agree(void **state)
{
	struct fx *f = *state;
	static const char *const fields =
		"\"seq\":7, \"timestamp\" : 12 ,\"pid\":3,\"ppid\":0,\"pgid\":3,"
		"\"filename\":\"/a\\\"b\\\\c\\/d\",\"truncated\":true,"
		"\"cmdline\":[ \"x\\ty\" , \"\", \"q\\\"\\n\\r\\b\\f\" ]";
	char text[1024];

	snprintf(text, sizeof(text),
		 " {\"Exec\":{%s}} \n{\"Exec\":{%s,\"extra\":{\"nested\":[1,{}]}}}\n", fields, fields);
	assert_int_equal(load(f, text), 0);
	assert_int_equal(f->r->n, 2);
	for (int i = 0; i < 2; i++) {
		const struct event *e = only_exec(f, (size_t)i);

		assert_int_equal(e->flags, EVF_SEQ | EVF_PPID | EVF_PGID | EVF_FILENAME | EVF_CMDLINE | EVF_TRUNCATED);
		assert_int_equal(e->seq, 7);
		assert_int_equal(e->ts, 12);
		assert_int_equal(e->pid, 3);
		assert_int_equal(e->ppid, 0);
		assert_string_equal(e->u.exec.filename, "/a\"b\\c/d");
		assert_argv(e, 3, "x\ty", "", "q\"\n\r\b\f");
	}
	/* \\u escapes, non-ASCII and big numbers are read by jansson */
	assert_int_equal(load(f,
		"{\"Exec\":{\"timestamp\":9223372036854775807,\"pid\":2147483647,\"filename\":\"\\u00e9t\u00e9\"}}\n"), 0);
	assert_string_equal(f->r->ev[0].u.exec.filename, "\u00e9t\u00e9");
	assert_int_equal(f->r->ev[0].ts, INT64_MAX);
	/* what the fast scanner refuses is still judged: leading zeros, fractions, duplicates */
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":01,\"pid\":2}}\n"), -EINVAL);
	assert_err(f, "error", ":1: not JSON: ");
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":1e3,\"pid\":2}}\n"), -EINVAL);
	assert_err(f, "error", ":1: Exit: \"timestamp\" is not an integer");
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":1,\"pid\":2,\"pid\":5}}\n"), -EINVAL);
	assert_err(f, "error", ":1: Exit: \"pid\" given twice");
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":1,\"pid\":2,\"x\":\"\u00e9\",\"pid\":5}}\n"), -EINVAL);
	assert_err(f, "error", ":1: Exit: \"pid\" given twice");
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":1,\"pid\":2}\n"), -EINVAL);
	assert_err(f, "error", ":1: not JSON: ");
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":1,\"pid\":2}} x\n"), -EINVAL);
	assert_err(f, "error", ":1: not JSON: ");
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":1,\"pid\":\"2\\u0000\"}}\n"), -EINVAL);
	assert_err(f, "error", ":1: not JSON: ");
}

/* ------------------------------------------------------------ bad input */

struct bad_case {
	const char *text;
	const char *msg; /* what follows "FILE" in the message */
};

static const struct bad_case bad_cases[] = {
	{ "{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n{\"Exit\":{\"timestamp\":2}}\n",
	  ":2: Exit: missing \"pid\"" },
	{ "{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":\"2\"}}\n",
	  ":1: Fork: \"child_pid\" is not an integer" },
	{ "{\"Fork\":{\"timestamp\":1.5,\"parent_pid\":1,\"child_pid\":2}}\n",
	  ":1: Fork: \"timestamp\" is not an integer" },
	{ "\n\nthis is not json\n", ":3: not JSON: " },
	{ "[1,2]\n", ":1: expected an object with one key" },
	{ "{}\n", ":1: expected an object with one key" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":2},\"Fork\":{}}\n", ":1: expected an object with one key" },
	{ "{\"Exit\":[1]}\n", ":1: Exit: expected an object" },
	/* a key given twice: which one counts is anybody's guess */
	{ "{\"Exit\":{\"timestamp\":5,\"pid\":1},\"Exit\":{\"timestamp\":7,\"pid\":2}}\n",
	  ":1: expected an object with one key (the event type): \"Exit\" given twice" },
	{ "{\"Foo\":1,\"Foo\":2}\n", ":1: expected an object with one key (the event type): \"Foo\" given twice" },
	{ "{\"Exit\":{\"timestamp\":5,\"pid\":1},\"Fork\":{\"a\":1,\"a\":2}}\n",
	  ":1: expected an object with one key (the event type)" },
	{ "{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n"
	  "{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2,\"child_pid\":3}}\n",
	  ":2: Fork: \"child_pid\" given twice" },
	{ "{\"Exit\":{\"timestamp\":1,\"p\\u0069d\":2 , \"pid\" :5}}\n", ":1: Exit: \"pid\" given twice" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":2,\"filename\":\"\u00e9\",\"filename\":\"x\"}}\n",
	  ":1: Exec: \"filename\" given twice" },
	{ "{\"Recording\":{\"format\":1,\"format\":1}}\n", ":1: Recording: \"format\" given twice" },
	{ "{\"End\":{\"timestamp\":1,\"lost\":0,\"lost\":3}}\n", ":1: End: \"lost\" given twice" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":2,\"extra\":[{\"a\":1,\"a\":2}]}}\n",
	  ":1: Exec: \"a\" given twice (in a nested object)" },
	/* input quoted in a message is printed, not obeyed */
	{ "{\"Exit\":{\"timestamp\":1,\"p\x7f\xc2\x9b\":1,\"p\x7f\xc2\x9b\":2}}\n",
	  ":1: Exit: \"p\\x7f\\xc2\\x9b\" given twice" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":\"a\x7f\xc2\x9b\x01\"}}\n",
	  ":1: not JSON: control character 0x1 near '\"a\\x7f\\xc2\\x9b'" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":-4}}\n", ":1: Exit: \"pid\" is out of range (-4)" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":4294967297}}\n", ":1: Exit: \"pid\" is out of range" },
	{ "{\"Exit\":{\"timestamp\":-1,\"pid\":4}}\n", ":1: Exit: \"timestamp\" is out of range (-1)" },
	/* what a Linux wait status can hold: a signal of 1 to 127, an exit code of 0 to 255 */
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":4,\"signal\":0}}\n", ":1: Exit: \"signal\" is out of range (0)" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":4,\"signal\":128}}\n", ":1: Exit: \"signal\" is out of range (128)" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":4,\"signal\":99999}}\n", ":1: Exit: \"signal\" is out of range (99999)" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":4,\"exit_code\":-1}}\n", ":1: Exit: \"exit_code\" is out of range (-1)" },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":4,\"exit_code\":256}}\n", ":1: Exit: \"exit_code\" is out of range (256)" },
	{ "{\"End\":{\"timestamp\":1,\"exit_code\":-3}}\n", ":1: End: \"exit_code\" is out of range (-3)" },
	{ "{\"End\":{\"timestamp\":1,\"exit_code\":300}}\n", ":1: End: \"exit_code\" is out of range (300)" },
	{ "{\"BadExec\":{\"timestamp\":1,\"pid\":4,\"errno\":0}}\n", ":1: BadExec: \"errno\" is out of range (0)" },
	{ "{\"Exit\":{\"timestamp\":18446744073709551616,\"pid\":4}}\n", ":1: not JSON: " },
	{ "{\"Exit\":{\"timestamp\":1,\"pid\":4,\"user_ns\":5}}\n", ":1: Exit: \"user_ns\", \"system_ns\" and \"max_rss_kb\" must come together" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"cmdline\":[\"a\",3]}}\n", ":1: Exec: \"cmdline\"[1] is not a string" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"cmdline\":7}}\n", ":1: Exec: \"cmdline\" is not an array of strings or a string" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"filename\":[]}}\n", ":1: Exec: \"filename\" is not a string" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"truncated\":1}}\n", ":1: Exec: \"truncated\" is not a boolean" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"cwd\":3}}\n", ":1: Exec: \"cwd\" is not a string" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"cwd_truncated\":true}}\n",
	  ":1: Exec: \"cwd_truncated\" without \"cwd\"" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"cwd\":\"/\",\"cwd_unknown\":true}}\n",
	  ":1: Exec: both \"cwd\" and \"cwd_unknown\"" },
	{ "{\"Exec\":{\"timestamp\":1,\"pid\":4,\"cwd_unknown\":\"yes\"}}\n",
	  ":1: Exec: \"cwd_unknown\" is not a boolean" },
	{ "{\"SetSID\":{\"timestamp\":1,\"pid\":4}}\n", ":1: SetSID: missing \"sid\"" },
	{ "{\"SetPGID\":{\"timestamp\":1,\"pid\":4}}\n", ":1: SetPGID: missing \"pgid\"" },
	{ "{\"ExecArgs\":{\"timestamp\":1,\"pid\":4}}\n", ":1: ExecArgs: missing \"args\"" },
	{ "{\"ExecFilename\":{\"timestamp\":1,\"pid\":4}}\n", ":1: ExecFilename: missing \"filename\"" },
	/* a cut line in the middle is an error, only the last one is forgiven */
	{ "{\"Exit\":{\"timestamp\":1,\"pid\"\n{\"Exit\":{\"timestamp\":1,\"pid\":4}}\n", ":1: not JSON: " },
	/* a last line is cut inside a character only where a character can start and the object is open */
	{ "{\"Exec\":{\"timestamp\":6,\"pid\":2,\"cmdline\":[\"caf\xc3(", ":1: not JSON: unable to decode byte 0xc3" },
	{ "{\"Exec\":{\"timestamp\":6,\"pid\":2,\"cmdline\":[\"\xe0\x80", ":1: not JSON: unable to decode byte 0xe0" },
	{ "{\"Exec\":{\"timestamp\":6,\"pid\":2,\"cmdline\":[\"\xc0", ":1: not JSON: unable to decode byte 0xc0" },
	{ "{\"Exec\":{\"timestamp\":6,\"pid\":2}}\xc3", ":1: not JSON: " },
	{ "{\"Exec\":{\"timestamp\":6,\"pid\":2,\"cmdline\":[\"caf\xc3\n{\"Exit\":{\"timestamp\":7,\"pid\":2}}\n",
	  ":1: not JSON: unable to decode byte 0xc3" },
	/* garbage is not a cut line, even at the end */
	/* ... nor are bytes after a whole object on the last line: the object ended, nothing was cut */
	{ "{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n{\"Exit\":{\"timestamp\":2,\"pid\":2}} junk",
	  ":2: not JSON: end of file expected near 'junk'" },
	{ "{\"Exit\":{\"timestamp\":2,\"pid\":2}}}", ":1: not JSON: end of file expected near '}'" },
	{ "{\"Exit\":{\"timestamp\":2,\"pid\":2}} {", ":1: not JSON: end of file expected near '{'" },
	{ "{\"Exit\":{\"timestamp\":2,\"pid\":2}} [", ":1: not JSON: end of file expected near '['" },
	{ "{\"Exit\":{\"timestamp\":2,\"pid\":2}} 1", ":1: not JSON: end of file expected near '1'" },
	{ "{\"Exit\":{\"timestamp\":3,\"pid\":2}}\n\x7f" "ELF\x02\x01", ":2: not JSON: " },
	{ "{\"Recording\":{\"format\":1}}\n{\"Recording\":{\"format\":1}}\n", ":2: a second Recording header" },
	{ "{\"Recording\":{\"format\":2}}\n", ":1: Recording: format 2 is not supported" },
	{ "{\"End\":{\"timestamp\":1}}\n{\"End\":{\"timestamp\":2}}\n", ":2: a second End line" },
	{ "{\"End\":{\"lost\":1}}\n", ":1: End: missing \"timestamp\"" },
};

static void test_bad_input(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		assert_int_equal(load(f, bad_cases[i].text), -EINVAL);
		assert_null(f->r);
		assert_err(f, "error", bad_cases[i].msg);
	}
}

static void test_truncated_last_line(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f,
		"{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n"
		"{\"Exit\":{\"timestamp\":2,\"pid\":2}}\n"
		"{\"Exit\":{\"timestamp\":3,\"pi"), 0);
	assert_true(f->r->truncated_tail);
	assert_int_equal(f->r->n, 2);
	assert_err(f, "warning", ":3: last line is cut short (the recorder was killed, or its disk was full?), ignored");
	/* cut inside a multi-byte character: 1, 2 or 3 bytes of it left */
	static const char *const cut_chars[] = { "caf\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xf0", "a\xf4\x8f" };
	for (size_t i = 0; i < sizeof(cut_chars) / sizeof(cut_chars[0]); i++) {
		char text[256];

		snprintf(text, sizeof(text),
			 "{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n"
			 "{\"Exec\":{\"timestamp\":6,\"pid\":2,\"cmdline\":[\"%s", cut_chars[i]);
		assert_int_equal(load(f, text), 0);
		assert_true(f->r->truncated_tail);
		assert_int_equal(f->r->n, 1);
		assert_err(f, "warning", ":2: last line is cut short (the recorder was killed, or its disk was full?), ignored");
	}
	/*
	 * What only looks cut (a byte that cannot start a character, bytes
	 * after the object, such a line in the middle) is in bad_cases[].
	 */
	/* a complete last line without its newline is a line like any other */
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":3,\"pid\":2}}"), 0);
	assert_false(f->r->truncated_tail);
	assert_int_equal(f->r->n, 1);
	assert_string_equal(f->err, "");
}

static void test_header_without_end(void **state)
{
	struct fx *f = *state;

	/* a recorder killed between two lines: whole lines, a header, no End */
	assert_int_equal(load(f,
		"{\"Recording\":{\"format\":1,\"root_pid\":2}}\n"
		"{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n"), 0);
	assert_true(f->r->cut_short);
	assert_false(f->r->truncated_tail);
	assert_int_equal(f->r->n, 1);
	assert_err(f, "warning", ": no End line: the recording is cut short (the recorder was killed, or its disk was full?), read as it is");
	/* the original proctrace wrote neither, and sort's header for it says so */
	assert_int_equal(load(f, "{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n"), 0);
	assert_false(f->r->cut_short);
	assert_string_equal(f->err, "");
	assert_int_equal(load(f,
		"{\"Recording\":{\"format\":1,\"tool\":\"" RECORDING_LEGACY_TOOL
		" (converted by proctrace 0.1.0)\",\"root_pid\":2}}\n"
		"{\"Fork\":{\"timestamp\":1,\"parent_pid\":1,\"child_pid\":2}}\n"), 0);
	assert_false(f->r->cut_short);
	assert_string_equal(f->err, "");
	/* a cut last line is said once, and is cut short too */
	assert_int_equal(load(f,
		"{\"Recording\":{\"format\":1,\"root_pid\":2}}\n"
		"{\"Exit\":{\"timestamp\":3,\"pi"), 0);
	assert_true(f->r->cut_short);
	assert_null(strstr(f->err, "no End line"));
}

/* The edges of what a wait status holds are read. */
static void test_exit_status_range(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f,
		"{\"Exit\":{\"timestamp\":1,\"pid\":4,\"signal\":1}}\n"
		"{\"Exit\":{\"timestamp\":2,\"pid\":5,\"signal\":127}}\n"
		"{\"Exit\":{\"timestamp\":3,\"pid\":6,\"exit_code\":0}}\n"
		"{\"Exit\":{\"timestamp\":4,\"pid\":7,\"exit_code\":255}}\n"
		"{\"End\":{\"timestamp\":5,\"lost\":0,\"exit_code\":255}}\n"), 0);
	assert_int_equal(f->r->n, 4);
	assert_int_equal(f->r->ev[0].u.exit.code, 1);
	assert_true(f->r->ev[0].flags & EVF_SIGNALED);
	assert_int_equal(f->r->ev[1].u.exit.code, 127);
	assert_int_equal(f->r->ev[2].u.exit.code, 0);
	assert_false(f->r->ev[2].flags & EVF_SIGNALED);
	assert_int_equal(f->r->ev[3].u.exit.code, 255);
	assert_int_equal(f->r->end.exit_code, 255);
}

/* An End line without "lost" does not say nothing was lost. */
static void test_end_without_lost(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f, "{\"End\":{\"timestamp\":5,\"exit_code\":0}}\n"), 0);
	assert_true(f->r->has_end);
	assert_false(f->r->end.has_lost);
	assert_int_equal(f->r->end.lost, 0);
	assert_int_equal(load(f, "{\"End\":{\"timestamp\":5,\"lost\":null}}\n"), 0);
	assert_false(f->r->end.has_lost);
	assert_int_equal(load(f, "{\"End\":{\"timestamp\":5,\"lost\":0}}\n"), 0);
	assert_true(f->r->end.has_lost);
}

static void test_empty_and_blank(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f, ""), 0);
	assert_int_equal(f->r->n, 0);
	assert_false(f->r->has_header);
	assert_false(f->r->has_end);
	assert_string_equal(f->err, "");
	assert_int_equal(load(f, "\n  \n\t\r\n{\"Exit\":{\"timestamp\":3,\"pid\":2}}\n\n"), 0);
	assert_int_equal(f->r->n, 1);
	assert_string_equal(f->err, "");
	/* a file saved with a byte order mark, and CRLF line ends */
	assert_int_equal(load(f, "\xef\xbb\xbf{\"Exit\":{\"timestamp\":3,\"pid\":2}}\r\n"
				 "{\"Exit\":{\"timestamp\":4,\"pid\":3}}\r\n"), 0);
	assert_int_equal(f->r->n, 2);
	assert_string_equal(f->err, "");
	/* only at the start of the file */
	assert_int_equal(load(f, "{\"Exit\":{\"timestamp\":3,\"pid\":2}}\n"
				 "\xef\xbb\xbf{\"Exit\":{\"timestamp\":4,\"pid\":3}}\n"), -EINVAL);
	assert_err(f, "error", ":2: not JSON: ");
}

static void test_missing_file(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load_path(f, "/nonexistent/x.jsonl"), -ENOENT);
	assert_null(f->r);
	assert_non_null(strstr(f->err,
		"proctrace: error: cannot open '/nonexistent/x.jsonl': No such file or directory"));
}

static void test_unknown_types(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load(f,
		"{\"Foo\":{\"timestamp\":1}}\n"
		"{\"Exit\":{\"timestamp\":3,\"pid\":2}}\n"
		"{\"Bar\":17}\n"
		"{\"Foo\":{}}\n"
		"{\"Bar\":{\"a\":1,\"a\":{\"b\":2,\"b\":3}}}\n"), 0);
	assert_int_equal(f->r->n, 1);
	/* what an unknown type holds is not judged, a key given twice in it either */
	assert_int_equal(f->r->unknown, 4);
	assert_err(f, "warning", ": skipped 4 lines of unknown event types (Foo, Bar)");
	/* said once */
	assert_null(strstr(strstr(f->err, "skipped") + 1, "skipped"));
	/* five names are listed, more are cut */
	assert_int_equal(load(f, "{\"A\":1}\n{\"B\":1}\n{\"C\":1}\n{\"D\":1}\n{\"E\":1}\n"), 0);
	assert_err(f, "warning", ": skipped 5 lines of unknown event types (A, B, C, D, E)\n");
	assert_int_equal(load(f, "{\"A\":1}\n{\"B\":1}\n{\"C\":1}\n{\"D\":1}\n{\"E\":1}\n{\"F\":1}\n{\"A\":1}\n"), 0);
	assert_err(f, "warning", ": skipped 7 lines of unknown event types (A, B, C, D, E, ...)\n");
	/* names are printed, not obeyed: control characters (C0, DEL, C1) come out as \xHH */
	assert_int_equal(load(f,
		"{\"Foo\\u001b[31mRED\":1}\n"       /* ESC, through jansson */
		"{\"Bar\x7f\":{}}\n"                 /* DEL, on the fast path */
		"{\"Baz\\u009b\\u00e9\":1}\n"      /* CSI of C1, then a plain e acute */
		"{\"\\u001b\\u001b\\u001b\\u001b\\u001b\\u001b\\u001b\\u001b\":1}\n"), 0);
	assert_err(f, "warning", ": skipped 4 lines of unknown event types "
		   "(Foo\\x1b[31mRED, Bar\\x7f, Baz\\xc2\\x9b\u00e9, "
		   "\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b)\n");
	assert_null(strchr(f->err, '\x1b'));
}

/* A line longer than the reader's buffer. */
static void test_long_line(void **state)
{
	struct fx *f = *state;
	size_t n = 3u << 20;
	char *text = malloc(n + 200), *p;

	p = text + sprintf(text, "{\"Exec\":{\"timestamp\":1,\"pid\":2,\"filename\":\"");
	memset(p, 'x', n);
	p += n;
	p += sprintf(p, "\"}}\n{\"Exit\":{\"timestamp\":3,\"pid\":2}}\n");
	put(f, text, (size_t)(p - text));
	free(text);
	assert_int_equal(load_path(f, f->path), 0);
	assert_int_equal(f->r->n, 2);
	assert_int_equal(strlen(f->r->ev[0].u.exec.filename), n);
}

/* ---------------------------------------------------------------- sorting */

static void test_sort_ties(void **state)
{
	struct fx *f = *state;

	/* with seq: (timestamp, seq); without: file order at equal timestamps */
	assert_int_equal(load(f,
		"{\"Exit\":{\"seq\":9,\"timestamp\":5,\"pid\":1}}\n"
		"{\"Exit\":{\"seq\":3,\"timestamp\":5,\"pid\":2}}\n"
		"{\"Exit\":{\"seq\":1,\"timestamp\":7,\"pid\":3}}\n"
		"{\"Exit\":{\"seq\":2,\"timestamp\":4,\"pid\":4}}\n"), 0);
	recording_sort(f->r);
	assert_int_equal(f->r->ev[0].pid, 4);
	assert_int_equal(f->r->ev[1].pid, 2);
	assert_int_equal(f->r->ev[2].pid, 1);
	assert_int_equal(f->r->ev[3].pid, 3);
	assert_int_equal(load(f,
		"{\"Exit\":{\"timestamp\":5,\"pid\":1}}\n"
		"{\"Exit\":{\"timestamp\":5,\"pid\":2}}\n"
		"{\"Exit\":{\"timestamp\":2,\"pid\":3}}\n"
		"{\"Exit\":{\"timestamp\":5,\"pid\":4}}\n"), 0);
	recording_sort(f->r);
	assert_int_equal(f->r->ev[0].pid, 3);
	assert_int_equal(f->r->ev[1].pid, 1);
	assert_int_equal(f->r->ev[2].pid, 2);
	assert_int_equal(f->r->ev[3].pid, 4);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/*
 * Many events, shuffled: after sorting, timestamps never go down and at
 * equal timestamps file order (kept in pid) is kept. Enough events for
 * several merge passes, plus a mostly-sorted input.
 */
static void test_sort_large_stable(void **state)
{
	struct fx *f = *state;
	const size_t n = 20000;
	uint32_t seed = 12345;
	char *text = malloc(n * 64), *p = text;

	for (int pass = 0; pass < 2; pass++) {
		p = text;
		for (size_t i = 0; i < n; i++) {
			/* pass 0: random times in a small range (many ties); pass 1: sorted with a few swaps */
			uint64_t ts = pass == 0 ? lcg(&seed) % 500 : i / 3 + (i % 97 == 0 ? 5 : 0);

			p += sprintf(p, "{\"Exit\":{\"timestamp\":%llu,\"pid\":%zu}}\n", (unsigned long long)ts, i);
		}
		put(f, text, (size_t)(p - text));
		assert_int_equal(load_path(f, f->path), 0);
		assert_int_equal(f->r->n, n);
		recording_sort(f->r);
		for (size_t i = 1; i < n; i++) {
			const struct event *a = &f->r->ev[i - 1], *b = &f->r->ev[i];

			assert_true(a->ts <= b->ts);
			if (a->ts == b->ts)
				assert_true(a->pid < b->pid);
		}
	}
	/* with seq: shuffled, sorted back to the seq order */
	p = text;
	{
		uint32_t *perm = malloc(n * sizeof(*perm));

		for (size_t i = 0; i < n; i++)
			perm[i] = (uint32_t)i;
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = lcg(&seed) % (i + 1);
			uint32_t t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (size_t i = 0; i < n; i++)
			p += sprintf(p, "{\"Exit\":{\"seq\":%u,\"timestamp\":%u,\"pid\":%u}}\n",
				     perm[i], perm[i] / 4, perm[i]);
		free(perm);
	}
	put(f, text, (size_t)(p - text));
	free(text);
	assert_int_equal(load_path(f, f->path), 0);
	recording_sort(f->r);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(f->r->ev[i].seq, i);
}

/* The recording's events as format-1 lines, for byte-for-byte comparisons. */
static char *events_text(const struct recording *r)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < r->n; i++)
		assert_int_equal(jsonl_write_event(&b, &r->ev[i]), 0);
	assert_int_equal(sbuf_reserve(&b, 1), 0);
	b.buf[b.len] = '\0';
	return b.buf;
}

/* Load text, sort it, return the events as lines. */
static char *sorted_text(struct fx *f, const char *text)
{
	assert_int_equal(load(f, text), 0);
	recording_sort(f->r);
	return events_text(f->r);
}

/*
 * Events with and without seq at the same timestamps (a hand-made or
 * concatenated recording): the order is total. By timestamp, then those
 * with seq (in seq order) before those without (in file order). So the
 * result never depends on where the seq'd events were in the file,
 * sorting is idempotent, and seq order is kept.
 */
static void test_sort_mixed_seq(void **state)
{
	struct fx *f = *state;
	enum { N = 3000, NTS = 4 };
	uint32_t seed = 777;
	/* slot i holds a seq'd event (seq[i] >= 0) or an unseq'd one with pid i + 1 */
	static int64_t seq[N];
	static uint32_t ts[N];
	char *text = malloc(N * 80), *first = NULL;
	uint32_t nseq = 0;

	for (size_t i = 0; i < N; i++) {
		ts[i] = lcg(&seed) % NTS;
		seq[i] = lcg(&seed) % 3 ? (int64_t)nseq++ : -1;
	}
	for (int round = 0; round < 6; round++) {
		char *p = text, *out, *again;

		if (round) {
			/* shuffle the seq'd events among their slots; the others stay */
			for (size_t i = N - 1; i > 0; i--) {
				size_t j = lcg(&seed) % (i + 1);

				if (seq[i] >= 0 && seq[j] >= 0) {
					int64_t s = seq[i];
					uint32_t t = ts[i];

					seq[i] = seq[j];
					ts[i] = ts[j];
					seq[j] = s;
					ts[j] = t;
				}
			}
		}
		for (size_t i = 0; i < N; i++) {
			if (seq[i] >= 0)
				p += sprintf(p, "{\"Exit\":{\"seq\":%lld,\"timestamp\":%u,\"pid\":%lld}}\n",
					     (long long)seq[i], ts[i], 100000 + (long long)seq[i]);
			else
				p += sprintf(p, "{\"Exit\":{\"timestamp\":%u,\"pid\":%zu}}\n", ts[i], i + 1);
		}
		*p = '\0';
		out = sorted_text(f, text);
		assert_int_equal(f->r->n, N);
		for (size_t i = 1; i < N; i++) {
			const struct event *a = &f->r->ev[i - 1], *b = &f->r->ev[i];
			bool as = a->flags & EVF_SEQ, bs = b->flags & EVF_SEQ;

			assert_true(a->ts <= b->ts);
			if (a->ts < b->ts)
				continue;
			/* with seq first, in seq order; then the others in file order */
			assert_true(as || !bs);
			if (as && bs)
				assert_true(a->seq < b->seq);
			if (!as && !bs)
				assert_true(a->pid < b->pid);
		}
		/* where the seq'd events were in the file does not matter */
		if (!first)
			first = strdup(out);
		else
			assert_string_equal(out, first);
		/* sorting what is sorted changes nothing */
		again = sorted_text(f, out);
		assert_string_equal(again, out);
		free(again);
		free(out);
	}
	free(first);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interned_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_cmdline_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_execargs_after_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pieces_before_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_piece_given_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_and_slow_paths_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_last_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_blank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_without_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_without_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_status_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_ties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_mixed_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_large_stable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
