/* cmd/render.c: 'proctrace render' option parsing. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "render/trace.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: proctrace render [-f FORMAT] [-o OUT] [--pid PID] [OPTIONS] [FILE|-]\n\n"
		   "Turn a recording (FILE, or standard input if FILE is - or missing) into a view.\n"
		   "The recording need not be sorted.\n\n"
		   "Formats:\n");
	for (const struct renderer *r = renderers; r->name; r++)
		fprintf(f, "  %-12s %s\n", r->name, r->summary);
	fprintf(f, "\nOptions:\n"
		   "  -f, --format FORMAT    the view (default: multiplexed); -d, --display-mode is the same\n"
		   "  -o, --output OUT       write to OUT instead of standard output (not the input file)\n"
		   "      --pid PID          only the process PID (the first one with that pid) and its descendants\n"
		   "  -h, --help             show this help\n\n"
		   "summary options:\n"
		   "      --top N            lines in each top list (default 10)\n"
		   "      --sort KEY         order the top lists by count, time (wall time) or cpu (default count)\n\n"
		   "mermaid options:\n"
		   "      --max-bars N       keep only the N longest bars\n"
		   "      --min-duration DUR drop bars shorter than DUR (e.g. 5ms, 250us, 1s, 100ns; plain number: ns)\n\n"
		   "An option of another view (--top with -f mermaid, say) is ignored with a warning.\n"
		   "If the recording lost events (its End line says so), a warning is printed and\n"
		   "the summary says so in its header.\n\n"
		   "Exit status: 0 ok, 1 bad input or failure, 2 usage error.\n\n"
		   "EXAMPLES\n"
		   "  proctrace render build.jsonl                      # every event, in time order\n"
		   "  proctrace render -f by-process build.jsonl        # grouped by process\n"
		   "  proctrace render -f summary --top 5 --sort cpu build.jsonl\n"
		   "  proctrace render -f summary --pid 4242 build.jsonl  # only pid 4242's subtree\n"
		   "  proctrace render -f mermaid --max-bars 200 --min-duration 5ms -o build.mmd build.jsonl\n"
		   "  proctrace sort < raw.jsonl | proctrace render -f summary -\n\n"
		   "See proctrace-render(1) for every view, its options and what it shows.\n");
}

/* "5ms", "250us", "1.5s", "100ns" or plain nanoseconds. */
static int parse_duration(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "µs", 1000 },
		{ "ms", 1000000 }, { "s", 1000000000 },
	};
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t digit = (uint64_t)(*p - '0');

		if (whole > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		whole = whole * 10 + digit;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		/* Digits past nanoseconds do not matter. */
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t part;

		if (strcmp(p, units[i].unit))
			continue;
		/* frac < scale <= 10^9 and a unit is at most 10^9 ns: part cannot overflow. */
		part = frac * units[i].ns / scale;
		if (whole > UINT64_MAX / units[i].ns || whole * units[i].ns > UINT64_MAX - part)
			return -ERANGE;
		*out = whole * units[i].ns + part;
		return 0;
	}
	return -EINVAL;
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

/* Whether out names the recording read: the file in, or what stdin is when in is "-". */
static bool is_input(const char *in, const char *out)
{
	struct stat si, so;

	if (strcmp(in, "-") ? stat(in, &si) : fstat(STDIN_FILENO, &si))
		return false;
	if (!S_ISREG(si.st_mode) || stat(out, &so))
		return false;
	return si.st_dev == so.st_dev && si.st_ino == so.st_ino;
}

enum { OPT_PID = 256, OPT_TOP, OPT_SORT, OPT_MAX_BARS, OPT_MIN_DURATION };

int cmd_render(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "display-mode", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "max-bars", required_argument, NULL, OPT_MAX_BARS },
		{ "min-duration", required_argument, NULL, OPT_MIN_DURATION },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct render_opts opts = { .top = 10, .sort = SORT_COUNT };
	const struct renderer *r = renderer_find("multiplexed");
	const char *in = "-", *out = NULL, *summary_opt = NULL, *mermaid_opt = NULL;
	struct recording *rec = NULL;
	struct trace *t = NULL;
	unsigned long long v;
	int32_t pid = 0;
	int c, err, ret = EXIT_FAIL;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:d:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'd':
			r = renderer_find(optarg);
			if (!r) {
				error("render: unknown format '%s' (try 'proctrace render --help')", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_PID:
			if (parse_uint(optarg, INT32_MAX, &v) || v == 0) {
				error("render: --pid: '%s' is not a pid", optarg);
				return EXIT_USAGE;
			}
			pid = (int32_t)v;
			break;
		case OPT_TOP:
			summary_opt = "--top";
			if (parse_uint(optarg, 1000000, &v) || v == 0) {
				error("render: --top: '%s' is not a number from 1 to 1000000", optarg);
				return EXIT_USAGE;
			}
			opts.top = (unsigned)v;
			break;
		case OPT_SORT:
			summary_opt = "--sort";
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
		case OPT_MAX_BARS:
			mermaid_opt = "--max-bars";
			/* 0 would be "keep none", not "no limit": refuse it rather than guess */
			if (parse_uint(optarg, UINT_MAX, &v) || v == 0) {
				error("render: --max-bars: '%s' is not a number from 1 to %u", optarg, UINT_MAX);
				return EXIT_USAGE;
			}
			opts.max_bars = (unsigned)v;
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
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			option_error("render", c, argv);
			return EXIT_USAGE;
		}
	}
	/* An option of another view would be ignored: say so rather than surprise. */
	if (summary_opt && strcmp(r->name, "summary"))
		warning("render: %s applies to -f summary only; ignored for -f %s", summary_opt,
			r->name);
	if (mermaid_opt && strcmp(r->name, "mermaid"))
		warning("render: %s applies to -f mermaid only; ignored for -f %s", mermaid_opt,
			r->name);
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
	if (out && strcmp(out, "-") && is_input(in, out)) {
		error("render: -o %s is the input file: refusing to overwrite it", out);
		return EXIT_USAGE;
	}

	if (input_load(&rec, in))
		goto cleanup;
	recording_sort(rec);
	if (rec->has_end && rec->end.has_lost && rec->end.lost > 0)
		warning("%s: %llu events were lost while recording: this view is incomplete",
			rec->name, (unsigned long long)rec->end.lost);
	if (trace_build(&t, rec, pid))
		goto cleanup;
	if (output_write(out, render_job, &(struct render_job){ r, t, &opts }))
		goto cleanup;
	ret = EXIT_OK;
cleanup:
	trace_free(t);
	recording_free(rec);
	return ret;
}
