/* render/diff.h: what changed between two recordings ('proctrace diff'). */
#ifndef PROCTRACE_DIFF_H
#define PROCTRACE_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "formats/jsonl.h"
#include "render/trace.h"

enum diff_side { DIFF_A, DIFF_B };
enum diff_sort { DIFF_SORT_WALL, DIFF_SORT_CPU, DIFF_SORT_COUNT };

struct diff_opts {
	unsigned top;        /* rows per list; 0: every row */
	enum diff_sort sort; /* which absolute change orders the changed commands */
};

/*
 * A diff holds what it needs of each recording in memory of its own: per
 * command name its count, wall and CPU; per command line (argv normalised,
 * see diff_normalise_arg()) a 64-bit hash and its counts; the totals and
 * the critical path. So one recording can be freed before the next is read,
 * and the two are never in memory at once.
 *
 * Use: diff__new(); diff__add(A); free A's trace and recording;
 * diff__add(B); free B's; if diff__wants_texts(), diff__add_texts() with A
 * read again; then diff__render_*().
 */
struct diff;

/* *out is new; caller frees with diff__free(). Returns 0 or -ENOMEM. */
int diff__new(struct diff **out, const struct diff_opts *o);
void diff__free(struct diff *d);

/*
 * Add side s (A first, then B) from t, whose recording is named file in
 * the output. keep_texts (A only): copy the text of each distinct command
 * line now, for a recording that cannot be read again (stdin, a pipe); else
 * the texts of the lines only in A that will be shown are read by
 * diff__add_texts(). Nothing of t is kept after the call. 0 or -ENOMEM.
 */
int diff__add(struct diff *d, enum diff_side s, const struct trace *t, const char *file,
	      bool keep_texts);

/* Whether lines only in A are to be shown whose texts were not kept. */
bool diff__wants_texts(const struct diff *d);

/* The texts diff__wants_texts() wants, from A read again (t). 0 or -ENOMEM. */
int diff__add_texts(struct diff *d, const struct trace *t);

/* The text view and the JSON view (proctrace-diff(1)). 0 or a negative errno. */
int diff__render_text(FILE *out, const struct diff *d);
int diff__render_json(FILE *out, const struct diff *d);

/*
 * How much B's wall time grew over A's, in % (negative: it shrank); +inf
 * when A's is 0 and B's is not.
 */
double diff__wall_growth(const struct diff *d);

/*
 * Append argument a to b normalised, as diff compares command lines: the
 * parts that change from run to run of the same command (temporary names,
 * pids, hashes, timestamps) replaced by placeholders (proctrace-diff(1),
 * "COMMAND LINES"). Returns 0 or -ENOMEM.
 */
int diff_normalise_arg(struct sbuf *b, const char *a);

#endif
