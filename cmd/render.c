/* cmd/render.c: 'proctrace render' option parsing. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
		   "If the recording lost events (its End line says so), a warning is printed and\n"
		   "the summary says so in its header.\n\n"
		   "Exit status: 0 ok, 1 bad input or failure, 2 usage error.\n\n"
		   "EXAMPLES\n"
		   "  proctrace render build.jsonl                      # every event, in time order\n"
		   "  proctrace render -f by-process build.jsonl        # grouped by process\n"
		   "  proctrace render -f summary --top 5 --sort cpu build.jsonl\n"
		   "  proctrace render -f summary --pid 4242 build.jsonl  # only pid 4242's subtree\n"
		   "  proctrace render -f mermaid --max-bars 200 --min-duration 5ms -o build.mmd build.jsonl\n"
		   "  proctrace sort < raw.jsonl | proctrace render -f summary -\n");
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
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
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
		if (strcmp(p, units[i].unit))
			continue;
		if (whole > UINT64_MAX / units[i].ns)
			return -ERANGE;
		*out = whole * units[i].ns + frac * units[i].ns / scale;
		return 0;
	}
	return -EINVAL;
}

/* Run the renderer into f, which is named name in messages. */
static int render_stream(FILE *f, const char *name, const struct renderer *r,
			 const struct trace *t, const struct render_opts *o)
{
	int err;

	errno = 0;
	err = r->fn(f, t, o);
	if (err == -EIO || (!err && (fflush(f) || ferror(f))))
		return error("render: writing %s: %s", name, strerror(errno ? errno : EIO));
	if (err)
		return error("render: %s: %s", r->name, strerror(-err));
	return 0;
}

/*
 * Render into a temporary file next to out, then rename it over out: a
 * failed render leaves no half file. An existing file keeps its mode.
 */
static int render_to_file(const char *out, const struct renderer *r, const struct trace *t,
			  const struct render_opts *o)
{
	struct stat st;
	char *tmp = NULL;
	FILE *f = NULL;
	mode_t mask, mode;
	int fd = -1, err;

	if (asprintf(&tmp, "%s.XXXXXX", out) < 0) {
		tmp = NULL;
		err = error("render: %s", strerror(ENOMEM));
		goto cleanup;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = error("render: cannot create %s (through a temporary file next to it): %s",
			    out, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	mask = umask(0);
	umask(mask);
	mode = 0666 & ~mask;
	if (!stat(out, &st))
		mode = st.st_mode & 07777;
	if (fchmod(fd, mode)) {
		err = error("render: %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = error("render: %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	err = render_stream(f, out, r, t, o);
	if (err)
		goto cleanup;
	err = fclose(f);
	f = NULL;
	if (err) {
		err = error("render: writing %s: %s", out, strerror(errno));
		goto cleanup;
	}
	if (rename(tmp, out)) {
		err = error("render: cannot rename %s to %s: %s", tmp, out, strerror(errno));
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
cleanup:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return err;
}

/*
 * Where -o goes: stdout for "-"; a regular file (or a symlink to one) is
 * replaced atomically; anything else (/dev/null, a fifo) is written to, never
 * renamed over.
 */
static int render_output(const char *out, const struct renderer *r, const struct trace *t,
			 const struct render_opts *o)
{
	struct stat st;
	char *real;
	FILE *f;
	int err;

	if (!out || !strcmp(out, "-"))
		return render_stream(stdout, "standard output", r, t, o);
	if (stat(out, &st))
		return render_to_file(out, r, t, o);
	if (!S_ISREG(st.st_mode)) {
		f = fopen(out, "w");
		if (!f)
			return error("render: cannot open %s: %s", out, strerror(errno));
		err = render_stream(f, out, r, t, o);
		if (fclose(f) && !err)
			err = error("render: writing %s: %s", out, strerror(errno));
		return err;
	}
	real = realpath(out, NULL);
	if (!real)
		return error("render: cannot resolve %s: %s", out, strerror(errno));
	err = render_to_file(real, r, t, o);
	free(real);
	return err;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) || stat(b, &sb) || !S_ISREG(sa.st_mode))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
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
	const char *in = "-", *out = NULL;
	struct recording *rec = NULL;
	struct trace *t = NULL;
	unsigned long long v;
	int32_t pid = 0;
	int c, ret = EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:d:o:h", longopts, NULL)) != -1) {
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
			if (parse_uint(optarg, 1000000, &v) || v == 0) {
				error("render: --top: '%s' is not a number from 1 to 1000000", optarg);
				return EXIT_USAGE;
			}
			opts.top = (unsigned)v;
			break;
		case OPT_SORT:
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
			if (parse_uint(optarg, UINT_MAX, &v)) {
				error("render: --max-bars: '%s' is not a number", optarg);
				return EXIT_USAGE;
			}
			opts.max_bars = (unsigned)v;
			break;
		case OPT_MIN_DURATION:
			if (parse_duration(optarg, &opts.min_duration_ns)) {
				error("render: --min-duration: '%s' is not a duration (e.g. 5ms, 250us, 1s)",
				      optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			/* getopt said what is wrong */
			fputs("Try 'proctrace render --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		error("render: one recording at a time (got %d)", argc - optind);
		return EXIT_USAGE;
	}
	if (optind < argc)
		in = argv[optind];
	if (out && strcmp(in, "-") && same_file(in, out)) {
		error("render: -o %s is the input file: refusing to overwrite it", out);
		return EXIT_USAGE;
	}

	if (recording_load(&rec, in))
		goto cleanup;
	recording_sort(rec);
	if (rec->has_end && rec->end.lost > 0)
		warning("%s: %llu events were lost while recording: this view is incomplete",
			rec->name, (unsigned long long)rec->end.lost);
	if (trace_build(&t, rec, pid))
		goto cleanup;
	if (render_output(out, r, t, &opts))
		goto cleanup;
	ret = EXIT_OK;
cleanup:
	trace_free(t);
	recording_free(rec);
	return ret;
}
