/* render/status.h: how a process ended, told the same way by the views that show it (tree, perfetto). */
#ifndef PROCTRACE_STATUS_H
#define PROCTRACE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/trace.h"

enum proc_outcome {
	OUTCOME_OK,       /* exit code 0 */
	OUTCOME_FAILED,   /* a non-zero exit code */
	OUTCOME_KILLED,   /* killed by a signal */
	OUTCOME_RUNNING,  /* no Exit: still running when the recording ended */
	OUTCOME_UNKNOWN,  /* an Exit without a status (original proctrace), or a lost Exit */
};

struct proc_status {
	enum proc_outcome outcome;
	int code;             /* OK, FAILED: the exit code; KILLED: the signal */
	bool core;            /* KILLED: a core was dumped */
	bool has_rusage;      /* the Exit gave the CPU times and the peak RSS below */
	uint64_t user_ns, system_ns, max_rss_kb;
};

/* How p ended, from its Exit event. */
void proc_status(const struct proc *p, struct proc_status *s);

/* Whether the outcome is a failure: a non-zero exit or a kill. */
static inline bool proc_failed(const struct proc_status *s)
{
	return s->outcome == OUTCOME_FAILED || s->outcome == OUTCOME_KILLED;
}

/*
 * The name of Linux signal sig ("SIGKILL"), a constant; for a signal
 * without one (real-time signals), "signal N" written in buf (len >= 16).
 */
const char *signal_name(int sig, char *buf, size_t len);

#endif
