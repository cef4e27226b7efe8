/* render/command.c: how every view names a command: the one function that does it. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "render/trace.h"

/* The part after the last '/'; s itself if it has none. */
static const char *base(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

/*
 * An interpreter's command line: which options take a value (the next
 * argument, or the rest of a cluster such as -Wignore), which put code on
 * the command line (then no script names the command), and which names a
 * module to run (python's -m).
 */
struct interp {
	const char *name;  /* basename; a trailing version ("python3.11") also matches */
	const char *with_value;   /* short options followed by a value */
	const char *rest;         /* short options whose value is only the rest of their cluster */
	const char *code;         /* short options whose value is code: -c, -e */
	char module;              /* the short option naming a module, or 0 */
	const char *const *long_with_value; /* long options followed by a separate value */
	const char *const *long_code;
};

static const char *const sh_long[] = { "--rcfile", "--init-file", NULL };
static const char *const node_long[] = { "--require", "--import", "--loader",
					 "--experimental-loader", "--input-type", NULL };
static const char *const node_code[] = { "--eval", "--print", NULL };
static const char *const none[] = { NULL };

static const struct interp interps[] = {
	/* sh -c CMD, sh -o OPT, bash -O SHOPT; "sh -s" reads its script from stdin */
	{ "sh", "oO", "", "cs", 0, sh_long, none },
	{ "bash", "oO", "", "cs", 0, sh_long, none },
	{ "dash", "o", "", "cs", 0, none, none },
	{ "ash", "o", "", "cs", 0, none, none },
	{ "ksh", "o", "", "cs", 0, none, none },
	{ "mksh", "o", "", "cs", 0, none, none },
	{ "zsh", "o", "", "cs", 0, none, none },
	{ "python", "WXQ", "", "c", 'm', none, none },
	{ "pypy", "WX", "", "c", 'm', none, none },
	/* perl -Mstrict, -I/dir, -i.bak: values only ever attached (-l and -0 take digits) */
	{ "perl", "", "IMmxiDdV", "eE", 0, none, none },
	{ "ruby", "IrCE", "xK", "e", 0, none, none },
	{ "node", "r", "", "ep", 0, node_long, node_code },
	{ "nodejs", "r", "", "ep", 0, node_long, node_code },
	{ "tclsh", "", "", "", 0, none, none },
	{ "wish", "", "", "", 0, none, none },
	{ "lua", "l", "", "e", 0, none, none },
	{ "luajit", "l", "jO", "e", 0, none, none },
	{ "php", "dcz", "", "rB", 0, none, none },
	{ "Rscript", "", "", "e", 0, none, none },
};

/*
 * Tools named with their subcommand ("git gc"). git's global options are
 * known; for the others, the first argument names the subcommand when it is
 * a plain word (cargo's "+toolchain" is skipped).
 */
static const char *const subcommand_tools[] = {
	"git", "cargo", "go", "npm", "pnpm", "yarn", "docker", "podman", "kubectl", "helm",
	"apt", "apt-get", "apt-cache", "systemctl", "journalctl", "pip", "pip3", "poetry",
	"dotnet", "gh", "terraform", "bazel", "bazelisk", "meson", "conda", "rustup", "dnf",
	"yum", "zypper", "svn", "hg", "jj", "nix", "uv", "deno", "bun",
};
static const char *const git_with_value[] = { "-C", "-c", "--git-dir", "--work-tree",
					      "--namespace", "--config-env", "--exec-path",
					      "--super-prefix", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* "python3", "python3.11", "python2.7" match "python"; "pythonx" does not. */
static bool matches(const char *prog, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(prog, name, n))
		return false;
	for (prog += n; *prog; prog++)
		if ((*prog < '0' || *prog > '9') && *prog != '.')
			return false;
	return true;
}

static const struct interp *find_interp(const char *prog)
{
	for (size_t i = 0; i < sizeof(interps) / sizeof(interps[0]); i++)
		if (matches(prog, interps[i].name))
			return &interps[i];
	return NULL;
}

/* A subcommand or module name worth showing: a short plain word. */
static bool plain_word(const char *s)
{
	size_t n = 0;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			return false;
	}
	return n <= 32;
}

/*
 * The script an interpreter runs: the basename of its first operand, or
 * the module of python -m. NULL when the code is on the command line
 * (-c, -e), read from stdin, or there is no operand.
 */
