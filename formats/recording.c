/* formats/recording.c: read a recording (format 1 or the original proctrace's shapes) into memory. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/arena.h"
#include "formats/mem.h"
#include "formats/reader.h"
#include "formats/recording.h"

#define READ_CHUNK (1u << 20)
#define MAX_UNKNOWN_NAMES 5

struct recording_priv {
	struct arena arena;
};

/* ------------------------------------------------------------------------ */
/* Reading lines with a large buffer.                                       */

struct line_reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	size_t scanned;  /* buf[start..scanned) holds no newline: a long line is searched once */
	bool eof;
};

/*
 * The next line, without its newline: returns 1 (*nl tells whether it
 * ended with one), 0 at end of input, or a negative errno. The line stays
 * valid until the next call.
 */
static int line_next(struct line_reader *lr, char **line, size_t *len, bool *nl)
{
	char *p;
	ssize_t n;

	for (;;) {
		if (lr->scanned < lr->start)
			lr->scanned = lr->start;
		p = lr->end > lr->scanned ? memchr(lr->buf + lr->scanned, '\n', lr->end - lr->scanned) : NULL;
		if (p) {
			*line = lr->buf + lr->start;
			*len = (size_t)(p - *line);
			*nl = true;
			lr->start += *len + 1;
			return 1;
		}
		lr->scanned = lr->end;
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
			lr->scanned -= lr->start;
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
 * Per pid we remember the last Exec and the pieces still waiting for one,
 * with their line numbers: a second piece of one kind for one exec is
 * ignored with a warning naming both lines. Only recordings that contain
 * pieces pay for this table.
 */
struct pid_state {
	int32_t pid;
	bool used;
	bool own_argv;         /* the last Exec had a non-empty cmdline of its own */
	uint32_t pend_argc;
	size_t exec;           /* index + 1 of the last Exec, 0 if none */
	size_t pend_fn, pend_args; /* the line of the piece waiting for an Exec, 0 if none */
	size_t exec_fn, exec_args; /* the line of the piece merged into the last Exec, 0 if none */
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
	size_t twice;          /* exec pieces given twice, ignored: the first is said in full */
	char unknown[MAX_UNKNOWN_NAMES][32];
	size_t nunknown_names;
	bool more_unknown_names;
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
		mem_huge(e, cap * sizeof(*e));
	}
	r->ev[r->n] = *ev;
	return &r->ev[r->n++];
}

static int lerr(struct loader *l, size_t lineno, const char *msg)
{
	fprintf(stderr, "proctrace: error: %s:%zu: %s\n", l->name, lineno, msg);
	return -EINVAL;
}

/*
 * Whether the piece on line lineno is a second one of its kind for one exec
 * (*seen holds the first one's line, 0 if none); if not, it becomes the
 * first. The first is kept: a warning says so, in full the first time.
 */
static bool piece_twice(struct loader *l, size_t *seen, size_t lineno, const struct event *piece)
{
	if (!*seen) {
		*seen = lineno;
		return false;
	}
	if (!l->twice++)
		fprintf(stderr, "proctrace: warning: %s:%zu: a second %s for the exec of pid %d at "
			"timestamp %llu (the first is line %zu): line %zu's is kept, this one ignored\n",
			l->name, lineno, (piece->flags & EVF_FILENAME) ? "ExecFilename" : "ExecArgs",
			piece->pid, (unsigned long long)piece->ts, *seen, *seen);
	return true;
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
		else
			l->more_unknown_names = true;
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
			if (piece_twice(l, (p->ev.flags & EVF_FILENAME) ? &st->exec_fn : &st->exec_args,
					lineno, &p->ev))
				return 0;
			merge_into_exec(&r->ev[st->exec - 1], &st->own_argv,
					(p->ev.flags & EVF_FILENAME) ? p->ev.u.exec.filename : NULL,
					p->ev.u.exec.argv, p->ev.u.exec.argc, p->ev.flags & EVF_CMDLINE);
			return 0;
		}
		/* pieces of an older exec that never completed are dropped */
		if ((st->pend_fn || st->pend_args) && st->pend_ts != p->ev.ts)
			st->pend_fn = st->pend_args = 0;
		st->pend_ts = p->ev.ts;
		if (piece_twice(l, (p->ev.flags & EVF_FILENAME) ? &st->pend_fn : &st->pend_args, lineno,
				&p->ev))
			return 0;
		if (p->ev.flags & EVF_FILENAME) {
			st->pend_filename = p->ev.u.exec.filename;
		} else {
			st->pend_argv = p->ev.u.exec.argv;
			st->pend_argc = p->ev.u.exec.argc;
		}
		return 0;
	case LK_EVENT:
		break;
	}
	if (!(ev = push_event(l, &p->ev)))
		return -ENOMEM;
	if (ev->type == EV_SAMPLE)
		ev->line = lineno <= UINT32_MAX ? (uint32_t)lineno : 0;
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
		st->pend_fn = st->pend_args = 0;
		return 0;
	}
	st->exec = r->n;
	st->own_argv = (ev->flags & EVF_CMDLINE) && ev->u.exec.argc;
	st->exec_fn = st->exec_args = 0;
	if ((st->pend_fn || st->pend_args) && st->pend_ts == ev->ts) {
		merge_into_exec(ev, &st->own_argv, st->pend_fn ? st->pend_filename : NULL,
				st->pend_argv, st->pend_argc, st->pend_args);
		st->exec_fn = st->pend_fn;
		st->exec_args = st->pend_args;
	}
	st->pend_fn = st->pend_args = 0;
	return 0;
}

