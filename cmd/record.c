/* cmd/record.c: 'proctrace record' option parsing, output file and privileges. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cmd/cmd.h"
#include "cmd/record.h"
#include "record/live.h"
#include "record/recorder.h"
#include "render/trace.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: proctrace record [OPTIONS] [--] CMD [ARGS...]\n"
		"       proctrace record --all [OPTIONS] [-- CMD [ARGS...]]\n"
		"       proctrace record -p PID [OPTIONS]\n\n"
		"Runs CMD and records its whole process tree with eBPF: every fork, exec\n"
		"(with the exact argv and working directory), exit (status, CPU time, max\n"
		"RSS), and change of session or process group (setsid, setpgid), as JSON\n"
		"lines, with each live process's CPU and memory every second (Sample);\n"
		"failed execs too with --failed-execs. CMD is held until tracing has started,\n"
		"so nothing is missed; orphans are followed too, and the recording ends\n"
		"when the last process of the tree has exited. CMD's stdin, stdout and\n"
		"stderr are left alone; Ctrl-C reaches CMD as usual, and SIGINT, SIGQUIT,\n"
		"SIGTERM and SIGHUP sent to the recorder are passed on to CMD. Once CMD\n"
		"has exited, any of them (a Ctrl-C too) ends the recording as -x would:\n"
		"the orphans left run on, untraced; before tracing has started, any of\n"
		"them cancels the start (CMD never runs, no file is left).\n\n"
		"Needs root (or CAP_BPF and CAP_PERFMON) in the initial user namespace,\n"
		"and the initial pid namespace for CMD or -p (in a container, only --all).\n"
		"Under sudo, CMD runs as the invoking user, with the environment\n"
		"'sudo -u USER' gives (HOME, USER, LOGNAME, SHELL, MAIL), and FILE (or\n"
		"the default file) is opened as that user, never as root: it must be\n"
		"one the user may create or write, and a file made is the user's.\n\n"
		"Options:\n"
		"  -o, --output FILE      write to FILE ('-' for stdout); default: a new\n"
		"                         proctrace-YYYYMMDD-HHMMSS.jsonl in the current\n"
		"                         directory, named on stderr once tracing has\n"
		"                         started\n"
		"  -f, --force            overwrite FILE if it exists (once tracing has\n"
		"                         started: if it cannot, FILE is left as it was)\n"
		"  -x, --no-wait          stop when CMD exits; do not wait for orphans\n"
		"      --buffer-size SIZE kernel ring buffer size in bytes, a power of two\n"
		"                         (K, M, G suffixes; default 4M); events that do\n"
		"                         not fit are counted as lost\n"
		"      --failed-execs     also record failed execs (BadExec lines, such as\n"
		"                         each miss of a PATH search): this hooks the exit\n"
		"                         of every syscall, which makes every syscall on\n"
		"                         the machine slower (about 85 ns) while recording\n"
		"      --sample-interval DUR\n"
		"                         every DUR, a Sample of each live process of the\n"
		"                         tree: CPU so far, resident memory, swap, threads\n"
		"                         (DUR with a unit: 10ms at least, 1s, 1m, 8760h\n"
		"                         at most; 'off' for none; default 1s)\n"
		"      --syscalls         also count every syscall of every process, by\n"
		"                         syscall (Syscalls lines, at each exec and exit;\n"
		"                         render -f syscalls shows them): this hooks the\n"
		"                         entry of every syscall, which makes every syscall\n"
		"                         on the machine slower while recording. With --all\n"
		"                         or -p, a process already running is counted from\n"
		"                         when it is first seen (its Running line), and one\n"
		"                         still alive at the end gets its counts then\n"
		"  -q, --quiet            print neither the file name nor the summary line\n"
		"  -h, --help             show this help\n\n"
		"Summary while recording (trexec's top-N):\n"
		"      --summary          print the summary of what has been recorded so far\n"
		"                         (what 'render -f summary' prints of the same events)\n"
		"                         at the end, every --interval, and at once on\n"
		"                         SIGUSR1 (kill -USR1 PID): each of the events up to\n"
		"                         that moment, printed a quarter of a second later\n"
		"      --interval DUR     every DUR, which needs a unit: ms, s, m or h (500ms,\n"
		"                         30s, 10m, 2h; at most 8760h, a year)\n"
		"      --summary-file FILE  append the summaries to FILE (opened as the user\n"
		"                         under sudo), not stderr\n"
		"      --clear            reset the counters after each summary (trexec -c)\n"
		"      --top N            lines of each top list (default 10)\n"
		"      --sort KEY         order the top lists by count, time or cpu\n\n"
	"\nSystem-wide and attached recording:\n"
		"      --all              record every process of the machine, until Ctrl-C,\n"
		"                         SIGTERM (or SIGHUP, SIGQUIT), --duration, --max-size,\n"
		"                         or, with CMD, CMD's exit. Under sudo, this shows the\n"
		"                         user every user's processes, argv included\n"
		"  -p, --pid PID          record process PID and all its descendants from now\n"
		"                         on, until that tree is gone (or as --all ends)\n"
		"                         Under sudo, only a process the invoking user could\n"
		"                         trace (ptrace's rule, as for strace -p: the same\n"
		"                         user, not a set-user-ID program). PID is held\n"
		"                         from the check on (a pidfd): if it ends before\n"
		"                         tracing starts, nothing is recorded (exit 1)\n"
		"                         With either, each process already running gets one\n"
		"                         Running line with its start time from the kernel\n"
		"                         (negative: before the recording); its Exit's CPU\n"
		"                         counts from the recording's start\n"
		"      --comm NAME        with --all or -p: keep a process whose comm (the\n"
		"                         kernel's 15-byte name) or argv[0]'s basename is NAME,\n"
		"                         and all its descendants (its whole subtree, whatever\n"
		"                         their names); repeat for more names\n"
		"      --uid UID          with --all or -p: keep a process whose real uid is\n"
		"                         UID (a number or a user name), and all its\n"
		"                         descendants; repeat for more. --comm and --uid\n"
		"                         together: both must match\n"
		"      --duration DUR     with --all or -p: stop after DUR, which needs a unit:\n"
		"                         ms, s, m or h (500ms, 30s, 10m, 2h; at most 8760h)\n"
		"      --max-size SIZE    with --all or -p: stop before the file passes SIZE\n"
		"                         bytes (K, M, G suffixes; from 4K), with its End line\n"
		"                         (End's \"stopped\" says why a recording ended:\n"
		"                         signal, duration, max-size, command or tree)\n\n"
		"Exit status: CMD's own, as a shell gives it (128+N if killed by signal N,\n"
		"127 if not found, 126 if found but it could not be run); 1 if recording\n"
		"failed; 2 on a usage error (contradictory options too, such as -p with a\n"
		"CMD, --duration with a CMD, -x with --all or -p, --comm without --all or\n"
		"-p); 128+N if signal N cancelled the start. --all or -p without CMD: 0\n"
		"once recorded, whatever ended it (-p: End's exit_code is PID's status,\n"
		"if its exit was seen).\n\n"
		"EXAMPLES\n"
		"  sudo proctrace record -- make -j8\n"
		"  sudo proctrace record -o build.jsonl -- sh -c 'make && make test'\n"
		"  sudo proctrace record -o - -q -- sh -c './configure >config.out' | jq -c 'select(.Exec)'\n"
		"  sudo proctrace record -x -o job.jsonl -- ./start-daemon.sh\n"
		"  sudo proctrace record --buffer-size 64M -o big.jsonl -- ninja\n"
		"  sudo proctrace record --failed-execs -o why.jsonl -- ./configure\n"
		"  sudo proctrace record --summary --interval 30s --summary-file top.txt -- ./nightly.sh\n"
		"  sudo proctrace record --sample-interval 100ms -o mem.jsonl -- make -j8\n"
		"  sudo proctrace record --syscalls -o sc.jsonl -- make test &&\n"
		"      proctrace render -f syscalls --top 20 sc.jsonl\n"
		"  sudo proctrace record --all --duration 30s -o machine.jsonl\n"
		"  sudo proctrace record --all --comm make --uid 1000 -o builds.jsonl\n"
		"  sudo proctrace record --all -o during.jsonl -- ./load-test.sh\n"
		"  sudo proctrace record --all --max-size 100M -o day.jsonl\n"
		"  sudo proctrace record -p \"$(pgrep -o -x make)\" -o attached.jsonl\n"
		"  sudo proctrace record --all --syscalls --duration 10s -o sc-all.jsonl\n\n"
		"See proctrace-record(1) for every option and corner case.\n");
}

int record_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char num[32];
	size_t len = s ? strlen(s) : 0;
	unsigned shift = 0;
	int err;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	}
	if (shift)
		num[len - 1] = 0;
	err = parse_uint(num, UINT64_MAX >> shift, &v);
	if (err)
		return err;
	*out = (uint64_t)v << shift;
	return 0;
}

/*
 * getopt's short options: record's, but for the letters extra x takes
 * for itself (snoop's -x is execsnoop's, not --no-wait), then x's.
 */
