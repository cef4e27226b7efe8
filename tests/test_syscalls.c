/* tests/test_syscalls.c: unit tests of syscall counts: the Syscalls line (writer, reader), the names, the kernel records, the view. */
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

#include "formats/jsonl.h"
#include "formats/recording.h"
#include "formats/utf8.h"
#include "record/syscalls.h"
#include "render/syscalls.h"
#include "render/trace.h"

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

/* b's text as a NUL-terminated string. */
static const char *text(struct sbuf *b)
{
	assert_int_equal(sbuf_reserve(b, 1), 0);
	b->buf[b->len] = 0;
	return b->buf;
}

/* Write s to a temporary file and load it: 0 or the loader's error; *r the recording. */
static int load(const char *s, struct recording **r)
{
	char path[] = "/tmp/proctrace-test-syscalls.XXXXXX";
	int fd = mkstemp(path), err;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	err = recording_load(r, path);
	unlink(path);
	return err;
}

static void test_write_syscalls(void **state)
{
	struct sbuf *b = *state;
	const struct sc_count c[] = { { "read", 120 }, { "write", 7 }, { "write", 1 } };
	struct event ev = { .type = EV_SYSCALLS, .flags = EVF_SEQ, .seq = 4, .ts = 99, .pid = 42,
			    .u.syscalls = { .counts = c, .n = 2 } };

	assert_int_equal(jsonl_write_event(b, &ev), 0);
	assert_string_equal(text(b), "{\"Syscalls\":{\"seq\":4,\"timestamp\":99,\"pid\":42,"
				     "\"syscalls\":{\"read\":120,\"write\":7}}}\n");
	/* the ia32 table only when it has counts; the native one always */
	b->len = 0;
	ev.u.syscalls.n = 0;
	ev.u.syscalls.counts = c + 2;
	ev.u.syscalls.n_ia32 = 1;
	assert_int_equal(jsonl_write_event(b, &ev), 0);
	assert_string_equal(text(b), "{\"Syscalls\":{\"seq\":4,\"timestamp\":99,\"pid\":42,"
				     "\"syscalls\":{},\"syscalls_ia32\":{\"write\":1}}}\n");
}

static void test_write_header_and_end(void **state)
{
	struct sbuf *b = *state;
	struct rec_header h = { .format = 1, .tool = "t", .root_pid = 1, .start_time = "s",
				.host = "h", .kernel = "k", .syscalls = true };
	struct rec_end e = { .ts = 5, .lost = 0, .has_lost = true, .has_syscalls_lost = true,
			     .syscalls_lost = 3 };

	assert_int_equal(jsonl_write_header(b, &h), 0);
	assert_non_null(strstr(text(b), ",\"syscalls\":true}}\n"));
	b->len = 0;
	assert_int_equal(jsonl_write_end(b, &e), 0);
	assert_string_equal(text(b), "{\"End\":{\"timestamp\":5,\"lost\":0,\"syscalls_lost\":3}}\n");
	/* without --syscalls: neither */
	b->len = 0;
	h.syscalls = false;
	assert_int_equal(jsonl_write_header(b, &h), 0);
	assert_null(strstr(text(b), "syscalls"));
}

/* The fast path and jansson's (a \u escape sends a line there) read the same. */
static void test_read_both_paths(void **state)
{
	struct recording *r = NULL;
	const struct event *ev;

	(void)state;
	assert_int_equal(load("{\"Recording\":{\"format\":1,\"syscalls\":true}}\n"
			      "{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3,\"syscalls\":{\"read\":1, \"write\" : 22}}}\n"
			      "{\"Syscalls\":{\"seq\":2,\"timestamp\":3,\"pid\":3,\"syscalls\":{\"re\\u0061d\":1,\"write\":22},"
			      "\"syscalls_ia32\":{\"getppid\":1000}}}\n"
			      "{\"Syscalls\":{\"seq\":3,\"timestamp\":4,\"pid\":3,\"syscalls\":{}}}\n"
			      "{\"End\":{\"timestamp\":9,\"lost\":0,\"syscalls_lost\":7}}\n", &r), 0);
	assert_true(r->hdr.syscalls);
	assert_true(r->end.has_syscalls_lost);
	assert_int_equal(r->end.syscalls_lost, 7);
	assert_int_equal(r->n, 3);
	for (int i = 0; i < 2; i++) {
		ev = &r->ev[i];
		assert_int_equal(ev->type, EV_SYSCALLS);
		assert_int_equal(ev->pid, 3);
		assert_int_equal(ev->u.syscalls.n, 2);
		assert_string_equal(ev->u.syscalls.counts[0].name, "read");
		assert_int_equal(ev->u.syscalls.counts[0].count, 1);
		assert_string_equal(ev->u.syscalls.counts[1].name, "write");
		assert_int_equal(ev->u.syscalls.counts[1].count, 22);
		/* interned: one copy of a name */
		assert_ptr_equal(ev->u.syscalls.counts[0].name, r->ev[0].u.syscalls.counts[0].name);
	}
	assert_int_equal(r->ev[0].u.syscalls.n_ia32, 0);
	assert_int_equal(r->ev[1].u.syscalls.n_ia32, 1);
	assert_string_equal(r->ev[1].u.syscalls.counts[2].name, "getppid");
	assert_int_equal(r->ev[1].u.syscalls.counts[2].count, 1000);
	assert_int_equal(r->ev[2].u.syscalls.n + r->ev[2].u.syscalls.n_ia32, 0);
	assert_true(syscalls_recorded(r));
	recording_free(r);
	/* a recording without them */
	assert_int_equal(load("{\"Recording\":{\"format\":1}}\n{\"End\":{\"timestamp\":9,\"lost\":0}}\n", &r), 0);
	assert_false(r->hdr.syscalls);
	assert_false(r->end.has_syscalls_lost);
	assert_false(syscalls_recorded(r));
	recording_free(r);
}

