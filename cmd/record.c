/* cmd/record.c: 'proctrace record' option parsing, output file and privileges. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cmd/cmd.h"
#include "cmd/record.h"
#include "record/recorder.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: proctrace record [OPTIONS] [--] CMD [ARGS...]\n\n"
		"Runs CMD and records its whole process tree with eBPF: every fork, exec\n"
		"(with the exact argv), exit (status, CPU time, max RSS), and change of\n"
		"session or process group (setsid, setpgid), as JSON lines; failed execs\n"
		"too with --failed-execs. CMD is held until tracing has started,\n"
		"so nothing is missed; orphans are followed too, and the recording ends\n"
		"when the last process of the tree has exited. CMD's stdin, stdout and\n"
		"stderr are left alone; Ctrl-C reaches CMD as usual, and SIGINT, SIGQUIT,\n"
		"SIGTERM and SIGHUP sent to the recorder are passed on to CMD. Once CMD\n"
		"has exited, any of them (a Ctrl-C too) ends the recording as -x would:\n"
		"the orphans left run on, untraced.\n\n"
		"Needs root (or CAP_BPF and CAP_PERFMON) in the initial user namespace.\n"
		"Under sudo, CMD runs as the invoking user, with that user's HOME, USER\n"
		"and LOGNAME, and the recording belongs to that user.\n\n"
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
		"  -q, --quiet            print neither the file name nor the summary line\n"
		"  -h, --help             show this help\n\n"
		"Exit status: CMD's own (128+N if killed by signal N, 127 if it could not\n"
		"be run); 1 if recording failed; 2 on a usage error.\n\n"
		"EXAMPLES\n"
		"  sudo proctrace record -- make -j8\n"
		"  sudo proctrace record -o build.jsonl -- sh -c 'make && make test'\n"
		"  sudo proctrace record -o - -q -- sh -c './configure >config.out' | jq -c 'select(.Exec)'\n"
		"  sudo proctrace record -x -o job.jsonl -- ./start-daemon.sh\n"
		"  sudo proctrace record --buffer-size 64M -o big.jsonl -- ninja\n"
		"  sudo proctrace record --failed-execs -o why.jsonl -- ./configure\n\n"
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

int record_parse_opts(int argc, char **argv, struct record_cli *c)
{
	enum { OPT_BUFFER = 256, OPT_FAILED_EXECS };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-wait", no_argument, NULL, 'x' },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER },
		{ "failed-execs", no_argument, NULL, OPT_FAILED_EXECS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, err;

	memset(c, 0, sizeof(*c));
	c->buffer_size = RECORDER_DEFAULT_BUFFER;
	optind = 0; /* full reset: parsing may run more than once (tests) */
	opterr = 0;
	/* '+': stop at CMD, whose own options are not ours. */
	while ((opt = getopt_long(argc, argv, "+:o:fxqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!*optarg) {
				error("record: -o needs a file name");
				return -EINVAL;
			}
			c->output = optarg;
			break;
		case 'f':
			c->force = true;
			break;
		case 'x':
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
				error("record: --buffer-size '%s': want a power of two from 4K to 1G",
				      optarg);
				return -EINVAL;
			}
			break;
		case OPT_FAILED_EXECS:
			c->failed_execs = true;
			break;
		case 'h':
			usage(stdout);
			return RECORD_HELP;
		case ':':
			error("record: option '%s' needs a value (try 'proctrace record --help')",
			      argv[optind - 1]);
			return -EINVAL;
		default:
			error("record: unknown option '%s' (try 'proctrace record --help')",
			      argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		error("record: no command given (usage: proctrace record [OPTIONS] -- CMD [ARGS...])");
		return -EINVAL;
	}
	c->cmd = argv + optind;
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

/* Under sudo, who CMD runs as and who owns the recording. */
struct invoker {
	bool set;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	char *home, *name; /* from the passwd database; NULL if it does not know uid */
};

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
		inv->home = strdup(pw->pw_dir);
		inv->name = strdup(pw->pw_name);
		if (!inv->home || !inv->name)
			return error("record: out of memory");
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

static bool is_regular(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode);
}

/*
 * Open the output: never overwrite by accident, never leak the fd into CMD.
 * Something that exists but is not a regular file (a fifo, /dev/null,
 * /dev/fd/N of a shell's >(...)) holds nothing to overwrite: it is written
 * to as it is, without --force.
 */
