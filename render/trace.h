/* render/trace.h: the process model built once from a sorted recording, shared by every view. */
#ifndef PROCTRACE_TRACE_H
#define PROCTRACE_TRACE_H

#include <stdio.h>

#include "formats/recording.h"

/* One exec image inside a process's life: from its Exec to the next Exec or the process's end. */
struct exec_span {
	const struct event *exec; /* the Exec event */
	uint64_t start, end;      /* ns; end = next exec, exit, or recording end */
};

/*
 * A process, identified by (pid, start) — never by pid alone. Children are
 * linked in fork order. A process with no Exit ends when its pid is taken
 * again, else with the recording (ended_by_recording).
 */
struct proc {
	const struct event *fork;     /* NULL if not seen */
	const struct event *exit;     /* NULL if not seen */
	struct proc *parent;          /* NULL for a root */
	struct proc *first_child, *last_child, *next_sibling;
	struct exec_span *execs;      /* nexec spans, in time order */
	/*
	 * The image p runs from its fork until its first exec: its parent's
	 * image current at the fork (the parent's own inherited one if it had
	 * not exec'd yet). NULL for a root, or when no ancestor had exec'd.
	 */
	const struct exec_span *inherited;
	uint64_t start;               /* Fork time, or first event seen */
	uint64_t end;                 /* Exit time, or the recording's end */
	int32_t pid;
	uint32_t nexec;
	uint32_t nbadexec;
	uint32_t depth;               /* 0 for a root */
	uint32_t first_event;         /* index of its first event in the event list */
	uint32_t index;               /* position in trace.procs (order of first appearance) */
	bool has_fork;
	bool ended_by_recording;      /* still running at the end: no Exit, pid not taken again */
};

struct trace {
	const struct recording *rec;  /* borrowed, sorted */
	struct proc *procs;           /* nprocs, in order of first appearance */
	size_t nprocs;
	struct proc **roots;          /* top-level processes, in order of appearance */
	size_t nroots;
	/* Every process's exec spans, one array in process order: p->execs points into it. */
	struct exec_span *spans;
	size_t nspans;
	/* For every event of rec, the process it belongs to (NULL if none). */
	struct proc **proc_of_event;
	uint64_t start, end;          /* first and last timestamps (end: End line if any) */
	/*
	 * The process the views are about: the one --pid chose, else the
	 * recorded command, the first process with recording_root_pid(). NULL
	 * only when there is no process. root_is_recorded: it is the recorded
	 * command, so the header's command and the End line's exit_code are its.
	 */
	const struct proc *root;
	bool root_is_recorded;
};

/*
 * Build the model from a recording already sorted by recording_sort().
 * If root_pid > 0, the model keeps only that process's subtree (the first
 * process with that pid; error -ESRCH with a message if there is none), and
 * that process is t->root.
 * *out is new, caller frees with trace_free(); it borrows rec.
 */
int trace_build(struct trace **out, const struct recording *rec, int32_t root_pid);
void trace_free(struct trace *t);

/* True if event i belongs to the (possibly re-rooted) tree. */
static inline bool trace_has_event(const struct trace *t, size_t i)
{
	return t->proc_of_event[i] != NULL;
}

/* The event index where p begins: its Fork, else its first event. */
static inline size_t trace_creation_event(const struct trace *t, const struct proc *p)
{
	return p->fork ? (size_t)(p->fork - t->rec->ev) : p->first_event;
}

enum summary_sort { SORT_COUNT, SORT_TIME, SORT_CPU };

struct render_opts {
	/* summary */
	unsigned top;              /* --top N (default 10) */
	enum summary_sort sort;    /* --sort */
	/* mermaid */
	unsigned max_bars;         /* keep the N longest bars (0 = all) */
	uint64_t min_duration_ns;  /* drop bars shorter than this (0 = none) */
};

/* Every renderer is pure: it reads t and o, writes to out, returns 0 or a negative errno. */
typedef int (*render_fn)(FILE *out, const struct trace *t, const struct render_opts *o);

struct renderer {
	const char *name;
	render_fn fn;
	const char *summary;
};

/* The table of views, ending in { 0 }. */
extern const struct renderer renderers[];
const struct renderer *renderer_find(const char *name);

int render_multiplexed(FILE *out, const struct trace *t, const struct render_opts *o);
int render_by_process(FILE *out, const struct trace *t, const struct render_opts *o);
int render_mermaid(FILE *out, const struct trace *t, const struct render_opts *o);
int render_summary(FILE *out, const struct trace *t, const struct render_opts *o);

#endif