/* Bad Syscalls lines are errors (the message, naming file:line, is checked end to end). */
static void test_read_bad(void **state)
{
	static const char *const bad[] = {
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3}}\n",
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3,\"syscalls\":{\"read\":-1}}}\n",
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3,\"syscalls\":{\"read\":1.5}}}\n",
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3,\"syscalls\":{\"read\":{}}}}\n",
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3,\"syscalls\":[]}}\n",
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3,\"syscalls\":{\"a\":1,\"b\":2,\"a\":3}}}\n",
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"pid\":3,\"syscalls\":{},\"syscalls_ia32\":7}}\n",
		"{\"Syscalls\":{\"seq\":1,\"timestamp\":2,\"syscalls\":{}}}\n",
	};
	struct recording *r = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(bad[i], &r), -EINVAL);
		assert_null(r);
	}
}

/* Many keys: the fast path's check for a key given twice compares on hash collisions only. */
static void test_read_many_keys(void **state)
{
	struct sbuf *b = *state;
	struct recording *r = NULL;
	char key[32];

	(void)state;
	b->len = 0;
	for (int dup = 0; dup < 2; dup++) {
		b->len = 0;
		assert_int_equal(sbuf_reserve(b, 64 * 1024), 0);
		b->len += sprintf(b->buf + b->len, "{\"Syscalls\":{\"timestamp\":2,\"pid\":3,\"syscalls\":{");
		for (int i = 0; i < 600; i++) {
			snprintf(key, sizeof(key), "syscall_%d", dup && i == 599 ? 17 : i);
			b->len += sprintf(b->buf + b->len, "%s\"%s\":%d", i ? "," : "", key, i);
		}
		b->len += sprintf(b->buf + b->len, "}}}\n");
		if (dup) {
			assert_int_equal(load(text(b), &r), -EINVAL);
			continue;
		}
		assert_int_equal(load(text(b), &r), 0);
		assert_int_equal(r->ev[0].u.syscalls.n, 600);
		assert_string_equal(r->ev[0].u.syscalls.counts[599].name, "syscall_599");
		assert_int_equal(r->ev[0].u.syscalls.counts[599].count, 599);
		recording_free(r);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(syscalls_name(0), "read");
	assert_string_equal(syscalls_name(39), "getpid");
	assert_string_equal(syscalls_name(231), "exit_group");
	assert_string_equal(syscalls_name(PT_SC_IA32 + 1), "exit");
	assert_string_equal(syscalls_name(PT_SC_IA32 + 64), "getppid");
	assert_string_equal(syscalls_name(PT_SC_IA32 + 252), "exit_group");
	/* numbers the headers do not name */
	assert_string_equal(syscalls_name(511), "syscall_511");
	assert_string_equal(syscalls_name(PT_SC_IA32 + 511), "syscall_511");
	assert_string_equal(syscalls_name(PT_SC_ENTRIES), "syscall_?");
}

/* PT_SYSCALLS entries: count << 16 | slot, native slots first. */
static void test_decode_entries(void **state)
{
	const uint64_t e[] = { 5ull << 16 | 1, 1ull << 16 | 231, 1000ull << 16 | (PT_SC_IA32 + 64) };
	const uint64_t bad_order[] = { 1ull << 16 | (PT_SC_IA32 + 1), 1ull << 16 | 1 };
	const uint64_t bad_slot[] = { 1ull << 16 | PT_SC_ENTRIES };
	struct sc_decoder d = { 0 };
	struct event ev = { 0 };

	(void)state;
	assert_int_equal(sc_decode_entries(&d, e, 3, &ev), 0);
	assert_int_equal(ev.type, EV_SYSCALLS);
	assert_int_equal(ev.u.syscalls.n, 2);
	assert_int_equal(ev.u.syscalls.n_ia32, 1);
	assert_string_equal(ev.u.syscalls.counts[0].name, "write");
	assert_int_equal(ev.u.syscalls.counts[0].count, 5);
	assert_string_equal(ev.u.syscalls.counts[1].name, "exit_group");
	assert_string_equal(ev.u.syscalls.counts[2].name, "getppid");
	assert_int_equal(ev.u.syscalls.counts[2].count, 1000);
	assert_int_equal(sc_decode_entries(&d, bad_order, 2, &ev), -EINVAL);
	assert_int_equal(sc_decode_entries(&d, bad_slot, 1, &ev), -EINVAL);
	assert_int_equal(sc_decode_entries(&d, e, 0, &ev), 0);
	assert_int_equal(ev.u.syscalls.n + ev.u.syscalls.n_ia32, 0);
	sc_decoder_free(&d);
}

/* What fn (a view, or the summary's section) writes for t; free() it. */
static char *rendered(int (*fn)(FILE *, const struct trace *, const struct render_opts *),
		      const struct trace *t, const struct render_opts *o)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, t, o), 0);
	fclose(f);
	return out;
}

