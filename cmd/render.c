/* cmd/render.c: 'proctrace render' option parsing. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "render/syscalls.h"
#include "render/trace.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: proctrace render [-f FORMAT] [-o OUT] [--pid PID[@N]] [OPTIONS] [FILE|-]\n\n"
		   "Turn a recording (FILE, or standard input if FILE is - or missing) into a view.\n"
		   "The recording need not be sorted.\n\n"
		   "Formats:\n");
	for (const struct renderer *r = renderers; r->name; r++)
		fprintf(f, "  %-14s %s\n", r->name, r->summary);
	fprintf(f, "\nOptions:\n"
		   "  -f, --format FORMAT    the view (default: multiplexed); -d, --display-mode is the same\n"
		   "  -o, --output OUT       write to OUT instead of standard output (not the input file)\n"
		   "      --pid PID[@N]      only the process PID and its descendants; PID@N: the N-th process\n"
		   "                         that had PID (1-based, in order of fork), for a reused pid; PID alone\n"
		   "                         is the first (a note says so when PID was reused)\n"
		   "  -h, --help             show this help\n\n"
		   "summary options:\n"
		   "      --top N            lines in each top list (default 10)\n"
		   "      --sort KEY         order the top lists by count, time (elapsed time) or cpu (default count)\n"
		   "      --json             one JSON object instead of text, for scripts (schema: proctrace-render(1));\n"
		   "                         also for -f critical-path\n\n"
		   "mermaid options: the chart draws 50 bars, the longest on the critical path\n"
		   "(marked \u2605), the longest failures and the longest others, in tree order;\n"
		   "a %%%% line at its top says what it leaves out.\n"
		   "      --max-bars N       draw N bars, chosen the same way\n"
		   "      --all-bars         draw every bar (warns when the chart is more than the\n"
		   "                         50,000 characters Mermaid draws)\n"
		   "      --min-duration DUR drop bars shorter than DUR (e.g. 5ms, 250us, 1s, 100ns; plain number: ns)\n\n"
		   "tree options:\n"
		   "      --depth N          show N levels below each root (deeper ones are counted on their ancestor's line)\n"
		   "      --fold N           fold N or more sibling processes of one command into one line (default 3;\n"
		   "                         0: never); their descendants are folded with them\n"
		   "      --width N          cut argv in the middle to fit lines in N columns (default: the terminal's,\n"
		   "                         else 160; 0: never cut)\n"
		   "      --color=WHEN       colour: auto (on a terminal, unless NO_COLOR is set), always or never;\n"
		   "                         --color alone is always\n"
		   "      --ascii            draw the tree with ASCII characters\n\n"
		   "html: one self-contained page (no network; needs JavaScript): a zoomable timeline of\n"
		   "the processes in lanes, their argv, status, CPU and memory on hover and click, search,\n"
		   "the critical path, failures, the slowest processes and the top commands.\n\n"
		   "syscalls (of a recording made with record --syscalls): one row per process,\n"
		   "command and syscall (PID, CMD, SYSCALL, COUNT), most calls first; every row\n"
		   "unless --top N is given; ia32 syscalls are written ia32:NAME.\n\n"
		   "metrics options:\n"
		   "      --interval DUR     one row per DUR (e.g. 100ms, 1s, 5m; at least 1ms); default: the\n"
		   "                         recording's sample interval, else 1s\n\n"
		   "An option of another view (--top with -f mermaid, say) is ignored with a warning.\n"
		   "If the recording lost events (its End line says so), a warning is printed and\n"
		   "the summary says so in its header.\n\n"
		   "Exit status: 0 ok, 1 bad input or failure, 2 usage error.\n\n"
		   "EXAMPLES\n"
		   "  proctrace render build.jsonl                      # every event, in time order\n"
		   "  proctrace render -f by-process build.jsonl        # grouped by process\n"
		   "  proctrace render -f summary --top 5 --sort cpu build.jsonl\n"
		   "  proctrace render -f summary --pid 4242 build.jsonl  # only pid 4242's subtree\n"
		   "  proctrace render -f tree --pid 4242@2 build.jsonl   # the second process that had pid 4242\n"
		   "  proctrace render -f critical-path build.jsonl       # what the end of the build waited for\n"
		   "  proctrace render -f summary --json build.jsonl | jq '.failures[].argv'\n"
		   "  proctrace render -f mermaid -o build.mmd build.jsonl   # the 50 bars that matter\n"
		   "  proctrace render -f mermaid --max-bars 200 --min-duration 5ms -o build.mmd build.jsonl\n"
		   "  proctrace render -f tree --depth 3 build.jsonl | less -R\n"
		   "  proctrace render -f perfetto -o build.json build.jsonl   # open in ui.perfetto.dev\n"
		   "  proctrace render -f html -o build.html build.jsonl  # one page: open it in a browser\n"
		   "  proctrace render -f metrics --interval 5s build.jsonl   # cores busy, memory over time (TSV)\n"
		   "  proctrace render -f processes -o build.csv build.jsonl  # a table for DuckDB, sqlite, pandas\n"
		   "  proctrace render -f syscalls --top 20 sc.jsonl   # the most frequent syscalls, by process\n"
		   "  proctrace sort < raw.jsonl | proctrace render -f summary -\n\n"
		   "See proctrace-render(1) for every view, its options and what it shows.\n");
}

/* "render: unknown format 'x' (formats: multiplexed, ...)", from the renderer table. */
static void unknown_format(const char *name)
{
	fprintf(stderr, "proctrace: error: render: unknown format '%s' (formats: ", name);
	for (const struct renderer *r = renderers; r->name; r++)
		fprintf(stderr, "%s%s", r == renderers ? "" : ", ", r->name);
	fputs(")\n", stderr);
}

