/* formats/writer.c: the format-1 JSON-lines writer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/jsonl.h"
#include "formats/utf8.h"

void sbuf_free(struct sbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

int sbuf_reserve(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p)
		return -ENOMEM;
	b->buf = p;
	b->cap = cap;
	return 0;
}

int sbuf_flush(FILE *f, struct sbuf *b)
{
	if (b->len && fwrite(b->buf, 1, b->len, f) != b->len)
		return -EIO;
	b->len = 0;
	return 0;
}

const char *ev_type_name(enum ev_type t)
{
	static const char *const names[EV__COUNT] = {
		[EV_FORK] = "Fork", [EV_EXEC] = "Exec", [EV_BADEXEC] = "BadExec",
		[EV_EXIT] = "Exit", [EV_SETSID] = "SetSID", [EV_SETPGID] = "SetPGID",
		[EV_SAMPLE] = "Sample", [EV_RUNNING] = "Running", [EV_SYSCALLS] = "Syscalls",
	};
	return (unsigned)t < EV__COUNT ? names[t] : "?";
}

/*
 * Every line is formatted in two passes: first an upper bound of its size
 * is reserved once (fixed fields fit in FIXED_MAX, a string byte never
 * grows past 6 output bytes), then it is written without further checks.
 * This keeps the hot path free of per-field bounds checks and of printf.
 */
#define FIXED_MAX 512
#define STR_MAX(len) (6 * (size_t)(len) + 3) /* quotes and a comma */

/* Literal keys: sizeof - 1 is known at compile time, so memcpy is inlined. */
#define PUT_LIT(p, s)                            \
	do {                                     \
		memcpy((p), (s), sizeof(s) - 1); \
		(p) += sizeof(s) - 1;            \
	} while (0)

static const char digit_pairs[201] =
	"00010203040506070809"
	"10111213141516171819"
	"20212223242526272829"
	"30313233343536373839"
	"40414243444546474849"
	"50515253545556575859"
	"60616263646566676869"
	"70717273747576777879"
	"80818283848586878889"
	"90919293949596979899";

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	char *t = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;

		v /= 100;
		*--t = digit_pairs[i + 1];
		*--t = digit_pairs[i];
	}
	if (v >= 10) {
		*--t = digit_pairs[v * 2 + 1];
		*--t = digit_pairs[v * 2];
	} else {
		*--t = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - t);
	memcpy(p, t, n);
	return p + n;
}

static char *put_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		/* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
		return put_u64(p, -(uint64_t)v);
	}
	return put_u64(p, (uint64_t)v);
}

static const char hex[16] = "0123456789abcdef";

/*
 * Bytes that can be copied as they are: printable ASCII except '"' and
 * '\\'. DEL is escaped too, so a line never carries a raw terminal control.
 */
static const unsigned char plain[256] = {
	[0x20 ... 0x21] = 1, /* 0x22 is '"' */
	[0x23 ... 0x5b] = 1, /* 0x5c is '\\' */
	[0x5d ... 0x7e] = 1,
};

/* Write s (len bytes, NUL-terminated) as a JSON string; STR_MAX(len) reserved. */
static char *put_str(char *p, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *end = s + len;

	*p++ = '"';
	while (s < end) {
		const unsigned char *run = s;
		unsigned char c;
		int n;

		while (s < end && plain[*s])
			s++;
		if (s > run) {
			memcpy(p, run, (size_t)(s - run));
			p += s - run;
			if (s == end)
				break;
		}
		c = *s;
		if (c >= 0x80) {
			n = utf8_seq(s, (size_t)(end - s));
			if (n > 1) {
				memcpy(p, s, (size_t)n);
				p += n;
				s += n;
			} else {
				PUT_LIT(p, "\xef\xbf\xbd"); /* U+FFFD */
				s++;
			}
			continue;
		}
		*p++ = '\\';
		switch (c) {
		case '"': *p++ = '"'; break;
		case '\\': *p++ = '\\'; break;
		case '\n': *p++ = 'n'; break;
		case '\t': *p++ = 't'; break;
		case '\r': *p++ = 'r'; break;
		case '\b': *p++ = 'b'; break;
		case '\f': *p++ = 'f'; break;
		default:
			PUT_LIT(p, "u00");
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		}
		s++;
	}
	*p++ = '"';
	return p;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static char *put_cstr(char *p, const char *s, size_t len)
{
	return put_str(p, s ? s : "", len);
}

/* Upper bound of the bytes an array of n strings is written in. */
static size_t strv_max(const char *const *v, uint32_t n)
{
	size_t sum = 2;

	for (uint32_t i = 0; i < n; i++)
		sum += STR_MAX(slen(v[i]));
	return sum;
}

static char *put_strv(char *p, const char *const *v, uint32_t n)
{
	*p++ = '[';
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		p = put_cstr(p, v[i], slen(v[i]));
	}
	*p++ = ']';
	return p;
}

