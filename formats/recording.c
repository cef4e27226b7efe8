/* formats/recording.c: read a recording (format 1 or the original proctrace's shapes) into memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/arena.h"
#include "formats/recording.h"

#define READ_CHUNK (1u << 20)
#define MAX_UNKNOWN_NAMES 5

struct recording_priv {
	struct arena arena;
};

/* ------------------------------------------------------------------------ */
/* Parsing one line: a pure function of (line, arena).                      */

enum line_kind {
	LK_BLANK,
	LK_EVENT,
	LK_FRAGMENT, /* ExecFilename / ExecArgs: part of an Exec, merged later */
	LK_HEADER,
	LK_END,
	LK_UNKNOWN,
};

struct parsed {
	enum line_kind kind;
	bool not_json;            /* the error is a JSON syntax error */
	struct event ev;          /* LK_EVENT, LK_FRAGMENT */
	struct rec_header hdr;    /* LK_HEADER */
	struct rec_end end;       /* LK_END */
	char unknown[32];         /* LK_UNKNOWN: the type name, cut */
	char err[256];            /* the message when parse_line fails */
};

struct parse_ctx {
	json_t *obj;     /* the event's fields */
	const char *type;
	struct parsed *p;
	struct arena *a;
};

static int perr(struct parsed *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parsed *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Reads integer field key into *out if present and in [min, max].
 * Returns 1 if present, 0 if absent (an error if required), <0 on error.
 * JSON null counts as absent: the original proctrace writes null for
 * fields it could not fill.
 */
static int get_int(struct parse_ctx *c, const char *key, long long min, long long max,
		   bool required, long long *out)
{
	json_t *v = json_object_get(c->obj, key);
	long long x;

	if (!v || json_is_null(v)) {
		if (required)
			return perr(c->p, "%s: missing \"%s\"", c->type, key);
		return 0;
	}
	if (!json_is_integer(v))
		return perr(c->p, "%s: \"%s\" is not an integer", c->type, key);
	x = json_integer_value(v);
	if (x < min || x > max)
		return perr(c->p, "%s: \"%s\" is out of range (%lld)", c->type, key, x);
	*out = x;
	return 1;
}

static int get_i32(struct parse_ctx *c, const char *key, bool required, int32_t *out)
{
	long long x;
	int ret = get_int(c, key, 0, INT32_MAX, required, &x);

	if (ret > 0)
		*out = (int32_t)x;
	return ret;
}

static int get_u64(struct parse_ctx *c, const char *key, bool required, uint64_t *out)
{
	long long x;
	int ret = get_int(c, key, 0, INT64_MAX, required, &x);

	if (ret > 0)
		*out = (uint64_t)x;
	return ret;
}

static int get_bool(struct parse_ctx *c, const char *key, bool *out)
{
	json_t *v = json_object_get(c->obj, key);

	*out = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return perr(c->p, "%s: \"%s\" is not a boolean", c->type, key);
	*out = json_is_true(v);
	return 1;
}

/* A string field, interned (or copied if !intern). Returns 1, 0 if absent, <0 on error. */
static int get_str(struct parse_ctx *c, const char *key, bool required, bool intern,
		   const char **out)
{
	json_t *v = json_object_get(c->obj, key);
	const char *s;

	if (!v || json_is_null(v)) {
		if (required)
			return perr(c->p, "%s: missing \"%s\"", c->type, key);
		return 0;
	}
	if (!json_is_string(v))
		return perr(c->p, "%s: \"%s\" is not a string", c->type, key);
	s = intern ? arena_intern(c->a, json_string_value(v), json_string_length(v))
		   : arena_strndup(c->a, json_string_value(v), json_string_length(v));
	if (!s)
		return perr(c->p, "out of memory");
	*out = s;
	return 1;
}

/*
 * An argv: an array of strings, or one string holding the arguments joined
 * by spaces (the original proctrace's "args" and string "cmdline"), which is
 * split on spaces, empty pieces dropped: the joined form cannot tell an
 * argument containing a space from two arguments, so this is a best effort.
 * Returns 1 with *argv and *argc set, 0 if absent or null, <0 on error.
 */
static int get_argv(struct parse_ctx *c, const char *key, const char *const **argv, uint32_t *argc)
{
	json_t *v = json_object_get(c->obj, key), *e;
	const char **vec;
	const char *s, *end, *sp;
	size_t i, n;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_array(v)) {
		n = json_array_size(v);
		if (n > UINT32_MAX)
			return perr(c->p, "%s: \"%s\" is too long", c->type, key);
		vec = arena_alloc(c->a, (n ? n : 1) * sizeof(*vec), sizeof(void *));
		if (!vec)
			return perr(c->p, "out of memory");
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return perr(c->p, "%s: \"%s\"[%zu] is not a string", c->type, key, i);
			vec[i] = arena_intern(c->a, json_string_value(e), json_string_length(e));
			if (!vec[i])
				return perr(c->p, "out of memory");
		}
		*argv = vec;
		*argc = (uint32_t)n;
		return 1;
	}
	if (!json_is_string(v))
		return perr(c->p, "%s: \"%s\" is not an array of strings or a string", c->type, key);
	s = json_string_value(v);
	end = s + json_string_length(v);
	for (n = 0, sp = s; sp < end;) {
		while (sp < end && *sp == ' ')
			sp++;
		if (sp == end)
			break;
		n++;
		while (sp < end && *sp != ' ')
			sp++;
	}
	vec = arena_alloc(c->a, (n ? n : 1) * sizeof(*vec), sizeof(void *));
	if (!vec)
		return perr(c->p, "out of memory");
	for (i = 0, sp = s; i < n; i++) {
		const char *w;

		while (*sp == ' ')
			sp++;
		w = sp;
		while (sp < end && *sp != ' ')
			sp++;
		vec[i] = arena_intern(c->a, w, (size_t)(sp - w));
		if (!vec[i])
			return perr(c->p, "out of memory");
	}
	*argv = vec;
	*argc = (uint32_t)n;
	return 1;
}