static void warn_twice(const struct loader *l)
{
	if (l->twice > 1)
		fprintf(stderr, "proctrace: warning: %s: %zu more exec piece%s given twice, "
			"ignored the same way\n", l->name, l->twice - 1, l->twice == 2 ? "" : "s");
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
	fprintf(stderr, "%s)\n", l->more_unknown_names ? ", ..." : "");
}

int recording_load(struct recording **out, const char *path)
{
	struct line_reader lr = { .fd = -1 };
	struct loader l = { 0 };
	struct parsed *p = NULL;
	struct recording *r;
	const char *name;
	char *line = NULL;
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
		/* A byte order mark, as editors on Windows put at the start of a file */
		if (lineno == 1 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
			line += 3;
			len -= 3;
		}
		ret = parse_line(line, len, &r->priv->arena, p);
		if (ret == -EINVAL && p->cut && !nl) {
			/* what is known: the line stops too early; not why */
			fprintf(stderr, "proctrace: warning: %s:%zu: last line is cut short "
				"(the recorder was killed, or its disk was full?), ignored\n", l.name, lineno);
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
	warn_twice(&l);
	warn_unknown(&l);
	/* Only proctrace's own recordings promise an End line: the original proctrace wrote none. */
	r->cut_short = r->has_header && !r->has_end &&
		       !(r->hdr.tool && !strncmp(r->hdr.tool, RECORDING_LEGACY_TOOL,
						 strlen(RECORDING_LEGACY_TOOL)));
	if (r->cut_short && !r->truncated_tail)
		fprintf(stderr, "proctrace: warning: %s: no End line: the recording is cut short "
			"(the recorder was killed, or its disk was full?), read as it is\n", l.name);
	r->cut_short |= r->truncated_tail;
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

/*
 * a before b: by timestamp; at one timestamp, events with seq first, in
 * seq order, then those without (equal here: the stable sort keeps their
 * file order). A strict weak ordering, as a sort needs: comparing seq only
 * when both have one, and calling the rest equal, was not one (a seq'd
 * event equal to an unseq'd one equal to a seq'd one before the first), so
 * the result depended on the input's order. A missing seq sorts as if it
 * were larger than any: the events that carry the recorder's order keep it
 * among themselves, wherever they were in the file.
 */
static inline bool ev_less(const struct event *a, const struct event *b)
{
	bool as = a->flags & EVF_SEQ, bs = b->flags & EVF_SEQ;

	if (a->ts != b->ts)
		return a->ts < b->ts;
	if (as != bs)
		return as;
	return as && a->seq < b->seq;
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
	/* record --all without CMD: about the whole machine, no process in particular */
	if (r->has_header && r->hdr.system_wide)
		return 0;
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
