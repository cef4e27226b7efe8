/* tests/test_running.c: unit tests of record --all and -p: options, durations, the walk's state and filters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/cmd.h"
#include "cmd/record.h"
#include "formats/event.h"
#include "record/running.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void test_options(void **state)
{
	char *all[] = { "record", "--all", "--comm", "make", "--comm", "cc", "--uid", "0",
			"--uid", "root", "--duration", "1.5s", "--max-size", "10M", NULL };
	char *pid[] = { "record", "-p", "42", "--duration=2h", NULL };
	char *all_cmd[] = { "record", "--all", "--", "sh", "-c", "x", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(all), all, &c), RECORD_RUN);
	assert_true(c.all);
	assert_null(c.cmd);
	assert_int_equal(c.ncomm, 2);
	assert_string_equal(c.comm[1], "cc");
	assert_int_equal(c.nuid, 2);
	assert_int_equal(c.uid[0], 0);
	assert_int_equal(c.uid[1], 0);
	assert_int_equal(c.duration_ns, 1500000000ull);
	assert_int_equal(c.max_size, 10u << 20);
	assert_int_equal(record_parse_opts(ARGC(pid), pid, &c), RECORD_RUN);
	assert_int_equal(c.pid, 42);
	assert_false(c.all);
	assert_int_equal(c.duration_ns, 7200000000000ull);
	assert_int_equal(record_parse_opts(ARGC(all_cmd), all_cmd, &c), RECORD_RUN);
	assert_string_equal(c.cmd[0], "sh");
}

/* Options that contradict each other, or need --all or -p: usage errors. */
static void test_contradictions(void **state)
{
	char *bad[][8] = {
		{ "record", "-p", "1", "--", "true", NULL },
		{ "record", "-p", "1", "--all", NULL },
		{ "record", "--all", "--duration", "1s", "--", "true", NULL },
		{ "record", "--all", "-x", NULL },
		{ "record", "-x", "-p", "9", NULL },
		{ "record", "--comm", "sh", "--", "true", NULL },
		{ "record", "--uid", "0", "--", "true", NULL },
		{ "record", "--max-size", "1M", "--", "true", NULL },
		{ "record", "--duration", "1s", NULL },
		{ "record", NULL },
		{ "record", "--all", "--duration", "30", NULL },
		{ "record", "--all", "--duration", "0ms", NULL },
		{ "record", "--all", "--duration", "-1s", NULL },
		{ "record", "--all", "--comm", "", NULL },
		{ "record", "--all", "--comm", NULL },
		{ "record", "--all", "--uid", "-3", NULL },
		{ "record", "--all", "--uid", "4294967295", NULL },
		{ "record", "-p", "0", NULL },
		{ "record", "-p", "x", NULL },
		{ "record", "--all", "--max-size", "4095", NULL },
	};
	struct record_cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int argc = 0;

		while (bad[i][argc])
			argc++;
		if (record_parse_opts(argc, bad[i], &c) != -EINVAL)
			fail_msg("case %zu (%s %s %s) was accepted", i, bad[i][1], bad[i][2], bad[i][3]);
	}
}

static void test_durations(void **state)
{
	uint64_t ns;

	(void)state;
	assert_int_equal(parse_duration_unit("500ms", &ns), 0);
	assert_int_equal(ns, 500000000ull);
	assert_int_equal(parse_duration_unit("10m", &ns), 0);
	assert_int_equal(ns, 600000000000ull);
	assert_int_equal(parse_duration_unit("2h", &ns), 0);
	assert_int_equal(ns, 7200000000000ull);
	assert_int_equal(parse_duration_unit("0.25s", &ns), 0);
	assert_int_equal(ns, 250000000ull);
	/* a plain number: the unit is required here, not in render's options */
	assert_int_equal(parse_duration_unit("30", &ns), -EINVAL);
	assert_int_equal(parse_duration_unit("1.5", &ns), -EINVAL);
	assert_int_equal(parse_duration("30", &ns), 0);
	assert_int_equal(ns, 30);
	assert_int_equal(parse_duration("1h", &ns), 0);
	assert_int_equal(ns, 3600000000000ull);
	assert_int_equal(parse_duration_unit("", &ns), -EINVAL);
	assert_int_equal(parse_duration_unit("s", &ns), -EINVAL);
	assert_int_equal(parse_duration_unit("-1s", &ns), -EINVAL);
	assert_int_equal(parse_duration_unit("5 s", &ns), -EINVAL);
	assert_int_equal(parse_duration_unit("5d", &ns), -EINVAL);
	assert_int_equal(parse_duration_unit("99999999999h", &ns), -ERANGE);
}