static void short_opts(char *buf, size_t size, const char *own, const struct record_extra *x)
{
	size_t n = 0;

	buf[n++] = '+'; /* stop at CMD, whose own options are not ours */
	buf[n++] = ':';
	for (const char *p = own; *p && n + 3 < size; p++) {
		bool colon = p[1] == ':';

		if (!(x && x->shortopts && strchr(x->shortopts, *p))) {
			buf[n++] = *p;
			if (colon)
				buf[n++] = ':';
		}
		p += colon;
	}
	for (const char *p = x && x->shortopts ? x->shortopts : ""; *p && n + 1 < size; p++)
		buf[n++] = *p;
	buf[n] = 0;
}

/* --uid UID: a number, or a user name the passwd database knows. */
static int parse_uid(const char *s, uint32_t *out)
{
	unsigned long long v;
	struct passwd *pw;

	/* (uid_t)-1 is no uid: setuid() takes it to mean "unchanged" */
	if (!parse_uint(s, UINT32_MAX - 1, &v)) {
		*out = (uint32_t)v;
		return 0;
	}
	if (!*s || *s == '-' || (*s >= '0' && *s <= '9'))
		return -EINVAL;
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*out = pw->pw_uid;
	return 0;
}

/*
 * Options that contradict each other, or need another: a usage error
 * naming both. Returns 0 or -EINVAL (printed).
 */
static int check_modes(const struct record_cli *c, bool has_cmd)
{
	const char *mode = c->all ? "--all" : c->pid ? "-p" : NULL;
	const char *name = c->name;
	/* snoop's -x is execsnoop's (failed execs); record's -x is its --no-wait */
	bool record = !strcmp(name, "record");
	const char *nowait = record ? "-x" : "--no-wait";
	const char *or_none = record ? "" : ", or no command (the whole machine)";

	if (c->all && c->pid)
		return error("%s: -p and --all contradict each other: -p records one tree, "
			     "--all every process", name);
	if (c->pid && has_cmd)
		return error("%s: -p and a command (CMD) contradict each other: -p records a "
			     "process that is already running", name);
	if (c->duration_ns && has_cmd)
		return error("%s: --duration and a command (CMD) contradict each other: the "
			     "recording ends when CMD exits", name);
	if (c->no_wait && mode)
		return error("%s: %s and %s contradict each other: %s is about the orphans of "
			     "a command recorded alone%s", name, nowait,
			     c->all && !has_cmd && !record ? "no command (the whole machine, as --all)" : mode,
			     nowait, c->all && (has_cmd || record) ? " (--all -- CMD stops at CMD's exit already)" : "");
	if ((c->ncomm || c->nuid) && !mode)
		return error("%s: %s needs --all or -p%s: it picks processes among every one, "
			     "or among a tree's", name, c->ncomm ? "--comm" : "--uid", or_none);
	if (c->duration_ns && !mode)
		return error("%s: --duration needs --all or -p%s (a command's recording ends "
			     "when it exits)", name, or_none);
	if (c->max_size && !mode)
		return error("%s: --max-size needs --all or -p%s", name, or_none);
	if (!has_cmd && !mode)
		return error("%s: no command given (usage: proctrace %s [OPTIONS] -- CMD "
			     "[ARGS...], or %s --all, or %s -p PID)", name, name, name, name);
	return 0;
}