static const char *script_of(const struct interp *in, const char *const *argv, uint32_t argc)
{
	for (uint32_t i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			return i + 1 < argc && *argv[i + 1] ? base(argv[i + 1]) : NULL;
		}
		if (!strcmp(a, "-"))
			return NULL; /* the script is stdin */
		if (a[0] == '-' && a[1] == '-') {
			if (in_list(a, in->long_code))
				return NULL;
			if (in_list(a, in->long_with_value))
				i++;
			continue;
		}
		if ((a[0] == '-' || a[0] == '+') && a[1]) {
			/* A cluster: -eux, -Wignore, -mpytest, -o pipefail */
			for (const char *c = a + 1; *c; c++) {
				if (strchr(in->code, *c))
					return NULL;
				if (in->module && *c == in->module) {
					const char *m = c[1] ? c + 1 : (i + 1 < argc ? argv[i + 1] : NULL);

					return m && plain_word(m) ? m : NULL;
				}
				if (strchr(in->rest, *c))
					break;
				if (strchr(in->with_value, *c)) {
					if (!c[1])
						i++;
					break;
				}
			}
			continue;
		}
		return *a ? base(a) : NULL;
	}
	return NULL;
}

/* git's subcommand: the first operand after its global options. */
static const char *git_subcommand(const char *const *argv, uint32_t argc)
{
	for (uint32_t i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-')
			return plain_word(a) ? a : NULL;
		if (in_list(a, git_with_value))
			i++;
	}
	return NULL;
}

static const char *subcommand_of(const char *prog, const char *const *argv, uint32_t argc)
{
	bool known = false;

	for (size_t i = 0; i < sizeof(subcommand_tools) / sizeof(subcommand_tools[0]); i++)
		known = known || !strcmp(prog, subcommand_tools[i]);
	if (!known)
		return NULL;
	if (!strcmp(prog, "git"))
		return git_subcommand(argv, argc);
	for (uint32_t i = 1; i < argc; i++) {
		if (argv[i][0] == '+' && !strcmp(prog, "cargo"))
			continue;
		return plain_word(argv[i]) ? argv[i] : NULL;
	}
	return NULL;
}

const char *trace_command_name(const struct event *exec, char *buf, size_t len)
{
	const char *const *argv = NULL;
	const char *prog = NULL, *sub;
	const struct interp *in;
	uint32_t argc = 0;

	if (exec && (exec->flags & EVF_CMDLINE) && exec->u.exec.argv) {
		argv = exec->u.exec.argv;
		argc = exec->u.exec.argc;
	}
	if (argc > 0) {
		prog = base(argv[0]);
		if (*prog == '-') /* a login shell: "-bash" */
			prog++;
	}
	if ((!prog || !*prog) && exec && (exec->flags & EVF_FILENAME) && exec->u.exec.filename)
		prog = base(exec->u.exec.filename);
	/* A Running without argv (a kernel thread, a process exiting): its comm, as ps shows it. */
	if ((!prog || !*prog) && exec && exec->type == EV_RUNNING && (exec->flags & EVF_COMM)) {
		snprintf(buf, len, "[%s]", exec->u.running.argv[exec->u.running.argc]);
		return buf;
	}
	if (!prog || !*prog)
		return "(unknown)";
	if (argc < 2)
		return prog;
	in = find_interp(prog);
	if (in) {
		const char *script = script_of(in, argv, argc);

		return script && *script ? script : prog;
	}
	sub = subcommand_of(prog, argv, argc);
	if (!sub)
		return prog;
	snprintf(buf, len, "%s %s", prog, sub);
	return buf;
}

const char *trace_fork_name(const char *inherited, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, TRACE_FORK_PREFIX "%s", inherited), i;
	unsigned char lead;

	if (!len || n < len)
		return buf;
	/* Cut short: drop a last character left incomplete (its lead byte says its length). */
	n = len - 1;
	for (i = n; i && ((unsigned char)buf[i - 1] & 0xc0) == 0x80; i--)
		;
	if (i) {
		lead = (unsigned char)buf[i - 1];
		if (lead >= 0xc0 && n - (i - 1) < (lead >= 0xf0 ? 4u : lead >= 0xe0 ? 3u : 2u))
			buf[i - 1] = '\0';
	}
	return buf;
}

const char *trace_proc_name(const struct proc *p, char *buf, size_t len)
{
	char inh[TRACE_NAME_MAX];

	if (p->nexec)
		return trace_command_name(p->execs[p->nexec - 1].exec, buf, len);
	if (!p->inherited)
		return "(unknown)";
	return trace_fork_name(trace_command_name(p->inherited->exec, inh, sizeof(inh)), buf, len);
}