/* The walk's output as the kernel writes it: records padded to 8 bytes. */
struct walk_out {
	char buf[4096];
	size_t len;
};

static void add_running(struct walk_out *w, int pid, int ppid, const char *comm, const char *argv,
			size_t alen, uint32_t uid, uint64_t rtime)
{
	struct pt_running r = { 0 };
	size_t n = (sizeof(r) + alen + 7) & ~(size_t)7;

	r.h.kind = PT_RUNNING;
	r.h.size = n;
	r.h.pid = pid;
	r.h.ppid = ppid;
	r.rtime = rtime;
	r.utime = r.stime = 1; /* half and half */
	r.uid = uid;
	r.argv_len = alen;
	strncpy(r.comm, comm, sizeof(r.comm) - 1);
	assert_true(w->len + n <= sizeof(w->buf));
	memset(w->buf + w->len, 0, n);
	memcpy(w->buf + w->len, &r, sizeof(r));
	memcpy(w->buf + w->len + sizeof(r), argv, alen);
	w->len += n;
}

static void add_thread(struct walk_out *w, int tgid, uint64_t rtime)
{
	struct pt_walk_thread t = { .h = { .kind = PT_WALK_THREAD, .size = sizeof(t), .pid = tgid },
				    .rtime = rtime, .utime = 1, .stime = 1 };

	memcpy(w->buf + w->len, &t, sizeof(t));
	w->len += sizeof(t);
}

static struct event running(int pid, int ppid)
{
	return (struct event){ .type = EV_RUNNING, .flags = EVF_PPID, .pid = pid, .ppid = ppid };
}

/*
 * A match's whole subtree is kept, whatever order the walk met it in (a
 * child with a smaller pid than its parent's, after pids wrapped).
 */
static void test_filters_keep_subtrees(void **state)
{
	const char *names[] = { "make" };
	struct sysrec_opts o = { .comm = names, .ncomm = 1 };
	struct sysrec *s = sysrec__new(&o);
	static struct walk_out w;
	const char *child_argv[] = { "cc", "-c" };
	struct event ev;

	(void)state;
	assert_non_null(s);
	assert_true(sysrec__filtering(s));
	w.len = 0;
	add_running(&w, 5, 300, "cc", "cc\0-c", 6, 1000, 0);         /* child of 300, met first */
	add_running(&w, 300, 1, "gmake", "/usr/bin/make\0-j2", 17, 1000, 0); /* argv[0] matches */
	add_running(&w, 400, 1, "bash", "bash", 5, 1000, 0);         /* no match */
	add_running(&w, 401, 400, "make", "", 0, 1000, 0);            /* comm matches */
	assert_int_equal(sysrec__walk(s, w.buf, w.len), 0);
	ev = running(5, 300);
	assert_true(sysrec__keep(s, &ev, 0));
	ev = running(300, 1);
	assert_true(sysrec__keep(s, &ev, 0));
	ev = running(400, 1);
	assert_false(sysrec__keep(s, &ev, 0));
	ev = running(401, 400);
	assert_true(sysrec__keep(s, &ev, 0));
	/* a Fork follows its parent; an Exec that matches starts a new subtree */
	ev = (struct event){ .type = EV_FORK, .pid = 300, .u.fork.child_pid = 310 };
	assert_true(sysrec__keep(s, &ev, 0));
	ev = (struct event){ .type = EV_FORK, .pid = 400, .u.fork.child_pid = 410 };
	assert_false(sysrec__keep(s, &ev, 0));
	ev = (struct event){ .type = EV_EXEC, .flags = EVF_FILENAME | EVF_CMDLINE, .pid = 410,
			     .u.exec = { .filename = "/usr/bin/cc", .argv = child_argv, .argc = 2 } };
	assert_false(sysrec__keep(s, &ev, 0));
	ev.u.exec.filename = "/usr/bin/make";
	assert_true(sysrec__keep(s, &ev, 0));
	ev = (struct event){ .type = EV_SETPGID, .pid = 410 };
	assert_true(sysrec__keep(s, &ev, 0));
	/* kept until its Exit, then forgotten: the pid may come back as another */
	ev = (struct event){ .type = EV_EXIT, .pid = 410 };
	assert_true(sysrec__keep(s, &ev, 0));
	ev = (struct event){ .type = EV_SETPGID, .pid = 410 };
	assert_false(sysrec__keep(s, &ev, 0));
	sysrec__free(s);
}

