/* render/syscalls.h: syscall counts in views: the syscalls view, and the summary's top syscalls per command. */
#ifndef PROCTRACE_RENDER_SYSCALLS_H
#define PROCTRACE_RENDER_SYSCALLS_H

#include <stdbool.h>
#include <stdio.h>

#include "render/trace.h"

/* Whether rec has syscall counts: its header says --syscalls, or it has Syscalls lines. */
bool syscalls_recorded(const struct recording *rec);

/*
 * The summary's section on syscalls: the o->top commands that made the most
 * syscalls, each with its most frequent ones. Prints nothing for a
 * recording without syscall counts. Returns 0 or a negative errno.
 */
int summary_syscalls_print(FILE *out, const struct trace *t, const struct render_opts *o);

#endif
