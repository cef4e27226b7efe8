/* cmd/diff.c: 'proctrace diff' option parsing, and the order in which the two recordings are read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "render/diff.h"

/* --fail-over: B's wall time grew by more than PCT. */
#define EXIT_REGRESSION 3

static void usage(FILE *f)
{
	fprintf(f, "Usage: proctrace diff [-f text|json] [-o OUT] [OPTIONS] A B\n\n"
		   "What changed between two recordings of the same job (A, then B; either may be -\n"
		   "for standard input): the totals side by side (wall time, CPU, processes, peak\n"
		   "concurrency, failures), the commands and the command lines found in only one,\n"
		   "the commands whose count, wall or CPU time changed most, and the critical paths.\n"
		   "Command lines are compared with their volatile parts normalised: temporary\n"
		   "file names become *, numbers of 4 digits or more <n>, hex hashes <hex>\n"
		   "(proctrace-diff(1) gives the exact rules).\n\n"
		   "Options:\n"
		   "  -f, --format FORMAT   text (default) or json\n"
		   "  -o, --output OUT      write to OUT instead of standard output\n"
		   "      --top N           rows in each list (default 10; 0: every row)\n"
		   "      --sort KEY        order the changed commands by the absolute change in\n"
		   "                        wall (default), cpu or count\n"
		   "      --pid PID         compare only PID's subtree (the first process with that pid),\n"
		   "                        in both; --pid-a PID, --pid-b PID for one side\n"
		   "      --fail-over PCT   exit 3 when B's wall time (the root's) is more than PCT %%\n"
		   "                        longer than A's (e.g. 10, 2.5)\n"
		   "  -h, --help            show this help\n\n"
		   "Exit status: 0 whether or not they differ; 3 with --fail-over when the wall time\n"
		   "grew by more than PCT; 1 bad input or failure; 2 usage error.\n\n"
		   "EXAMPLES\n"
		   "  proctrace diff yesterday.jsonl today.jsonl\n"
		   "  proctrace diff --top 20 --sort cpu a.jsonl b.jsonl\n"
		   "  proctrace diff -f json a.jsonl b.jsonl | jq '.changed[0]'\n"
		   "  proctrace diff --fail-over 10 main.jsonl branch.jsonl || echo 'build got slower'\n"
		   "  proctrace diff --pid-a 4242 --pid-b 5151 a.jsonl b.jsonl   # one subtree of each\n\n"
		   "See proctrace-diff(1) for the rules, the JSON schema and what each part shows.\n");
}

enum { OPT_TOP = 256, OPT_SORT, OPT_PID, OPT_PID_A, OPT_PID_B, OPT_FAIL_OVER };

struct diff_cli {
	struct diff_opts opts;
	bool json;
	const char *out, *in[2];
	int32_t pid[2];
	double fail_over; /* NAN: not given */
};

static int parse_pid(const char *opt, const char *arg, int32_t *pid)
{
	unsigned long long v;

	if (parse_uint(arg, INT32_MAX, &v) || v == 0)
		return error("diff: %s: '%s' is not a pid", opt, arg);
	*pid = (int32_t)v;
	return 0;
}

/* A percentage: a non-negative decimal number ("10", "2.5"). */
static int parse_pct(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(*out) || *out < 0 || strchr(arg, 'x') ||
	    strchr(arg, 'X'))
		return error("diff: --fail-over: '%s' is not a percentage (a number such as 10 or 2.5)",
			     arg);
	return 0;
}