/* A recording's text, loaded, sorted and made a model: *r and *t. */
static void model_of(const char *text, struct recording **r, struct trace **t)
{
	assert_int_equal(load(text, r), 0);
	recording_sort(*r);
	assert_int_equal(trace_build(t, *r, 0), 0);
}

/* The view: rows per process and command, images of one name merged, by count. */
static void test_view(void **state)
{
	struct recording *r = NULL;
	struct trace *t = NULL;
	struct render_opts o = { 0 };
	char *out;

	(void)state;
	model_of("{\"Recording\":{\"format\":1,\"root_pid\":10,\"syscalls\":true}}\n"
			      "{\"Exec\":{\"seq\":1,\"timestamp\":1,\"pid\":10,\"cmdline\":[\"sh\"]}}\n"
			      "{\"Syscalls\":{\"seq\":2,\"timestamp\":2,\"pid\":10,\"syscalls\":{\"read\":3}}}\n"
			      "{\"Exec\":{\"seq\":3,\"timestamp\":3,\"pid\":10,\"cmdline\":[\"/bin/sh\",\"-c\",\"x\"]}}\n"
			      "{\"Syscalls\":{\"seq\":4,\"timestamp\":4,\"pid\":10,\"syscalls\":{\"read\":4,\"write\":9}}}\n"
			      "{\"Exit\":{\"seq\":5,\"timestamp\":5,\"pid\":10}}\n", &r, &t);
	out = rendered(render_syscalls, t, &o);
	assert_string_equal(out, "PID  CMD  SYSCALL         COUNT\n"
				 "10   sh   write               9\n"
				 "10   sh   read                7\n");
	free(out);
	/* --top 1 */
	o.top = 1;
	out = rendered(render_syscalls, t, &o);
	assert_string_equal(out, "PID  CMD  SYSCALL         COUNT\n"
				 "10   sh   write               9\n");
	free(out);
	trace_free(t);
	recording_free(r);
}

/*
 * Rows of equal counts in the view's order: by pid, then the processes
 * that had one pid in order, command and syscall names in byte order,
 * native before ia32; counts above one byte and two (the view sorts by
 * count a byte at a time); two images of one name in one process make one
 * row, a pid reused makes another. The summary adds them up by command.
 */