static int open_output(const struct record_cli *c, char *name, size_t namesz, bool *created,
		       bool *replace)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
	int fd = c->output ? (strcmp(c->output, "-") ? fd_path(c->output) : STDOUT_FILENO) : -1;
	struct stat st;

	/* It holds /dev/null now: the recording would vanish without a word. */
	if (fd == STDOUT_FILENO && stdfd_was_closed(STDOUT_FILENO))
		return error("record: cannot write the recording to stdout (-o %s): stdout is closed",
			     c->output);
	if (fd == STDOUT_FILENO) {
		snprintf(name, namesz, "%s", strcmp(c->output, "-") ? c->output : "<stdout>");
		return STDOUT_FILENO;
	}
	if (fd == -EBADF)
		return error("record: cannot write to %s: not an open file descriptor", c->output);
	if (fd >= 0) {
		/* /dev/fd/N: N as it is, not opened again (which would empty a file behind it). */
		snprintf(name, namesz, "%s", c->output);
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return error("record: cannot write to %s: %s", c->output, strerror(errno));
		return fd;
	}
	if (c->output) {
		snprintf(name, namesz, "%s", c->output);
		if (!stat(c->output, &st) && S_ISDIR(st.st_mode))
			return error("record: %s is a directory (-o wants a file name)", c->output);
		if (!stat(c->output, &st) && !S_ISREG(st.st_mode))
			flags = O_WRONLY | O_CLOEXEC;
		fd = open(c->output, flags, 0644);
		*created = fd >= 0 && (flags & O_CREAT);
		/* --force: the old file is emptied only once recording has started. */
		if (fd < 0 && errno == EEXIST && c->force) {
			fd = open(c->output, O_WRONLY | O_CLOEXEC);
			*replace = fd >= 0 && is_regular(fd);
		}
		if (fd < 0 && errno == EEXIST)
			return error("record: %s exists (use --force to overwrite it)", c->output);
		if (fd < 0)
			return error("record: cannot create %s: %s", c->output, strerror(errno));
		return fd;
	}
	{
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		for (int i = 0; i < 1000; i++) {
			if (i)
				snprintf(name, namesz, "proctrace-%s-%d.jsonl", stamp, i);
			else
				snprintf(name, namesz, "proctrace-%s.jsonl", stamp);
			fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			*created = fd >= 0;
			if (fd >= 0)
				return fd;
			if (errno != EEXIST)
				return error("record: cannot create %s: %s", name, strerror(errno));
		}
	}
	return error("record: cannot find a free file name for proctrace-*.jsonl");
}

int cmd_record(int argc, char **argv)
{
	struct record_cli c;
	struct recorder_opts o = { 0 };
	struct invoker inv = { 0 };
	char name[PATH_MAX];
	int ret, status = EXIT_FAIL, fd = -1;
	bool created = false, replace = false;
	struct stat st;

	ret = record_parse_opts(argc, argv, &c);
	if (ret == RECORD_HELP)
		return EXIT_OK;
	if (ret < 0)
		return EXIT_USAGE;

	if (!can_load_bpf()) {
		error("record: tracing needs root, or the capabilities CAP_BPF and CAP_PERFMON "
		      "(try: sudo proctrace record ...)");
		return EXIT_FAIL;
	}
	if (sudo_invoker(&inv))
		goto cleanup;
	fd = open_output(&c, name, sizeof(name), &created, &replace);
	if (fd < 0)
		goto cleanup;
	/* Only a recording file is given away, never a device, fifo or fd written to. */
	if (inv.set && (created || replace) && fchown(fd, inv.uid, inv.gid)) {
		error("record: cannot give %s to uid %u: %s", name, (unsigned)inv.uid,
		      strerror(errno));
		goto cleanup;
	}
	o.argv = c.cmd;
	o.out_fd = fd;
	o.out_name = name;
	o.truncate_out = replace;
	o.buffer_size = c.buffer_size;
	o.no_wait = c.no_wait;
	o.failed_execs = c.failed_execs;
	o.quiet = c.quiet;
	o.announce = !c.output && !c.quiet;
	o.drop_privs = inv.set;
	o.uid = inv.uid;
	o.gid = inv.gid;
	o.groups = inv.groups;
	o.ngroups = inv.ngroups;
	o.home = inv.home;
	o.user = inv.name;
	if (recorder__run(&o, &status))
		status = EXIT_FAIL;

cleanup:
	/* A file made for a recording that never started is not left behind. */
	if (status == EXIT_FAIL && created && !fstat(fd, &st) && S_ISREG(st.st_mode) && !st.st_size)
		unlink(name);
	if (fd > STDOUT_FILENO)
		close(fd);
	free(inv.groups);
	free(inv.home);
	free(inv.name);
	return status;
}
