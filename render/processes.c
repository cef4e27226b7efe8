/* render/processes.c: the processes view: one CSV row per process, for DuckDB, sqlite, pandas, Spark. */
#include <errno.h>
#include <string.h>

#include "formats/utf8.h"
#include "render/trace.h"

/*
 * RFC 4180: a header line, then one record per process in order of
 * appearance, fields separated by commas, lines ending in CRLF. A field is
 * quoted only when it must be (a comma, a quote or a line break in it),
 * quotes inside doubled; an unknown value is an empty field, which the
 * loaders read as NULL. Every column is described in proctrace-render(1),
 * "processes"; the names are what a query uses, so they never change.
 */
static const char header[] =
	"recording_start_time,recording_host,pid,start_ns,ppid,parent_start_ns,end_ns,wall_ns,"
	"user_ns,system_ns,max_rss_kb,exit_code,signal,execs,failed_execs,command,cwd,argv\r\n";

static int put(struct sbuf *b, const char *s, size_t n)
{
	int err = sbuf_reserve(b, n);

	if (err)
		return err;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	return 0;
}

/* ",N": numbers are most of a row, and printf would be a third of the view's time. */
static int put_u64(struct sbuf *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	*--p = ',';
	return put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int put_i64(struct sbuf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	/* in unsigned arithmetic: INT64_MIN has no positive twin */
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	*--p = ',';
	return put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* An empty field: unknown, or not applicable. */
static int put_none(struct sbuf *b)
{
	return put(b, ",", 1);
}

/*
 * s as one field: quoted when it holds a comma, a quote, CR or LF; bytes
 * that are not UTF-8 become U+FFFD, since DuckDB and Spark refuse a file
 * with any. first: no comma before it.
 */
static int put_text(struct sbuf *b, const char *s, size_t len, bool first)
{
	const unsigned char *u = (const unsigned char *)s;
	bool quote = false;
	char *p;
	int err;

	for (size_t i = 0; i < len && !quote; i++)
		quote = u[i] == ',' || u[i] == '"' || u[i] == '\r' || u[i] == '\n';
	/* a quote doubles, a bad byte becomes 3: 3 bytes each at most */
	err = sbuf_reserve(b, 3 * len + 3);
	if (err)
		return err;
	p = b->buf + b->len;
	if (!first)
		*p++ = ',';
	if (quote)
		*p++ = '"';
	for (size_t i = 0; i < len;) {
		int n = u[i] < 0x80 ? 1 : utf8_seq(u + i, len - i);

		if (n <= 0) {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			i++;
			continue;
		}
		if (u[i] == '"')
			*p++ = '"';
		memcpy(p, u + i, (size_t)n);
		p += n;
		i += (size_t)n;
	}
	if (quote)
		*p++ = '"';
	b->len = (size_t)(p - b->buf);
	return 0;
}

static int put_str(struct sbuf *b, const char *s)
{
	return s ? put_text(b, s, strlen(s), false) : put_none(b);
}

/* The argv of the image the process ran last as a JSON array, itself one CSV field. */
static int put_argv(struct sbuf *b, struct sbuf *json, const struct exec_span *s)
{
	const struct event *ex = s ? s->exec : NULL;
	int err;

	if (!ex || !(ex->flags & EVF_CMDLINE))
		return put_none(b);
	json->len = 0;
	if ((err = put(json, "[", 1)))
		return err;
	for (uint32_t i = 0; i < ex->u.exec.argc; i++) {
		const char *a = ex->u.exec.argv[i] ? ex->u.exec.argv[i] : "";

		if ((i && (err = put(json, ",", 1))) || (err = jsonl_write_string(json, a, strlen(a))))
			return err;
	}
	if ((err = put(json, "]", 1)))
		return err;
	return put_text(b, json->buf, json->len, false);
}

/*
 * The parent's pid: the parent process's, else (a root, whose parent is
 * outside the recording or the --pid subtree) what its Fork, first Exec
 * or Exit says; 0 if nothing does.
 */
static int32_t parent_pid(const struct proc *p)
{
	if (p->parent)
		return p->parent->pid;
	if (p->fork)
		return p->fork->pid;
	if (p->nexec && (p->execs[0].exec->flags & EVF_PPID))
		return p->execs[0].exec->ppid;
	if (p->exit && (p->exit->flags & EVF_PPID))
		return p->exit->ppid;
	return 0;
}

static int row(struct sbuf *b, struct sbuf *json, const struct trace *t, const struct proc *p)
{
	const struct rec_header *h = t->rec->has_header ? &t->rec->hdr : NULL;
	const struct event *x = p->exit;
	const struct exec_span *img = p->nexec ? &p->execs[p->nexec - 1] : p->inherited;
	char name[TRACE_NAME_MAX];
	const char *cmd;
	int32_t ppid = parent_pid(p);
	int err = 0;

	cmd = h && h->start_time ? h->start_time : "";
	err = put_text(b, cmd, strlen(cmd), true);
	err = err ? err : put_str(b, h ? h->host : NULL);
	err = err ? err : put_i64(b, p->pid);
	err = err ? err : put_u64(b, p->start);
	err = err ? err : ppid > 0 ? put_i64(b, ppid) : put_none(b);
	err = err ? err : p->parent ? put_u64(b, p->parent->start) : put_none(b);
	if (x) {
		err = err ? err : put_u64(b, p->end);
		err = err ? err : put_u64(b, p->end - p->start);
	} else {
		err = err ? err : put_none(b);
		err = err ? err : put_none(b);
	}
	if (x && (x->flags & EVF_RUSAGE)) {
		err = err ? err : put_u64(b, x->u.exit.user_ns);
		err = err ? err : put_u64(b, x->u.exit.system_ns);
		err = err ? err : put_u64(b, x->u.exit.max_rss_kb);
	} else {
		for (int i = 0; i < 3; i++)
			err = err ? err : put_none(b);
	}
	if (x && (x->flags & EVF_STATUS)) {
		bool sig = x->flags & EVF_SIGNALED;

		err = err ? err : sig ? put_none(b) : put_i64(b, x->u.exit.code);
		err = err ? err : sig ? put_i64(b, x->u.exit.code) : put_none(b);
	} else {
		err = err ? err : put_none(b);
		err = err ? err : put_none(b);
	}
	err = err ? err : put_u64(b, p->nexec);
	err = err ? err : put_u64(b, p->nbadexec);
	cmd = trace_proc_name(p, name, sizeof(name));
	err = err ? err : put_str(b, cmd);
	/* cwd of the same image as argv; empty when not recorded or unknown */
	if (img && (img->exec->flags & EVF_CWD))
		err = err ? err : put_str(b, img->exec->u.exec.cwd);
	else
		err = err ? err : put_none(b);
	err = err ? err : put_argv(b, json, img);
	err = err ? err : put(b, "\r\n", 2);
	return err;
}

int render_processes(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct sbuf b = { 0 }, json = { 0 };
	int err;

	(void)o;
	err = put(&b, header, sizeof(header) - 1);
	for (size_t k = 0; !err && k < t->nprocs; k++) {
		err = row(&b, &json, t, &t->procs[k]);
		if (!err && b.len >= 1 << 16)
			err = sbuf_flush(out, &b);
	}
	if (!err)
		err = sbuf_flush(out, &b);
	sbuf_free(&b);
	sbuf_free(&json);
	return err;
}
