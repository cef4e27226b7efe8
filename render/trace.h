/* render/trace.h: the process model built once from a sorted recording, shared by every view. */
#ifndef PROCTRACE_TRACE_H
#define PROCTRACE_TRACE_H

#include <stdio.h>

#include "formats/recording.h"

/*
 * One exec image inside a process's life: from its Exec to the next Exec or
 * the process's end. A process already running when the recording started
 * has its Running event as its first image (same argv fields as an Exec),
 * from the process's start as the views count it: max(its start, 0).
 */
struct exec_span {
	const struct event *exec; /* the Exec event, or a Running */
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
	uint64_t start;               /* Fork time, max(start, 0) of a Running, or first event seen */
	uint64_t end;                 /* Exit time, or the recording's end */
	int32_t pid;
	uint32_t nexec;
	uint32_t nbadexec;
	uint32_t nbadmiss;            /* of nbadexec, those before a successful exec (trace_failed_execs()) */
	uint32_t depth;               /* 0 for a root */
	uint32_t first_event;         /* index of its first event in the event list */
	uint32_t index;               /* position in trace.procs (order of first appearance) */
	bool has_fork;
	bool running;                 /* already running when the recording started (a Running
					 event, execs[0]): its CPU in Exit counts from the
					 recording's start */
	bool ended_by_recording;      /* still running at the end: no Exit, pid not taken again */
	bool on_crit;                 /* on the critical path (trace.crit) */
};

/*
 * One link of the critical path: a process the end of the run waited for,
 * with the part of its life that is on the path and, of that, the time it
 * spent waiting on the next link.
 */
struct crit_link {
	const struct proc *p;
	uint64_t start, end;          /* ns: p's own stretch on the path */
	uint64_t wait;                /* ns of it spent waiting on the next link */
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
	/*
	 * The critical path from the root down: what the end of the run
	 * depended on (README: "The critical path"); ncrit is 0 when there
	 * is no process. Computed once, in trace_build().
	 */
	struct crit_link *crit;
	size_t ncrit;
};

/*
 * Build the model from a recording already sorted by recording_sort().
 * If root_pid > 0, the model keeps only that process's subtree (the first
 * process with that pid; error -ESRCH with a message if there is none), and
 * that process is t->root.
 * *out is new, caller frees with trace_free(); it borrows rec.
 */
int trace_build(struct trace **out, const struct recording *rec, int32_t root_pid);
/*
 * The same, keeping the subtree of the nth process (1-based, in order of
 * fork) that had root_pid: --pid PID@N. nth 0 is trace_build()'s choice,
 * the first, with a note on stderr when the pid was reused (which one was
 * taken, and how to choose another). Error -ESRCH, said, if there is none.
 */
int trace_build_nth(struct trace **out, const struct recording *rec, int32_t root_pid,
		    unsigned nth);
/* Fill t->crit, t->ncrit and each link's on_crit, from t->root (called by trace_build()). */
int trace_critical_path(struct trace *t);
void trace_free(struct trace *t);

/*
 * The failed execs (BadExec) of t's processes, split as the summary splits
 * them (README: "What a build's summary says"): a failed exec followed by
 * a successful one in the same process is a PATH-search miss (execvp and
 * gcc try each directory), the others are real failures.
 */
void trace_failed_execs(const struct trace *t, uint64_t *misses, uint64_t *real);

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

/*
 * The name of the command an exec image ran, as every view names and groups
 * commands (README: "How a command is named"): argv[0]'s basename; the
 * script for an interpreter running one ("sh ./configure" -> "configure",
 * "python3 -m pytest" -> "pytest"); the subcommand for tools such as git
 * ("git gc"). Returns a string borrowed from exec's strings, a constant, or
 * buf (len bytes; TRACE_NAME_MAX is enough): valid while both are.
 */
#define TRACE_NAME_MAX 80
const char *trace_command_name(const struct event *exec, char *buf, size_t len);
/*
 * A process's command: that of its last exec image; for a process that
 * never exec'd, "(fork) " and the command of the image it inherited
 * (trace_fork_name()), so that a subshell of configure reads "(fork)
 * configure", not "configure"; "(unknown)" if it inherited none.
 */
