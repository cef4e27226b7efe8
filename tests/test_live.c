/* tests/test_live.c: unit tests of the live exec log's lines (record/live.c) and of shell quoting (formats/shell.c). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/shell.h"
#include "record/live.h"

/* shell_quote(s) as a NUL-terminated string (static buffer). */
static const char *q(const char *s, size_t len)
{
	static char out[1024];
	struct sbuf b = { 0 };

	assert_int_equal(shell_quote(&b, s, len), 0);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.buf, b.len);
	out[b.len] = 0;
	sbuf_free(&b);
	return out;
}
#define Q(lit) q(lit, sizeof(lit) - 1)

static void test_quote_bare_words(void **state)
{
	(void)state;
	assert_string_equal(Q("ls"), "ls");
	assert_string_equal(Q("/usr/bin/cc"), "/usr/bin/cc");
	assert_string_equal(Q("-O2"), "-O2");
	assert_string_equal(Q("a=b,c:d@e%f+g"), "a=b,c:d@e%f+g");
}

static void test_quote_single_quotes(void **state)
{
	(void)state;
	assert_string_equal(Q(""), "''");
	assert_string_equal(Q("a b"), "'a b'");
	assert_string_equal(Q("it's"), "'it'\\''s'");
	assert_string_equal(Q("$HOME"), "'$HOME'");
	assert_string_equal(Q("*"), "'*'");
	assert_string_equal(Q("~"), "'~'");
	assert_string_equal(Q("#x"), "'#x'");
	assert_string_equal(Q("back\\slash"), "'back\\slash'");
	assert_string_equal(Q("café"), "'café'");
}

static void test_quote_controls_escaped(void **state)
{
	(void)state;
	assert_string_equal(Q("a\nb"), "$'a\\nb'");
	assert_string_equal(Q("\t\r\a\b\v\f"), "$'\\t\\r\\a\\b\\v\\f'");
	assert_string_equal(Q("\x1b[31mred"), "$'\\E[31mred'");
	assert_string_equal(Q("\x01\x7f"), "$'\\x01\\x7f'");
	/* A quote and a backslash beside a control. */
	assert_string_equal(Q("it's\\\n"), "$'it\\'s\\\\\\n'");
	/* Not UTF-8: each bad byte. */
	assert_string_equal(Q("\xff\xfe"), "$'\\xff\\xfe'");
	assert_string_equal(Q("\x9b" "2J"), "$'\\x9b2J'");
	/* C1 controls are valid UTF-8, and still escaped, byte by byte. */
	assert_string_equal(Q("\xc2\x9b"), "$'\\xc2\\x9b'");
	/* UTF-8 text beside them stays as it is. */
	assert_string_equal(Q("é\n"), "$'é\\n'");
	/* A NUL cannot be in argv, but a length says where a string ends. */
	assert_string_equal(q("a\0b", 3), "$'a\\x00b'");
}

static void test_quote_argv(void **state)
{
	const char *argv[] = { "sh", "-c", "echo 'hi'", "" };
	struct sbuf b = { 0 };

	(void)state;
	assert_int_equal(shell_quote_argv(&b, argv, 4), 0);
	assert_int_equal(b.len, strlen("sh -c 'echo '\\''hi'\\''' ''"));
	assert_memory_equal(b.buf, "sh -c 'echo '\\''hi'\\''' ''", b.len);
	sbuf_free(&b);
}

/* shell_quote_argv(argv) as a NUL-terminated string (static buffer). */
static const char *qa(const char *const *argv, uint32_t argc)
{
	static char out[1024];
	struct sbuf b = { 0 };

	assert_int_equal(shell_quote_argv(&b, argv, argc), 0);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.buf, b.len);
	out[b.len] = 0;
	sbuf_free(&b);
	return out;
}
#define QA(...) qa((const char *const[]){ __VA_ARGS__ }, \
		   sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void test_quote_command_word(void **state)
{
	(void)state;
	/* An assignment, not a command, if bare: only in a command's place. */
	assert_string_equal(QA("a=b", "c=d"), "'a=b' c=d");
	assert_string_equal(QA("CC=gcc"), "'CC=gcc'");
	/* Reserved words, named as programs. */
	assert_string_equal(QA("if", "then"), "'if' then");
	assert_string_equal(QA("time", "-p", "time"), "'time' -p time");
	assert_string_equal(QA("!", "x"), "'!' x");
	assert_string_equal(QA("{", "}"), "'{' '}'");
	assert_string_equal(QA("done"), "'done'");
	assert_string_equal(QA("iff", "done"), "iff done");
	/* bash takes %1 for job 1 however quoted. */
	assert_string_equal(QA("%1", "%2"), "env -- %1 %2");
	assert_string_equal(QA("a%", "%"), "a% %");
	/* zsh expands =cmd anywhere. */
	assert_string_equal(QA("=x", "=y", "a=b"), "'=x' '=y' a=b");
	assert_string_equal(Q("="), "'='");
}