/* The fields every event starts with: {"Type":{"seq":N,"timestamp":N */
static char *put_start(char *p, const struct event *ev)
{
	const char *name = ev_type_name(ev->type);
	size_t n = strlen(name);

	PUT_LIT(p, "{\"");
	memcpy(p, name, n);
	p += n;
	PUT_LIT(p, "\":{");
	if (ev->flags & EVF_SEQ) {
		PUT_LIT(p, "\"seq\":");
		p = put_u64(p, ev->seq);
		*p++ = ',';
	}
	PUT_LIT(p, "\"timestamp\":");
	return put_u64(p, ev->ts);
}

static char *put_pid_ppid_pgid(char *p, const struct event *ev)
{
	PUT_LIT(p, ",\"pid\":");
	p = put_i64(p, ev->pid);
	if (ev->flags & EVF_PPID) {
		PUT_LIT(p, ",\"ppid\":");
		p = put_i64(p, ev->ppid);
	}
	if (ev->flags & EVF_PGID) {
		PUT_LIT(p, ",\"pgid\":");
		p = put_i64(p, ev->pgid);
	}
	return p;
}

static char *put_exit(char *p, const struct event *ev)
{
	p = put_pid_ppid_pgid(p, ev);
	if (ev->flags & EVF_STATUS) {
		if (ev->flags & EVF_SIGNALED) {
			PUT_LIT(p, ",\"signal\":");
			p = put_i64(p, ev->u.exit.code);
			if (ev->flags & EVF_CORE)
				PUT_LIT(p, ",\"core_dumped\":true");
		} else {
			PUT_LIT(p, ",\"exit_code\":");
			p = put_i64(p, ev->u.exit.code);
		}
	}
	if (ev->flags & EVF_RUSAGE) {
		PUT_LIT(p, ",\"user_ns\":");
		p = put_u64(p, ev->u.exit.user_ns);
		PUT_LIT(p, ",\"system_ns\":");
		p = put_u64(p, ev->u.exit.system_ns);
		PUT_LIT(p, ",\"max_rss_kb\":");
		p = put_u64(p, ev->u.exit.max_rss_kb);
	}
	return p;
}

/* A Sample has no ppid or pgid: its fields are all there is. */
static char *put_sample(char *p, const struct event *ev)
{
	PUT_LIT(p, ",\"pid\":");
	p = put_i64(p, ev->pid);
	PUT_LIT(p, ",\"user_ns\":");
	p = put_u64(p, ev->u.sample.user_ns);
	PUT_LIT(p, ",\"system_ns\":");
	p = put_u64(p, ev->u.sample.system_ns);
	PUT_LIT(p, ",\"rss_kb\":");
	p = put_u64(p, ev->u.sample.rss_kb);
	PUT_LIT(p, ",\"swap_kb\":");
	p = put_u64(p, ev->u.sample.swap_kb);
	PUT_LIT(p, ",\"threads\":");
	return put_u64(p, ev->u.sample.threads);
}

/* Upper bound of the bytes of a Syscalls event's counts. */
static size_t syscalls_max(const struct event *ev)
{
	size_t sum = 64;

	for (uint32_t i = 0; i < ev->u.syscalls.n + ev->u.syscalls.n_ia32; i++)
		sum += STR_MAX(slen(ev->u.syscalls.counts[i].name)) + 21;
	return sum;
}

/* {"name":count,...} of n counts. */
static char *put_counts(char *p, const struct sc_count *c, uint32_t n)
{
	*p++ = '{';
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		p = put_cstr(p, c[i].name, slen(c[i].name));
		*p++ = ':';
		p = put_u64(p, c[i].count);
	}
	*p++ = '}';
	return p;
}

/* A Syscalls event: the native table always (maybe empty), the ia32 one when it has counts. */
static char *put_syscalls(char *p, const struct event *ev)
{
	PUT_LIT(p, ",\"pid\":");
	p = put_i64(p, ev->pid);
	PUT_LIT(p, ",\"syscalls\":");
	p = put_counts(p, ev->u.syscalls.counts, ev->u.syscalls.n);
	if (ev->u.syscalls.n_ia32) {
		PUT_LIT(p, ",\"syscalls_ia32\":");
		p = put_counts(p, ev->u.syscalls.counts + ev->u.syscalls.n, ev->u.syscalls.n_ia32);
	}
	return p;
}

/*
 * Running: pid, ppid, pgid, the start (the one field that may be negative),
 * comm, then filename and cmdline as an Exec has them.
 */