const char *trace_proc_name(const struct proc *p, char *buf, size_t len);
/*
 * The name of a process that forked and never exec'd, running inherited
 * (a trace_command_name()): "(fork) inherited", written in buf (len bytes),
 * cut if need be. Every view and list that names a process says it so.
 */
#define TRACE_FORK_PREFIX "(fork) "
const char *trace_fork_name(const char *inherited, char *buf, size_t len);

/*
 * Pack processes into lanes by time, as ninjatracing packs build steps, so
 * that a build of thousands of processes fits a screen: each process goes to
 * the lowest-numbered lane free at its start. lane_of has t->nprocs entries
 * (by proc index); *nlanes is the number of lanes used. Returns 0 or -ENOMEM.
 */
int trace_lanes(const struct trace *t, uint32_t *lane_of, uint32_t *nlanes);

/*
 * The most processes of t alive at once, into *peak (trace_build()'s order
 * of events settles ties of time). Returns 0 or -ENOMEM.
 */
int trace_peak_concurrency(const struct trace *t, uint64_t *peak);

enum summary_sort { SORT_COUNT, SORT_TIME, SORT_CPU };

struct render_opts {
	/* summary */
	unsigned top;              /* --top N (default 10) */
	enum summary_sort sort;    /* --sort */
	bool json;                 /* --json: summary and critical-path as JSON */
	/* mermaid */
	unsigned max_bars;         /* draw N bars, those that matter most (0 = the default, 50) */
	bool all_bars;             /* draw every bar, whatever max_bars says */
	uint64_t min_duration_ns;  /* drop bars shorter than this (0 = none) */
	/* tree: 0 in fold and width means the view's default */
	unsigned fold;             /* --fold N: fold N or more same-command siblings (UINT_MAX = never) */
	unsigned width;            /* --width N: cut argv to fit N columns (UINT_MAX = never cut) */
	unsigned depth;            /* --depth N: levels shown below each root, if has_depth */
	bool has_depth;
	bool color;                /* ANSI colours (--color, NO_COLOR, a terminal) */
	bool ascii;                /* --ascii: ASCII connectors and marks */
	/* metrics */
	uint64_t interval_ns;      /* --interval (0 = the recording's sample interval, else 1s) */
};

/* One interval of the metrics view (render -f metrics prints one a line). */
struct metrics_row {
	uint64_t ts;               /* its start, ns of the recording's clock */
	uint64_t processes;        /* the most alive at once in it */
	uint64_t threads, rss_kb, swap_kb; /* if gauges */
	double cores;              /* CPU time used in it / its length */
};

struct metrics_series {
	struct metrics_row *rows;
	size_t n;
	uint64_t interval;         /* ns */
	bool gauges;               /* threads, rss_kb and swap_kb are known: the recording has Samples */
};

/*
 * The metrics view's series (render/metrics.c says how each column is
 * computed): every interval_ns (0: the recording's sample interval, else
 * 1 s) from the first process's start to the end. When that makes more
 * rows than the view allows, -E2BIG with a message, unless widen: then the
 * interval is doubled until they fit. Free with trace_metrics_free().
 */
int trace_metrics(const struct trace *t, uint64_t interval_ns, bool widen, struct metrics_series *out);
/* Whether the recording has Samples (or says it was sampled): what the series' gauges need. */
bool trace_sampled(const struct trace *t);
/*
 * The series the graphical views (Perfetto, html) plot: trace_metrics()
 * at the recording's sample interval, widened to fit; an empty series
 * for a recording without Samples, which gets no plot (nor the series'
 * cost, its state per process). Free with trace_metrics_free().
 */
int trace_plotted_metrics(const struct trace *t, struct metrics_series *out);
void trace_metrics_free(struct metrics_series *s);

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
int render_critical_path(FILE *out, const struct trace *t, const struct render_opts *o);
int render_tree(FILE *out, const struct trace *t, const struct render_opts *o);
int render_perfetto(FILE *out, const struct trace *t, const struct render_opts *o);
int render_html(FILE *out, const struct trace *t, const struct render_opts *o);
int render_metrics(FILE *out, const struct trace *t, const struct render_opts *o);
int render_processes(FILE *out, const struct trace *t, const struct render_opts *o);
int render_syscalls(FILE *out, const struct trace *t, const struct render_opts *o);

#endif