static void test_uid_filter(void **state)
{
	const uint32_t uids[] = { 1000 };
	struct sysrec_opts o = { .uid = uids, .nuid = 1 };
	struct sysrec *s = sysrec__new(&o);
	static struct walk_out w;
	struct event ev;

	(void)state;
	w.len = 0;
	add_running(&w, 10, 1, "sh", "sh", 3, 1000, 0);
	add_running(&w, 11, 1, "sh", "sh", 3, 0, 0);
	assert_int_equal(sysrec__walk(s, w.buf, w.len), 0);
	ev = running(10, 1);
	assert_true(sysrec__keep(s, &ev, 0));
	ev = running(11, 1);
	assert_false(sysrec__keep(s, &ev, 0));
	/* the kernel marks an Exec whose real uid is listed */
	ev = (struct event){ .type = EV_EXEC, .pid = 11 };
	assert_false(sysrec__keep(s, &ev, 0));
	assert_true(sysrec__keep(s, &ev, PT_EXEC_UID_MATCH));
	sysrec__free(s);
}

/* The CPU a process had used when the walk saw it (its threads' too) is taken off its Exit. */
static void test_exit_cpu_counts_from_the_start(void **state)
{
	struct sysrec_opts o = { .track_live = true };
	struct sysrec *s = sysrec__new(&o);
	static struct walk_out w;
	struct event ev;

	(void)state;
	w.len = 0;
	add_thread(&w, 20, 100); /* a thread the walk met before its leader */
	add_running(&w, 20, 1, "db", "db", 3, 0, 300);
	add_thread(&w, 20, 200);
	add_thread(&w, 99, 5);   /* of a process the walk did not keep: ignored */
	assert_int_equal(sysrec__walk(s, w.buf, w.len), 0);
	ev = running(20, 1);
	sysrec__keep(s, &ev, 0);
	assert_int_equal(sysrec__live(s), 1);
	ev = (struct event){ .type = EV_EXIT, .flags = EVF_RUSAGE, .pid = 20,
			     .u.exit = { .user_ns = 1000, .system_ns = 1000 } };
	sysrec__keep(s, &ev, 0);
	sysrec__exit_cpu(s, &ev);
	/* 600 ns then, split half and half */
	assert_int_equal(ev.u.exit.user_ns, 700);
	assert_int_equal(ev.u.exit.system_ns, 700);
	assert_int_equal(sysrec__live(s), 0);
	/* once: a later process with that pid is a new one */
	ev.u.exit.user_ns = 10;
	sysrec__exit_cpu(s, &ev);
	assert_int_equal(ev.u.exit.user_ns, 10);
	sysrec__free(s);
}

static void test_malformed_walk(void **state)
{
	struct sysrec_opts o = { 0 };
	struct sysrec *s = sysrec__new(&o);
	static struct walk_out w;
	struct pt_hdr h = { .kind = PT_RUNNING, .size = 12 };

	(void)state;
	memcpy(w.buf, &h, sizeof(h));
	assert_int_equal(sysrec__walk(s, w.buf, sizeof(h)), -EINVAL);
	w.len = 0;
	add_running(&w, 7, 1, "x", "x", 2, 0, 0);
	assert_int_equal(sysrec__walk(s, w.buf, w.len - 8), -EINVAL); /* cut short */
	assert_int_equal(sysrec__walk(s, w.buf, 0), 0);
	sysrec__free(s);
}

static void test_comm_of(void **state)
{
	char comm[16];

	(void)state;
	sysrec__comm_of("/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus-with-a-long-name", comm, sizeof(comm));
	assert_string_equal(comm, "cc1plus-with-a-");
	sysrec__comm_of("make", comm, sizeof(comm));
	assert_string_equal(comm, "make");
	sysrec__comm_of(NULL, comm, sizeof(comm));
	assert_string_equal(comm, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_contradictions),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_filters_keep_subtrees),
		cmocka_unit_test(test_uid_filter),
		cmocka_unit_test(test_exit_cpu_counts_from_the_start),
		cmocka_unit_test(test_malformed_walk),
		cmocka_unit_test(test_comm_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