/* Fields every event has: timestamp (required), seq, pid (required unless pidkey is NULL). */
static int get_common(struct parse_ctx *c, const char *pidkey)
{
	struct event *ev = &c->p->ev;
	int ret;

	if ((ret = get_u64(c, "timestamp", true, &ev->ts)) < 0)
		return ret;
	if ((ret = get_u64(c, "seq", false, &ev->seq)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_SEQ;
	if (pidkey && (ret = get_i32(c, pidkey, true, &ev->pid)) < 0)
		return ret;
	return 0;
}

/* ppid and pgid: present in format 1, missing from some older shapes. */
static int get_ppid_pgid(struct parse_ctx *c, const char *pgidkey)
{
	struct event *ev = &c->p->ev;
	int ret;

	if ((ret = get_i32(c, "ppid", false, &ev->ppid)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_PPID;
	if ((ret = get_i32(c, pgidkey, false, &ev->pgid)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_PGID;
	return 0;
}

static int parse_fork(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	int ret;

	ev->type = EV_FORK;
	if ((ret = get_common(c, "parent_pid")) < 0)
		return ret;
	if ((ret = get_i32(c, "child_pid", true, &ev->u.fork.child_pid)) < 0)
		return ret;
	if ((ret = get_i32(c, "parent_pgid", false, &ev->pgid)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_PGID;
	return 0;
}

/* Exec (cmdline) and ExecFull (args): both become an Exec. */
static int parse_exec(struct parse_ctx *c, const char *argvkey)
{
	struct event *ev = &c->p->ev;
	bool truncated;
	int ret;

	ev->type = EV_EXEC;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c, "pgid")) < 0)
		return ret;
	if ((ret = get_str(c, "filename", false, true, &ev->u.exec.filename)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_FILENAME;
	if ((ret = get_argv(c, argvkey, &ev->u.exec.argv, &ev->u.exec.argc)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_CMDLINE;
	if ((ret = get_bool(c, "truncated", &truncated)) < 0)
		return ret;
	if (truncated)
		ev->flags |= EVF_TRUNCATED;
	return 0;
}

/* ExecFilename / ExecArgs: a piece of an Exec, kept as an Exec with only that piece. */
static int parse_fragment(struct parse_ctx *c, bool is_filename)
{
	struct event *ev = &c->p->ev;
	int ret;

	c->p->kind = LK_FRAGMENT;
	ev->type = EV_EXEC;
	if ((ret = get_common(c, "pid")) < 0)
		return ret;
	if (is_filename) {
		if ((ret = get_str(c, "filename", true, true, &ev->u.exec.filename)) < 0)
			return ret;
		ev->flags |= EVF_FILENAME;
		return 0;
	}
	if ((ret = get_argv(c, "args", &ev->u.exec.argv, &ev->u.exec.argc)) < 0)
		return ret;
	if (!ret)
		return perr(c->p, "%s: missing \"args\"", c->type);
	ev->flags |= EVF_CMDLINE;
	return 0;
}

static int parse_badexec(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	long long x;
	int ret;

	ev->type = EV_BADEXEC;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c, "pgid")) < 0)
		return ret;
	if ((ret = get_str(c, "filename", false, true, &ev->u.badexec.filename)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_FILENAME;
	if ((ret = get_int(c, "errno", 0, INT32_MAX, false, &x)) < 0)
		return ret;
	if (ret) {
		ev->u.badexec.err = (int32_t)x;
		ev->flags |= EVF_ERRNO;
	}
	return 0;
}

static int parse_exit(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	long long x;
	bool core;
	int ret, have;

	ev->type = EV_EXIT;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c, "pgid")) < 0)
		return ret;
	if ((ret = get_int(c, "exit_code", INT32_MIN, INT32_MAX, false, &x)) < 0)
		return ret;
	if (ret) {
		ev->u.exit.code = (int32_t)x;
		ev->flags |= EVF_STATUS;
	}
	if ((ret = get_int(c, "signal", 0, INT32_MAX, false, &x)) < 0)
		return ret;
	if (ret) {
		if (ev->flags & EVF_STATUS)
			return perr(c->p, "%s: both \"exit_code\" and \"signal\"", c->type);
		ev->u.exit.code = (int32_t)x;
		ev->flags |= EVF_STATUS | EVF_SIGNALED;
	}
	if ((ret = get_bool(c, "core_dumped", &core)) < 0)
		return ret;
	if (core)
		ev->flags |= EVF_CORE;
	/* CPU and memory come as a set: a partial set is a broken writer. */
	have = 0;
	if ((ret = get_u64(c, "user_ns", false, &ev->u.exit.user_ns)) < 0)
		return ret;
	have += ret;
	if ((ret = get_u64(c, "system_ns", false, &ev->u.exit.system_ns)) < 0)
		return ret;
	have += ret;
	if ((ret = get_u64(c, "max_rss_kb", false, &ev->u.exit.max_rss_kb)) < 0)
		return ret;
	have += ret;
	if (have == 3)
		ev->flags |= EVF_RUSAGE;
	else if (have)
		return perr(c->p, "%s: \"user_ns\", \"system_ns\" and \"max_rss_kb\" must come together",
			    c->type);
	return 0;
}

static int parse_setsid(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	int ret;

	ev->type = EV_SETSID;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c, "pgid")) < 0)
		return ret;
	return get_i32(c, "sid", true, &ev->u.setsid.sid) < 0 ? -EINVAL : 0;
}

static int parse_setpgid(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	int ret;

	ev->type = EV_SETPGID;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c, "pgid")) < 0)
		return ret;
	if (!(ev->flags & EVF_PGID))
		return perr(c->p, "%s: missing \"pgid\"", c->type);
	return 0;
}

