/* cmd/sort.c: 'proctrace sort': order a recording by time and write it out in format 1. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "formats/recording.h"

#define FLUSH_AT (64u << 10)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: proctrace sort [-o FILE] [FILE|-]\n\n"
		"Orders a recording's events by timestamp and writes it out in format 1:\n"
		"the Recording header first, the End line last. At one timestamp, events\n"
		"with seq come first, in seq order, then those without (recordings of the\n"
		"original proctrace) in file order. The original proctrace's split\n"
		"ExecFilename/ExecArgs/ExecFull lines come out as one Exec line each, and\n"
		"its recordings get a header naming the root process.\n"
		"Reads FILE, or stdin if FILE is '-' or missing.\n\n"
		"Options:\n"
		"  -o, --output FILE  write to FILE instead of stdout; FILE may be the\n"
		"                     input file (sorted in place, replaced atomically)\n"
		"  -h, --help         show this help\n\n"
		"Exit status: 0 ok, 1 bad input or a write failure, 2 usage error.\n\n"
		"EXAMPLES\n"
		"  proctrace sort -o sorted.jsonl build.jsonl\n"
		"  proctrace sort -o build.jsonl build.jsonl      # in place\n"
		"  cat old-proctrace.jsonl | proctrace sort - > new.jsonl\n\n"
		"See proctrace-sort(1) for every option and corner case.\n");
}

/* Writes the whole recording to f through one buffer, flushed every FLUSH_AT bytes. */
static int write_recording(FILE *f, void *ctx)
{
	const struct recording *r = ctx;
	struct sbuf b = { 0 };
	int ret = 0;

	if (r->has_header && (ret = jsonl_write_header(&b, &r->hdr)))
		goto cleanup;
	for (size_t i = 0; i < r->n; i++) {
		if ((ret = jsonl_write_event(&b, &r->ev[i])))
			goto cleanup;
		if (b.len >= FLUSH_AT && (ret = sbuf_flush(f, &b)))
			goto cleanup;
	}
	if (r->has_end && (ret = jsonl_write_end(&b, &r->end)))
		goto cleanup;
	ret = sbuf_flush(f, &b);
cleanup:
	sbuf_free(&b);
	return ret;
}

/*
 * Format 1 starts with a header; recordings of the original proctrace have
 * none. Give them one with what the events tell: the root (as every view
 * finds it) and the argv of its first exec; what they do not tell (start
 * time, host, kernel) stays empty.
 */
static void make_header(struct recording *r)
{
	struct rec_header *h = &r->hdr;

	memset(h, 0, sizeof(*h));
	h->format = PROCTRACE_FORMAT;
	h->tool = RECORDING_LEGACY_TOOL " (converted by proctrace " PROCTRACE_VERSION ")";
	h->root_pid = recording_root_pid(r);
	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &r->ev[i];

		if (e->type == EV_EXEC && e->pid == h->root_pid && (e->flags & EVF_CMDLINE)) {
			h->command = e->u.exec.argv;
			h->command_len = e->u.exec.argc;
			break;
		}
	}
	r->has_header = true;
}

int cmd_sort(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct recording *r = NULL;
	struct output *o = NULL;
	const char *out = NULL, *in = "-";
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			option_error("sort", c, argv);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		error("sort: too many arguments (one recording at a time; try 'proctrace sort --help')");
		return EXIT_USAGE;
	}
	if (optind < argc)
		in = argv[optind];
	if (out && !*out) {
		error("sort: -o needs a file name");
		return EXIT_USAGE;
	}

	/* -o may name the input: it is replaced only once the output is whole */
	ret = EXIT_FAIL;
	if (output_open(&o, out) || input_load(&r, in, "sort"))
		goto cleanup;
	if (r->has_end && r->end.has_lost && r->end.lost)
		warning("%llu %s lost while recording; the recording is incomplete",
			(unsigned long long)r->end.lost, r->end.lost == 1 ? "event was" : "events were");
	recording_sort(r);
	if (!r->has_header && r->n)
		make_header(r);
	if (!output_write(o, write_recording, r))
		ret = EXIT_OK;
cleanup:
	output_free(o);
	recording_free(r);
	return ret;
}
