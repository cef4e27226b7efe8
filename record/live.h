/* record/live.h: the recorder's events as they arrive: the exec log of 'proctrace snoop', and an output that never holds the recorder up. */
#ifndef PROCTRACE_LIVE_H
#define PROCTRACE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/jsonl.h"
#include "record/recorder.h"

/*
 * Lines written to an fd by a thread of their own, so that a slow reader
 * (a terminal, a pager, a full pipe) never holds up the recorder, whose
 * ring buffer would then fill and lose events, those of a recording
 * written at the same time too. Lines that do not fit in what is queued
 * (cap bytes) are not printed, and counted.
 */
#define LIVE_OUT_DEFAULT_CAP (16u << 20)

struct live_out;

/*
 * A new output to fd (borrowed; named name in messages), queueing up to
 * cap bytes. Starts its thread with every signal blocked. Returns 0 with
 * *out new (free with live_out__free()), or a negative errno.
 */
int live_out__new(struct live_out **out, int fd, const char *name, size_t cap);

/*
 * Queue len bytes holding nlines whole lines; they are written the next
 * time the output is flushed. Returns false if they did not fit: they are
 * then counted in dropped and never written.
 */
bool live_out__put(struct live_out *o, const char *buf, size_t len, uint64_t nlines);

/* Have what is queued written now (the thread writes while the caller goes on). */
void live_out__flush(struct live_out *o);

/*
 * Write everything queued, waiting for it, and stop the thread. Returns 0,
 * or the first write error (negative errno; the lines not written then are
 * counted in failed).
 */
int live_out__close(struct live_out *o);

struct live_out_stats {
	uint64_t lines;   /* written */
	uint64_t dropped; /* not queued: the output did not keep up */
	uint64_t failed;  /* queued but not written: a write error */
};
void live_out__stats(struct live_out *o, struct live_out_stats *st);

/* Stops the thread if still running (without waiting for the queue); NULL is fine. */
void live_out__free(struct live_out *o);

/* The exec log: one line per exec (and with exits, per exit), as execsnoop prints them. */
enum live_time {
	LIVE_TIME_NONE,
	LIVE_TIME_RELATIVE, /* seconds since the recording started */
	LIVE_TIME_WALL,     /* local time of day */
};

struct live_log_opts {
	enum live_time time;
	bool exits;   /* a line for each process's exit */
	bool header;  /* the column names first */
	bool quiet;   /* no closing summary line (losses are always told) */
	bool failed;  /* failed execs are recorded: the closing line counts them */
	uint64_t start_real; /* CLOCK_REALTIME ns of timestamp 0 (set at start) */
};

struct live_log;

/* A new log printing to out (borrowed). Returns 0 or -ENOMEM. */
int live_log__new(struct live_log **l, const struct live_log_opts *o, struct live_out *out);
void live_log__free(struct live_log *l);

/* The hook that feeds l from the recorder (valid while l is). */
const struct recorder_hook *live_log__hook(struct live_log *l);

/* The column names line. */
int live_log__header(const struct live_log *l, struct sbuf *b);

/*
 * The line for ev, if it makes one (Exec, BadExec, and Exit with exits);
 * other events only update what the log knows of each process. Appends
 * to b; sets *lines to the lines added (0 or 1). Returns 0 or -ENOMEM.
 */
int live_log__format(struct live_log *l, struct sbuf *b, const struct event *ev, int *lines);

/*
 * What the log printed and lost, after the recorder's end: exec lines
 * (failed ones included), exit lines, and the lines not printed: lost in
 * the kernel (execs whose record the ring buffer had no room for) and
 * not written (the output did not keep up, or failed).
 */
struct live_log_stats {
	uint64_t execs, failed, exits; /* lines: execs, failed execs, exits */
	uint64_t lost_kernel;          /* exec lines lost in the kernel */
	uint64_t lost_other;           /* other events lost in the kernel (--exits: exit lines) */
	struct live_out_stats out;
	int out_err;
};
void live_log__stats(const struct live_log *l, struct live_log_stats *st);

/*
 * The summary of what has been recorded so far (record --summary), the
 * same code and numbers as 'render -f summary' (render/summary.h): fed
 * the events in time order, as render feeds a sorted recording, and
 * printed every interval, on SIGUSR1 and at the end. The recorder hands
 * events over nearly in time order (an Exit can come a little late, and
 * CPUs race): they wait LIVE_SUMMARY_WINDOW_NS in a heap, and go into the
 * summary in (timestamp, seq) order. A print costs what the summary
 * holds (command names, failures), not the length of the recording.
 */
#define LIVE_SUMMARY_WINDOW_NS (250 * 1000000ull)

struct live_summary_opts {
	unsigned top;             /* 0: the summary's default */
	int sort;                 /* enum summary_sort */
	bool clear;               /* reset after each print but the last */
	uint64_t interval_ns;     /* 0: only on SIGUSR1 and at the end */
	bool failed_execs;        /* the header's */
	char *const *command;     /* CMD's argv, borrowed */
};

struct live_summary;

/* A new live summary printing to fd (borrowed), named name in messages. Returns 0 or -ENOMEM. */
int live_summary__new(struct live_summary **out, const struct live_summary_opts *o, int fd,
		      const char *name);
const struct recorder_hook *live_summary__hook(struct live_summary *s);
void live_summary__free(struct live_summary *s);

#endif