int record_parse_interval(const char *s, uint64_t *out)
{
	int err;

	if (!strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	/* A bare number is more likely seconds meant than nanoseconds: ask (as for --duration). */
	err = parse_duration_unit(s, out);
	if (err == -EINVAL && !parse_duration(s, out)) {
		error("record: --sample-interval '%s' needs a unit (e.g. 10ms, 1s, 2.5s, 1m), or 'off'", s);
		return -EINVAL;
	}
	if (err == -EINVAL && parse_duration(s, out) == -ERANGE)
		err = -ERANGE;
	if (err == -ERANGE || (!err && *out < RECORDER_MIN_SAMPLE_INTERVAL)) {
		error("record: --sample-interval '%s' is %s (from 10ms to " DURATION_UNIT_MAX
		      "), or 'off'", s, err ? "too long" : "too short");
		return -EINVAL;
	}
	if (err) {
		error("record: --sample-interval '%s' is not a duration (e.g. 10ms, 1s, 1m), or 'off'", s);
		return -EINVAL;
	}
	return 0;
}

int record_parse_opts(int argc, char **argv, struct record_cli *c)
{
	return record_parse_opts_with(argc, argv, c, NULL);
}

int record_parse_opts_with(int argc, char **argv, struct record_cli *c,
			   const struct record_extra *x)
{
	/* Long options have values of their own: an extra's -x is not --no-wait. */
	enum { OPT_BUFFER = 256, OPT_FAILED_EXECS, OPT_NO_WAIT, OPT_SUMMARY, OPT_INTERVAL,
	       OPT_SUMMARY_FILE, OPT_CLEAR, OPT_TOP, OPT_SORT, OPT_SAMPLE_INTERVAL,
	       OPT_SYSCALLS, OPT_ALL, OPT_COMM, OPT_UID, OPT_DURATION, OPT_MAX_SIZE };
	static const struct option own[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER },
		{ "failed-execs", no_argument, NULL, OPT_FAILED_EXECS },
		{ "sample-interval", required_argument, NULL, OPT_SAMPLE_INTERVAL },
		{ "syscalls", no_argument, NULL, OPT_SYSCALLS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "summary-file", required_argument, NULL, OPT_SUMMARY_FILE },
		{ "clear", no_argument, NULL, OPT_CLEAR },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ 0 },
	};
	const char *summary_opt = NULL; /* an option that needs --summary */
	unsigned long long v;
	const size_t nown = sizeof(own) / sizeof(own[0]) - 1;
	struct option longopts[nown + RECORD_EXTRA_MAX + 1];
	const char *name = x ? x->cmd : "record";
	char shortopts[64];
	size_t nx = 0;
	unsigned long long n;
	int opt, err;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->buffer_size = RECORDER_DEFAULT_BUFFER;
	memcpy(longopts, own, nown * sizeof(own[0]));
	while (x && x->longopts && x->longopts[nx].name && nx < RECORD_EXTRA_MAX) {
		longopts[nown + nx] = x->longopts[nx];
		nx++;
	}
	memset(&longopts[nown + nx], 0, sizeof(longopts[0]));
	short_opts(shortopts, sizeof(shortopts), "o:fxqhp:", x);
	c->sample_interval_ns = RECORDER_DEFAULT_SAMPLE_INTERVAL;
	optind = 0; /* full reset: parsing may run more than once (tests) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		/* Options of x first: x's -x is not record's. */
		if (x && opt != ':' && opt != '?' && opt != 'h' &&
		    ((opt < 128 && x->shortopts && strchr(x->shortopts, opt)) ||
		     opt >= RECORD_EXTRA_FIRST)) {
			err = x->opt(x->ctx, c, opt, optarg);
			if (err)
				return err;
			continue;
		}
		switch (opt) {
		case OPT_ALL:
			c->all = true;
			break;
		case 'p':
			if (parse_uint(optarg, INT32_MAX, &n) || n == 0) {
				error("%s: -p '%s': want a process id (a number from 1)", name, optarg);
				return -EINVAL;
			}
			c->pid = (int)n;
			break;
		case OPT_COMM:
			if (!*optarg) {
				error("%s: --comm needs a name", name);
				return -EINVAL;
			}
			if (c->ncomm == RECORD_MAX_FILTERS) {
				error("%s: --comm: at most %d names", name, RECORD_MAX_FILTERS);
				return -EINVAL;
			}
			c->comm[c->ncomm++] = optarg;
			break;
		case OPT_UID:
			if (c->nuid == RECORD_MAX_FILTERS) {
				error("%s: --uid: at most %d uids", name, RECORD_MAX_FILTERS);
				return -EINVAL;
			}
			err = parse_uid(optarg, &c->uid[c->nuid]);
			if (err) {
				error("%s: --uid '%s': %s", name, optarg,
				      err == -ENOENT ? "no such user" : "want a uid (a number) or a user name");
				return -EINVAL;
			}
			c->nuid++;
			break;
		case OPT_DURATION:
			err = parse_duration_unit(optarg, &c->duration_ns);
			if (err == -ERANGE) {
				error("%s: --duration '%s': too long: at most " DURATION_UNIT_MAX
				      " (a year)", name, optarg);
				return -EINVAL;
			}
			if (err || !c->duration_ns) {
				error("%s: --duration '%s': want a length with its unit, above 0, "
				      "such as 500ms, 30s, 10m or 2h", name, optarg);
				return -EINVAL;
			}
			break;
		case OPT_MAX_SIZE:
			err = record_parse_size(optarg, &c->max_size);
			if (err || c->max_size < RECORD_MIN_MAX_SIZE) {
				error("%s: --max-size '%s': want a size in bytes from 4K (K, M, G "
				      "suffixes)", name, optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			if (!*optarg) {
				error("%s: -o needs a file name", name);
				return -EINVAL;
			}
			c->output = optarg;
			break;
		case 'f':
			c->force = true;
			break;
		case 'x':
		case OPT_NO_WAIT:
			c->no_wait = true;
			break;
		case 'q':
			c->quiet = true;
			break;
		case OPT_BUFFER:
			err = record_parse_size(optarg, &c->buffer_size);
			if (err || c->buffer_size < RECORDER_MIN_BUFFER ||
			    c->buffer_size > RECORDER_MAX_BUFFER ||
			    (c->buffer_size & (c->buffer_size - 1))) {
				error("%s: --buffer-size '%s': want a power of two from 4K to 1G",
				      name, optarg);
				return -EINVAL;
			}
			break;
		case OPT_FAILED_EXECS:
			c->failed_execs = true;
			break;
		case OPT_SUMMARY:
			c->summary = true;
			break;
		case OPT_INTERVAL:
			summary_opt = "--interval";
			err = parse_duration_unit(optarg, &c->interval_ns);
			if (err == -ERANGE) {
				error("%s: --interval '%s': too long: at most " DURATION_UNIT_MAX
				      " (a year)", name, optarg);
				return -EINVAL;
			}
			if (err || !c->interval_ns) {
				error("%s: --interval '%s': want a duration with a unit, more than 0 "
				      "(500ms, 30s, 10m, 2h)", name, optarg);
				return -EINVAL;
			}
			break;
		case OPT_SUMMARY_FILE:
			summary_opt = "--summary-file";
			if (!*optarg) {
				error("%s: --summary-file needs a file name", name);
				return -EINVAL;
			}
			c->summary_file = optarg;
			break;
		case OPT_CLEAR:
			summary_opt = "--clear";
			c->clear = true;
			break;
		case OPT_TOP:
			summary_opt = "--top";
			if (parse_uint(optarg, 1000000, &v) || v == 0) {
				error("%s: --top '%s': want a number from 1 to 1000000", name, optarg);
				return -EINVAL;
			}
			c->top = (unsigned)v;
			break;
		case OPT_SORT:
			summary_opt = "--sort";
			if (!strcmp(optarg, "count")) {
				c->sort = SORT_COUNT;
			} else if (!strcmp(optarg, "time")) {
				c->sort = SORT_TIME;
			} else if (!strcmp(optarg, "cpu")) {
				c->sort = SORT_CPU;
			} else {
				error("%s: --sort '%s': want count, time or cpu", name, optarg);
				return -EINVAL;
			}
			break;
		case OPT_SAMPLE_INTERVAL:
			err = record_parse_interval(optarg, &c->sample_interval_ns);
			if (err)
				return err;
			break;
		case OPT_SYSCALLS:
			c->syscalls = true;
			break;
		case 'h':
			if (x)
				x->usage(stdout);
			else
				usage(stdout);
			return RECORD_HELP;
		case ':':
			error("%s: option '%s' needs a value (try 'proctrace %s --help')", name,
			      argv[optind - 1], name);
			return -EINVAL;
		default:
			error("%s: unknown option '%s' (try 'proctrace %s --help')", name,
			      argv[optind - 1], name);
			return -EINVAL;
		}
	}
	if (summary_opt && !c->summary) {
		error("%s: %s needs --summary", name, summary_opt);
		return -EINVAL;
	}
	/* snoop without CMD: the whole machine, as --all (whose rules then apply) */
	if (x && x->all_without_cmd && optind >= argc && !c->pid)
		c->all = true;
	if (check_modes(c, optind < argc))
		return -EINVAL;
	c->cmd = optind < argc ? argv + optind : NULL;
	return RECORD_RUN;
}