/* Options into cli; EXIT_OK to go on, else the exit status (--help, a usage error). */
static int parse(struct diff_cli *cli, int argc, char **argv, bool *done)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "pid-a", required_argument, NULL, OPT_PID_A },
		{ "pid-b", required_argument, NULL, OPT_PID_B },
		{ "fail-over", required_argument, NULL, OPT_FAIL_OVER },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				error("diff: unknown format '%s' (formats: text, json)", optarg);
				return EXIT_USAGE;
			}
			cli->json = !strcmp(optarg, "json");
			break;
		case 'o':
			cli->out = optarg;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000000, &v)) {
				error("diff: --top: '%s' is not a number from 0 (every row) to 1000000",
				      optarg);
				return EXIT_USAGE;
			}
			cli->opts.top = (unsigned)v;
			break;
		case OPT_SORT:
			if (!strcmp(optarg, "wall") || !strcmp(optarg, "time")) {
				cli->opts.sort = DIFF_SORT_WALL;
			} else if (!strcmp(optarg, "cpu")) {
				cli->opts.sort = DIFF_SORT_CPU;
			} else if (!strcmp(optarg, "count")) {
				cli->opts.sort = DIFF_SORT_COUNT;
			} else {
				error("diff: --sort: '%s' is not wall, cpu or count", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PID:
			if (parse_pid("--pid", optarg, &cli->pid[0]))
				return EXIT_USAGE;
			cli->pid[1] = cli->pid[0];
			break;
		case OPT_PID_A:
		case OPT_PID_B:
			if (parse_pid(c == OPT_PID_A ? "--pid-a" : "--pid-b", optarg,
				      &cli->pid[c == OPT_PID_B]))
				return EXIT_USAGE;
			break;
		case OPT_FAIL_OVER:
			if (parse_pct(optarg, &cli->fail_over))
				return EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			*done = true;
			return EXIT_OK;
		default:
			option_error("diff", c, argv);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		error("diff: two recordings, A and B (got %d; try 'proctrace diff --help')",
		      argc - optind);
		return EXIT_USAGE;
	}
	cli->in[0] = argv[optind];
	cli->in[1] = argv[optind + 1];
	if (!strcmp(cli->in[0], "-") && !strcmp(cli->in[1], "-")) {
		error("diff: only one of A and B can be standard input (-)");
		return EXIT_USAGE;
	}
	if (cli->out && !*cli->out) {
		error("diff: -o needs a file name");
		return EXIT_USAGE;
	}
	for (int s = 0; s < 2 && cli->out && strcmp(cli->out, "-"); s++) {
		if (output_is_input(cli->in[s], cli->out)) {
			error("diff: -o %s is an input file: refusing to overwrite it", cli->out);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/* Whether in can be read a second time: a regular file. */
static bool rereadable(const char *in)
{
	struct stat st;

	return strcmp(in, "-") && !stat(in, &st) && S_ISREG(st.st_mode);
}

/*
 * Read side s, add it to d, free it. A is read again later only for the
 * texts of command lines B lacks (so the two recordings are never in
 * memory at once); one that cannot be read again keeps them all now.
 * Returns 0, or -1 with one message printed.
 */
static int add_side(struct diff *d, const struct diff_cli *cli, enum diff_side s)
{
	struct recording *rec = NULL;
	struct trace *t = NULL;
	int ret = -1, err;

	if (input_load(&rec, cli->in[s], "diff"))
		goto cleanup;
	recording_sort(rec);
	if (rec->has_end && rec->end.has_lost && rec->end.lost > 0)
		warning("%s: %llu %s lost while recording: the diff is incomplete", rec->name,
			(unsigned long long)rec->end.lost, rec->end.lost == 1 ? "event was" : "events were");
	if (trace_build(&t, rec, cli->pid[s]))
		goto cleanup;
	err = diff__add(d, s, t, rec->name, s == DIFF_A && !rereadable(cli->in[s]));
	if (err) {
		error("diff: %s: %s", rec->name, strerror(-err));
		goto cleanup;
	}
	ret = 0;
cleanup:
	trace_free(t);
	recording_free(rec);
	return ret;
}

/*
 * A read again, quietly (its warnings were printed the first time), for
 * the texts of the lines only in A. A recording that changed since, or
 * cannot be read now, leaves them without text: "(not read again)".
 */
static int add_texts(struct diff *d, const struct diff_cli *cli)
{
	struct recording *rec = NULL;
	struct trace *t = NULL;
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC), err = 0;

	if (saved < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		if (null >= 0)
			close(null);
		return 0;
	}
	if (!recording_load(&rec, cli->in[0])) {
		recording_sort(rec);
		if (!trace_build(&t, rec, cli->pid[0]))
			err = diff__add_texts(d, t);
	}
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	trace_free(t);
	recording_free(rec);
	if (err)
		return error("diff: %s: %s", cli->in[0], strerror(-err));
	return 0;
}

struct diff_job {
	const struct diff *d;
	bool json;
};

static int diff_job(FILE *f, void *ctx)
{
	const struct diff_job *j = ctx;

	return j->json ? diff__render_json(f, j->d) : diff__render_text(f, j->d);
}

int cmd_diff(int argc, char **argv)
{
	struct diff_cli cli = { .opts = { .top = 10, .sort = DIFF_SORT_WALL }, .fail_over = NAN };
	struct output *o = NULL;
	struct diff *d = NULL;
	bool done = false;
	int ret = parse(&cli, argc, argv, &done);

	if (ret != EXIT_OK || done)
		return ret;
	ret = EXIT_FAIL;
	if (output_open(&o, cli.out))
		goto cleanup;
	if (diff__new(&d, &cli.opts)) {
		error("diff: out of memory");
		goto cleanup;
	}
	if (add_side(d, &cli, DIFF_A) || add_side(d, &cli, DIFF_B))
		goto cleanup;
	if (diff__wants_texts(d) && add_texts(d, &cli))
		goto cleanup;
	if (output_write(o, diff_job, &(struct diff_job){ d, cli.json }))
		goto cleanup;
	ret = !isnan(cli.fail_over) && diff__wall_growth(d) > cli.fail_over ? EXIT_REGRESSION : EXIT_OK;
cleanup:
	output_free(o);
	diff__free(d);
	return ret;
}
