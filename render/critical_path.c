/* render/critical_path.c: the critical-path view: each link of trace->crit, and what outlived the root. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render/status.h"
#include "render/summary.h"
#include "render/trace.h"

/* A duration, exact to the digit shown, as the summary writes it. */
static char *dur(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%u ns", (unsigned)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%u.%03u us", (unsigned)(ns / 1000), (unsigned)(ns % 1000));
	else if (ns < 1000000000)
		snprintf(buf, len, "%u.%03u ms", (unsigned)(ns / 1000000), (unsigned)(ns / 1000 % 1000));
	else
		snprintf(buf, len, "%" PRIu64 ".%03u s", ns / 1000000000, (unsigned)(ns / 1000000 % 1000));
	return buf;
}

/* The exec image p ran last (the one it inherited if it never exec'd), or NULL. */
static const struct event *last_exec(const struct proc *p)
{
	const struct exec_span *s = p->nexec ? &p->execs[p->nexec - 1] : p->inherited;

	return s ? s->exec : NULL;
}

/*
 * The processes of the root's subtree that ended after the root, and whose
 * parent did not (the top of each such subtree): *n of them, by index.
 */
static int outliving(const struct trace *t, uint32_t **out, size_t *n)
{
	bool *in = calloc(t->nprocs ? t->nprocs : 1, sizeof(*in));
	uint32_t *o = malloc((t->nprocs ? t->nprocs : 1) * sizeof(*o));

	*n = 0;
	*out = NULL;
	if (!in || !o) {
		free(in);
		free(o);
		return -ENOMEM;
	}
	/* parents come before their children in t->procs */
	for (size_t k = 0; k < t->nprocs && t->root; k++) {
		const struct proc *p = &t->procs[k];

		in[k] = p == t->root || (p->parent && in[p->parent->index]);
		if (in[k] && p != t->root && p->end > t->root->end &&
		    (p->parent == t->root || p->parent->end <= t->root->end))
			o[(*n)++] = (uint32_t)k;
	}
	free(in);
	*out = o;
	return 0;
}

static void text_line(FILE *out, const struct proc *p, uint64_t a, uint64_t b, uint64_t c,
		      uint64_t d, int indent, const char *note)
{
	char s1[48], s2[48], s3[48], s4[48], name[TRACE_NAME_MAX];
	char *argv = summary_cmdline(last_exec(p));

	fprintf(out, "  %12s %12s %12s %12s %8d  %*s%s: %s%s\n", dur(s1, sizeof(s1), a),
		dur(s2, sizeof(s2), b), dur(s3, sizeof(s3), c), dur(s4, sizeof(s4), d), p->pid, indent,
		"", trace_proc_name(p, name, sizeof(name)), argv ? argv : "(unknown)", note);
	free(argv);
}

static int text(FILE *out, const struct trace *t, const uint32_t *orph, size_t norph)
{
	const struct proc *root = t->root;
	char d[48], e[48], f[48];

	if (!root || !t->ncrit) {
		fputs("critical path: none (no process)\n", out);
		return 0;
	}
	fprintf(out, "critical path of pid %d: %zu process%s, from %s to %s (%s)\n", root->pid, t->ncrit,
		t->ncrit == 1 ? "" : "es", dur(d, sizeof(d), root->start), dur(e, sizeof(e), root->end),
		dur(f, sizeof(f), root->end - root->start));
	fputs("each link: a process the end of the run waited for, its own time on the path and\n"
	      "the time it waited on the links under it (inferred from forks and exits)\n\n", out);
	fprintf(out, "  %12s %12s %12s %12s %8s  %s\n", "START", "END", "OWN", "WAIT", "PID",
		"COMMAND: ARGV");
	for (size_t i = 0; i < t->ncrit; i++) {
		const struct crit_link *l = &t->crit[i];
		uint32_t depth = l->p->depth - root->depth;

		text_line(out, l->p, l->start, l->end, l->end - l->start - l->wait, l->wait,
			  2 * (int)(depth < 16 ? depth : 16), "");
	}
	if (!norph)
		return 0;
	fprintf(out, "\noutliving the root (not on the path: the root did not wait for %s): %zu\n",
		norph == 1 ? "it" : "them", norph);
	fprintf(out, "  %12s %12s %12s %12s %8s  %s\n", "START", "END", "WALL", "AFTER ROOT", "PID",
		"COMMAND: ARGV");
	for (size_t i = 0; i < norph; i++) {
		const struct proc *p = &t->procs[orph[i]];

		text_line(out, p, p->start, p->end, p->end - p->start, p->end - root->end, 0,
			  p->ended_by_recording ? " (still running at the end)" : "");
	}
	return 0;
}