static char *put_running(char *p, const struct event *ev)
{
	const char *comm = ev->flags & EVF_COMM ? ev->u.running.argv[ev->u.running.argc] : NULL;

	p = put_pid_ppid_pgid(p, ev);
	PUT_LIT(p, ",\"start\":");
	p = put_i64(p, ev->u.running.start);
	if (comm) {
		PUT_LIT(p, ",\"comm\":");
		p = put_cstr(p, comm, slen(comm));
	}
	if (ev->flags & EVF_FILENAME) {
		PUT_LIT(p, ",\"filename\":");
		p = put_cstr(p, ev->u.running.filename, slen(ev->u.running.filename));
	}
	if (ev->flags & EVF_CMDLINE) {
		PUT_LIT(p, ",\"cmdline\":");
		p = put_strv(p, ev->u.running.argv, ev->u.running.argc);
	}
	if (ev->flags & EVF_TRUNCATED)
		PUT_LIT(p, ",\"truncated\":true");
	return p;
}

int jsonl_write_event(struct sbuf *b, const struct event *ev)
{
	size_t need = FIXED_MAX, flen = 0, cwdlen = 0;
	const char *filename = NULL;
	char *p;
	int err;

	if (ev->type == EV_EXEC || ev->type == EV_BADEXEC) {
		filename = ev->type == EV_EXEC ? ev->u.exec.filename : ev->u.badexec.filename;
		if (ev->flags & EVF_FILENAME) {
			flen = slen(filename);
			need += STR_MAX(flen);
		}
	}
	if (ev->type == EV_EXEC && (ev->flags & EVF_CMDLINE))
		need += strv_max(ev->u.exec.argv, ev->u.exec.argc);
	if (ev->type == EV_SYSCALLS)
		need += syscalls_max(ev);
	if (ev->type == EV_RUNNING) {
		if (ev->flags & EVF_FILENAME)
			need += STR_MAX(slen(ev->u.running.filename));
		/* argc + 1 strings with the comm */
		need += strv_max(ev->u.running.argv, ev->u.running.argc + !!(ev->flags & EVF_COMM));
	}
	if (ev->type == EV_EXEC && (ev->flags & EVF_CWD)) {
		cwdlen = slen(ev->u.exec.cwd);
		need += STR_MAX(cwdlen) + 40;
	}
	err = sbuf_reserve(b, need);
	if (err)
		return err;

	p = put_start(b->buf + b->len, ev);
	switch (ev->type) {
	case EV_FORK:
		PUT_LIT(p, ",\"parent_pid\":");
		p = put_i64(p, ev->pid);
		PUT_LIT(p, ",\"child_pid\":");
		p = put_i64(p, ev->u.fork.child_pid);
		if (ev->flags & EVF_PGID) {
			PUT_LIT(p, ",\"parent_pgid\":");
			p = put_i64(p, ev->pgid);
		}
		break;
	case EV_EXEC:
		p = put_pid_ppid_pgid(p, ev);
		if (ev->flags & EVF_FILENAME) {
			PUT_LIT(p, ",\"filename\":");
			p = put_cstr(p, filename, flen);
		}
		if (ev->flags & EVF_CMDLINE) {
			PUT_LIT(p, ",\"cmdline\":");
			p = put_strv(p, ev->u.exec.argv, ev->u.exec.argc);
		}
		if (ev->flags & EVF_TRUNCATED)
			PUT_LIT(p, ",\"truncated\":true");
		if (ev->flags & EVF_CWD) {
			PUT_LIT(p, ",\"cwd\":");
			p = put_cstr(p, ev->u.exec.cwd, cwdlen);
			if (ev->flags & EVF_CWD_TRUNCATED)
				PUT_LIT(p, ",\"cwd_truncated\":true");
		} else if (ev->flags & EVF_CWD_UNKNOWN) {
			PUT_LIT(p, ",\"cwd_unknown\":true");
		}
		break;
	case EV_BADEXEC:
		/* The schema has no ppid/pgid here: only the pid tried to exec. */
		PUT_LIT(p, ",\"pid\":");
		p = put_i64(p, ev->pid);
		if (ev->flags & EVF_FILENAME) {
			PUT_LIT(p, ",\"filename\":");
			p = put_cstr(p, filename, flen);
		}
		if (ev->flags & EVF_ERRNO) {
			PUT_LIT(p, ",\"errno\":");
			p = put_i64(p, ev->u.badexec.err);
		}
		if (ev->flags & EVF_TRUNCATED)
			PUT_LIT(p, ",\"truncated\":true");
		break;
	case EV_EXIT:
		p = put_exit(p, ev);
		break;
	case EV_SETSID:
		p = put_pid_ppid_pgid(p, ev);
		PUT_LIT(p, ",\"sid\":");
		p = put_i64(p, ev->u.setsid.sid);
		break;
	case EV_SETPGID:
		p = put_pid_ppid_pgid(p, ev);
		break;
	case EV_SAMPLE:
		p = put_sample(p, ev);
		break;
	case EV_SYSCALLS:
		p = put_syscalls(p, ev);
		break;
	case EV_RUNNING:
		p = put_running(p, ev);
		break;
	default:
		return -EINVAL;
	}
	PUT_LIT(p, "}}\n");
	b->len = (size_t)(p - b->buf);
	return 0;
}