/* Loading tracing programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN). */
static bool can_load_bpf(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	uint64_t eff;

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	eff = d[0].effective | (uint64_t)d[1].effective << 32;
	if (eff & (1ull << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ull << CAP_BPF)) && (eff & (1ull << CAP_PERFMON));
}

/* The inode of the initial pid namespace (include/linux/proc_ns.h). */
#define PROC_PID_INIT_INO 0xEFFFFFFCu

/*
 * Whether the recorder runs in a pid namespace other than the initial one
 * (a container, 'unshare -p'). The kernel side knows processes by their
 * global pids; a pid of this namespace (CMD's as fork() gives it, -p's)
 * names another process there, or none. False when /proc cannot tell.
 */
static bool in_child_pid_ns(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino != PROC_PID_INIT_INO;
}

/* Under sudo, who CMD runs as, and who opens the files the user named. */
struct invoker {
	bool set;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	/* CMD's HOME, USER, LOGNAME, SHELL and MAIL as "sudo -u USER" sets
	   them; none if the passwd database does not know uid */
	char *env[6];
};

static void invoker_free(struct invoker *inv)
{
	free(inv->groups);
	for (size_t i = 0; i < sizeof(inv->env) / sizeof(inv->env[0]); i++)
		free(inv->env[i]);
}

/* "NAME=prefixvalue", malloc'd; NULL if out of memory. */
static char *env_entry(const char *name, const char *prefix, const char *value)
{
	char *e;

	return asprintf(&e, "%s=%s%s", name, prefix, value) < 0 ? NULL : e;
}

/*
 * What sudo's env_reset sets from the target user's passwd entry (an empty
 * shell is /bin/sh to sudo, as to login).
 */
