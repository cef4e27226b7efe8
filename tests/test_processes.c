/* tests/test_processes.c: the processes view (CSV, one row per process) on recordings built by hand. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "render/trace.h"
#include "tests/hand_recording.h"

#define HEAD "recording_start_time,recording_host,pid,start_ns,ppid,parent_start_ns,end_ns,wall_ns," \
	     "user_ns,system_ns,max_rss_kb,exit_code,signal,execs,failed_execs,command,cwd,argv\r\n"
#define NCOLS 18
#define MAX_ROWS 8

struct fixture {
	struct hand_recording h;
	struct trace *t;
	char *out;
	/* the output parsed back as RFC 4180 says: rows of NCOLS fields */
	char *field[MAX_ROWS][NCOLS];
	size_t nrows;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hand_init(&f->h);
	*state = f;
	return 0;
}

static void free_fields(struct fixture *f)
{
	for (size_t r = 0; r < f->nrows; r++)
		for (size_t c = 0; c < NCOLS; c++)
			free(f->field[r][c]);
	f->nrows = 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	trace_free(f->t);
	free(f->out);
	free_fields(f);
	free(f);
	return 0;
}

/*
 * A strict RFC 4180 reader: every record ends in CRLF, a field is either
 * plain (no comma, quote, CR or LF) or quoted with quotes doubled inside.
 * Anything else fails the test.
 */
static void parse_csv(struct fixture *f)
{
	const char *p = f->out;

	free_fields(f);
	while (*p) {
		size_t c = 0;

		assert_true(f->nrows < MAX_ROWS);
		for (;;) {
			char *v = malloc(strlen(p) + 1), *w = v;

			assert_non_null(v);
			if (*p == '"') {
				for (p++;; p++) {
					assert_true(*p != '\0');
					if (*p == '"' && p[1] == '"')
						*w++ = *p++;
					else if (*p == '"')
						break;
					else
						*w++ = *p;
				}
				p++;
			} else {
				while (*p && *p != ',' && *p != '\r') {
					assert_true(*p != '"' && *p != '\n');
					*w++ = *p++;
				}
			}
			*w = '\0';
			assert_true(c < NCOLS);
			f->field[f->nrows][c++] = v;
			if (*p == ',') {
				p++;
				continue;
			}
			assert_memory_equal(p, "\r\n", 2);
			p += 2;
			break;
		}
		assert_int_equal(c, NCOLS);
		f->nrows++;
	}
}