static void test_quote_bidi_escaped(void **state)
{
	(void)state;
	/* RIGHT-TO-LEFT OVERRIDE: the rest of the line would show reversed. */
	assert_string_equal(Q("a\u202eb"), "$'a\\xe2\\x80\\xaeb'");
	assert_string_equal(Q("\u202a\u202b\u202c\u202d"),
			    "$'\\xe2\\x80\\xaa\\xe2\\x80\\xab\\xe2\\x80\\xac\\xe2\\x80\\xad'");
	/* Isolates, marks, separators. */
	assert_string_equal(Q("\u2066x\u2069"), "$'\\xe2\\x81\\xa6x\\xe2\\x81\\xa9'");
	assert_string_equal(Q("\u2067\u2068"), "$'\\xe2\\x81\\xa7\\xe2\\x81\\xa8'");
	assert_string_equal(Q("\u200e\u200f\u061c"), "$'\\xe2\\x80\\x8e\\xe2\\x80\\x8f\\xd8\\x9c'");
	assert_string_equal(Q("a\u2028b"), "$'a\\xe2\\x80\\xa8b'");
	/* Their neighbours are text. */
	assert_string_equal(Q("\u2029"), "$'\\xe2\\x80\\xa9'");
	assert_string_equal(Q("\u2065\u206a\u2010"), "'\u2065\u206a\u2010'");
	/* In argv[0] as anywhere. */
	assert_string_equal(QA("\u202egnp.exe"), "$'\\xe2\\x80\\xaegnp.exe'");
}

/*
 * Round trip: the line that shell runs (sh -c LINE) runs the same argv.
 * Each argv[0] is a name in a directory of PATH, a link to this program,
 * which prints its argv when PT_PRINT_ARGV is set (main).
 */
static char bindir[PATH_MAX];