static const char tie_recording[] =
		"{\"Recording\":{\"format\":1,\"root_pid\":10,\"syscalls\":true}}\n"
		"{\"Exec\":{\"seq\":1,\"timestamp\":1,\"pid\":10,\"cmdline\":[\"make\"]}}\n"
		"{\"Fork\":{\"seq\":2,\"timestamp\":2,\"parent_pid\":10,\"child_pid\":30}}\n"
		"{\"Fork\":{\"seq\":3,\"timestamp\":3,\"parent_pid\":10,\"child_pid\":20}}\n"
		"{\"Exec\":{\"seq\":4,\"timestamp\":4,\"pid\":30,\"cmdline\":[\"zsh\"]}}\n"
		"{\"Exec\":{\"seq\":5,\"timestamp\":5,\"pid\":20,\"cmdline\":[\"awk\"]}}\n"
		"{\"Syscalls\":{\"seq\":6,\"timestamp\":6,\"pid\":30,\"syscalls\":{\"read\":70000,\"write\":300},\"syscalls_ia32\":{\"read\":300}}}\n"
		"{\"Syscalls\":{\"seq\":7,\"timestamp\":7,\"pid\":20,\"syscalls\":{\"write\":300,\"close\":2}}}\n"
		"{\"Exec\":{\"seq\":8,\"timestamp\":8,\"pid\":20,\"cmdline\":[\"bash\"]}}\n"
		"{\"Syscalls\":{\"seq\":9,\"timestamp\":9,\"pid\":20,\"syscalls\":{\"close\":1,\"read\":300,\"openat\":2}}}\n"
		"{\"Exit\":{\"seq\":10,\"timestamp\":10,\"pid\":20}}\n"
		"{\"Fork\":{\"seq\":11,\"timestamp\":11,\"parent_pid\":10,\"child_pid\":20}}\n"
		"{\"Exec\":{\"seq\":12,\"timestamp\":12,\"pid\":20,\"cmdline\":[\"awk\"]}}\n"
		"{\"Syscalls\":{\"seq\":13,\"timestamp\":13,\"pid\":20,\"syscalls\":{\"write\":300,\"brk\":65536}}}\n"
		"{\"Exit\":{\"seq\":14,\"timestamp\":14,\"pid\":20}}\n"
		"{\"Exec\":{\"seq\":15,\"timestamp\":15,\"pid\":30,\"cmdline\":[\"zsh\"]}}\n"
		"{\"Syscalls\":{\"seq\":16,\"timestamp\":16,\"pid\":30,\"syscalls\":{\"write\":5,\"close\":3}}}\n"
		"{\"Exit\":{\"seq\":17,\"timestamp\":17,\"pid\":30}}\n"
		"{\"Syscalls\":{\"seq\":18,\"timestamp\":18,\"pid\":10,\"syscalls\":{\"wait4\":3,\"exit_group\":1}}}\n"
		"{\"Exit\":{\"seq\":19,\"timestamp\":19,\"pid\":10}}\n"
		"{\"End\":{\"timestamp\":20,\"lost\":0}}\n";

static void test_view_order_of_ties(void **state)
{
	struct recording *r = NULL;
	struct trace *t = NULL;
	struct render_opts o = { 0 };
	char *out;

	(void)state;
	model_of(tie_recording, &r, &t);
	out = rendered(render_syscalls, t, &o);
	assert_string_equal(out,
		"PID  CMD   SYSCALL            COUNT\n"
		"30   zsh   read               70000\n"
		"20   awk   brk                65536\n"
		"30   zsh   write                305\n"
		"20   awk   write                300\n"
		"20   bash  read                 300\n"
		"20   awk   write                300\n"
		"30   zsh   ia32:read            300\n"
		"10   make  wait4                  3\n"
		"30   zsh   close                  3\n"
		"20   awk   close                  2\n"
		"20   bash  openat                 2\n"
		"10   make  exit_group             1\n"
		"20   bash  close                  1\n");
	free(out);
	out = rendered(summary_syscalls_print, t, &o);
	assert_string_equal(out, "\n"
		"top 4 commands by syscalls (of 4; 137053 syscalls in all)\n"
		"  COMMAND     SYSCALLS  MOST MADE\n"
		"  zsh            70608  read 70000, write 305, ia32:read 300, close 3\n"
		"  awk            66138  brk 65536, write 600, close 2\n"
		"  bash             303  read 300, openat 2, close 1\n"
		"  make               4  wait4 3, exit_group 1\n");
	free(out);
	trace_free(t);
	recording_free(r);
}

/* A table cell: the ABI prefix counts in its width; controls, bad bytes and the cut. */
static void test_cell(void **state)
{
	char buf[4 * 10 + 8];
	int cols;

	(void)state;
	assert_string_equal(utf8_cell(buf, sizeof(buf), "ia32:", "read", 10, &cols), "ia32:read");
	assert_int_equal(cols, 9);
	assert_string_equal(utf8_cell(buf, sizeof(buf), "ia32:", "abcdefghij", 10, &cols), "ia32:ab...");
	assert_int_equal(cols, 10);
	assert_string_equal(utf8_cell(buf, sizeof(buf), NULL, "a\x01" "b\xff", 10, &cols), "a?b\xef\xbf\xbd");
	assert_int_equal(cols, 4);
	/* wide characters (2 columns each) are never split: 3 of them and "..." */
	assert_string_equal(utf8_cell(buf, sizeof(buf), NULL, "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5", 10, &cols),
			    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5...");
	assert_int_equal(cols, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_syscalls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_header_and_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_both_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_many_keys, setup, teardown),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_decode_entries),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_view_order_of_ties),
		cmocka_unit_test(test_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