struct render_job {
	const struct renderer *r;
	const struct trace *t;
	const struct render_opts *o;
};

static int render_job(FILE *f, void *ctx)
{
	const struct render_job *j = ctx;

	return j->r->fn(f, j->t, j->o);
}

/* Whether out (NULL or "-": stdout) is a terminal; *fd is its descriptor then. */
static bool output_is_terminal(const char *out, int *fd)
{
	*fd = !out || !strcmp(out, "-") ? STDOUT_FILENO : fd_path(out);
	return *fd >= 0 && isatty(*fd);
}

/* --pid PID or PID@N (the N-th process that had PID, 1-based, in order of fork). */
static int parse_pid(const char *arg, int32_t *pid, unsigned *nth)
{
	char buf[64];
	const char *at = strchr(arg, '@');
	unsigned long long v;

	*nth = 0;
	if (at) {
		if ((size_t)(at - arg) >= sizeof(buf) || parse_uint(at + 1, UINT_MAX, &v) || v == 0) {
			error("render: --pid: '%s' is not PID or PID@N (N from 1: the N-th process with PID)",
			      arg);
			return -1;
		}
		*nth = (unsigned)v;
		memcpy(buf, arg, (size_t)(at - arg));
		buf[at - arg] = 0;
		arg = buf;
	}
	if (parse_uint(arg, INT32_MAX, &v) || v == 0) {
		error("render: --pid: '%s' is not a pid", arg);
		return -1;
	}
	*pid = (int32_t)v;
	return 0;
}

enum { OPT_PID = 256, OPT_TOP, OPT_SORT, OPT_MAX_BARS, OPT_ALL_BARS, OPT_MIN_DURATION, OPT_DEPTH,
       OPT_FOLD, OPT_WIDTH, OPT_COLOR, OPT_ASCII, OPT_INTERVAL,
       OPT_JSON };

/* What the tree's options asked for, beyond render_opts. */
struct tree_cli {
	const char *opt;  /* the last tree option given, for the warning under another view */
	enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color;
	bool width_set;
};