/* The argv that shell ran for line, NUL-separated in out; its length. */
static size_t run_line(const char *shell, const char *line, char *out, size_t size)
{
	char path[PATH_MAX + 32];
	int p[2], wst;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s:/usr/bin:/bin", bindir);
		setenv("PATH", path, 1);
		setenv("PT_PRINT_ARGV", "1", 1);
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execl(shell, shell, "-c", line, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + len, size - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	if (!WIFEXITED(wst) || WEXITSTATUS(wst))
		fail_msg("%s -c %s: status %#x", shell, line, wst);
	return len;
}

static void round_trip(const char *shell, const char *const *argv, uint32_t argc)
{
	char self[PATH_MAX], link[PATH_MAX * 2], got[4096], want[4096];
	struct sbuf b = { 0 };
	size_t wlen = 0, glen;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = 0;
	snprintf(link, sizeof(link), "%s/%s", bindir, argv[0]);
	unlink(link);
	assert_int_equal(symlink(self, link), 0);
	for (uint32_t i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(want + wlen, argv[i], l);
		wlen += l;
	}
	assert_int_equal(shell_quote_argv(&b, argv, argc), 0);
	assert_int_equal(sbuf_reserve(&b, 1), 0);
	b.buf[b.len] = 0;
	glen = run_line(shell, b.buf, got, sizeof(got));
	if (glen != wlen || memcmp(got, want, wlen))
		fail_msg("%s -c %s: another argv (%zu bytes, want %zu)", shell, b.buf, glen, wlen);
	sbuf_free(&b);
	unlink(link);
}
#define ROUND_TRIP(shell, ...) round_trip(shell, (const char *const[]){ __VA_ARGS__ }, \
					  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Hostile words any POSIX sh reads back: no escapes ($'...' is bash's, ksh's, zsh's). */
static void printable_round_trips(const char *shell)
{
	ROUND_TRIP(shell, "a=b", "c=d", "a=");
	ROUND_TRIP(shell, "if", "then", "fi");
	ROUND_TRIP(shell, "time", "-p");
	ROUND_TRIP(shell, "!", "x", "!");
	ROUND_TRIP(shell, "{", "}", "{}");
	ROUND_TRIP(shell, "[[", "]]");
	ROUND_TRIP(shell, "%1", "%2", "%");
	ROUND_TRIP(shell, "=x", "=y", "a=b");
	ROUND_TRIP(shell, "done", "it's", "$HOME", "*", "~", "#x", "a b", "", "`id`", "$(id)");
	ROUND_TRIP(shell, "while", ";", "&", "|", ">x", "<x", "\\", "\"", "'");
	ROUND_TRIP(shell, "x=1=2", "café");
}

static void setup_bindir(void)
{
	snprintf(bindir, sizeof(bindir), "%s/pt-shell-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(bindir));
}

static void test_quote_round_trip_sh(void **state)
{
	(void)state;
	setup_bindir();
	printable_round_trips("/bin/sh");
	assert_int_equal(rmdir(bindir), 0);
}

static void test_quote_round_trip_bash(void **state)
{
	(void)state;
	setup_bindir();
	printable_round_trips("/bin/bash");
	/* Escapes: controls, bidi controls, bytes that are not UTF-8, in argv[0] too. */
	ROUND_TRIP("/bin/bash", "\x1b]0;title\a", "a\nb", "\u202egnp.exe", "\xff\xfe", "tab\t");
	ROUND_TRIP("/bin/bash", "if\n", "\u2066x\u2069", "\u200e", "\xc2\x9b" "2J");
	ROUND_TRIP("/bin/bash", "a=\x01", "=\x01", "it's\\\n");
	ROUND_TRIP("/bin/bash", "%\t", "\u2028", "\r");
	assert_int_equal(rmdir(bindir), 0);
}

/* The lines of a log fed evs, as one string. */
static char *lines_of(const struct live_log_opts *o, const struct event *evs, size_t n)
{
	struct live_log *l;
	struct sbuf b = { 0 };
	int lines;
	char *s;

	assert_int_equal(live_log__new(&l, o, NULL), 0);
	assert_int_equal(live_log__header(l, &b), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(live_log__format(l, &b, &evs[i], &lines), 0);
	s = strndup(b.buf, b.len);
	sbuf_free(&b);
	live_log__free(l);
	return s;
}

static const char *const true_argv[] = { "/bin/true", "a b" };

static void test_log_exec_and_failed_exec(void **state)
{
	struct event evs[] = {
		{ .type = EV_EXEC, .ts = 1500000, .pid = 42, .ppid = 41,
		  .flags = EVF_PPID | EVF_FILENAME | EVF_CMDLINE,
		  .u.exec = { .filename = "/bin/true", .argv = true_argv, .argc = 2 } },
		{ .type = EV_BADEXEC, .ts = 2000000, .pid = 43, .ppid = 42,
		  .flags = EVF_FILENAME | EVF_ERRNO,
		  .u.badexec = { .filename = "/no such", .err = 2 } },
		{ .type = EV_FORK, .ts = 2500000, .pid = 42, .u.fork.child_pid = 44 },
	};
	struct live_log_opts o = { .time = LIVE_TIME_NONE };
	char *s = lines_of(&o, evs, 3);

	(void)state;
	assert_string_equal(s, "    PID    PPID  RET ARGS\n"
			       "     42      41    0 /bin/true 'a b'\n"
			       "     43      42   -2 '/no such'\n");
	free(s);
	o.time = LIVE_TIME_RELATIVE;
	s = lines_of(&o, evs, 1);
	assert_string_equal(s, "TIME(s)             PID    PPID  RET ARGS\n"
			       "0.001500             42      41    0 /bin/true 'a b'\n");
	free(s);
}

static void test_log_exits(void **state)
{
	static const char *const sleep_argv[] = { "/bin/sleep", "1" };
	struct event evs[] = {
		{ .type = EV_FORK, .ts = 1000, .pid = 42, .u.fork.child_pid = 44 },
		{ .type = EV_EXEC, .ts = 2000, .pid = 44, .ppid = 42,
		  .flags = EVF_PPID | EVF_FILENAME | EVF_CMDLINE,
		  .u.exec = { .filename = "/bin/sleep", .argv = sleep_argv, .argc = 2 } },
		{ .type = EV_EXIT, .ts = 1000001000, .pid = 44, .ppid = 42,
		  .flags = EVF_STATUS | EVF_SIGNALED | EVF_CORE | EVF_RUSAGE,
		  .u.exit = { .code = 9, .user_ns = 1000000, .system_ns = 500000, .max_rss_kb = 1500 } },
		{ .type = EV_FORK, .ts = 3000, .pid = 42, .u.fork.child_pid = 45 },
		{ .type = EV_EXIT, .ts = 3500, .pid = 45, .ppid = 42,
		  .flags = EVF_STATUS, .u.exit = { .code = 3 } },
	};
	struct live_log_opts o = { .exits = true };
	char *s = lines_of(&o, evs, 5);

	(void)state;
	assert_string_equal(s, "    PID    PPID  RET ARGS\n"
			       "     44      42    0 /bin/sleep 1\n"
			       "     44      42 exit signal=SIGKILL core=dumped wall=1.000s cpu=1.5ms "
			       "maxrss=1500KiB cmd=sleep\n"
			       "     45      42 exit code=3 wall=500ns\n");
	free(s);
	/* Without exits, no exit line. */
	o.exits = false;
	s = lines_of(&o, evs, 5);
	assert_string_equal(s, "    PID    PPID  RET ARGS\n"
			       "     44      42    0 /bin/sleep 1\n");
	free(s);
}

static void test_log_many_processes(void **state)
{
	/* The table of living processes grows and shrinks: every exit finds its fork. */
	struct live_log_opts o = { .exits = true };
	struct live_log *l;
	struct sbuf b = { 0 };
	int lines;

	(void)state;
	assert_int_equal(live_log__new(&l, &o, NULL), 0);
	for (int i = 1; i <= 5000; i++) {
		struct event f = { .type = EV_FORK, .ts = (uint64_t)i, .pid = 1, .u.fork.child_pid = i * 7 };

		assert_int_equal(live_log__format(l, &b, &f, &lines), 0);
	}
	for (int i = 5000; i >= 1; i--) {
		struct event e = { .type = EV_EXIT, .ts = 10000, .pid = i * 7, .ppid = 1,
				   .flags = EVF_STATUS };
		char want[64];

		b.len = 0;
		assert_int_equal(live_log__format(l, &b, &e, &lines), 0);
		assert_int_equal(lines, 1);
		snprintf(want, sizeof(want), " exit code=0 wall=%.1fus\n", (10000 - i) / 1e3);
		if ((10000 - i) < 1000)
			snprintf(want, sizeof(want), " exit code=0 wall=%dns\n", 10000 - i);
		assert_non_null(memmem(b.buf, b.len, want, strlen(want)));
	}
	sbuf_free(&b);
	live_log__free(l);
}

/*
 * The end: exec lines lost and other events lost. The two kernel counters
 * are read one after the other while the kernel may still count: more
 * exec records lost than events lost in all is no underflow.
 */
static void test_log_end_lost_counts(void **state)
{
	struct live_log_opts o = { .exits = true, .quiet = true };
	struct live_log_stats s;
	struct live_out *lo;
	struct live_log *l;
	struct rec_end end = { .lost = 3, .has_lost = true };
	struct recorder_stats st = { .end = &end, .lost_execs = 5 };
	const struct recorder_hook *h;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(live_out__new(&lo, fd, "/dev/null", 1 << 16), 0);
	assert_int_equal(live_log__new(&l, &o, lo), 0);
	h = live_log__hook(l);
	h->end(h->ctx, &st);
	live_log__stats(l, &s);
	assert_int_equal(s.lost_kernel, 5);
	assert_int_equal(s.lost_other, 0);
	live_log__free(l);
	live_out__free(lo);
	close(fd);
	/* And when they agree: the difference. */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_int_equal(live_out__new(&lo, fd, "/dev/null", 1 << 16), 0);
	assert_int_equal(live_log__new(&l, &o, lo), 0);
	h = live_log__hook(l);
	end.lost = 7;
	st.lost_execs = 4;
	h->end(h->ctx, &st);
	live_log__stats(l, &s);
	assert_int_equal(s.lost_kernel, 4);
	assert_int_equal(s.lost_other, 3);
	live_log__free(l);
	live_out__free(lo);
	close(fd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_bare_words),
		cmocka_unit_test(test_quote_single_quotes),
		cmocka_unit_test(test_quote_controls_escaped),
		cmocka_unit_test(test_quote_argv),
		cmocka_unit_test(test_quote_command_word),
		cmocka_unit_test(test_quote_bidi_escaped),
		cmocka_unit_test(test_quote_round_trip_sh),
		cmocka_unit_test(test_quote_round_trip_bash),
		cmocka_unit_test(test_log_exec_and_failed_exec),
		cmocka_unit_test(test_log_exits),
		cmocka_unit_test(test_log_many_processes),
		cmocka_unit_test(test_log_end_lost_counts),
	};

	/* Run by a shell as a program named as a hostile argv[0]: print the argv it got. */
	if (getenv("PT_PRINT_ARGV")) {
		for (int i = 0; i < argc; i++)
			fwrite(argv[i], 1, strlen(argv[i]) + 1, stdout);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
