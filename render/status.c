/* render/status.c: how a process ended, and the names of signals. */
#include <stdio.h>

#include "render/status.h"

void proc_status(const struct proc *p, struct proc_status *s)
{
	const struct event *x = p->exit;

	*s = (struct proc_status){ .outcome = OUTCOME_UNKNOWN };
	if (!x) {
		if (p->ended_by_recording)
			s->outcome = OUTCOME_RUNNING;
		return;
	}
	if (x->flags & EVF_RUSAGE) {
		s->has_rusage = true;
		s->user_ns = x->u.exit.user_ns;
		s->system_ns = x->u.exit.system_ns;
		s->max_rss_kb = x->u.exit.max_rss_kb;
	}
	if (!(x->flags & EVF_STATUS))
		return;
	s->code = x->u.exit.code;
	if (x->flags & EVF_SIGNALED) {
		s->outcome = OUTCOME_KILLED;
		s->core = x->flags & EVF_CORE;
	} else {
		s->outcome = s->code ? OUTCOME_FAILED : OUTCOME_OK;
	}
}

/*
 * The numbers of the generic Linux ABI (x86, arm64, riscv and most others
 * share it), not the host's <signal.h>: a recording may come from another
 * machine.
 */
static const char *const signames[32] = {
	[1] = "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
	"SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
	"SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};

const char *signal_name(int sig, char *buf, size_t len)
{
	if (sig > 0 && sig < 32)
		return signames[sig];
	snprintf(buf, len, "signal %d", sig);
	return buf;
}