static int invoker_env(struct invoker *inv, const struct passwd *pw)
{
	const char *shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";

	inv->env[0] = env_entry("HOME", "", pw->pw_dir);
	inv->env[1] = env_entry("USER", "", pw->pw_name);
	inv->env[2] = env_entry("LOGNAME", "", pw->pw_name);
	inv->env[3] = env_entry("SHELL", "", shell);
	inv->env[4] = env_entry("MAIL", "/var/mail/", pw->pw_name);
	for (int i = 0; i < 5; i++)
		if (!inv->env[i])
			return error("record: out of memory");
	return 0;
}

/* Under sudo (root, with SUDO_UID and SUDO_GID), the user who ran it. */
static int sudo_invoker(struct invoker *inv)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	unsigned long long uid, gid;
	struct passwd *pw;
	int n = 64;

	if (getuid() != 0 || !su || !sg)
		return 0;
	if (parse_uint(su, UINT_MAX - 1, &uid) || parse_uint(sg, UINT_MAX - 1, &gid))
		return error("record: bad SUDO_UID/SUDO_GID in the environment");
	if (uid == 0)
		return 0;
	inv->uid = uid;
	inv->gid = gid;
	pw = getpwuid(uid);
	if (pw) {
		for (;;) {
			gid_t *g = realloc(inv->groups, n * sizeof(*g));

			if (!g)
				return error("record: out of memory");
			inv->groups = g;
			if (getgrouplist(pw->pw_name, gid, g, &n) >= 0)
				break;
		}
		inv->ngroups = n;
		if (invoker_env(inv, pw))
			return -1;
	} else {
		/* Unknown to the user database: just the primary group. */
		inv->groups = malloc(sizeof(gid_t));
		if (!inv->groups)
			return error("record: out of memory");
		inv->groups[0] = gid;
		inv->ngroups = 1;
	}
	inv->set = true;
	return 0;
}

/* An operation on a path the user named, done with the user's credentials. */
struct path_op {
	int (*fn)(struct path_op *op); /* returns an open fd, or -1 */
	const struct record_cli *c;
	pid_t pid;                     /* open_environ: the process -p names */
	dev_t dev;                     /* unlink_ours: the file we made */
	ino_t ino;
	struct path_result {           /* what the child sends back */
		int err;               /* errno of the failure, 0 if none */
		bool created;          /* open_named: made by this open */
		bool existed;          /* open_named: there already */
		char name[PATH_MAX];   /* the file's name */
	} res;
};

/* Pass res, and fd if it is one, back to the recorder. */
static void send_result(int sock, const struct path_result *res, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = (void *)res, .iov_len = sizeof(*res) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *h;

	memset(&u, 0, sizeof(u));
	if (fd >= 0) {
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof(int));
	}
	if (sendmsg(sock, &m, MSG_NOSIGNAL) < 0)
		_exit(1);
}

/*
 * The child's answer. A stop signal sent to the recorder alone while the
 * child waits (to open a fifo that has no reader yet) is passed on to it,
 * so that it ends as the recorder itself would have without the child.
 * Returns the fd passed, or -1 (and res->err if the child said why).
 */
static int recv_result(int sock, pid_t pid, struct path_result *res)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = res, .iov_len = sizeof(*res) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .events = POLLIN } };
	struct cmsghdr *h;
	sigset_t stop;
	int fd = -1, sig;
	ssize_t n;

	recorder__stop_signals(&stop);
	/* Not read: the signal stays pending, for the recorder to act on. */
	p[1].fd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
	while (!p[0].revents) {
		if (poll(p, p[1].fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if (p[1].fd >= 0 && p[1].revents) {
			sig = recorder__stop_pending(NULL);
			if (sig)
				kill(pid, sig);
			close(p[1].fd);
			p[1].fd = -1;
		}
	}
	if (p[1].fd >= 0)
		close(p[1].fd);
	memset(&u, 0, sizeof(u));
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
		    h->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(h), sizeof(int));
	if (n != sizeof(*res)) {
		if (fd >= 0)
			close(fd);
		memset(res, 0, sizeof(*res));
		return -1;
	}
	res->name[sizeof(res->name) - 1] = 0;
	return fd;
}

/* Close fds lo..hi (hi may be ~0U): close_range, or one by one where it is missing (valgrind). */
static void close_fds(unsigned lo, unsigned hi)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (lo > hi || !syscall(SYS_close_range, lo, hi, 0))
		return;
	for (unsigned fd = lo; fd <= hi && (max < 0 || fd < (unsigned long)max); fd++)
		close((int)fd);
}

/*
 * Run op->fn as the invoking user: in a child that takes the user's uid,
 * gid and groups (and so is not dumpable: the user cannot tamper with it)
 * and passes back op->res and the fd it opened over a socket
 * (SCM_RIGHTS), as sudo and OpenSSH separate privileges. Root itself never
 * resolves a path the user named: it never follows the user's symlinks,
 * and never opens, creates or removes anything the user could not. The
 * child holds none of the recorder's descriptors but 0, 1 and 2. Without
 * sudo, op->fn runs here. Returns op->fn's fd, or -1 with op->res.err set
 * (0 if the child died, of a stop signal).
 */
static int as_invoker(const struct invoker *inv, struct path_op *op)
{
	int sv[2], fd, wst;
	pid_t pid;

	if (!inv->set)
		return op->fn(op);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		op->res.err = errno;
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		op->res.err = errno;
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/*
		 * Nothing of the recorder's goes to the user's side: not its BPF
		 * maps and programs, the pidfd of -p's process, the output. What
		 * is kept: stdin, stdout, stderr, and the answer's socket.
		 */
		close_fds(3, (unsigned)sv[1] - 1);
		close_fds((unsigned)sv[1] + 1, ~0U);
		fd = -1;
		if (setgroups(inv->ngroups, inv->groups) || setresgid(inv->gid, inv->gid, inv->gid) ||
		    setresuid(inv->uid, inv->uid, inv->uid))
			op->res.err = errno;
		else
			fd = op->fn(op);
		send_result(sv[1], &op->res, fd);
		_exit(0);
	}
	close(sv[1]);
	fd = recv_result(sv[0], pid, &op->res);
	close(sv[0]);
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/*
 * An open that may wait (a fifo waits for a reader): a stop signal ends it
 * as it would end the recorder, nothing having been made yet.
 */