int jsonl_write_header(struct sbuf *b, const struct rec_header *h)
{
	size_t tool = slen(h->tool), st = slen(h->start_time);
	size_t host = slen(h->host), kernel = slen(h->kernel);
	size_t need = FIXED_MAX + STR_MAX(tool) + STR_MAX(st) + STR_MAX(host) +
		      STR_MAX(kernel) + strv_max(h->command, h->command_len) +
		      strv_max(h->comm, h->ncomm) + 12 * (size_t)h->nuid;
	/* --all without CMD has no root; -p has a root but no command of its own */
	bool sys = h->system_wide || h->attached_pid;
	char *p;
	int err;

	err = sbuf_reserve(b, need);
	if (err)
		return err;
	p = b->buf + b->len;
	PUT_LIT(p, "{\"Recording\":{\"format\":");
	p = put_i64(p, h->format);
	PUT_LIT(p, ",\"tool\":");
	p = put_cstr(p, h->tool, tool);
	if (!sys || h->root_pid > 0) {
		PUT_LIT(p, ",\"root_pid\":");
		p = put_i64(p, h->root_pid);
	}
	if (!sys || h->command) {
		PUT_LIT(p, ",\"command\":");
		p = put_strv(p, h->command, h->command_len);
	}
	PUT_LIT(p, ",\"start_time\":");
	p = put_cstr(p, h->start_time, st);
	PUT_LIT(p, ",\"host\":");
	p = put_cstr(p, h->host, host);
	PUT_LIT(p, ",\"kernel\":");
	p = put_cstr(p, h->kernel, kernel);
	if (h->has_failed_execs) {
		PUT_LIT(p, ",\"failed_execs\":");
		if (h->failed_execs)
			PUT_LIT(p, "true");
		else
			PUT_LIT(p, "false");
	}
	if (h->sample_interval_ns) {
		PUT_LIT(p, ",\"sample_interval_ns\":");
		p = put_u64(p, h->sample_interval_ns);
	}
	if (h->system_wide)
		PUT_LIT(p, ",\"system_wide\":true");
	if (h->attached_pid > 0) {
		PUT_LIT(p, ",\"attached_pid\":");
		p = put_i64(p, h->attached_pid);
	}
	if (h->ncomm) {
		PUT_LIT(p, ",\"comm\":");
		p = put_strv(p, h->comm, h->ncomm);
	}
	if (h->nuid) {
		PUT_LIT(p, ",\"uid\":[");
		for (uint32_t i = 0; i < h->nuid; i++) {
			if (i)
				*p++ = ',';
			p = put_u64(p, h->uid[i]);
		}
		*p++ = ']';
	}
	if (h->syscalls)
		PUT_LIT(p, ",\"syscalls\":true");
	PUT_LIT(p, "}}\n");
	b->len = (size_t)(p - b->buf);
	return 0;
}

int jsonl_write_end(struct sbuf *b, const struct rec_end *e)
{
	char *p;
	int err;

	err = sbuf_reserve(b, FIXED_MAX);
	if (err)
		return err;
	p = b->buf + b->len;
	PUT_LIT(p, "{\"End\":{\"timestamp\":");
	p = put_u64(p, e->ts);
	if (e->has_lost) {
		PUT_LIT(p, ",\"lost\":");
		p = put_u64(p, e->lost);
	}
	if (e->has_exit_code) {
		PUT_LIT(p, ",\"exit_code\":");
		p = put_i64(p, e->exit_code);
	}
	if (e->has_syscalls_lost) {
		PUT_LIT(p, ",\"syscalls_lost\":");
		p = put_u64(p, e->syscalls_lost);
	}
	if (e->stopped) {
		PUT_LIT(p, ",\"stopped\":");
		p = put_cstr(p, e->stopped, slen(e->stopped));
	}
	PUT_LIT(p, "}}\n");
	b->len = (size_t)(p - b->buf);
	return 0;
}

int jsonl_write_string(struct sbuf *b, const char *s, size_t len)
{
	int err = sbuf_reserve(b, STR_MAX(len));

	if (err)
		return err;
	b->len = (size_t)(put_cstr(b->buf + b->len, s, len) - b->buf);
	return 0;
}
