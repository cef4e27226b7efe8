/* formats/recording.h: a whole recording read into memory, from any supported shape. */
#ifndef PROCTRACE_RECORDING_H
#define PROCTRACE_RECORDING_H

#include "formats/jsonl.h"

/*
 * A recording owns its events and every string they point to (an arena):
 * they stay valid until recording_free(). Events are in file order until
 * recording_sort().
 *
 * Accepted input: format 1 (design.md) and every shape of the original
 * proctrace: Exec whose cmdline is null, a string or an array; separate
 * ExecFilename/ExecArgs lines and ExecFull (merged into the Exec they
 * belong to); BadExec with only pid; Exit without status; no seq; no header.
 */
/*
 * The tool named in the header that sort gives a recording of the original
 * proctrace (which wrote no header and no End line), followed by
 * " (converted by proctrace X.Y.Z)".
 */
#define RECORDING_LEGACY_TOOL "original proctrace"

struct recording {
	const char *name;       /* the file name used in messages ("-" is "<stdin>") */
	bool has_header;
	struct rec_header hdr;  /* valid if has_header */
	bool has_end;
	struct rec_end end;     /* valid if has_end */
	struct event *ev;
	size_t n;
	size_t unknown;         /* lines of unknown event types, skipped */
	bool truncated_tail;    /* the last line was cut (recorder killed, disk full) */
	bool cut_short;         /* truncated_tail, or a format-1 header with no End line */
	struct recording_priv *priv;
};

/*
 * Read path ("-" is stdin). On bad input prints
 * "proctrace: error: FILE:LINE: what is wrong" and returns -EINVAL; other
 * failures print once and return a negative errno. Warnings (truncated last
 * line, a header without an End line, unknown event types) are printed once
 * on stderr.
 * On success *out is new, caller frees with recording_free().
 */
int recording_load(struct recording **out, const char *path);

/*
 * Order events by timestamp; at one timestamp, events with seq first, in
 * seq order, then those without, in file order. A total order: sorting a
 * sorted recording changes nothing.
 */
void recording_sort(struct recording *r);

/*
 * The pid the recording is about: the header's root_pid, else 0 for a
 * system-wide recording (record --all without CMD), else the first
 * Fork's child (or that Fork's parent when the parent has events of its
 * own: the recording began inside the command), else the first event's pid.
 */
int32_t recording_root_pid(const struct recording *r);

void recording_free(struct recording *r);

#endif