/* One of the tree's options into o and cli; -1 (message printed) if its value is bad. */
static int tree_option(struct tree_cli *cli, struct render_opts *o, int c, const char *arg)
{
	unsigned long long v;

	switch (c) {
	case OPT_DEPTH:
		cli->opt = "--depth";
		if (parse_uint(arg, UINT_MAX - 1, &v))
			return error("render: --depth: '%s' is not a number from 0 to %u", arg,
				     UINT_MAX - 1);
		o->depth = (unsigned)v;
		o->has_depth = true;
		return 0;
	case OPT_FOLD:
		cli->opt = "--fold";
		if (parse_uint(arg, UINT_MAX - 1, &v) || v == 1)
			return error("render: --fold: '%s' is not 0 (never fold) or a number from 2 to %u",
				     arg, UINT_MAX - 1);
		o->fold = v ? (unsigned)v : UINT_MAX;
		return 0;
	case OPT_WIDTH:
		cli->opt = "--width";
		if (parse_uint(arg, 100000, &v))
			return error("render: --width: '%s' is not a number from 0 to 100000", arg);
		o->width = v ? (unsigned)v : UINT_MAX;
		cli->width_set = true;
		return 0;
	case OPT_COLOR:
		cli->opt = "--color";
		if (!arg || !strcmp(arg, "always"))
			cli->color = COLOR_ALWAYS;
		else if (!strcmp(arg, "auto"))
			cli->color = COLOR_AUTO;
		else if (!strcmp(arg, "never"))
			cli->color = COLOR_NEVER;
		else
			return error("render: --color: '%s' is not auto, always or never", arg);
		return 0;
	default: /* OPT_ASCII */
		cli->opt = "--ascii";
		o->ascii = true;
		return 0;
	}
}

/*
 * The tree's colours and width: --color=auto (the default) colours a
 * terminal unless NO_COLOR is set (https://no-color.org: an explicit
 * --color=always wins over it); lines fit the terminal's width.
 */
static void tree_terminal(struct render_opts *o, const char *out, const struct tree_cli *cli)
{
	const char *no_color = getenv("NO_COLOR");
	struct winsize ws;
	int fd;
	bool tty = output_is_terminal(out, &fd);

	o->color = cli->color == COLOR_ALWAYS ||
		   (cli->color == COLOR_AUTO && tty && !(no_color && *no_color));
	if (!cli->width_set && tty && !ioctl(fd, TIOCGWINSZ, &ws) && ws.ws_col > 0)
		o->width = ws.ws_col;
}

