/* render/summary.h: the summary as an accumulator, fed events in time order, printed any time. */
#ifndef PROCTRACE_SUMMARY_H
#define PROCTRACE_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "formats/jsonl.h"
#include "render/trace.h"

/*
 * The summary is built incrementally, so that the same code and state serve
 * `render -f summary` (fed a whole sorted recording) and a live summary
 * printed while `record` runs (fed events as the recorder sees them):
 *
 *	struct summary *s = summary_new(&opts);
 *	summary_header(s, &hdr);              // optional: failed_execs, command
 *	for each event, in time order:
 *		summary_add(s, ev);           // O(1) but for the subtree walk (the depth)
 *	summary_advance(s, now);              // optional: time goes on with no event
 *	summary_print(s, out, NULL, SUMMARY_TEXT);   // any number of times
 *	summary_end(s, &end, end_ts);         // the recording ended: every live process too
 *	summary_print(s, out, trace, SUMMARY_JSON);
 *	summary_free(s);
 *
 * Ownership: summary_add() and summary_header() copy what they keep (names,
 * argv as text), so events may be freed right after (the recorder's scratch
 * buffers). State is per live process and per distinct command name, plus
 * one record per failed process and the --top slowest: a print costs the
 * number of command names and failures, not the recording's length.
 *
 * What needs the whole process tree, the critical path, comes from an
 * optional struct trace given to summary_print() (t->crit); without one the
 * section is left out. Everything else comes from the events alone.
 *
 * Until summary_end(), a live process counts in the header, the
 * concurrency and the top commands' COUNT, ELAPSED and OWN up to the last
 * time seen; the subtrees, the histogram, the failures and the slowest
 * count ended processes only.
 */
struct summary;

enum summary_format { SUMMARY_TEXT, SUMMARY_JSON };

struct summary_opts {
	unsigned top;              /* lines of each list (0: 10) */
	enum summary_sort sort;    /* the order of the top lists */
	/*
	 * The process the summary is about: the first one seen with this pid
	 * (0: the first process seen; negative: none, a system-wide recording
	 * is about no process in particular). A Fork of it from an unknown parent
	 * makes no process of that parent (the recorder, or the part of the
	 * tree --pid left out).
	 */
	int32_t root_pid;
	/* The root is the recorded command: the header's command and the End line's exit_code are its. */
	bool root_is_recorded;
};

/* A new, empty summary (NULL if out of memory); o is copied. Free with summary_free(). */
struct summary *summary_new(const struct summary_opts *o);
void summary_free(struct summary *s);

/*
 * Start the counts again (record --clear): what ended is forgotten, the
 * processes still alive are not: they go on being tracked, counted from
 * now, and their later Exit counts in the next period.
 */
void summary_clear(struct summary *s);

/* What the recording's header says: whether failed execs were recorded, the command. Copied. */
int summary_header(struct summary *s, const struct rec_header *h);

/*
 * One event, in time order ((timestamp, seq) as recording_sort() puts
 * them). Samples and unknown types are ignored. Returns 0 or -ENOMEM.
 */
int summary_add(struct summary *s, const struct event *ev);

/*
 * The live process holding pid, if any, ended at ts without an Exit: a
 * process the summary is not fed (outside render --pid's subtree) took its
 * pid, as the model (render/trace.c) ends it. Returns 0 or -ENOMEM.
 */
int summary_pid_taken(struct summary *s, int32_t pid, uint64_t ts);

/* Time has gone on to now (ns on the recording's clock) with no event. */
void summary_advance(struct summary *s, uint64_t now);

/*
 * The recording ended at ts (e may be NULL: no End line): every process
 * still alive ends there, without an Exit. Call once, after the last event.
 */
int summary_end(struct summary *s, const struct rec_end *e, uint64_t ts);

/*
 * Write the summary to out as text or as one JSON object (its schema is in
 * proctrace-render(1)). t, if not NULL, is the model of the same events,
 * for the critical path. Returns 0, -ENOMEM or -EIO.
 */
int summary_print(struct summary *s, FILE *out, const struct trace *t, enum summary_format f);

/*
 * An Exec's argv as the summary shows it: shell-quoted, control characters
 * as '?', cut after 200 bytes with "..."; its filename without argv;
 * "(unknown)" for exec NULL or nothing. New string, caller frees; NULL if
 * out of memory.
 */
char *summary_cmdline(const struct event *exec);

#endif