/* One process as a JSON object's members: pid, command, argv (exact, an array). */
static int json_proc(struct sbuf *b, const struct proc *p)
{
	const struct event *x = last_exec(p);
	char name[TRACE_NAME_MAX], num[32];
	const char *cmd = trace_proc_name(p, name, sizeof(name));
	int err;

	snprintf(num, sizeof(num), "\"pid\":%d,\"command\":", p->pid);
	err = sbuf_reserve(b, strlen(num) + 16);
	if (err)
		return err;
	memcpy(b->buf + b->len, num, strlen(num));
	b->len += strlen(num);
	err = jsonl_write_string(b, cmd, strlen(cmd));
	if (err || sbuf_reserve(b, 16))
		return err ? err : -ENOMEM;
	memcpy(b->buf + b->len, ",\"argv\":[", 9);
	b->len += 9;
	for (uint32_t i = 0; x && (x->flags & EVF_CMDLINE) && x->u.exec.argv && i < x->u.exec.argc; i++) {
		const char *a = x->u.exec.argv[i] ? x->u.exec.argv[i] : "";

		if (i && (err = sbuf_reserve(b, 1)) == 0)
			b->buf[b->len++] = ',';
		err = err ? err : jsonl_write_string(b, a, strlen(a));
		if (err)
			return err;
	}
	if ((err = sbuf_reserve(b, 1)))
		return err;
	b->buf[b->len++] = ']';
	return 0;
}

static int put(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);
	int err = sbuf_reserve(b, n);

	if (!err) {
		memcpy(b->buf + b->len, s, n);
		b->len += n;
	}
	return err;
}

static int json(FILE *out, const struct trace *t, const uint32_t *orph, size_t norph)
{
	struct sbuf b = { 0 };
	char num[160];
	int err = put(&b, "{\"critical_path_format\":1,\"root\":");

	if (!err && t->root) {
		err = put(&b, "{");
		err = err ? err : json_proc(&b, t->root);
		snprintf(num, sizeof(num), ",\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 "}", t->root->start,
			 t->root->end);
		err = err ? err : put(&b, num);
	} else if (!err) {
		err = put(&b, "null");
	}
	err = err ? err : put(&b, ",\"links\":[");
	for (size_t i = 0; i < t->ncrit && !err; i++) {
		const struct crit_link *l = &t->crit[i];

		err = put(&b, i ? ",{" : "{");
		err = err ? err : json_proc(&b, l->p);
		snprintf(num, sizeof(num), ",\"depth\":%u,\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64
			 ",\"own_ns\":%" PRIu64 ",\"wait_ns\":%" PRIu64 "}", l->p->depth - t->root->depth,
			 l->start, l->end, l->end - l->start - l->wait, l->wait);
		err = err ? err : put(&b, num);
		if (!err && b.len > (1 << 16)) {
			err = fwrite(b.buf, 1, b.len, out) == b.len ? 0 : -EIO;
			b.len = 0;
		}
	}
	err = err ? err : put(&b, "],\"outliving_root\":[");
	for (size_t i = 0; i < norph && !err; i++) {
		const struct proc *p = &t->procs[orph[i]];

		err = put(&b, i ? ",{" : "{");
		err = err ? err : json_proc(&b, p);
		snprintf(num, sizeof(num), ",\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64
			 ",\"running_at_end\":%s}", p->start, p->end, p->ended_by_recording ? "true" : "false");
		err = err ? err : put(&b, num);
	}
	err = err ? err : put(&b, "]}\n");
	if (!err && fwrite(b.buf, 1, b.len, out) != b.len)
		err = -EIO;
	sbuf_free(&b);
	return err;
}

int render_critical_path(FILE *out, const struct trace *t, const struct render_opts *o)
{
	uint32_t *orph;
	size_t norph;
	int err = outliving(t, &orph, &norph);

	if (err)
		return err;
	err = o->json ? json(out, t, orph, norph) : text(out, t, orph, norph);
	free(orph);
	if (!err && ferror(out))
		err = -EIO;
	return err;
}