static void render(struct fixture *f)
{
	struct render_opts o = { 0 };
	size_t len = 0;
	FILE *out;

	free(f->out);
	trace_free(f->t);
	f->t = NULL;
	out = open_memstream(&f->out, &len);
	assert_non_null(out);
	assert_int_equal(trace_build(&f->t, &f->h.rec, 0), 0);
	assert_int_equal(render_processes(out, f->t, &o), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(strncmp(f->out, HEAD, strlen(HEAD)), 0);
	parse_csv(f);
}

static void header(struct fixture *f, int32_t root)
{
	f->h.rec.has_header = true;
	f->h.rec.hdr.format = 1;
	f->h.rec.hdr.root_pid = root;
	f->h.rec.hdr.start_time = "2026-11-30T12:00:00.000000000Z";
	f->h.rec.hdr.host = "build,er \"7\"";
}

static struct event *exit_(struct fixture *f, uint64_t ts, int32_t pid, int32_t code, bool signaled)
{
	struct event *ev = hand_add(&f->h, EV_EXIT, ts, pid);

	ev->flags |= EVF_STATUS | EVF_RUSAGE | (signaled ? EVF_SIGNALED : 0);
	ev->u.exit.code = code;
	ev->u.exit.user_ns = 300;
	ev->u.exit.system_ns = 200;
	ev->u.exit.max_rss_kb = 4096;
	return ev;
}

static void assert_row(const struct fixture *f, size_t r, const char *const want[NCOLS])
{
	for (size_t c = 0; c < NCOLS; c++)
		if (want[c] && strcmp(f->field[r][c], want[c]))
			fail_msg("row %zu column %zu is '%s', want '%s'", r, c, f->field[r][c], want[c]);
}

/* Every column of a small tree; unknowns are empty fields. */
static void test_columns(void **state)
{
	struct fixture *f = *state;
	struct event *ex;

	header(f, 10);
	ex = hand_exec(&f->h, 1000, 10, "sh");
	ex->flags |= EVF_PPID;
	ex->ppid = 9;
	hand_fork(&f->h, 2000, 10, 11);             /* never execs, killed by signal 9 */
	hand_fork(&f->h, 2500, 10, 12);             /* a failed exec, then make; never exits */
	hand_add(&f->h, EV_BADEXEC, 2600, 12);
	hand_exec(&f->h, 2700, 12, "make");
	exit_(f, 5000, 11, 9, true);
	exit_(f, 9000, 10, 2, false);
	render(f);
	assert_int_equal(f->nrows, 4);
	assert_row(f, 1, (const char *const[NCOLS]){
		"2026-11-30T12:00:00.000000000Z", "build,er \"7\"", "10", "1000", "9", "", "9000", "8000",
		"300", "200", "4096", "2", "", "1", "0", "sh", "", "[\"sh\"]" });
	/* a fork-only process runs its parent's image: "(fork) " and its command, and its argv */
	assert_row(f, 2, (const char *const[NCOLS]){
		NULL, NULL, "11", "2000", "10", "1000", "5000", "3000", "300", "200", "4096", "", "9",
		"0", "0", "(fork) sh", "", "[\"sh\"]" });
	assert_row(f, 3, (const char *const[NCOLS]){
		NULL, NULL, "12", "2500", "10", "1000", "", "", "", "", "", "", "", "1", "1", "make", "",
		"[\"make\"]" });
}

/* Any argv, bad UTF-8 and line breaks included, is one field holding a JSON array of it. */
static void test_argv_is_json_in_one_field(void **state)
{
	struct fixture *f = *state;
	static const char *const argv[] = { "/bin/a,b", "x \"q\" y", "line\r\nbreak", "", "\xff\xc3(", "\u00e9t\u00e9\\" };
	static const char *const want[] = { "/bin/a,b", "x \"q\" y", "line\r\nbreak", "", "\ufffd\ufffd(", "\u00e9t\u00e9\\" };
	json_error_t jerr;
	json_t *j;
	struct event *ex;

	ex = hand_exec(&f->h, 1, 1, "x");
	ex->u.exec.argv = argv;
	ex->u.exec.argc = 6;
	hand_fork(&f->h, 2, 1, 2);
	ex = hand_exec(&f->h, 3, 2, "y");
	ex->flags &= ~EVF_CMDLINE; /* an Exec without argv (the original proctrace's): no argv */
	render(f);
	assert_int_equal(f->nrows, 3);
	/* no header: no recording identity */
	assert_string_equal(f->field[1][0], "");
	assert_string_equal(f->field[1][1], "");
	/* the command name keeps its comma: the field is quoted */
	assert_string_equal(f->field[1][15], "a,b");
	j = json_loads(f->field[1][17], 0, &jerr);
	if (!j)
		fail_msg("argv is not JSON: %s: %s", jerr.text, f->field[1][17]);
	assert_int_equal(json_array_size(j), 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(json_string_value(json_array_get(j, i)), want[i]);
	json_decref(j);
	assert_string_equal(f->field[2][17], "");
	assert_string_equal(f->field[2][15], "y");
}

/* Empty and header-only recordings are a header line, and a row for the header's root. */
static void test_empty(void **state)
{
	struct fixture *f = *state;

	render(f);
	assert_string_equal(f->out, HEAD);
	header(f, 42);
	render(f);
	assert_int_equal(f->nrows, 2);
	assert_row(f, 1, (const char *const[NCOLS]){
		"2026-11-30T12:00:00.000000000Z", "build,er \"7\"", "42", "0", "", "", "", "", "", "",
		"", "", "", "0", "0", "(unknown)", "", "" });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_is_json_in_one_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