static int parse_header(struct parse_ctx *c)
{
	struct rec_header *h = &c->p->hdr;
	long long x;
	int ret;

	c->p->kind = LK_HEADER;
	if ((ret = get_int(c, "format", 0, INT32_MAX, true, &x)) < 0)
		return ret;
	if (x != PROCTRACE_FORMAT)
		return perr(c->p, "Recording: format %lld is not supported (this is proctrace %s, format %d)",
			    x, PROCTRACE_VERSION, PROCTRACE_FORMAT);
	h->format = (int)x;
	if ((ret = get_i32(c, "root_pid", false, &h->root_pid)) < 0)
		return ret;
	if ((ret = get_str(c, "tool", false, false, &h->tool)) < 0 ||
	    (ret = get_str(c, "start_time", false, false, &h->start_time)) < 0 ||
	    (ret = get_str(c, "host", false, false, &h->host)) < 0 ||
	    (ret = get_str(c, "kernel", false, false, &h->kernel)) < 0)
		return ret;
	if ((ret = get_argv(c, "command", &h->command, &h->command_len)) < 0)
		return ret;
	if (ret && !json_is_array(json_object_get(c->obj, "command")))
		return perr(c->p, "Recording: \"command\" is not an array of strings");
	return 0;
}

static int parse_end(struct parse_ctx *c)
{
	struct rec_end *e = &c->p->end;
	long long x;
	int ret;

	c->p->kind = LK_END;
	if ((ret = get_u64(c, "timestamp", true, &e->ts)) < 0)
		return ret;
	if ((ret = get_u64(c, "lost", false, &e->lost)) < 0)
		return ret;
	if ((ret = get_int(c, "exit_code", INT32_MIN, INT32_MAX, false, &x)) < 0)
		return ret;
	if (ret) {
		e->exit_code = (int)x;
		e->has_exit_code = true;
	}
	return 0;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/*
 * Parse one line (without its newline) into *p. Touches nothing but *p and
 * the arena, so lines could be parsed on several threads with one arena
 * each. Returns 0, or -EINVAL with p->err set.
 */
static int parse_line(const char *line, size_t len, struct arena *a, struct parsed *p)
{
	struct parse_ctx c = { .p = p, .a = a };
	json_error_t jerr;
	json_t *root;
	const char *key;
	int ret = -EINVAL;

	memset(p, 0, offsetof(struct parsed, unknown));
	p->unknown[0] = '\0';
	if (is_blank(line, len)) {
		p->kind = LK_BLANK;
		return 0;
	}
	root = json_loadb(line, len, 0, &jerr);
	if (!root) {
		p->not_json = true;
		return perr(p, "not JSON: %s", jerr.text);
	}
	if (!json_is_object(root) || json_object_size(root) != 1) {
		perr(p, "expected an object with one key (the event type)");
		goto cleanup;
	}
	key = json_object_iter_key(json_object_iter(root));
	c.obj = json_object_get(root, key);
	c.type = key;
	p->kind = LK_EVENT;
	if (!json_is_object(c.obj)) {
		/* an unknown type may hold anything: it is skipped, not judged */
		ret = 0;
		if (!strcmp(key, "Fork") || !strcmp(key, "Exec") || !strcmp(key, "ExecFull") ||
		    !strcmp(key, "ExecFilename") || !strcmp(key, "ExecArgs") ||
		    !strcmp(key, "BadExec") || !strcmp(key, "Exit") || !strcmp(key, "SetSID") ||
		    !strcmp(key, "SetPGID") || !strcmp(key, "Recording") || !strcmp(key, "End"))
			ret = perr(p, "%s: expected an object", key);
		else
			goto unknown;
		goto cleanup;
	}
	if (!strcmp(key, "Fork"))
		ret = parse_fork(&c);
	else if (!strcmp(key, "Exec"))
		ret = parse_exec(&c, "cmdline");
	else if (!strcmp(key, "Exit"))
		ret = parse_exit(&c);
	else if (!strcmp(key, "ExecFull"))
		ret = parse_exec(&c, "args");
	else if (!strcmp(key, "ExecFilename"))
		ret = parse_fragment(&c, true);
	else if (!strcmp(key, "ExecArgs"))
		ret = parse_fragment(&c, false);
	else if (!strcmp(key, "BadExec"))
		ret = parse_badexec(&c);
	else if (!strcmp(key, "SetSID"))
		ret = parse_setsid(&c);
	else if (!strcmp(key, "SetPGID"))
		ret = parse_setpgid(&c);
	else if (!strcmp(key, "Recording"))
		ret = parse_header(&c);
	else if (!strcmp(key, "End"))
		ret = parse_end(&c);
	else
		goto unknown;
	goto cleanup;
unknown:
	p->kind = LK_UNKNOWN;
	snprintf(p->unknown, sizeof(p->unknown), "%s", key);
	ret = 0;
cleanup:
	json_decref(root);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Reading lines with a large buffer.                                       */

struct line_reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	bool eof;
};

/*
 * The next line, without its newline: returns 1 (*nl tells whether it
 * ended with one), 0 at end of input, or a negative errno. The line stays
 * valid until the next call.
 */
static int line_next(struct line_reader *lr, const char **line, size_t *len, bool *nl)
{
	char *p;
	ssize_t n;

	for (;;) {
		p = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		if (p) {
			*line = lr->buf + lr->start;
			*len = (size_t)(p - *line);
			*nl = true;
			lr->start += *len + 1;
			return 1;
		}
		if (lr->eof) {
			if (lr->start == lr->end)
				return 0;
			*line = lr->buf + lr->start;
			*len = lr->end - lr->start;
			*nl = false;
			lr->start = lr->end;
			return 1;
		}
		/* make room: move the partial line to the front, grow if it fills the buffer */
		if (lr->start) {
			memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		if (lr->cap - lr->end < READ_CHUNK / 2) {
			size_t cap = lr->cap ? lr->cap * 2 : READ_CHUNK;
			char *b = realloc(lr->buf, cap);

			if (!b)
				return -ENOMEM;
			lr->buf = b;
			lr->cap = cap;
		}
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			lr->eof = true;
		lr->end += (size_t)n;
	}
}

/* ------------------------------------------------------------------------ */
/* Putting the original proctrace's split exec lines back together.        */

/*
 * The original proctrace wrote an exec as up to three lines with the same
 * pid and timestamp: ExecFilename and ExecArgs (before or after) and Exec.
 * Per pid we remember the last Exec and the pieces still waiting for one.
 * Only recordings that contain pieces pay for this table.
 */
struct pid_state {
	int32_t pid;
	bool used;
	bool own_argv;         /* the last Exec had a non-empty cmdline of its own */
	bool pend_fn, pend_args;
	uint32_t pend_argc;
	size_t exec;           /* index + 1 of the last Exec, 0 if none */
	uint64_t pend_ts;
	const char *pend_filename;
	const char *const *pend_argv;
};

struct merger {
	struct pid_state *tab;
	size_t cap, used;
};

static struct pid_state *merger_get(struct merger *m, int32_t pid)
{
	size_t i;

	if ((m->used + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct pid_state *tab = calloc(cap, sizeof(*tab));

		if (!tab)
			return NULL;
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->tab[j].used)
				continue;
			for (i = ((uint32_t)m->tab[j].pid * 2654435761u) & (cap - 1); tab[i].used;
			     i = (i + 1) & (cap - 1))
				;
			tab[i] = m->tab[j];
		}
		free(m->tab);
		m->tab = tab;
		m->cap = cap;
	}
	for (i = ((uint32_t)pid * 2654435761u) & (m->cap - 1); m->tab[i].used; i = (i + 1) & (m->cap - 1))
		if (m->tab[i].pid == pid)
			return &m->tab[i];
	m->tab[i].used = true;
	m->tab[i].pid = pid;
	m->used++;
	return &m->tab[i];
}

static void merge_into_exec(struct event *ex, bool *own_argv, const char *filename,
			    const char *const *argv, uint32_t argc, bool has_argv)
{
	if (filename && !(ex->flags & EVF_FILENAME)) {
		ex->u.exec.filename = filename;
		ex->flags |= EVF_FILENAME;
	}
	/* an Exec's own argv is exact; a joined "args" string only fills a gap */
	if (has_argv && !*own_argv) {
		ex->u.exec.argv = argv;
		ex->u.exec.argc = argc;
		ex->flags |= EVF_CMDLINE;
	}
}

/* The first piece turns the merger on: learn the last Exec of every pid so far. */
static int merger_start(struct merger *m, const struct recording *r)
{
	struct pid_state *st;

	for (size_t i = 0; i < r->n; i++) {
		if (r->ev[i].type != EV_EXEC)
			continue;
		if (!(st = merger_get(m, r->ev[i].pid)))
			return -ENOMEM;
		st->exec = i + 1;
		st->own_argv = (r->ev[i].flags & EVF_CMDLINE) && r->ev[i].u.exec.argc;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Loading.                                                                  */

struct loader {
	struct recording *r;
	size_t cap;
	struct merger m;
	bool merging;
	char unknown[MAX_UNKNOWN_NAMES][32];
	size_t nunknown_names;
	const char *name;
};

static struct event *push_event(struct loader *l, const struct event *ev)
{
	struct recording *r = l->r;

	if (r->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct event *e = realloc(r->ev, cap * sizeof(*e));

		if (!e)
			return NULL;
		r->ev = e;
		l->cap = cap;
	}
	r->ev[r->n] = *ev;
	return &r->ev[r->n++];
}

static int lerr(struct loader *l, size_t lineno, const char *msg)
{
	fprintf(stderr, "proctrace: error: %s:%zu: %s\n", l->name, lineno, msg);
	return -EINVAL;
}

/* Adds one parsed line to the recording. */
static int take(struct loader *l, struct parsed *p, size_t lineno)
{
	struct recording *r = l->r;
	struct pid_state *st = NULL;
	struct event *ev;
	size_t i;

	switch (p->kind) {
	case LK_BLANK:
		return 0;
	case LK_HEADER:
		if (r->has_header)
			return lerr(l, lineno, "a second Recording header");
		r->hdr = p->hdr;
		r->has_header = true;
		return 0;
	case LK_END:
		if (r->has_end)
			return lerr(l, lineno, "a second End line");
		r->end = p->end;
		r->has_end = true;
		return 0;
	case LK_UNKNOWN:
		r->unknown++;
		for (i = 0; i < l->nunknown_names; i++)
			if (!strcmp(l->unknown[i], p->unknown))
				return 0;
		if (i < MAX_UNKNOWN_NAMES)
			memcpy(l->unknown[l->nunknown_names++], p->unknown, sizeof(p->unknown));
		return 0;
	case LK_FRAGMENT:
		if (!l->merging) {
			if (merger_start(&l->m, r))
				return -ENOMEM;
			l->merging = true;
		}
		if (!(st = merger_get(&l->m, p->ev.pid)))
			return -ENOMEM;
		if (st->exec && r->ev[st->exec - 1].ts == p->ev.ts) {
			merge_into_exec(&r->ev[st->exec - 1], &st->own_argv,
					(p->ev.flags & EVF_FILENAME) ? p->ev.u.exec.filename : NULL,
					p->ev.u.exec.argv, p->ev.u.exec.argc, p->ev.flags & EVF_CMDLINE);
			return 0;
		}
		/* pieces of an older exec that never completed are dropped */
		if ((st->pend_fn || st->pend_args) && st->pend_ts != p->ev.ts)
			st->pend_fn = st->pend_args = false;
		st->pend_ts = p->ev.ts;
		if (p->ev.flags & EVF_FILENAME) {
			st->pend_fn = true;
			st->pend_filename = p->ev.u.exec.filename;
		} else {
			st->pend_args = true;
			st->pend_argv = p->ev.u.exec.argv;
			st->pend_argc = p->ev.u.exec.argc;
		}
		return 0;
	case LK_EVENT:
		break;
	}
	if (!(ev = push_event(l, &p->ev)))
		return -ENOMEM;
	if (!l->merging || (ev->type != EV_EXEC && ev->type != EV_BADEXEC))
		return 0;
	if (!(st = merger_get(&l->m, ev->pid)))
		return -ENOMEM;
	if (ev->type == EV_BADEXEC) {
		/* the failed exec's filename came as a piece before it */
		if (st->pend_fn && !(ev->flags & EVF_FILENAME)) {
			ev->u.badexec.filename = st->pend_filename;
			ev->flags |= EVF_FILENAME;
		}
		st->pend_fn = st->pend_args = false;
		return 0;
	}
	st->exec = r->n;
	st->own_argv = (ev->flags & EVF_CMDLINE) && ev->u.exec.argc;
	if ((st->pend_fn || st->pend_args) && st->pend_ts == ev->ts)
		merge_into_exec(ev, &st->own_argv, st->pend_fn ? st->pend_filename : NULL,
				st->pend_argv, st->pend_argc, st->pend_args);
	st->pend_fn = st->pend_args = false;
	return 0;
}

static void warn_unknown(struct loader *l)
{
	struct recording *r = l->r;

	if (!r->unknown)
		return;
	fprintf(stderr, "proctrace: warning: %s: skipped %zu line%s of unknown event types (",
		l->name, r->unknown, r->unknown == 1 ? "" : "s");
	for (size_t i = 0; i < l->nunknown_names; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", l->unknown[i]);
	fprintf(stderr, "%s)\n", l->nunknown_names == MAX_UNKNOWN_NAMES ? ", ..." : "");
}

int recording_load(struct recording **out, const char *path)
{
	struct line_reader lr = { .fd = -1 };
	struct loader l = { 0 };
	struct parsed *p = NULL;
	struct recording *r;
	const char *line = NULL, *name;
	size_t len = 0, lineno = 0;
	bool nl = false;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	p = malloc(sizeof(*p));
	if (!r || !p || !(r->priv = calloc(1, sizeof(*r->priv)))) {
		ret = -ENOMEM;
		goto cleanup;
	}
	l.r = r;
	name = strcmp(path, "-") ? path : "<stdin>";
	if (!(r->name = arena_strndup(&r->priv->arena, name, strlen(name)))) {
		ret = -ENOMEM;
		goto cleanup;
	}
	l.name = r->name;
	if (!strcmp(path, "-")) {
		lr.fd = STDIN_FILENO;
	} else if ((lr.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		ret = -errno;
		fprintf(stderr, "proctrace: error: cannot open '%s': %s\n", path, strerror(-ret));
		goto cleanup;
	}
	while ((ret = line_next(&lr, &line, &len, &nl)) > 0) {
		lineno++;
		ret = parse_line(line, len, &r->priv->arena, p);
		if (ret == -EINVAL && p->not_json && !nl) {
			fprintf(stderr, "proctrace: warning: %s:%zu: last line is truncated (recorder killed?), ignored\n",
				l.name, lineno);
			r->truncated_tail = true;
			ret = 0;
			break;
		}
		if (ret == -EINVAL) {
			lerr(&l, lineno, p->err);
			goto cleanup;
		}
		if (ret || (ret = take(&l, p, lineno)))
			goto cleanup;
	}
	if (ret < 0) {
		fprintf(stderr, "proctrace: error: cannot read '%s': %s\n", l.name, strerror(-ret));
		goto cleanup;
	}
	warn_unknown(&l);
	*out = r;
	r = NULL;
	ret = 0;
cleanup:
	if (ret == -ENOMEM)
		fprintf(stderr, "proctrace: error: %s: out of memory\n", l.name ? l.name : path);
	if (lr.fd > STDIN_FILENO)
		close(lr.fd);
	free(lr.buf);
	free(l.m.tab);
	free(p);
	recording_free(r);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Sorting.                                                                  */

/* a before b in time; events without seq are equal at equal timestamps */
static inline bool ev_less(const struct event *a, const struct event *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts;
	if ((a->flags & b->flags) & EVF_SEQ)
		return a->seq < b->seq;
	return false;
}

/* Stable bottom-up merge sort of indices: short runs by insertion, then merges. */
static void sort_index(const struct event *ev, uint32_t *idx, uint32_t *tmp, size_t n)
{
	const size_t run = 32;
	size_t i, j, w;

	for (i = 0; i < n; i += run) {
		size_t end = i + run < n ? i + run : n;

		for (j = i + 1; j < end; j++) {
			uint32_t x = idx[j];
			size_t k = j;

			while (k > i && ev_less(&ev[x], &ev[idx[k - 1]])) {
				idx[k] = idx[k - 1];
				k--;
			}
			idx[k] = x;
		}
	}
	for (w = run; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			size_t mid = i + w < n ? i + w : n, end = i + 2 * w < n ? i + 2 * w : n;
			size_t a = i, b = mid, o = i;

			/* already in order across the seam: nothing to merge (the common case) */
			if (mid == end || !ev_less(&ev[idx[mid]], &ev[idx[mid - 1]])) {
				memcpy(tmp + i, idx + i, (end - i) * sizeof(*idx));
				continue;
			}
			while (a < mid && b < end)
				tmp[o++] = ev_less(&ev[idx[b]], &ev[idx[a]]) ? idx[b++] : idx[a++];
			while (a < mid)
				tmp[o++] = idx[a++];
			while (b < end)
				tmp[o++] = idx[b++];
		}
		memcpy(idx, tmp, n * sizeof(*idx));
	}
}

void recording_sort(struct recording *r)
{
	uint32_t *idx = NULL, *tmp = NULL;
	size_t i, n = r->n;

	for (i = 1; i < n; i++)
		if (ev_less(&r->ev[i], &r->ev[i - 1]))
			break;
	if (i >= n)
		return;
	idx = malloc(n * sizeof(*idx));
	tmp = malloc(n * sizeof(*tmp));
	if (!idx || !tmp || n > UINT32_MAX) {
		/* no memory for the index: qsort cannot be made stable without one either */
		fprintf(stderr, "proctrace: error: %s: out of memory while sorting; left in file order\n",
			r->name);
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	sort_index(r->ev, idx, tmp, n);
	/* apply the permutation in place, one cycle at a time */
	for (i = 0; i < n; i++) {
		struct event t;
		size_t j, k;

		if (idx[i] == i)
			continue;
		t = r->ev[i];
		for (j = i; idx[j] != i; j = k) {
			k = idx[j];
			r->ev[j] = r->ev[k];
			idx[j] = (uint32_t)j;
		}
		r->ev[j] = t;
		idx[j] = (uint32_t)j;
	}
cleanup:
	free(idx);
	free(tmp);
}

/* ------------------------------------------------------------------------ */

static bool pid_has_own_events(const struct recording *r, int32_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->ev[i].type != EV_FORK && r->ev[i].pid == pid)
			return true;
	return false;
}

/*
 * Without a header: the first Fork's child, which is the recorded command
 * when the recorder's own fork of it was recorded. When that Fork's parent
 * has events of its own (an Exec, an Exit), the recording began inside the
 * command (the original proctrace's recordings often do), and the parent is
 * the root: being in the first Fork, it cannot have been forked later.
 */
int32_t recording_root_pid(const struct recording *r)
{
	const struct event *first = NULL, *fork = NULL;

	if (r->has_header && r->hdr.root_pid > 0)
		return r->hdr.root_pid;
	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &r->ev[i];

		if (!first || ev_less(e, first))
			first = e;
		if (e->type == EV_FORK && (!fork || ev_less(e, fork)))
			fork = e;
	}
	if (!fork)
		return first ? first->pid : 0;
	return pid_has_own_events(r, fork->pid) ? fork->pid : fork->u.fork.child_pid;
}

void recording_free(struct recording *r)
{
	if (!r)
		return;
	if (r->priv)
		arena_free(&r->priv->arena);
	free(r->priv);
	free(r->ev);
	free(r);
}
