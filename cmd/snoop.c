/* cmd/snoop.c: 'proctrace snoop': a live log of every exec, as execsnoop prints it, with record's machinery. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/record.h"
#include "record/live.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: proctrace snoop [OPTIONS] [--] CMD [ARGS...]\n"
		"       proctrace snoop [OPTIONS]    (the whole machine, as record --all)\n"
		"       proctrace snoop -p PID [OPTIONS]\n\n"
		"Runs CMD as 'proctrace record' does and prints one line per exec of its\n"
		"whole process tree as it happens, with execsnoop's columns: the time\n"
		"(with -t), PID, PPID, RET (0; with -x, a failed exec's negative errno)\n"
		"and the exact argv, shell-quoted so that a line's ARGS can be pasted\n"
		"back into a shell (bash, zsh, ksh): a word holding control characters,\n"
		"bidirectional controls (U+202E...) or bytes that are not UTF-8 is written\n"
		"$'...' with escapes, so nothing reaches the terminal as it is; a command\n"
		"name a shell would take for an assignment or a reserved word is quoted\n"
		"('CC=gcc', 'if'), and one starting with %% is run through 'env --'.\n"
		"Lines are written as they come (also into a pipe), by a thread of their\n"
		"own: a slow reader never holds up the tracing, and a line that cannot be\n"
		"printed (the output did not keep up, or the kernel's ring buffer was\n"
		"full) is counted and reported at the end, never dropped without a word.\n"
		"With -o, the recording is written too, as 'proctrace record -o FILE'\n"
		"writes it.\n\n"
		"Without CMD, snoop traces the whole machine, as 'record --all' does:\n"
		"every exec of every process, until Ctrl-C, SIGTERM or --duration DUR\n"
		"(record's --comm, --uid and --max-size apply too; -p PID traces that\n"
		"process's tree instead). Under sudo, this shows the user every user's\n"
		"execs, argv included, as record --all does.\n\n"
		"Needs root (or CAP_BPF and CAP_PERFMON); under sudo, CMD runs as the\n"
		"invoking user and FILE is opened as that user (see proctrace-record(1)).\n\n"
		"Options (and record's: -o FILE, -f, --no-wait, --buffer-size SIZE, -q,\n"
		"--duration DUR, --comm NAME, --uid UID, --max-size SIZE, -p PID):\n"
		"  -t                     a TIME(s) column: seconds since tracing started\n"
		"      --timestamps relative|wall\n"
		"                         a time column: seconds since the start, or the\n"
		"                         local time of day (HH:MM:SS.uuuuuu)\n"
		"  -x, --failed           also print failed execs, RET their -errno and ARGS\n"
		"                         the file asked for (their argv is not kept); this\n"
		"                         hooks the exit of every syscall on the machine, as\n"
		"                         record's --failed-execs (the same option)\n"
		"      --exits            also a line per process exit: RET 'exit', then\n"
		"                         code=N (or signal=SIGNAME), wall=, cpu=, maxrss=,\n"
		"                         cmd= (its command's name)\n"
		"      --no-header        no column names line\n"
		"  -o, --output FILE      also write the recording to FILE (not '-': stdout\n"
		"                         has the log)\n"
		"      --no-wait          stop when CMD exits (record's -x)\n"
		"  -q, --quiet            no closing line (lines not printed are still told)\n"
		"  -h, --help             show this help\n\n"
		"Exit status: CMD's own, as 'proctrace record' gives it; without CMD, 0\n"
		"once traced, whatever ended it; 1 if tracing failed; 2 on a usage error.\n\n"
		"EXAMPLES\n"
		"  sudo proctrace snoop -- make -j8\n"
		"  sudo proctrace snoop -t -x --exits -- ./configure\n"
		"  sudo proctrace snoop --timestamps wall -o build.jsonl -- make | tee execs.log\n"
		"  sudo proctrace snoop -q -- ./test.sh | grep -F curl\n"
		"  sudo proctrace snoop -t                  # every exec on the machine, until Ctrl-C\n"
		"  sudo proctrace snoop --duration 30s --uid 1000 -o machine.jsonl\n\n"
		"See proctrace-snoop(1).\n");
}

enum {
	OPT_TIMESTAMPS = RECORD_EXTRA_FIRST,
	OPT_EXITS,
	OPT_NO_HEADER,
};

struct snoop_cli {
	struct live_log_opts log;
};

static int snoop_opt(void *ctx, struct record_cli *c, int opt, const char *arg)
{
	struct snoop_cli *s = ctx;

	switch (opt) {
	case 't':
		s->log.time = LIVE_TIME_RELATIVE;
		return 0;
	case OPT_TIMESTAMPS:
		if (!strcmp(arg, "relative")) {
			s->log.time = LIVE_TIME_RELATIVE;
		} else if (!strcmp(arg, "wall")) {
			s->log.time = LIVE_TIME_WALL;
		} else {
			error("snoop: --timestamps '%s': want relative or wall", arg);
			return -EINVAL;
		}
		return 0;
	case 'x':
		c->failed_execs = true;
		return 0;
	case OPT_EXITS:
		s->log.exits = true;
		return 0;
	case OPT_NO_HEADER:
		s->log.header = false;
		return 0;
	}
	return -EINVAL;
}

int cmd_snoop(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timestamps", required_argument, NULL, OPT_TIMESTAMPS },
		{ "failed", no_argument, NULL, 'x' },
		{ "exits", no_argument, NULL, OPT_EXITS },
		{ "no-header", no_argument, NULL, OPT_NO_HEADER },
		{ 0 },
	};
	struct snoop_cli s = { .log = { .header = true } };
	const struct record_extra x = { .cmd = "snoop", .shortopts = "tx", .longopts = longopts,
					.opt = snoop_opt, .usage = usage, .ctx = &s,
					.all_without_cmd = true };
	const struct recorder_hook *hooks[2] = { NULL, NULL };
	struct live_out *out = NULL;
	struct live_log *log = NULL;
	struct record_cli c;
	int ret, err;

	ret = record_parse_opts_with(argc, argv, &c, &x);
	if (ret != RECORD_RUN)
		return ret == RECORD_HELP ? EXIT_OK : EXIT_USAGE;
	if (c.output && (!strcmp(c.output, "-") || fd_path(c.output) == STDOUT_FILENO)) {
		error("snoop: -o %s: stdout has the exec log; write the recording to a file", c.output);
		return EXIT_USAGE;
	}
	if (stdfd_was_closed(STDOUT_FILENO)) {
		error("snoop: stdout is closed: nowhere to print the exec log");
		return EXIT_FAIL;
	}
	c.no_default_output = true;
	/* Samples are for a recording; the log has no use for them. */
	if (!c.output)
		c.sample_interval_ns = 0;
	s.log.quiet = c.quiet;
	s.log.failed = c.failed_execs;
	err = live_out__new(&out, STDOUT_FILENO, "<stdout>", LIVE_OUT_DEFAULT_CAP);
	if (!err)
		err = live_log__new(&log, &s.log, out);
	if (err) {
		error("snoop: %s", strerror(-err));
		ret = EXIT_FAIL;
		goto cleanup;
	}
	hooks[0] = live_log__hook(log);
	c.hooks = hooks;
	ret = record_run(&c);
cleanup:
	live_out__free(out);
	live_log__free(log);
	return ret;
}