static int open_may_wait(const char *path, int flags)
{
	sigset_t stop, old;
	int fd, err;

	recorder__stop_signals(&stop);
	sigprocmask(SIG_UNBLOCK, &stop, &old);
	fd = open(path, flags);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return fd;
}

/*
 * Open -o FILE, or make a new proctrace-YYYYMMDD-HHMMSS.jsonl, never
 * overwriting by accident and never leaking the fd into CMD. What is there
 * already is opened as it is, not emptied (the recorder empties a regular
 * file with --force once tracing has started); whether to write to it is
 * decided on the fd (check_output).
 */
static int open_named(struct path_op *op)
{
	const int create = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY;
	struct path_result *res = &op->res;
	char stamp[32];
	time_t now;
	struct tm tm;
	int fd;

	if (op->c->output) {
		/* Named whole or not at all: a cut name is another file's. */
		if (snprintf(res->name, sizeof(res->name), "%s", op->c->output) >=
		    (int)sizeof(res->name)) {
			res->err = ENAMETOOLONG;
			return -1;
		}
		fd = open(res->name, create, 0644);
		res->created = fd >= 0;
		res->existed = fd < 0 && errno == EEXIST;
		if (res->existed)
			fd = open_may_wait(res->name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			res->err = errno;
		return fd;
	}
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (int i = 0; i < 1000; i++) {
		if (i)
			snprintf(res->name, sizeof(res->name), "proctrace-%s-%d.jsonl", stamp, i);
		else
			snprintf(res->name, sizeof(res->name), "proctrace-%s.jsonl", stamp);
		fd = open(res->name, create, 0644);
		res->created = fd >= 0;
		if (fd >= 0 || errno != EEXIST) {
			res->err = fd < 0 ? errno : 0;
			return fd;
		}
	}
	res->err = EEXIST;
	return -1;
}

/*
 * What was opened, checked on the fd: whatever the path led to when it was
 * opened is what is checked, so swapping the path after the open changes
 * nothing. A regular file that was there is overwritten only with --force
 * (*replace), and never a set-user-ID or set-group-ID one, whose bits root's
 * writes would keep; anything else that was there (a fifo, /dev/null) is
 * written to as it is.
 */
static int check_output(const struct record_cli *c, int fd, const struct path_result *res,
			bool *replace)
{
	struct stat st;

	if (fstat(fd, &st))
		return error("record: cannot stat %s: %s", res->name, strerror(errno));
	if (!S_ISREG(st.st_mode) || res->created)
		return 0;
	if (!c->force)
		return error("record: %s exists (use --force to overwrite it)", res->name);
	if ((st.st_mode & S_ISUID) || (st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		return error("record: %s is a set-user-ID or set-group-ID file: not overwritten",
			     res->name);
	*replace = true;
	return 0;
}

/*
 * Open the output: stdout or a descriptor named as /dev/fd/N (the
 * recorder's own), or a file, as the invoking user under sudo. Returns
 * the fd, or -1 after saying why (nothing said when a stop signal ended it).
 */
static int open_output(const struct record_cli *c, const struct invoker *inv,
		       struct path_op *op, bool *replace)
{
	int fd = c->output ? (strcmp(c->output, "-") ? fd_path(c->output) : STDOUT_FILENO) : -1;

	op->fn = open_named;
	op->c = c;
	/* It holds /dev/null now: the recording would vanish without a word. */
	if (fd == STDOUT_FILENO && stdfd_was_closed(STDOUT_FILENO))
		return error("record: cannot write the recording to stdout (-o %s): stdout is closed",
			     c->output);
	if (fd == STDOUT_FILENO) {
		snprintf(op->res.name, sizeof(op->res.name), "%s",
			 strcmp(c->output, "-") ? c->output : "<stdout>");
		return STDOUT_FILENO;
	}
	if (fd == -EBADF)
		return error("record: cannot write to %s: not an open file descriptor", c->output);
	if (fd >= 0) {
		/* /dev/fd/N: N as it is, not opened again (which would empty a file behind it). */
		snprintf(op->res.name, sizeof(op->res.name), "%s", c->output);
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return error("record: cannot write to %s: %s", c->output, strerror(errno));
		return fd;
	}
	fd = as_invoker(inv, op);
	if (fd < 0) {
		const char *name = c->output ? c->output : "proctrace-*.jsonl";

		/* The child died: of a stop signal (the start is cancelled, say nothing), or not. */
		if (!op->res.err && recorder__stop_pending(NULL))
			return -1;
		if (!op->res.err)
			return error("record: cannot open %s: the process opening it as uid %u died",
				     name, (unsigned)inv->uid);
		if (op->res.err == EISDIR)
			return error("record: %s is a directory (-o wants a file name)", name);
		if (op->res.err == EEXIST) /* all 1000 default names taken */
			return error("record: cannot find a free file name for %s", name);
		if (inv->set)
			return error("record: cannot %s %s as uid %u (who ran sudo): %s",
				     op->res.existed ? "open" : "create",
				     op->res.name[0] ? op->res.name : name, (unsigned)inv->uid,
				     strerror(op->res.err));
		return error("record: cannot %s %s: %s", op->res.existed ? "open" : "create",
			     op->res.name[0] ? op->res.name : name, strerror(op->res.err));
	}
	if (check_output(c, fd, &op->res, replace)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * --summary-file: appended to (a log of summaries, for 'tail -f'), made if
 * it is not there; a fifo or a device is written to as it is.
 */
static int open_summary(struct path_op *op)
{
	struct path_result *res = &op->res;
	int fd;

	if (snprintf(res->name, sizeof(res->name), "%s", op->c->summary_file) >=
	    (int)sizeof(res->name)) {
		res->err = ENAMETOOLONG;
		return -1;
	}
	fd = open(res->name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
	res->created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open_may_wait(res->name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		res->err = errno;
	return fd;
}

/* Where the summaries go: stderr, or --summary-file opened as the user. Returns an fd, or -1 after saying why. */
static int open_summary_out(const struct record_cli *c, const struct invoker *inv,
			    struct path_op *op)
{
	int fd = c->summary_file ? fd_path(c->summary_file) : STDERR_FILENO;

	op->fn = open_summary;
	op->c = c;
	if (fd == -EBADF)
		return error("%s: cannot write to %s: not an open file descriptor", c->name,
			     c->summary_file);
	if (fd >= 0) {
		snprintf(op->res.name, sizeof(op->res.name), "%s",
			 c->summary_file ? c->summary_file : "<stderr>");
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return error("%s: cannot write to %s: %s", c->name, op->res.name,
				     strerror(errno));
		return fd;
	}
	fd = as_invoker(inv, op);
	if (fd >= 0)
		return fd;
	if (!op->res.err && recorder__stop_pending(NULL))
		return -1;
	if (op->res.err == EISDIR)
		return error("%s: %s is a directory (--summary-file wants a file name)", c->name,
			     c->summary_file);
	if (inv->set)
		return error("%s: cannot open %s as uid %u (who ran sudo): %s", c->name,
			     c->summary_file, (unsigned)inv->uid,
			     op->res.err ? strerror(op->res.err) : "the process opening it died");
	return error("%s: cannot open %s: %s", c->name, c->summary_file,
		     op->res.err ? strerror(op->res.err) : "the process opening it died");
}

/* Remove the file at op->res.name if it still is the one made (op->dev, op->ino). */
static int unlink_ours(struct path_op *op)
{
	struct stat st;

	if (!lstat(op->res.name, &st) && st.st_dev == op->dev && st.st_ino == op->ino &&
	    unlink(op->res.name))
		op->res.err = errno;
	return -1;
}

/*
 * A file made for a recording that never started is not left behind.
 * Removed as the user who made it: a path is resolved again to remove it,
 * and the user may have swapped a directory on it for a symlink since;
 * the user can only remove what the user could remove anyway, and the
 * file goes only if the path still leads to the file made, still empty.
 */
static void remove_unstarted(const struct invoker *inv, struct path_op *op, int fd)
{
	struct stat st;

	if (!op->res.created || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size)
		return;
	op->fn = unlink_ours;
	op->dev = st.st_dev;
	op->ino = st.st_ino;
	op->res.err = 0;
	as_invoker(inv, op);
}

/*
 * Stop signals are held from the start, so that one arriving before
 * tracing starts cannot kill the recorder with a file it made still there.
 */
static void hold_stop_signals(void)
{
	sigset_t stop;

	recorder__stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, NULL);
}

/*
 * Once cleaned up, die of the stop signal that cancelled the start, as
 * asked (a shell then sees what killed us). Returns only if none is pending.
 */
static int die_of_stop_signal(const struct recorder_inherited *inh)
{
	int sig = recorder__stop_pending(inh);
	sigset_t one;

	if (!sig)
		return EXIT_FAIL;
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	return 128 + sig;
}

/*
 * -p PID's check: open /proc/PID/environ. The kernel lets only whoever
 * could ptrace PID in read mode do it: the same user (real, effective and
 * saved uids and gids all the caller's), the process dumpable (not a
 * set-user-ID program, nor one that made itself undumpable), or
 * CAP_SYS_PTRACE. Run as the invoking user under sudo (as_invoker).
 */
static int open_environ(struct path_op *op)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)op->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		op->res.err = errno;
	return fd;
}

/*
 * -p PID: a process (not a thread of one) that is there, and, under sudo,
 * one the invoking user could trace: root must not show a user the argv of
 * processes the user could not look into. What is checked is one process,
 * held first: *pidfd (a pidfd of it, or -1 where the kernel, or valgrind,
 * has no pidfd_open) or else *start (its start time), with which the
 * recorder makes sure that PID still is that process once it follows PID
 * (a pid reused in between is refused). Returns 0 or -1 (printed).
 */
static int check_attach(const struct record_cli *c, const struct invoker *inv, int *pidfd,
			uint64_t *start)
{
	struct path_op op = { .fn = open_environ, .c = c, .pid = c->pid };
	char path[64], line[128];
	int tgid = -1, fd, pidfd_err;
	FILE *f;

	*pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	pidfd_err = *pidfd < 0 ? errno : 0;
	if (pidfd_err == ESRCH)
		return error("record: -p %d: no such process", c->pid);
	*start = recorder__start_ticks(c->pid);
	snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
	f = fopen(path, "re");
	if (!f)
		return error("record: -p %d: no such process", c->pid);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	if (tgid > 0 && tgid != c->pid)
		return error("record: -p %d: a thread of process %d, not a process (try -p %d)",
			     c->pid, tgid, tgid);
	if (*pidfd < 0 && !*start)
		return error("record: -p %d: cannot hold the process (pidfd_open: %s; no start "
			     "time in /proc/%d/stat)", c->pid, strerror(pidfd_err), c->pid);
	if (!inv->set)
		return 0;
	fd = as_invoker(inv, &op);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (op.res.err == ENOENT || op.res.err == ESRCH)
		return error("record: -p %d: no such process", c->pid);
	return error("record: -p %d: uid %u (who ran sudo) may not trace it (%s): ptrace's rule, "
		     "as for strace -p: the same user, and not a set-user-ID program",
		     c->pid, (unsigned)inv->uid, strerror(op.res.err ? op.res.err : EPERM));
}

/* Run the recorder on the opened output: its return, and CMD's status in *status. */
static int record(const struct record_cli *c, const struct invoker *inv, int fd, const char *name,
		  bool replace, const struct recorder_inherited *inherited, int pidfd,
		  uint64_t start, int *status)
{
	struct recorder_opts o = {
		.argv = c->cmd,
		.out_fd = fd,
		.out_name = name,
		.truncate_out = replace,
		.buffer_size = c->buffer_size,
		.no_wait = c->no_wait,
		.failed_execs = c->failed_execs,
		.sample_interval_ns = c->sample_interval_ns,
		.syscalls = c->syscalls,
		.quiet = c->quiet,
		.announce = !c->output && !c->no_default_output && !c->quiet,
		.drop_privs = inv->set,
		.uid = inv->uid,
		.gid = inv->gid,
		.groups = inv->groups,
		.ngroups = inv->ngroups,
		.env = (const char *const *)inv->env,
		.inherited = inherited,
		.hooks = c->hooks,
		.system_wide = c->all,
		.attach_pid = c->pid,
		.attach_pidfd = pidfd,
		.attach_start = start,
		.comm = c->comm,
		.ncomm = c->ncomm,
		.uids = c->uid,
		.nuid = c->nuid,
		.duration_ns = c->duration_ns,
		.max_size = c->max_size,
	};

	return recorder__run(&o, status);
}

int cmd_record(int argc, char **argv)
{
	struct record_cli c;
	int ret;

	/* 1. Options. */
	ret = record_parse_opts(argc, argv, &c);
	if (ret != RECORD_RUN)
		return ret == RECORD_HELP ? EXIT_OK : EXIT_USAGE;
	return record_run(&c);
}

int record_run(const struct record_cli *cl)
{
	static struct recorder_inherited inherited; /* 10 KB, CMD's to the end */
	struct record_cli c = *cl;
	struct invoker inv = { 0 };
	static struct path_op out, sout; /* PATH_MAX names: not on the stack */
	const struct recorder_hook *hooks[RECORD_HOOKS_MAX + 2] = { NULL };
	struct live_summary *sum = NULL;
	int ret, status = EXIT_FAIL, fd = -1, sfd = -1, pidfd = -1;
	uint64_t start = 0;
	bool replace = false, cancelled = false;
	size_t nhooks = 0;

	/* Tracing needs privileges that are checked before anything. */
	if (!can_load_bpf()) {
		error("%s: tracing needs root, or the capabilities CAP_BPF and CAP_PERFMON "
		      "(try: sudo proctrace %s ...)", c.name, c.name);
		return EXIT_FAIL;
	}
	/* Only --all alone can be told apart from this namespace's pids. */
	if ((c.pid || c.cmd) && in_child_pid_ns()) {
		error("%s: runs in a pid namespace other than the initial one (a container, "
		      "'unshare -p'): the kernel side knows processes by their global pids, so %s "
		      "cannot be followed from here; run proctrace in the host's pid namespace "
		      "(--all without a command works here)", c.name,
		      c.pid ? "-p PID's tree" : "the command's tree");
		return EXIT_FAIL;
	}
	/* 2. What CMD is to inherit, before anything changes it; then hold stop signals. */
	recorder__save_inherited(&inherited);
	hold_stop_signals();
	if (c.summary) {
		sigset_t usr1;

		/* Held from now: one sent before recording starts is then taken as it is. */
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
	}
	memset(&out, 0, sizeof(out));
	memset(&sout, 0, sizeof(sout));
	/* 3. Who ran sudo, and the output, opened as that user. */
	ret = sudo_invoker(&inv);
	if (!ret && c.pid)
		ret = check_attach(&c, &inv, &pidfd, &start); /* one the user could trace */
	if (!ret && !c.output && c.no_default_output) {
		snprintf(out.res.name, sizeof(out.res.name), "(none)");
	} else if (!ret) {
		fd = open_output(&c, &inv, &out, &replace);
		ret = fd < 0 ? -1 : 0;
		cancelled = fd < 0 && recorder__stop_pending(&inherited);
	}
	/* The summaries' place, and the live consumers of the events. */
	if (!ret && c.summary) {
		sfd = open_summary_out(&c, &inv, &sout);
		ret = sfd < 0 ? -1 : 0;
		cancelled = sfd < 0 && recorder__stop_pending(&inherited);
	}
	if (!ret && c.summary) {
		struct live_summary_opts so = { .top = c.top, .sort = c.sort, .clear = c.clear,
						.interval_ns = c.interval_ns,
						.failed_execs = c.failed_execs, .command = c.cmd };

		ret = live_summary__new(&sum, &so, sfd, sout.res.name);
		if (ret)
			error("%s: %s", c.name, strerror(-ret));
	}
	for (const struct recorder_hook *const *h = c.hooks; h && *h && nhooks < RECORD_HOOKS_MAX; h++)
		hooks[nhooks++] = *h;
	if (sum)
		hooks[nhooks++] = live_summary__hook(sum);
	c.hooks = hooks;
	/* 4. Record. */
	if (!ret) {
		ret = record(&c, &inv, fd, out.res.name, replace, &inherited, pidfd, start, &status);
		cancelled = ret == -EINTR;
	}
	/* 5. Clean up: no file made for a recording that never started is left. */
	if (ret && fd > STDOUT_FILENO)
		remove_unstarted(&inv, &out, fd);
	if (fd > STDOUT_FILENO)
		close(fd);
	if (ret && sfd > STDERR_FILENO)
		remove_unstarted(&inv, &sout, sfd);
	if (sfd >= 0)
		close(sfd);
	live_summary__free(sum);
	invoker_free(&inv);
	if (pidfd >= 0)
		close(pidfd);
	if (cancelled)
		return die_of_stop_signal(&inherited);
	return ret ? EXIT_FAIL : status;
}
