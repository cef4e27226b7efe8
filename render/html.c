/* render/html.c: the html view, one self-contained page: a zoomable timeline, details, search and tables. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/qsort.h"
#include "render/trace.h"
#include "render/status.h"
#include "formats/utf8.h"
#include "render/html_assets.h" /* generated from render/html/ by the Makefile */

/*
 * The page is the markup, style and script of render/html/, and the data:
 * one JSON document (described in render/html/page.js, which reads it),
 * gzip-compressed and base64-encoded inside a <script> element of a type
 * browsers do not run. base64 has no '<', so no argv can end that element
 * early, and the compressed data of a 100,000-process build stays a few
 * megabytes. The page inflates it with the browser's DecompressionStream.
 */
#define HTML_DATA_FORMAT 1
#define SLOWEST_SHOWN 100
#define TITLE_MAX 200        /* bytes of the recorded command in <title> */
#define JSON_FLUSH (1 << 16) /* JSON text compressed in pieces of about this */
#define ZOUT 65536
#define NONE UINT32_MAX

/* Flags of a process in the data ("P"): keep in step with page.js. */
enum { PF_CRIT = 1, PF_FORK = 2, PF_CORE = 4, PF_EXIT = 8 };
/* Flags of an exec image ("X"). */
enum { XF_TRUNCATED = 1, XF_NO_ARGV = 2 };

/*
 * Strings written once: the data refers to each by its number, its place
 * in "S". They are told apart by address, not content: the reader interns
 * argv and file names, so an argument a build repeats a million times has
 * one address, and an address is cheap to hash. Two copies of one text at
 * two addresses are written twice, which costs room, never correctness.
 * Command names are told apart by content: they are looked up among the
 * copies made of them first.
 */
struct strtab {
	const char **s;      /* by number */
	uint32_t n, cap;
	uint32_t *slot;      /* by address: number + 1, 0 = empty; at most half full */
	size_t mask;
	char **owned;        /* copies of composed names, by content: open addressing */
	size_t nowned, owned_mask;
};

/*
 * The compression of the JSON text runs on a thread of its own while the
 * text is written, a piece at a time (two buffers: one being written, one
 * being compressed): deflate is a fifth of the view's work. Everything here
 * but the handing over is the compressing thread's alone between
 * zpipe_start() and zpipe_end(); without a thread, the writer compresses
 * each piece itself.
 */
struct zpipe {
	FILE *out;
	z_stream z;
	bool z_ready;
	unsigned char carry[3];    /* compressed bytes waiting for a whole base64 group */
	size_t ncarry;
	unsigned char zout[ZOUT];
	char b64[ZOUT / 3 * 4 + 8];
	/* handing over, under mu */
	pthread_t th;
	bool threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sbuf piece;         /* the text handed over, compressed when full */
	bool full, finish, quit;
	int err;                   /* the compressing side's first error */
};

struct page {
	FILE *out;
	const struct trace *t;
	struct sbuf json;          /* JSON text not handed over yet */
	struct zpipe zp;
	struct strtab strs;
	uint64_t origin, end;      /* ns: the page's time 0 and its last time */
	uint32_t *lane_of;
	uint32_t nlanes;
	/* the command names written for each process and exec image, for the commands table */
	uint32_t *name_of_proc, *name_of_span;
	bool first;                /* the next element of the open flat array is its first */
};

/* --- output: JSON text -> deflate (gzip) -> base64 -> out ------------------ */

static const char b64_digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Write n compressed bytes as base64, keeping the 0-2 bytes of an unfinished group. */
static int b64_put(struct zpipe *zp, const unsigned char *s, size_t n, bool last)
{
	char *o = zp->b64;

	while (n || (last && zp->ncarry)) {
		while (zp->ncarry < 3 && n) {
			zp->carry[zp->ncarry++] = *s++;
			n--;
		}
		if (zp->ncarry < 3 && !last)
			break;
		{
			const unsigned char *c = zp->carry;
			size_t k = zp->ncarry;

			*o++ = b64_digits[c[0] >> 2];
			*o++ = b64_digits[((c[0] & 3) << 4) | (k > 1 ? c[1] >> 4 : 0)];
			*o++ = k > 1 ? b64_digits[((c[1] & 15) << 2) | (k > 2 ? c[2] >> 6 : 0)] : '=';
			*o++ = k > 2 ? b64_digits[c[2] & 63] : '=';
			zp->ncarry = 0;
		}
		if ((size_t)(o - zp->b64) >= sizeof(zp->b64) - 4) {
			if (fwrite(zp->b64, 1, (size_t)(o - zp->b64), zp->out) != (size_t)(o - zp->b64))
				return -EIO;
			o = zp->b64;
		}
	}
	if (o > zp->b64 && fwrite(zp->b64, 1, (size_t)(o - zp->b64), zp->out) != (size_t)(o - zp->b64))
		return -EIO;
	return 0;
}

/* Compress a piece of JSON text into base64 on out; finish: the last piece. */
static int zpipe_compress(struct zpipe *zp, const struct sbuf *text, bool finish)
{
	int flush = finish ? Z_FINISH : Z_NO_FLUSH;
	int err;

	zp->z.next_in = (unsigned char *)text->buf;
	zp->z.avail_in = (uInt)text->len;
	do {
		int rc;

		zp->z.next_out = zp->zout;
		zp->z.avail_out = ZOUT;
		rc = deflate(&zp->z, flush);
		if (rc == Z_STREAM_ERROR)
			return -EINVAL;
		err = b64_put(zp, zp->zout, ZOUT - zp->z.avail_out, false);
		if (err)
			return err;
	} while (zp->z.avail_out == 0 || (finish && zp->z.avail_in));
	return finish ? b64_put(zp, NULL, 0, true) : 0;
}