int cmd_render(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "display-mode", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "max-bars", required_argument, NULL, OPT_MAX_BARS },
		{ "all-bars", no_argument, NULL, OPT_ALL_BARS },
		{ "min-duration", required_argument, NULL, OPT_MIN_DURATION },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "fold", required_argument, NULL, OPT_FOLD },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "color", optional_argument, NULL, OPT_COLOR },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct render_opts opts = { .top = 10, .sort = SORT_COUNT };
	const struct renderer *r = renderer_find("multiplexed");
	bool top_given = false, sort_given = false;
	const char *in = "-", *out = NULL, *summary_opt = NULL, *mermaid_opt = NULL, *metrics_opt = NULL;
	const char *json_opt = NULL;
	struct tree_cli tree = { 0 };
	struct recording *rec = NULL;
	struct output *o = NULL;
	struct trace *t = NULL;
	unsigned long long v;
	int32_t pid = 0;
	unsigned nth = 0;
	int c, err, ret = EXIT_FAIL;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:d:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'd':
			r = renderer_find(optarg);
			if (!r) {
				unknown_format(optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_PID:
			if (parse_pid(optarg, &pid, &nth))
				return EXIT_USAGE;
			break;
		case OPT_INTERVAL:
			metrics_opt = "--interval";
			err = parse_duration(optarg, &opts.interval_ns);
			if (err == -ERANGE || (!err && opts.interval_ns < 1000000)) {
				error("render: --interval: '%s' is %s (from 1ms to 2^64-1 ns)", optarg,
				      err ? "too long" : "too short");
				return EXIT_USAGE;
			}
			if (err) {
				error("render: --interval: '%s' is not a duration (e.g. 100ms, 1s, 5m)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_TOP:
			summary_opt = "--top";
			top_given = true;
			if (parse_uint(optarg, 1000000, &v) || v == 0) {
				error("render: --top: '%s' is not a number from 1 to 1000000", optarg);
				return EXIT_USAGE;
			}
			opts.top = (unsigned)v;
			break;
		case OPT_SORT:
			summary_opt = "--sort";
			sort_given = true;
			if (!strcmp(optarg, "count")) {
				opts.sort = SORT_COUNT;
			} else if (!strcmp(optarg, "time")) {
				opts.sort = SORT_TIME;
			} else if (!strcmp(optarg, "cpu")) {
				opts.sort = SORT_CPU;
			} else {
				error("render: --sort: '%s' is not count, time or cpu", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_JSON:
			json_opt = "--json";
			opts.json = true;
			break;
		case OPT_MAX_BARS:
			mermaid_opt = "--max-bars";
			/* 0 would be "keep none", not "no limit": refuse it rather than guess */
			if (parse_uint(optarg, UINT_MAX, &v) || v == 0) {
				error("render: --max-bars: '%s' is not a number from 1 to %u", optarg, UINT_MAX);
				return EXIT_USAGE;
			}
			opts.max_bars = (unsigned)v;
			break;
		case OPT_ALL_BARS:
			mermaid_opt = "--all-bars";
			opts.all_bars = true;
			break;
		case OPT_MIN_DURATION:
			mermaid_opt = "--min-duration";
			err = parse_duration(optarg, &opts.min_duration_ns);
			if (err == -ERANGE) {
				error("render: --min-duration: '%s' is too long (at most 2^64-1 ns, about 584 years)",
				      optarg);
				return EXIT_USAGE;
			}
			if (err) {
				error("render: --min-duration: '%s' is not a duration (e.g. 5ms, 250us, 1s)",
				      optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DEPTH:
		case OPT_FOLD:
		case OPT_WIDTH:
		case OPT_COLOR:
		case OPT_ASCII:
			if (tree_option(&tree, &opts, c, optarg))
				return EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			option_error("render", c, argv);
			return EXIT_USAGE;
		}
	}
	/* An option of another view would be ignored: say so rather than surprise. */
	/* -f syscalls takes --top too (all rows without it), not --sort. */
	if (!strcmp(r->name, "syscalls")) {
		summary_opt = sort_given ? "--sort" : NULL;
		if (!top_given)
			opts.top = 0;
	}
	if (summary_opt && strcmp(r->name, "summary"))
		warning("render: %s applies to -f summary only; ignored for -f %s", summary_opt,
			r->name);
	if (json_opt && strcmp(r->name, "summary") && strcmp(r->name, "critical-path"))
		warning("render: %s applies to -f summary and -f critical-path only; ignored for -f %s",
			json_opt, r->name);
	if (mermaid_opt && strcmp(r->name, "mermaid"))
		warning("render: %s applies to -f mermaid only; ignored for -f %s", mermaid_opt,
			r->name);
	if (tree.opt && strcmp(r->name, "tree"))
		warning("render: %s applies to -f tree only; ignored for -f %s", tree.opt, r->name);
	if (!strcmp(r->name, "tree"))
		tree_terminal(&opts, out, &tree);
	if (metrics_opt && strcmp(r->name, "metrics"))
		warning("render: %s applies to -f metrics only; ignored for -f %s", metrics_opt,
			r->name);
	if (opts.all_bars && opts.max_bars) {
		error("render: --all-bars and --max-bars: choose one");
		return EXIT_USAGE;
	}
	if (argc - optind > 1) {
		error("render: one recording at a time (got %d)", argc - optind);
		return EXIT_USAGE;
	}
	if (optind < argc)
		in = argv[optind];
	if (out && !*out) {
		error("render: -o needs a file name");
		return EXIT_USAGE;
	}
	if (out && strcmp(out, "-") && output_is_input(in, out)) {
		error("render: -o %s is the input file: refusing to overwrite it", out);
		return EXIT_USAGE;
	}

	if (output_open(&o, out) || input_load(&rec, in, "render"))
		goto cleanup;
	recording_sort(rec);
	if (rec->has_end && rec->end.has_lost && rec->end.lost > 0)
		warning("%s: %llu %s lost while recording: this view is incomplete", rec->name,
			(unsigned long long)rec->end.lost, rec->end.lost == 1 ? "event was" : "events were");
	/* Every view renders every recording: this one says why its table is empty. */
	if (!strcmp(r->name, "syscalls") && !syscalls_recorded(rec))
		warning("%s: no syscall counts: it was recorded without --syscalls "
			"(proctrace record --syscalls counts them)", rec->name);
	if (trace_build_nth(&t, rec, pid, nth))
		goto cleanup;
	if (output_write(o, render_job, &(struct render_job){ r, t, &opts }))
		goto cleanup;
	ret = EXIT_OK;
cleanup:
	output_free(o);
	trace_free(t);
	recording_free(rec);
	return ret;
}
