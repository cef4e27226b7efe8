/* record/running.h: record --all and -p: the processes already there, filters, the tree's end. */
#ifndef PROCTRACE_RUNNING_H
#define PROCTRACE_RUNNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/jsonl.h"

/*
 * What a system-wide (--all) or attached (-p) recording keeps on the side
 * of the events: the CPU each process already running had used when the
 * walk saw it (its Exit then counts from the recording's start), the
 * --comm/--uid filters and which processes they keep, and, for -p, which
 * processes of the tree are alive (the recording ends when none is).
 */
struct sysrec;

struct sysrec_opts {
	const char *const *comm; /* --comm NAMEs, ncomm of them */
	uint32_t ncomm;
	const uint32_t *uid;     /* --uid UIDs, nuid of them */
	uint32_t nuid;
	bool track_live;         /* -p: count the tree's living processes */
};

/* New state (borrows o's arrays); NULL if out of memory. */
struct sysrec *sysrec__new(const struct sysrec_opts *o);
void sysrec__free(struct sysrec *s);

/* Whether filters are set: events are then kept or not by sysrec__keep(). */
bool sysrec__filtering(const struct sysrec *s);

/*
 * Take in the walk's whole output (pt_running and pt_walk_thread records,
 * len bytes): each process's CPU so far, and which of the Running
 * processes the filters keep (a match, or a descendant of one, whatever the
 * order the walk met them in). Returns 0, -EINVAL for a malformed record,
 * or -ENOMEM.
 */
int sysrec__walk(struct sysrec *s, const void *buf, size_t len);

/*
 * Whether to write ev (decoded from the kernel; for an Exec, kflags are the
 * record's PT_EXEC_* flags), updating what is known: a Running or Exec
 * that matches a filter is kept from then on with all its descendants
 * (their Forks), a kept process is forgotten at its Exit. Also counts the
 * tree's living processes (track_live). Without filters, always true.
 */
bool sysrec__keep(struct sysrec *s, const struct event *ev, uint32_t kflags);

/*
 * An Exit of a process that was already running when the walk saw it:
 * take the CPU it had used then off user_ns and system_ns, so that they
 * count from the recording's start.
 */
void sysrec__exit_cpu(struct sysrec *s, struct event *ev);

/* The same for a Sample of such a process: its CPU so far, from the recording's start. */
void sysrec__sample_cpu(struct sysrec *s, struct event *ev);

/*
 * track_live: how many processes of the tree are alive (Running and Fork
 * seen, Exit not yet). sysrec__forget_gone() drops those no longer in
 * /proc (an Exit lost, or one that could not be told: a process ending
 * as the walk met it), and returns the count after.
 */
uint64_t sysrec__live(const struct sysrec *s);
uint64_t sysrec__forget_gone(struct sysrec *s);

/* The kernel's comm of a program run as filename: its basename, cut to 15 bytes. */
void sysrec__comm_of(const char *filename, char *comm, size_t size);

#endif