static void *zpipe_main(void *arg)
{
	struct zpipe *zp = arg;
	bool finish = false;

	pthread_mutex_lock(&zp->mu);
	while (!finish) {
		int err;

		while (!zp->full && !zp->quit)
			pthread_cond_wait(&zp->cv, &zp->mu);
		if (!zp->full)
			break;
		finish = zp->finish;
		pthread_mutex_unlock(&zp->mu);
		err = zp->err ? 0 : zpipe_compress(zp, &zp->piece, finish);
		pthread_mutex_lock(&zp->mu);
		if (err && !zp->err)
			zp->err = err;
		zp->piece.len = 0;
		zp->full = false;
		pthread_cond_broadcast(&zp->cv);
	}
	pthread_mutex_unlock(&zp->mu);
	return NULL;
}

/* Ready to compress to out: level 1, gzip framing; a thread if one can be had. */
static int zpipe_start(struct zpipe *zp, FILE *out)
{
	zp->out = out;
	/*
	 * Level 1: on the generated 1,000,000-process build, the page is 10%
	 * larger than at level 6 and made in half the time.
	 */
	if (deflateInit2(&zp->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	zp->z_ready = true;
	if (pthread_mutex_init(&zp->mu, NULL))
		return 0;
	if (pthread_cond_init(&zp->cv, NULL)) {
		pthread_mutex_destroy(&zp->mu);
		return 0;
	}
	zp->threaded = !pthread_create(&zp->th, NULL, zpipe_main, zp);
	if (!zp->threaded) {
		pthread_cond_destroy(&zp->cv);
		pthread_mutex_destroy(&zp->mu);
	}
	return 0;
}

/*
 * Hand the text over to be compressed (finish: the last of it), once the
 * piece before it is done; *text gets the emptied buffer back.
 */
static int zpipe_give(struct zpipe *zp, struct sbuf *text, bool finish)
{
	struct sbuf spare;
	int err;

	if (!zp->threaded) {
		err = zpipe_compress(zp, text, finish);
		text->len = 0;
		return err;
	}
	pthread_mutex_lock(&zp->mu);
	while (zp->full)
		pthread_cond_wait(&zp->cv, &zp->mu);
	err = zp->err;
	if (!err) {
		spare = zp->piece;
		zp->piece = *text;
		*text = spare;
		zp->full = true;
		zp->finish = finish;
		pthread_cond_broadcast(&zp->cv);
	}
	pthread_mutex_unlock(&zp->mu);
	return err;
}

/* Wait for the thread (told to stop if the text was not finished); its first error. */
static int zpipe_end(struct zpipe *zp)
{
	int err = 0;

	if (zp->threaded) {
		pthread_mutex_lock(&zp->mu);
		zp->quit = true;
		pthread_cond_broadcast(&zp->cv);
		pthread_mutex_unlock(&zp->mu);
		pthread_join(zp->th, NULL);
		pthread_cond_destroy(&zp->cv);
		pthread_mutex_destroy(&zp->mu);
		zp->threaded = false;
		err = zp->err;
	}
	if (zp->z_ready)
		deflateEnd(&zp->z);
	zp->z_ready = false;
	sbuf_free(&zp->piece);
	return err;
}

static int json_maybe_flush(struct page *pg)
{
	return pg->json.len >= JSON_FLUSH ? zpipe_give(&pg->zp, &pg->json, false) : 0;
}

/* --- JSON writing ------------------------------------------------------------ */

static int j_raw(struct page *pg, const char *s, size_t n)
{
	int err = sbuf_reserve(&pg->json, n);

	if (err)
		return err;
	memcpy(pg->json.buf + pg->json.len, s, n);
	pg->json.len += n;
	return 0;
}

#define J_LIT(pg, s) j_raw((pg), (s), sizeof(s) - 1)

static int j_i64(struct page *pg, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return j_raw(pg, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* A flat array of numbers: j_open(), j_num() for each, j_close(). */
static int j_open(struct page *pg)
{
	pg->first = true;
	return J_LIT(pg, "[");
}

static int j_num(struct page *pg, int64_t v)
{
	int err = pg->first ? 0 : J_LIT(pg, ",");

	pg->first = false;
	return err ? err : j_i64(pg, v);
}

static int j_close(struct page *pg)
{
	return J_LIT(pg, "]");
}

/* A duration or sum of ns, capped so that it stays an integer JSON number. */
static int j_u64(struct page *pg, uint64_t v)
{
	return j_i64(pg, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

/*
 * A JSON string. Besides '"', '\\' and the controls, '<', '>' and '&' are
 * escaped (the text could be put in a page as it is), and U+2028/U+2029,
 * which old JavaScript did not allow in strings. A byte that is not UTF-8
 * becomes U+FFFD, as the recording format writes it.
 */
static int j_str(struct page *pg, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	char *o;
	int err = sbuf_reserve(&pg->json, 6 * len + 2);

	if (err)
		return err;
	o = pg->json.buf + pg->json.len;
	*o++ = '"';
	while (i < len) {
		unsigned char c = u[i];
		int n;

		if (c >= 0x80) {
			n = utf8_seq(u + i, len - i);
			if (n <= 0) {
				memcpy(o, "\\ufffd", 6);
				o += 6;
				i++;
			} else if (n == 3 && c == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] | 1) == 0xa9) {
				memcpy(o, u[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
				o += 6;
				i += 3;
			} else {
				memcpy(o, u + i, (size_t)n);
				o += n;
				i += (size_t)n;
			}
			continue;
		}
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
		i++;
	}
	*o++ = '"';
	pg->json.len = (size_t)(o - pg->json.buf);
	return 0;
}

/* "key": with the comma before it unless first. */
static int j_key(struct page *pg, const char *key, bool first)
{
	int err = first ? 0 : J_LIT(pg, ",");

	err = err ? err : j_str(pg, key);
	return err ? err : J_LIT(pg, ":");
}

/* --- interned strings ------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t hash_ptr(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ h >> 29);
}

static int strtab_grow(struct strtab *st)
{
	size_t cap = st->mask ? (st->mask + 1) * 2 : 1024;
	uint32_t *slot = calloc(cap, sizeof(*slot));
	const char **s = realloc(st->s, cap / 2 * sizeof(*s));

	if (s)
		st->s = s;
	if (!slot || !s) {
		free(slot);
		return -ENOMEM;
	}
	st->cap = (uint32_t)(cap / 2);
	for (uint32_t k = 0; k < st->n; k++) {
		size_t i = hash_ptr(st->s[k]) & (cap - 1);

		while (slot[i])
			i = (i + 1) & (cap - 1);
		slot[i] = k + 1;
	}
	free(st->slot);
	st->slot = slot;
	st->mask = cap - 1;
	return 0;
}

/* The copy of a string, made if new: valid until strtab_free(); NULL if out of memory. */
static const char *strtab_own(struct strtab *st, const char *s)
{
	size_t i;

	if ((st->nowned + 1) * 2 > st->owned_mask + 1) {
		size_t cap = st->owned_mask ? (st->owned_mask + 1) * 2 : 64;
		char **o = calloc(cap, sizeof(*o));

		if (!o)
			return NULL;
		for (size_t k = 0; st->owned && k <= st->owned_mask; k++) {
			if (!st->owned[k])
				continue;
			for (i = hash_str(st->owned[k]) & (cap - 1); o[i]; i = (i + 1) & (cap - 1))
				;
			o[i] = st->owned[k];
		}
		free(st->owned);
		st->owned = o;
		st->owned_mask = cap - 1;
	}
	for (i = hash_str(s) & st->owned_mask; st->owned[i]; i = (i + 1) & st->owned_mask)
		if (!strcmp(st->owned[i], s))
			return st->owned[i];
	st->owned[i] = strdup(s);
	if (st->owned[i])
		st->nowned++;
	return st->owned[i];
}

/*
 * The number of s, added if new. borrowed: s lives as long as the
 * recording, and is told apart by address; otherwise a copy is used, found
 * by content. Returns 0 or -ENOMEM.
 */
static int strtab_ref(struct strtab *st, const char *s, bool borrowed, uint32_t *id)
{
	size_t i;

	if (!borrowed && !(s = strtab_own(st, s)))
		return -ENOMEM;
	if (st->n + 1 > st->cap && strtab_grow(st))
		return -ENOMEM;
	for (i = hash_ptr(s) & st->mask; st->slot[i]; i = (i + 1) & st->mask) {
		if (st->s[st->slot[i] - 1] == s) {
			*id = st->slot[i] - 1;
			return 0;
		}
	}
	st->s[st->n] = s;
	st->slot[i] = ++st->n;
	*id = st->n - 1;
	return 0;
}

static void strtab_free(struct strtab *st)
{
	for (size_t k = 0; st->owned && k <= st->owned_mask; k++)
		free(st->owned[k]);
	free(st->owned);
	free(st->s);
	free(st->slot);
}

/* A string's number, in a flat array. */
static int j_ref(struct page *pg, const char *s, bool borrowed)
{
	uint32_t id;
	int err = strtab_ref(&pg->strs, s, borrowed, &id);

	return err ? err : j_num(pg, id);
}

/*
 * The number of a command name from trace_command_name()/trace_proc_name():
 * told apart by content, as the commands table groups by name ("sh" is
 * both argv[0] and the end of "/bin/sh").
 */
static int name_ref(struct page *pg, const char *name, uint32_t *id)
{
	return strtab_ref(&pg->strs, name, false, id);
}

/* --- what the page shows of a process --------------------------------------- */

/* A process's CPU time (render/status.h), 0 if not recorded. */
static uint64_t proc_cpu(const struct proc_status *st)
{
	if (!st->has_rusage)
		return 0;
	/* each below 2^63 in any recording the reader accepts; saturate all the same */
	return st->user_ns > UINT64_MAX - st->system_ns ? UINT64_MAX : st->user_ns + st->system_ns;
}

static bool failed(const struct proc *p)
{
	struct proc_status st;

	proc_status(p, &st);
	return proc_failed(&st);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t rel(const struct page *pg, uint64_t ts)
{
	return ts > pg->origin ? ts - pg->origin : 0;
}

static uint32_t proc_index(const struct trace *t, const struct proc *p)
{
	return (uint32_t)(p - t->procs);
}

/* --- the data ------------------------------------------------------------- */

static int write_strings_array(struct page *pg, const char *const *v, uint32_t n)
{
	int err = J_LIT(pg, "[");

	for (uint32_t i = 0; i < n && !err; i++) {
		if (i)
			err = J_LIT(pg, ",");
		err = err ? err : j_str(pg, v[i] ? v[i] : "");
	}
	return err ? err : J_LIT(pg, "]");
}

static int write_opt_str(struct page *pg, const char *key, const char *v)
{
	int err = j_key(pg, key, false);

	return err ? err : v ? j_str(pg, v) : J_LIT(pg, "null");
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

static int write_meta(struct page *pg)
{
	const struct trace *t = pg->t;
	const struct recording *rec = t->rec;
	const struct rec_header *h = &rec->hdr;
	int err;

	err = j_key(pg, "meta", false);
	err = err ? err : J_LIT(pg, "{");
	err = err ? err : j_key(pg, "file", true);
	err = err ? err : j_str(pg, base_name(rec->name ? rec->name : "-"));
	err = err ? err : j_key(pg, "command", false);
	if (!err && rec->has_header && h->command)
		err = write_strings_array(pg, h->command, h->command_len);
	else if (!err)
		err = J_LIT(pg, "null");
	err = err ? err : write_opt_str(pg, "tool", rec->has_header ? h->tool : NULL);
	err = err ? err : write_opt_str(pg, "start_time", rec->has_header ? h->start_time : NULL);
	err = err ? err : write_opt_str(pg, "host", rec->has_header ? h->host : NULL);
	err = err ? err : write_opt_str(pg, "kernel", rec->has_header ? h->kernel : NULL);
	err = err ? err : j_key(pg, "root", false);
	err = err ? err : j_i64(pg, t->root ? (int64_t)proc_index(t, t->root) : -1);
	err = err ? err : j_key(pg, "root_is_recorded", false);
	err = err ? err : (t->root_is_recorded ? J_LIT(pg, "true") : J_LIT(pg, "false"));
	err = err ? err : j_key(pg, "lost", false);
	if (!err && rec->has_end && rec->end.has_lost)
		err = j_u64(pg, rec->end.lost);
	else if (!err)
		err = J_LIT(pg, "null");
	err = err ? err : j_key(pg, "exit_code", false);
	if (!err && rec->has_end && rec->end.has_exit_code && t->root_is_recorded)
		err = j_i64(pg, rec->end.exit_code);
	else if (!err)
		err = J_LIT(pg, "null");
	err = err ? err : j_key(pg, "cut_short", false);
	err = err ? err : (rec->cut_short ? J_LIT(pg, "true") : J_LIT(pg, "false"));
	err = err ? err : j_key(pg, "unknown_lines", false);
	err = err ? err : j_u64(pg, rec->unknown);
	return err ? err : J_LIT(pg, "}");
}

/*
 * "P": per process, in the model's order, PSTRIDE numbers: pid, parent's
 * index + 1 (0: none), lane, start (ns after the previous process's start,
 * the first one's after the origin), duration, status, exit code or signal,
 * user ns, system ns, peak RSS KiB (-1: unknown), flags (PF_*), name (a
 * string number), number of exec images, number of failed execs, the image
 * inherited at fork (its global number + 1, 0: none).
 */
static int write_procs(struct page *pg)
{
	const struct trace *t = pg->t;
	uint64_t prev = pg->origin;
	char buf[TRACE_NAME_MAX];
	int err = j_key(pg, "P", false);

	err = err ? err : j_open(pg);
	for (size_t k = 0; k < t->nprocs && !err; k++) {
		const struct proc *p = &t->procs[k];
		struct proc_status st;
		unsigned flags;
		uint32_t *name = &pg->name_of_proc[k];

		proc_status(p, &st);
		flags = (p->on_crit ? PF_CRIT : 0) | (p->has_fork ? PF_FORK : 0) |
			(p->exit ? PF_EXIT : 0) | (st.core ? PF_CORE : 0);

		err = j_num(pg, p->pid);
		err = err ? err : j_num(pg, p->parent ? proc_index(t, p->parent) + 1 : 0);
		err = err ? err : j_num(pg, pg->lane_of[k]);
		err = err ? err : j_num(pg, (int64_t)(p->start - prev));
		err = err ? err : j_num(pg, (int64_t)(p->end > p->start ? p->end - p->start : 0));
		/* the page's status numbers are enum proc_outcome's */
		err = err ? err : j_num(pg, st.outcome);
		err = err ? err : j_num(pg, st.code);
		err = err ? err : j_num(pg, st.has_rusage ? (int64_t)st.user_ns : -1);
		err = err ? err : j_num(pg, st.has_rusage ? (int64_t)st.system_ns : -1);
		err = err ? err : j_num(pg, st.has_rusage ? (int64_t)st.max_rss_kb : -1);
		err = err ? err : j_num(pg, flags);
		err = err ? err : name_ref(pg, trace_proc_name(p, buf, sizeof(buf)), name);
		err = err ? err : j_num(pg, *name);
		err = err ? err : j_num(pg, p->nexec);
		err = err ? err : j_num(pg, p->nbadexec);
		err = err ? err : j_num(pg, p->inherited ? p->inherited - t->spans + 1 : 0);
		err = err ? err : json_maybe_flush(pg);
		prev = p->start;
	}
	return err ? err : j_close(pg);
}

/*
 * "X": every exec image, process by process (as t->spans): start (ns after
 * its process's start), duration, command name, file name, cwd (string
 * numbers; -1: not recorded), flags (XF_*), argc, then argc strings.
 */
static int write_execs(struct page *pg)
{
	const struct trace *t = pg->t;
	char buf[TRACE_NAME_MAX];
	int err = j_key(pg, "X", false);

	err = err ? err : j_open(pg);
	for (size_t k = 0; k < t->nprocs && !err; k++) {
		const struct proc *p = &t->procs[k];

		for (uint32_t i = 0; i < p->nexec && !err; i++) {
			const struct exec_span *s = &p->execs[i];
			const struct event *ev = s->exec;
			bool argv = (ev->flags & EVF_CMDLINE) && ev->u.exec.argv;
			uint32_t argc = argv ? ev->u.exec.argc : 0;
			unsigned flags = (ev->flags & EVF_TRUNCATED ? XF_TRUNCATED : 0) |
					 (argv ? 0 : XF_NO_ARGV);
			uint32_t *name = &pg->name_of_span[s - t->spans];

			err = j_num(pg, (int64_t)(s->start > p->start ? s->start - p->start : 0));
			err = err ? err : j_num(pg, (int64_t)(s->end > s->start ? s->end - s->start : 0));
			err = err ? err : name_ref(pg, trace_command_name(ev, buf, sizeof(buf)), name);
			err = err ? err : j_num(pg, *name);
			if (!err && (ev->flags & EVF_FILENAME) && ev->u.exec.filename)
				err = j_ref(pg, ev->u.exec.filename, true);
			else if (!err)
				err = j_num(pg, -1);
			if (!err && (ev->flags & EVF_CWD) && ev->u.exec.cwd)
				err = j_ref(pg, ev->u.exec.cwd, true);
			else if (!err && (ev->flags & EVF_CWD_UNKNOWN))
				err = j_ref(pg, "(unknown)", true);
			else if (!err)
				err = j_num(pg, -1);
			err = err ? err : j_num(pg, flags);
			err = err ? err : j_num(pg, argc);
			for (uint32_t a = 0; a < argc && !err; a++)
				err = j_ref(pg, ev->u.exec.argv[a] ? ev->u.exec.argv[a] : "", true);
			err = err ? err : json_maybe_flush(pg);
		}
	}
	return err ? err : j_close(pg);
}

/* "K": the critical path, per link: process index, start, end, wait (ns, from the origin). */
static int write_crit(struct page *pg)
{
	const struct trace *t = pg->t;
	int err = j_key(pg, "K", false);

	err = err ? err : j_open(pg);
	for (size_t i = 0; i < t->ncrit && !err; i++) {
		const struct crit_link *c = &t->crit[i];

		err = j_num(pg, proc_index(t, c->p));
		err = err ? err : j_num(pg, (int64_t)rel(pg, c->start));
		err = err ? err : j_num(pg, (int64_t)rel(pg, c->end));
		err = err ? err : j_num(pg, (int64_t)c->wait);
	}
	return err ? err : j_close(pg);
}

/* --- tables ----------------------------------------------------------------- */

struct fail {
	uint32_t idx;
	bool cause;
};

static int cmp_fail(const void *a, const void *b, void *ctx)
{
	const struct fail *x = a, *y = b;
	const struct trace *t = ctx;
	uint64_t sx = t->procs[x->idx].start, sy = t->procs[y->idx].start;

	if (x->cause != y->cause)
		return x->cause ? -1 : 1;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * "F": the processes that exited non-zero or were killed, as pairs (index,
 * cause): cause 1 when no descendant of it failed, so that its failure is
 * its own and not one passed up by a make or a shell; those come first,
 * then the others, each in order of start.
 */
static int write_failures(struct page *pg)
{
	const struct trace *t = pg->t;
	uint8_t *mark = calloc(t->nprocs ? t->nprocs : 1, 1); /* 1: failed, 2: a descendant failed */
	struct fail *f = NULL;
	size_t nf = 0;
	int err = -ENOMEM;

	if (!mark)
		goto cleanup;
	for (size_t k = 0; k < t->nprocs; k++) {
		if (!failed(&t->procs[k]))
			continue;
		mark[k] |= 1;
		nf++;
		for (const struct proc *a = t->procs[k].parent; a; a = a->parent) {
			if (mark[proc_index(t, a)] & 2)
				break;
			mark[proc_index(t, a)] |= 2;
		}
	}
	f = malloc((nf ? nf : 1) * sizeof(*f));
	if (!f)
		goto cleanup;
	nf = 0;
	for (size_t k = 0; k < t->nprocs; k++)
		if (mark[k] & 1)
			f[nf++] = (struct fail){ (uint32_t)k, !(mark[k] & 2) };
	qsort_r(f, nf, sizeof(*f), cmp_fail, (void *)t);
	err = j_key(pg, "F", false);
	err = err ? err : j_open(pg);
	for (size_t i = 0; i < nf && !err; i++) {
		err = j_num(pg, f[i].idx);
		err = err ? err : j_num(pg, f[i].cause);
		err = err ? err : json_maybe_flush(pg);
	}
	err = err ? err : j_close(pg);
cleanup:
	free(mark);
	free(f);
	return err;
}

static uint64_t proc_wall(const struct proc *p)
{
	return p->end > p->start ? p->end - p->start : 0;
}

/* Whether process a ranks below b among the slowest: shorter, or as long and later. */
static bool slower_less(const struct trace *t, uint32_t a, uint32_t b)
{
	uint64_t wa = proc_wall(&t->procs[a]), wb = proc_wall(&t->procs[b]);

	return wa < wb || (wa == wb && a > b);
}

static void heap_down(const struct trace *t, uint32_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		uint32_t tmp;

		if (l < n && slower_less(t, h[l], h[m]))
			m = l;
		if (r < n && slower_less(t, h[r], h[m]))
			m = r;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static int cmp_slowest(const void *a, const void *b, void *ctx)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return slower_less(ctx, y, x) ? -1 : slower_less(ctx, x, y) ? 1 : 0;
}

/* "L": the SLOWEST_SHOWN longest-lived processes, longest first. */
static int write_slowest(struct page *pg)
{
	const struct trace *t = pg->t;
	uint32_t h[SLOWEST_SHOWN];
	size_t n = 0;
	int err;

	/* a min-heap of the longest seen so far: linear in the processes */
	for (size_t k = 0; k < t->nprocs; k++) {
		if (n < SLOWEST_SHOWN) {
			h[n++] = (uint32_t)k;
			for (size_t i = n - 1; i && slower_less(t, h[i], h[(i - 1) / 2]); i = (i - 1) / 2) {
				uint32_t tmp = h[i];

				h[i] = h[(i - 1) / 2];
				h[(i - 1) / 2] = tmp;
			}
		} else if (slower_less(t, h[0], (uint32_t)k)) {
			h[0] = (uint32_t)k;
			heap_down(t, h, n, 0);
		}
	}
	qsort_r(h, n, sizeof(h[0]), cmp_slowest, (void *)t);
	err = j_key(pg, "L", false);
	err = err ? err : j_open(pg);
	for (size_t i = 0; i < n && !err; i++)
		err = j_num(pg, h[i]);
	return err ? err : j_close(pg);
}

/* A row of the commands table: one command name, as trace_command_name() gives it. */
struct cmd_row {
	uint32_t name;     /* string number */
	uint32_t images, procs, failed;
	uint64_t image_ns; /* the images' own time, added up */
	uint64_t elapsed;  /* the time covered by at least one of its images */
	uint64_t cpu;      /* CPU of the processes running it (a fork: the command it inherited) */
};

struct cmds {
	struct cmd_row *row;
	uint32_t n, cap;
	uint32_t *of_name;  /* string number -> row + 1 (0: none), ncap entries */
	uint32_t ncap;
};

/* The row of string number name, added if new; NONE if out of memory. */
static uint32_t cmds_row(struct cmds *c, uint32_t name)
{
	if (name >= c->ncap) {
		uint32_t cap = c->ncap ? c->ncap : 256;
		uint32_t *m;

		while (cap <= name)
			cap *= 2;
		m = realloc(c->of_name, cap * sizeof(*m));
		if (!m)
			return NONE;
		memset(m + c->ncap, 0, (cap - c->ncap) * sizeof(*m));
		c->of_name = m;
		c->ncap = cap;
	}
	if (!c->of_name[name]) {
		if (c->n == c->cap) {
			uint32_t cap = c->cap ? c->cap * 2 : 64;
			struct cmd_row *r = realloc(c->row, cap * sizeof(*r));

			if (!r)
				return NONE;
			c->row = r;
			c->cap = cap;
		}
		c->row[c->n] = (struct cmd_row){ .name = name };
		c->of_name[name] = ++c->n;
	}
	return c->of_name[name] - 1;
}

static int cmp_span_start(const void *a, const void *b, void *ctx)
{
	const struct exec_span *s = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (s[x].start != s[y].start)
		return s[x].start < s[y].start ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int cmp_cmd_row(const void *a, const void *b)
{
	const struct cmd_row *x = a, *y = b;

	if (x->elapsed != y->elapsed)
		return x->elapsed > y->elapsed ? -1 : 1;
	if (x->image_ns != y->image_ns)
		return x->image_ns > y->image_ns ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* The command (row) of every exec image, and each row's counts and sums, but elapsed. */
static int cmds_fill(struct page *pg, struct cmds *c, uint32_t *row_of_span)
{
	const struct trace *t = pg->t;

	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];
		struct proc_status st;
		uint32_t r;

		for (uint32_t i = 0; i < p->nexec; i++) {
			const struct exec_span *s = &p->execs[i];

			r = cmds_row(c, pg->name_of_span[s - t->spans]);
			if (r == NONE)
				return -ENOMEM;
			row_of_span[s - t->spans] = r;
			c->row[r].images++;
			c->row[r].image_ns = sat_add(c->row[r].image_ns,
						     s->end > s->start ? s->end - s->start : 0);
		}
		/*
		 * A process counts under the command it runs, as in the summary: a
		 * fork that never exec'd ("(fork) sh") under the command it inherited.
		 */
		if (p->nexec)
			r = row_of_span[&p->execs[p->nexec - 1] - t->spans];
		else
			r = cmds_row(c, p->inherited ? pg->name_of_span[p->inherited - t->spans]
						     : pg->name_of_proc[k]);
		if (r == NONE)
			return -ENOMEM;
		c->row[r].procs++;
		proc_status(p, &st);
		c->row[r].failed += proc_failed(&st);
		c->row[r].cpu = sat_add(c->row[r].cpu, proc_cpu(&st));
	}
	return 0;
}

/* Each row's elapsed time: the union of its images' spans, in start order per row. */
static int cmds_elapsed(const struct trace *t, struct cmds *c, const uint32_t *row_of_span)
{
	uint32_t *first = calloc((size_t)c->n + 1, sizeof(*first));
	uint32_t *order = malloc((t->nspans ? t->nspans : 1) * sizeof(*order));
	int err = -ENOMEM;

	if (!first || !order)
		goto cleanup;
	/* a counting sort by row, then each row's images by start */
	for (size_t i = 0; i < t->nspans; i++)
		first[row_of_span[i] + 1]++;
	for (uint32_t r = 0; r < c->n; r++)
		first[r + 1] += first[r];
	for (size_t i = 0; i < t->nspans; i++)
		order[first[row_of_span[i]]++] = (uint32_t)i;
	for (uint32_t r = c->n; r > 0; r--)
		first[r] = first[r - 1];
	first[0] = 0;
	for (uint32_t r = 0; r < c->n; r++) {
		uint32_t *o = order + first[r], n = first[r + 1] - first[r];
		uint64_t total = 0, from = 0, to = 0;

		qsort_r(o, n, sizeof(*o), cmp_span_start, (void *)t->spans);
		for (uint32_t i = 0; i < n; i++) {
			const struct exec_span *s = &t->spans[o[i]];

			if (i == 0 || s->start > to) {
				total = sat_add(total, to - from);
				from = s->start;
				to = s->start;
			}
			if (s->end > to)
				to = s->end;
		}
		c->row[r].elapsed = sat_add(total, to - from);
	}
	err = 0;
cleanup:
	free(first);
	free(order);
	return err;
}

/*
 * "C": a row per command name, most elapsed time first: name, exec images,
 * elapsed (ns covered by at least one image: never more than the run),
 * the images' time added up, CPU and number of the processes that run it
 * (their last image's command, or for a fork that never exec'd the one it
 * inherited, as the summary counts them), and how many of those failed.
 */
static int write_commands(struct page *pg)
{
	const struct trace *t = pg->t;
	uint32_t *row_of_span = malloc((t->nspans ? t->nspans : 1) * sizeof(*row_of_span));
	struct cmds c = { 0 };
	int err = -ENOMEM;

	if (!row_of_span)
		goto cleanup;
	err = cmds_fill(pg, &c, row_of_span);
	err = err ? err : cmds_elapsed(t, &c, row_of_span);
	if (err)
		goto cleanup;
	if (c.n)
		qsort_n(c.row, c.n, sizeof(*c.row), cmp_cmd_row);
	err = j_key(pg, "C", false);
	err = err ? err : j_open(pg);
	for (uint32_t r = 0; r < c.n && !err; r++) {
		const struct cmd_row *row = &c.row[r];

		err = j_num(pg, row->name);
		err = err ? err : j_num(pg, row->images);
		err = err ? err : j_num(pg, (int64_t)(row->elapsed > INT64_MAX ? INT64_MAX : row->elapsed));
		err = err ? err : j_num(pg, (int64_t)(row->image_ns > INT64_MAX ? INT64_MAX : row->image_ns));
		err = err ? err : j_num(pg, (int64_t)(row->cpu > INT64_MAX ? INT64_MAX : row->cpu));
		err = err ? err : j_num(pg, row->procs);
		err = err ? err : j_num(pg, row->failed);
		err = err ? err : json_maybe_flush(pg);
	}
	err = err ? err : j_close(pg);
cleanup:
	free(row_of_span);
	free(c.row);
	free(c.of_name);
	return err;
}

/* "T": totals for the header. */
static int write_totals(struct page *pg)
{
	const struct trace *t = pg->t;
	uint64_t cpu = 0, rss = 0, bad = 0, misses, real, n[OUTCOME_UNKNOWN + 1] = { 0 };
	bool any_ru = false;
	int err;

	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];
		struct proc_status st;

		proc_status(p, &st);
		n[st.outcome]++;
		bad += p->nbadexec;
		if (st.has_rusage) {
			any_ru = true;
			cpu = sat_add(cpu, proc_cpu(&st));
			if (st.max_rss_kb > rss)
				rss = st.max_rss_kb;
		}
	}
	err = j_key(pg, "T", false);
	err = err ? err : J_LIT(pg, "{");
	err = err ? err : j_key(pg, "procs", true);
	err = err ? err : j_u64(pg, t->nprocs);
	err = err ? err : j_key(pg, "execs", false);
	err = err ? err : j_u64(pg, t->nspans);
	/* null: recorded without --failed-execs, which is not 0 of them */
	err = err ? err : j_key(pg, "bad_execs", false);
	if (t->rec->has_header && t->rec->hdr.has_failed_execs && !t->rec->hdr.failed_execs)
		err = err ? err : J_LIT(pg, "null");
	else
		err = err ? err : j_u64(pg, bad);
	/* of them, PATH-search misses and real failures, as the summary counts them */
	trace_failed_execs(t, &misses, &real);
	if (t->rec->has_header && t->rec->hdr.has_failed_execs && !t->rec->hdr.failed_execs)
		misses = real = UINT64_MAX;
	err = err ? err : j_key(pg, "bad_misses", false);
	err = err ? err : (misses == UINT64_MAX ? J_LIT(pg, "null") : j_u64(pg, misses));
	err = err ? err : j_key(pg, "bad_real", false);
	err = err ? err : (real == UINT64_MAX ? J_LIT(pg, "null") : j_u64(pg, real));
	err = err ? err : j_key(pg, "failed", false);
	err = err ? err : j_u64(pg, n[OUTCOME_FAILED]);
	err = err ? err : j_key(pg, "killed", false);
	err = err ? err : j_u64(pg, n[OUTCOME_KILLED]);
	err = err ? err : j_key(pg, "running", false);
	err = err ? err : j_u64(pg, n[OUTCOME_RUNNING]);
	err = err ? err : j_key(pg, "unknown", false);
	err = err ? err : j_u64(pg, n[OUTCOME_UNKNOWN]);
	err = err ? err : j_key(pg, "cpu", false);
	err = err ? err : (any_ru ? j_u64(pg, cpu) : J_LIT(pg, "null"));
	err = err ? err : j_key(pg, "max_rss_kb", false);
	err = err ? err : (any_ru ? j_u64(pg, rss) : J_LIT(pg, "null"));
	err = err ? err : j_key(pg, "wall", false);
	err = err ? err : j_u64(pg, t->root ? proc_wall(t->root) : 0);
	return err ? err : J_LIT(pg, "}");
}

/* "S": the strings, by number. */
static int write_strings(struct page *pg)
{
	int err = j_key(pg, "S", false);

	err = err ? err : j_open(pg);
	for (uint32_t i = 0; i < pg->strs.n && !err; i++) {
		if (i)
			err = J_LIT(pg, ",");
		err = err ? err : j_str(pg, pg->strs.s[i]);
		err = err ? err : json_maybe_flush(pg);
	}
	return err ? err : J_LIT(pg, "]");
}

/*
 * "M", when the recording has Samples: the metrics view's series (render
 * -f metrics at the recording's sample interval, widened if it would make
 * too many rows): the interval, the first row's start (from origin; it
 * may be before it), then per row cores busy in thousandths, processes,
 * threads, resident and swap KiB.
 */
static int write_metrics(struct page *pg)
{
	struct metrics_series ms;
	int err = trace_plotted_metrics(pg->t, &ms);

	if (err || !ms.gauges || !ms.n) {
		trace_metrics_free(&ms);
		return err;
	}
	err = j_key(pg, "M", false);
	err = err ? err : J_LIT(pg, "{");
	err = err ? err : j_key(pg, "interval", true);
	err = err ? err : j_u64(pg, ms.interval);
	err = err ? err : j_key(pg, "t0", false);
	err = err ? err : j_i64(pg, (int64_t)ms.rows[0].ts - (int64_t)pg->origin);
	err = err ? err : j_key(pg, "rows", false);
	err = err ? err : j_open(pg);
	for (size_t j = 0; j < ms.n && !err; j++) {
		const struct metrics_row *r = &ms.rows[j];

		/* thousandths, capped: a recording's CPU times are anything up to 2^64 ns */
		double milli = r->cores * 1000 + 0.5;

		err = j_num(pg, milli < 9e15 ? (int64_t)milli : (int64_t)9e15);
		err = err ? err : j_num(pg, (int64_t)r->processes);
		err = err ? err : j_num(pg, (int64_t)r->threads);
		err = err ? err : j_num(pg, (int64_t)r->rss_kb);
		err = err ? err : j_num(pg, (int64_t)r->swap_kb);
		err = err ? err : json_maybe_flush(pg);
	}
	err = err ? err : j_close(pg);
	err = err ? err : J_LIT(pg, "}");
	trace_metrics_free(&ms);
	return err;
}

static int write_data(struct page *pg)
{
	int err = J_LIT(pg, "{");

	err = err ? err : j_key(pg, "v", true);
	err = err ? err : j_i64(pg, HTML_DATA_FORMAT);
	err = err ? err : write_meta(pg);
	err = err ? err : j_key(pg, "origin", false);
	err = err ? err : j_u64(pg, pg->origin);
	err = err ? err : j_key(pg, "end", false);
	err = err ? err : j_u64(pg, pg->end - pg->origin);
	err = err ? err : j_key(pg, "lanes", false);
	err = err ? err : j_u64(pg, pg->nlanes);
	err = err ? err : write_procs(pg);
	err = err ? err : write_execs(pg);
	err = err ? err : write_crit(pg);
	err = err ? err : write_failures(pg);
	err = err ? err : write_slowest(pg);
	err = err ? err : write_commands(pg);
	err = err ? err : write_totals(pg);
	err = err ? err : write_metrics(pg);
	err = err ? err : write_strings(pg);
	err = err ? err : J_LIT(pg, "}");
	return err ? err : zpipe_give(&pg->zp, &pg->json, true);
}

/* --- the page ---------------------------------------------------------------- */

/* Text for an HTML element: at most max bytes of s, escaped, controls and bad bytes dropped. */
static int html_text(FILE *out, const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;

	while (i < len && i < max) {
		int n = utf8_seq(u + i, len - i);
		uint32_t c;

		if (n <= 0) {
			i++;
			continue;
		}
		if (i + (size_t)n > max)
			break;
		utf8_decode(u + i, (size_t)n, &c);
		if (utf8_is_control(c))
			fputc(' ', out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else
			fwrite(u + i, 1, (size_t)n, out);
		i += (size_t)n;
	}
	if (i < len)
		fputs("\xe2\x80\xa6", out);
	return ferror(out) ? -EIO : 0;
}

static int write_title(FILE *out, const struct trace *t)
{
	const struct recording *rec = t->rec;
	const struct exec_span *s = t->root && t->root->nexec ? &t->root->execs[0] : NULL;
	const char *const *argv = NULL;
	uint32_t argc = 0;
	char line[TITLE_MAX + 1];
	size_t n = 0;

	if (t->root_is_recorded && rec->has_header && rec->hdr.command) {
		argv = rec->hdr.command;
		argc = rec->hdr.command_len;
	} else if (s && (s->exec->flags & EVF_CMDLINE) && s->exec->u.exec.argv) {
		argv = s->exec->u.exec.argv;
		argc = s->exec->u.exec.argc;
	}
	/* argv joined by spaces, one byte more than shown so that a cut shows */
	for (uint32_t i = 0; i < argc && n < TITLE_MAX; i++) {
		const char *a = argv[i] ? argv[i] : "";

		if (i)
			line[n++] = ' ';
		while (*a && n < TITLE_MAX)
			line[n++] = *a++;
	}
	line[n] = '\0';
	fputs("<title>proctrace", out);
	if (n) {
		fputs(": ", out);
		html_text(out, line, TITLE_MAX - 1);
	}
	fputs("</title>\n", out);
	return ferror(out) ? -EIO : 0;
}

static void page_free(struct page *pg)
{
	zpipe_end(&pg->zp);
	sbuf_free(&pg->json);
	strtab_free(&pg->strs);
	free(pg->lane_of);
	free(pg->name_of_proc);
	free(pg->name_of_span);
	free(pg);
}

int render_html(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct page *pg = calloc(1, sizeof(*pg));
	int err = -ENOMEM, zerr;

	(void)o;
	if (!pg)
		return -ENOMEM;
	pg->out = out;
	pg->t = t;
	pg->origin = t->start;
	pg->end = t->end;
	for (size_t k = 0; k < t->nprocs; k++) {
		if (k == 0 || t->procs[k].start < pg->origin)
			pg->origin = t->procs[k].start;
		if (k == 0 || t->procs[k].end > pg->end)
			pg->end = t->procs[k].end;
	}
	/*
	 * Times count from the recording's start, as in the summary and the
	 * critical-path view, unless the page is about a --pid subtree (from
	 * its start) or the recording has no header (no known start).
	 */
	if (t->rec->has_header && t->root_is_recorded)
		pg->origin = 0;
	if (pg->end < pg->origin)
		pg->end = pg->origin;
	pg->lane_of = malloc((t->nprocs ? t->nprocs : 1) * sizeof(*pg->lane_of));
	pg->name_of_proc = malloc((t->nprocs ? t->nprocs : 1) * sizeof(*pg->name_of_proc));
	pg->name_of_span = malloc((t->nspans ? t->nspans : 1) * sizeof(*pg->name_of_span));
	if (!pg->lane_of || !pg->name_of_proc || !pg->name_of_span)
		goto cleanup;
	err = trace_lanes(t, pg->lane_of, &pg->nlanes);
	if (err)
		goto cleanup;
	err = zpipe_start(&pg->zp, out);
	if (err)
		goto cleanup;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"proctrace " PROCTRACE_VERSION "\">\n", out);
	err = write_title(out, t);
	if (err)
		goto cleanup;
	fputs("<style>\n", out);
	fputs(html_page_css, out);
	fputs("</style>\n</head>\n<body>\n", out);
	fputs(html_page_html, out);
	fprintf(out, "<script type=\"application/octet-stream\" id=\"proctrace-data\" "
		     "data-format=\"%d\" data-encoding=\"gzip base64\">", HTML_DATA_FORMAT);
	err = write_data(pg);
	/* the page goes on once the data is all out */
	zerr = zpipe_end(&pg->zp);
	err = err ? err : zerr;
	if (err)
		goto cleanup;
	fputs("</script>\n<script>\n", out);
	fputs(html_page_js, out);
	fputs("</script>\n</body>\n</html>\n", out);
	err = ferror(out) ? -EIO : 0;
cleanup:
	page_free(pg);
	return err;
}
