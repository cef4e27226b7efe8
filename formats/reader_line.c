/* formats/reader_line.c: one recording line → struct event, with a fast path for plain lines. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "formats/reader.h"
#include "formats/utf8.h"

/*
 * Two ways to read a line's fields. The fast scanner handles what the
 * recorder writes (integers, booleans, null, ASCII strings with simple
 * escapes, arrays of strings) without allocating; anything else (a
 * syntax error, a float, \u escapes, non-ASCII bytes, nested values, two
 * type keys, a key given twice) goes to jansson, which then either reads it
 * or says exactly what is wrong. Both feed the same field readers below, so
 * the messages about missing fields and wrong types do not depend on the
 * path.
 */

#define MAX_FIELDS 32

enum fkind { FK_NULL, FK_INT, FK_BOOL, FK_STR, FK_ARR, FK_OBJ, FK_OTHER };

struct fval {
	enum fkind kind;
	bool escaped;        /* fast path: s still holds JSON escapes */
	long long i;         /* FK_INT, FK_BOOL */
	char *s;             /* FK_STR */
	size_t len;
	json_t *jarr;        /* FK_ARR from jansson */
	char *arr;           /* FK_ARR from the fast scanner: just after '['; FK_OBJ: after '{' */
	size_t arr_n;        /* FK_ARR: elements; FK_OBJ: members */
	json_t *jobj;        /* FK_OBJ from jansson */
};

struct field {
	const char *key;
	size_t klen;
	struct fval v;
};

struct parse_ctx {
	json_t *obj;         /* jansson path: the event's fields; NULL on the fast path */
	struct field f[MAX_FIELDS];
	size_t nf;
	const char *type;
	struct parsed *p;
	struct arena *a;
	struct fval tmp;
};

/*
 * s (len bytes) as text safe to print on a terminal, into dst (cap bytes,
 * NUL-terminated): control characters (C0, DEL and C1, U+0080..U+009F)
 * and bytes that are not UTF-8 are written \xHH, so that names taken from
 * the input cannot move the cursor or change colours. A cut never splits a
 * character or an escape.
 */
static void printable(char *dst, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < len) {
		int n = utf8_seq(u + i, len - i);
		bool raw = n > 1 ? !(u[i] == 0xc2 && u[i + 1] < 0xa0) : n == 1 && u[i] >= 0x20 && u[i] != 0x7f;
		size_t k = n > 1 ? (size_t)n : 1; /* input bytes taken */

		if (o + (raw ? k : 4 * k) >= cap)
			break;
		for (size_t j = 0; j < k; j++, i++) {
			if (raw) {
				dst[o++] = (char)u[i];
				continue;
			}
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[u[i] >> 4];
			dst[o++] = hex[u[i] & 0xf];
		}
	}
	dst[o] = '\0';
}

/* The message is made terminal-safe: it may quote the input (a key, jansson's "near '...'"). */
static int perr(struct parsed *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parsed *p, const char *fmt, ...)
{
	char msg[sizeof(p->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printable(p->err, sizeof(p->err), msg, strlen(msg));
	return -EINVAL;
}

/* ------------------------------------------------------------ fast scanner */

static inline const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	return s;
}

/*
 * A string starting at s (at its opening quote): returns the position after
 * the closing quote, or NULL if the fast path does not take it.
 */
static const char *scan_string(const char *s, const char *end, bool *escaped)
{
	*escaped = false;
	for (s++; s < end; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"')
			return s + 1;
		if (ch < 0x20 || ch >= 0x80)
			return NULL;
		if (ch == '\\') {
			if (++s == end)
				return NULL;
			switch (*s) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				*escaped = true;
				break;
			default: /* \u and invalid escapes */
				return NULL;
			}
		}
	}
	return NULL;
}

/* Decode the simple escapes of s[0..*len) in place. */
static void unescape(char *s, size_t *len)
{
	char *w = s, *r = s, *end = s + *len;

	while (r < end) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r++) {
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		default: *w++ = r[-1]; break; /* " \ / */
		}
	}
	*len = (size_t)(w - s);
}

static const char *scan_value(const char *s, const char *end, struct fval *v);

/* A simple hash of a key, for telling keys given twice in an object apart cheaply. */
static unsigned key_hash(const char *k, size_t len)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

/*
 * An object whose members are all integers ({"read":12,"write":3}, as a
 * Syscalls line's counts), at its '{'; NULL hands the line to jansson
 * (anything else, escaped keys, a key given twice).
 */
static const char *scan_int_object(const char *s, const char *end, struct fval *v)
{
	uint64_t seen[4] = { 0 }; /* a bit per key hash: a key whose bit is set is compared */
	const char *first = s + 1;

	v->kind = FK_OBJ;
	v->arr = (char *)first;
	s = skip_ws(s + 1, end);
	if (s < end && *s == '}') {
		v->len = (size_t)(s - first);
		return s + 1;
	}
	for (;;) {
		const char *k, *q;
		struct fval iv;
		unsigned h;
		bool esc;

		if (s == end || *s != '"' || !(q = scan_string(s, end, &esc)) || esc)
			return NULL;
		k = s + 1;
		h = key_hash(k, (size_t)(q - k - 1)) & 255;
		if (seen[h / 64] & (UINT64_C(1) << (h % 64))) {
			/* the same hash: compare with every key before it */
			size_t klen = (size_t)(q - k - 1);
			const char *t = skip_ws(first, end);

			while (t < s) {
				const char *tq = scan_string(t, end, &esc);

				if ((size_t)(tq - t - 2) == klen && !memcmp(t + 1, k, klen))
					return NULL;
				t = skip_ws(tq, end) + 1; /* ':' */
				t = scan_value(skip_ws(t, end), end, &iv);
				t = skip_ws(t, end) + 1; /* ',' */
				t = skip_ws(t, end);
			}
		}
		seen[h / 64] |= UINT64_C(1) << (h % 64);
		s = skip_ws(q, end);
		if (s == end || *s++ != ':')
			return NULL;
		s = skip_ws(s, end);
		if (!(s = scan_value(s, end, &iv)) || iv.kind != FK_INT)
			return NULL;
		v->arr_n++;
		s = skip_ws(s, end);
		if (s < end && *s == '}') {
			v->len = (size_t)(s - first); /* up to the closing brace */
			return s + 1;
		}
		if (s == end || *s++ != ',')
			return NULL;
		s = skip_ws(s, end);
	}
}

static const char *scan_value(const char *s, const char *end, struct fval *v)
{
	const char *q;

	memset(v, 0, sizeof(*v));
	if (s == end)
		return NULL;
	switch (*s) {
	case '{':
		return scan_int_object(s, end, v);
	case '"':
		q = scan_string(s, end, &v->escaped);
		if (!q)
			return NULL;
		v->kind = FK_STR;
		v->s = (char *)s + 1;
		v->len = (size_t)(q - s - 2);
		return q;
	case '[':
		v->kind = FK_ARR;
		v->arr = (char *)s + 1;
		s = skip_ws(s + 1, end);
		if (s < end && *s == ']')
			return s + 1;
		for (;;) {
			bool esc;

			if (s == end || *s != '"' || !(s = scan_string(s, end, &esc)))
				return NULL;
			v->arr_n++;
			s = skip_ws(s, end);
			if (s < end && *s == ']')
				return s + 1;
			if (s == end || *s != ',')
				return NULL;
			s = skip_ws(s + 1, end);
		}
	case 't':
		if (end - s >= 4 && !memcmp(s, "true", 4)) {
			v->kind = FK_BOOL;
			v->i = 1;
			return s + 4;
		}
		return NULL;
	case 'f':
		if (end - s >= 5 && !memcmp(s, "false", 5)) {
			v->kind = FK_BOOL;
			return s + 5;
		}
		return NULL;
	case 'n':
		if (end - s >= 4 && !memcmp(s, "null", 4)) {
			v->kind = FK_NULL;
			return s + 4;
		}
		return NULL;
	default: {
		bool neg = *s == '-';
		unsigned long long x = 0;
		const char *d;

		if (neg)
			s++;
		d = s;
		while (s < end && *s >= '0' && *s <= '9') {
			if (x > (ULLONG_MAX - 9) / 10)
				return NULL;
			x = x * 10 + (unsigned)(*s++ - '0');
		}
		/* no digits, a leading zero, a fraction or an exponent: jansson's business */
		if (s == d || (*d == '0' && s - d > 1) ||
		    (s < end && (*s == '.' || *s == 'e' || *s == 'E')))
			return NULL;
		if (x > (unsigned long long)LLONG_MAX + neg)
			return NULL;
		v->kind = FK_INT;
		v->i = neg ? (long long)(0 - x) : (long long)x;
		return s;
	}
	}
}

/*
 * Whether the key of f, the last field scanned, is the key of a field
 * before it. (A key's first byte is always there: the closing quote of "".)
 */
static bool key_seen(const struct parse_ctx *c, const struct field *f)
{
	for (const struct field *g = c->f; g < f; g++)
		if (g->klen == f->klen && g->key[0] == f->key[0] && !memcmp(g->key, f->key, f->klen))
			return true;
	return false;
}

/* {"Type":{"k":v,...}} → c->type (in typebuf), c->f. Returns false to hand the line to jansson. */
static bool fast_scan(char *line, size_t len, struct parse_ctx *c, char *typebuf, size_t typecap)
{
	const char *s = line, *end = line + len, *q;
	uint64_t lens = 0; /* bit n: a key of n bytes was seen */
	bool esc;

	s = skip_ws(s, end);
	if (s == end || *s++ != '{')
		return false;
	s = skip_ws(s, end);
	if (s == end || *s != '"' || !(q = scan_string(s, end, &esc)) || esc || (size_t)(q - s - 2) >= typecap)
		return false;
	memcpy(typebuf, s + 1, (size_t)(q - s - 2));
	typebuf[q - s - 2] = '\0';
	s = skip_ws(q, end);
	if (s == end || *s++ != ':')
		return false;
	s = skip_ws(s, end);
	if (s == end || *s++ != '{')
		return false;
	s = skip_ws(s, end);
	c->nf = 0;
	if (s < end && *s == '}') {
		s++;
	} else {
		for (;;) {
			struct field *f;

			if (c->nf == MAX_FIELDS || s == end || *s != '"' ||
			    !(q = scan_string(s, end, &esc)) || esc)
				return false;
			f = &c->f[c->nf++];
			f->key = s + 1;
			f->klen = (size_t)(q - s - 2);
			/*
			 * A key given twice is an error, which jansson then locates.
			 * Only keys of equal length can be equal: most keys have a
			 * length no other key of the line has, and cost one test.
			 */
			if (f->klen < 64 && !(lens & (UINT64_C(1) << f->klen)))
				lens |= UINT64_C(1) << f->klen;
			else if (key_seen(c, f))
				return false;
			s = skip_ws(q, end);
			if (s == end || *s++ != ':')
				return false;
			s = skip_ws(s, end);
			if (!(s = scan_value(s, end, &f->v)))
				return false;
			s = skip_ws(s, end);
			if (s < end && *s == '}') {
				s++;
				break;
			}
			if (s == end || *s++ != ',')
				return false;
			s = skip_ws(s, end);
		}
	}
	s = skip_ws(s, end);
	if (s == end || *s++ != '}')
		return false;
	return skip_ws(s, end) == end;
}

/* How many bytes (1 to 3) at the end of s start a UTF-8 character without finishing it; 0 if none. */
static size_t utf8_cut_tail(const char *s, size_t len)
{
	for (size_t k = 1; k <= 3 && k <= len; k++) {
		const unsigned char *c = (const unsigned char *)s + len - k;

		if ((*c & 0xc0) != 0x80) /* not a continuation byte: where the character starts */
			return utf8_seq(c, k) < 0 ? k : 0;
	}
	return 0;
}

/*
 * Whether jansson's error on line says the line stops too early, as one
 * cut by a recorder killed mid-write (or out of disk) does: an object that
 * jansson read to the end without finding where it closes. A cut inside a
 * multi-byte character leaves 1 to 3 bytes of it, which jansson refuses as
 * bad UTF-8 before it reaches the end: the line without them must look cut
 * then. A whole object followed by more bytes ("{...}} junk") was not cut:
 * jansson may read a bad token after it up to the end, but that is bad
 * input. Called only for lines that failed.
 */
static bool looks_cut(const char *line, size_t len, const json_error_t *jerr)
{
	json_error_t e;
	json_t *j;
	size_t k;

	if (*skip_ws(line, line + len) != '{')
		return false;
	if ((j = json_loadb(line, len, JSON_DISABLE_EOF_CHECK, &e))) {
		json_decref(j);
		return false;
	}
	if (jerr->position >= 0 && (size_t)jerr->position >= len)
		return true;
	if (json_error_code(jerr) != json_error_invalid_utf8 || !(k = utf8_cut_tail(line, len)))
		return false;
	j = json_loadb(line, len - k, 0, &e);
	if (j) {
		/* a whole object followed by part of a character: garbage, not a cut */
		json_decref(j);
		return false;
	}
	return e.position >= 0 && (size_t)e.position >= len - k;
}

/* ------------------------------------------------------------ field access */

/* The field key, or NULL if absent (a line that gives a key twice never gets here). */
static struct fval *lookup(struct parse_ctx *c, const char *key)
{
	size_t klen;
	json_t *v;

	if (!c->obj) {
		klen = strlen(key);
		for (size_t i = c->nf; i-- > 0;)
			if (c->f[i].klen == klen && !memcmp(c->f[i].key, key, klen))
				return &c->f[i].v;
		return NULL;
	}
	v = json_object_get(c->obj, key);
	if (!v)
		return NULL;
	memset(&c->tmp, 0, sizeof(c->tmp));
	switch (json_typeof(v)) {
	case JSON_NULL:
		c->tmp.kind = FK_NULL;
		break;
	case JSON_INTEGER:
		c->tmp.kind = FK_INT;
		c->tmp.i = json_integer_value(v);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		c->tmp.kind = FK_BOOL;
		c->tmp.i = json_is_true(v);
		break;
	case JSON_STRING:
		c->tmp.kind = FK_STR;
		c->tmp.s = (char *)json_string_value(v);
		c->tmp.len = json_string_length(v);
		break;
	case JSON_ARRAY:
		c->tmp.kind = FK_ARR;
		c->tmp.jarr = v;
		c->tmp.arr_n = json_array_size(v);
		break;
	case JSON_OBJECT:
		c->tmp.kind = FK_OBJ;
		c->tmp.jobj = v;
		c->tmp.arr_n = json_object_size(v);
		break;
	default:
		c->tmp.kind = FK_OTHER;
		break;
	}
	return &c->tmp;
}

static void str_of(struct fval *v, const char **s, size_t *len)
{
	if (v->escaped) {
		unescape(v->s, &v->len);
		v->escaped = false;
	}
	*s = v->s;
	*len = v->len;
}

/*
 * Element i of an array of strings, taken in order (i = 0, 1, ...): *pos
 * carries the fast path's place. Returns 0, or -EINVAL if not a string
 * (only jansson's arrays can hold one: the fast scanner passes those on).
 */
static int arr_next(struct fval *v, size_t i, char **pos, const char **s, size_t *len)
{
	const char *q;
	bool esc;

	if (v->jarr) {
		json_t *e = json_array_get(v->jarr, i);

		if (!json_is_string(e))
			return -EINVAL;
		*s = json_string_value(e);
		*len = json_string_length(e);
		return 0;
	}
	if (!i)
		*pos = v->arr;
	while (**pos != '"')
		(*pos)++;
	/*
	 * The scanner checked the whole array: the closing quote is there. Find
	 * it before decoding, which only shortens the string.
	 */
	esc = false;
	for (q = *pos + 1; *q != '"'; q++)
		if (*q == '\\') {
			esc = true;
			q++;
		}
	*len = (size_t)(q - *pos - 1);
	if (esc)
		unescape(*pos + 1, len);
	*s = *pos + 1;
	q++;
	*pos = (char *)q;
	return 0;
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
	struct fval *v = lookup(c, key);

	if (!v || v->kind == FK_NULL) {
		if (required)
			return perr(c->p, "%s: missing \"%s\"", c->type, key);
		return 0;
	}
	if (v->kind != FK_INT)
		return perr(c->p, "%s: \"%s\" is not an integer", c->type, key);
	if (v->i < min || v->i > max)
		return perr(c->p, "%s: \"%s\" is out of range (%lld)", c->type, key, v->i);
	*out = v->i;
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
	struct fval *v = lookup(c, key);

	*out = false;
	if (!v || v->kind == FK_NULL)
		return 0;
	if (v->kind != FK_BOOL)
		return perr(c->p, "%s: \"%s\" is not a boolean", c->type, key);
	*out = v->i;
	return 1;
}

/* A string field, interned (or copied if !intern). Returns 1, 0 if absent, <0 on error. */
static int get_str(struct parse_ctx *c, const char *key, bool required, bool intern,
		   const char **out)
{
	struct fval *v = lookup(c, key);
	const char *s, *r;
	size_t len;

	if (!v || v->kind == FK_NULL) {
		if (required)
			return perr(c->p, "%s: missing \"%s\"", c->type, key);
		return 0;
	}
	if (v->kind != FK_STR)
		return perr(c->p, "%s: \"%s\" is not a string", c->type, key);
	str_of(v, &s, &len);
	r = intern ? arena_intern(c->a, s, len) : arena_strndup(c->a, s, len);
	if (!r)
		return perr(c->p, "out of memory");
	*out = r;
	return 1;
}

/*
 * An argv: an array of strings, or one string holding the arguments joined
 * by spaces (the original proctrace's "args" and string "cmdline"), which is
 * split on spaces, empty pieces dropped: the joined form cannot tell an
 * argument containing a space from two arguments, so this is a best effort.
 * Returns 1 with *argv and *argc set, 0 if absent or null, <0 on error.
 * *was_array tells which form it was.
 */
static int get_argv(struct parse_ctx *c, const char *key, const char *const **argv, uint32_t *argc,
		    bool *was_array)
{
	struct fval *v = lookup(c, key);
	const char **vec;
	const char *s, *end, *sp;
	char *pos = NULL;
	size_t i, n, len;

	*was_array = false;
	if (!v || v->kind == FK_NULL)
		return 0;
	if (v->kind == FK_ARR) {
		*was_array = true;
		n = v->arr_n;
		if (n > UINT32_MAX)
			return perr(c->p, "%s: \"%s\" is too long", c->type, key);
		vec = arena_alloc(c->a, (n ? n : 1) * sizeof(*vec), sizeof(void *));
		if (!vec)
			return perr(c->p, "out of memory");
		for (i = 0; i < n; i++) {
			if (arr_next(v, i, &pos, &s, &len))
				return perr(c->p, "%s: \"%s\"[%zu] is not a string", c->type, key, i);
			if (!(vec[i] = arena_intern(c->a, s, len)))
				return perr(c->p, "out of memory");
		}
		*argv = vec;
		*argc = (uint32_t)n;
		return 1;
	}
	if (v->kind != FK_STR)
		return perr(c->p, "%s: \"%s\" is not an array of strings or a string", c->type, key);
	str_of(v, &s, &len);
	end = s + len;
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
		if (!(vec[i] = arena_intern(c->a, w, (size_t)(sp - w))))
			return perr(c->p, "out of memory");
	}
	*argv = vec;
	*argc = (uint32_t)n;
	return 1;
}

/* ------------------------------------------------------------ event types */

/* Fields every event has: timestamp (required), seq, and the pid under pidkey (required). */
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
	return get_i32(c, pidkey, true, &ev->pid) < 0 ? -EINVAL : 0;
}

/* ppid and pgid: present in format 1, missing from some older shapes. */
static int get_ppid_pgid(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	int ret;

	if ((ret = get_i32(c, "ppid", false, &ev->ppid)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_PPID;
	if ((ret = get_i32(c, "pgid", false, &ev->pgid)) < 0)
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

/* Exec's optional "cwd" (with "cwd_truncated"), or "cwd_unknown" instead of it. */
static int get_cwd(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	bool cut, unknown;
	int ret;

	if ((ret = get_str(c, "cwd", false, true, &ev->u.exec.cwd)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_CWD;
	if ((ret = get_bool(c, "cwd_truncated", &cut)) < 0 ||
	    (ret = get_bool(c, "cwd_unknown", &unknown)) < 0)
		return ret;
	if (cut && !(ev->flags & EVF_CWD))
		return perr(c->p, "%s: \"cwd_truncated\" without \"cwd\"", c->type);
	if (unknown && (ev->flags & EVF_CWD))
		return perr(c->p, "%s: both \"cwd\" and \"cwd_unknown\"", c->type);
	if (cut)
		ev->flags |= EVF_CWD_TRUNCATED;
	if (unknown)
		ev->flags |= EVF_CWD_UNKNOWN;
	return 0;
}

/* Exec (cmdline) and ExecFull (args): both become an Exec. */
static int parse_exec(struct parse_ctx *c, const char *argvkey)
{
	struct event *ev = &c->p->ev;
	bool truncated, arr;
	int ret;

	ev->type = EV_EXEC;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c)) < 0)
		return ret;
	if ((ret = get_str(c, "filename", false, true, &ev->u.exec.filename)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_FILENAME;
	if ((ret = get_argv(c, argvkey, &ev->u.exec.argv, &ev->u.exec.argc, &arr)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_CMDLINE;
	if ((ret = get_bool(c, "truncated", &truncated)) < 0)
		return ret;
	if (truncated)
		ev->flags |= EVF_TRUNCATED;
	return get_cwd(c);
}

/* ExecFilename / ExecArgs: a piece of an Exec, kept as an Exec with only that piece. */
static int parse_fragment(struct parse_ctx *c, bool is_filename)
{
	struct event *ev = &c->p->ev;
	bool arr;
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
	if ((ret = get_argv(c, "args", &ev->u.exec.argv, &ev->u.exec.argc, &arr)) < 0)
		return ret;
	if (!ret)
		return perr(c->p, "%s: missing \"args\"", c->type);
	ev->flags |= EVF_CMDLINE;
	return 0;
}

static int parse_badexec(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	bool truncated;
	long long x;
	int ret;

	ev->type = EV_BADEXEC;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c)) < 0)
		return ret;
	if ((ret = get_str(c, "filename", false, true, &ev->u.badexec.filename)) < 0)
		return ret;
	if (ret)
		ev->flags |= EVF_FILENAME;
	if ((ret = get_int(c, "errno", 1, INT32_MAX, false, &x)) < 0)
		return ret;
	if (ret) {
		ev->u.badexec.err = (int32_t)x;
		ev->flags |= EVF_ERRNO;
	}
	if ((ret = get_bool(c, "truncated", &truncated)) < 0)
		return ret;
	if (truncated)
		ev->flags |= EVF_TRUNCATED;
	return 0;
}

static int parse_exit(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	long long x;
	bool core;
	int ret, have;

	ev->type = EV_EXIT;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c)) < 0)
		return ret;
	/*
	 * What a wait status can hold: an exit code of 8 bits, or a signal of
	 * 7 (0 is no signal). Only format-1 writers give a status at all.
	 */
	if ((ret = get_int(c, "exit_code", 0, 255, false, &x)) < 0)
		return ret;
	if (ret) {
		ev->u.exit.code = (int32_t)x;
		ev->flags |= EVF_STATUS;
	}
	if ((ret = get_int(c, "signal", 1, 127, false, &x)) < 0)
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
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c)) < 0)
		return ret;
	return get_i32(c, "sid", true, &ev->u.setsid.sid) < 0 ? -EINVAL : 0;
}

static int parse_setpgid(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	int ret;

	ev->type = EV_SETPGID;
	if ((ret = get_common(c, "pid")) < 0 || (ret = get_ppid_pgid(c)) < 0)
		return ret;
	if (!(ev->flags & EVF_PGID))
		return perr(c->p, "%s: missing \"pgid\"", c->type);
	return 0;
}

/* Sample: every field is required; a partial one is a broken writer. */
static int parse_sample(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	long long x;
	int ret;

	ev->type = EV_SAMPLE;
	if ((ret = get_common(c, "pid")) < 0 ||
	    (ret = get_u64(c, "user_ns", true, &ev->u.sample.user_ns)) < 0 ||
	    (ret = get_u64(c, "system_ns", true, &ev->u.sample.system_ns)) < 0 ||
	    (ret = get_u64(c, "rss_kb", true, &ev->u.sample.rss_kb)) < 0)
		return ret;
	if ((ret = get_int(c, "swap_kb", 0, UINT32_MAX, true, &x)) < 0)
		return ret;
	ev->u.sample.swap_kb = (uint32_t)x;
	if ((ret = get_int(c, "threads", 0, UINT32_MAX, true, &x)) < 0)
		return ret;
	ev->u.sample.threads = (uint32_t)x;
	return 0;
}

/*
 * Counts by syscall name: an object of non-negative integers, into
 * out[0..*n) (names interned). Returns 1, 0 if absent or null, <0 on error.
 */
static int get_counts(struct parse_ctx *c, const char *key, struct sc_count **out, uint32_t *n)
{
	struct fval *v = lookup(c, key);
	struct sc_count *cnt;
	const char *pos, *end, *k, *q;
	size_t i = 0, klen;
	bool esc;

	if (!v || v->kind == FK_NULL)
		return 0;
	if (v->kind != FK_OBJ)
		return perr(c->p, "%s: \"%s\" is not an object of counts", c->type, key);
	if (v->arr_n > UINT32_MAX)
		return perr(c->p, "%s: \"%s\" is too long", c->type, key);
	cnt = arena_alloc(c->a, (v->arr_n ? v->arr_n : 1) * sizeof(*cnt), sizeof(void *));
	if (!cnt)
		return perr(c->p, "out of memory");
	if (v->jobj) {
		const char *name;
		json_t *val;

		json_object_foreach(v->jobj, name, val) {
			if (!json_is_integer(val) || json_integer_value(val) < 0)
				return perr(c->p, "%s: \"%s\".\"%s\" is not a count (a non-negative integer)",
					    c->type, key, name);
			if (!(cnt[i].name = arena_intern(c->a, name, strlen(name))))
				return perr(c->p, "out of memory");
			cnt[i++].count = (uint64_t)json_integer_value(val);
		}
	} else {
		/* the scanner checked it all: "key":integer members, keys without escapes */
		end = v->arr + v->len;
		for (pos = v->arr; i < v->arr_n; i++) {
			struct fval iv;

			pos = skip_ws(pos, end);
			if (*pos == ',')
				pos = skip_ws(pos + 1, end);
			q = scan_string(pos, end, &esc);
			k = pos + 1;
			klen = (size_t)(q - k - 1);
			pos = skip_ws(q, end) + 1; /* ':' */
			pos = scan_value(skip_ws(pos, end), end, &iv);
			if (iv.i < 0)
				return perr(c->p, "%s: \"%s\".\"%.*s\" is not a count (a non-negative integer)",
					    c->type, key, (int)klen, k);
			if (!(cnt[i].name = arena_intern(c->a, k, klen)))
				return perr(c->p, "out of memory");
			cnt[i].count = (uint64_t)iv.i;
		}
	}
	*out = cnt;
	*n = (uint32_t)i;
	return 1;
}

/* Running: an Exec's fields, a start that may be negative, and the comm. */
static int parse_running(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	const char *comm = NULL;
	const char **vec;
	long long x;
	int ret;

	if ((ret = parse_exec(c, "cmdline")) < 0)
		return ret;
	ev->type = EV_RUNNING;
	if ((ret = get_int(c, "start", INT64_MIN, INT64_MAX, true, &x)) < 0)
		return ret;
	ev->u.running.start = x;
	if ((ret = get_str(c, "comm", false, true, &comm)) < 0)
		return ret;
	if (!comm)
		return 0;
	/* argv[argc] is the comm (jsonl.h): one more slot */
	vec = arena_alloc(c->a, (ev->u.running.argc + 1) * sizeof(*vec), sizeof(void *));
	if (!vec)
		return perr(c->p, "out of memory");
	for (uint32_t i = 0; i < ev->u.running.argc; i++)
		vec[i] = ev->u.running.argv[i];
	vec[ev->u.running.argc] = comm;
	ev->u.running.argv = vec;
	ev->flags |= EVF_COMM;
	return 0;
}

/* An array of integers in [0, max] (the header's "uid"). Returns 1, 0 if absent, <0 on error. */
static int get_uint_array(struct parse_ctx *c, const char *key, uint32_t max, const uint32_t **out,
			  uint32_t *n)
{
	struct fval *v = lookup(c, key);
	uint32_t *vec;
	size_t i;

	if (!v || v->kind == FK_NULL)
		return 0;
	/* The fast scanner takes only arrays of strings (or an empty one): jansson has the rest. */
	if (v->kind != FK_ARR || (!v->jarr && v->arr_n))
		return perr(c->p, "%s: \"%s\" is not an array of integers", c->type, key);
	vec = arena_alloc(c->a, (v->arr_n + 1) * sizeof(*vec), sizeof(uint32_t));
	if (!vec)
		return perr(c->p, "out of memory");
	for (i = 0; i < v->arr_n; i++) {
		json_t *e = json_array_get(v->jarr, i);

		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) > (json_int_t)max)
			return perr(c->p, "%s: \"%s\"[%zu] is not an integer from 0 to %u", c->type,
				    key, i, max);
		vec[i] = (uint32_t)json_integer_value(e);
	}
	*out = vec;
	*n = (uint32_t)i;
	return 1;
}

/* Syscalls: "syscalls" is required (maybe {}), "syscalls_ia32" only when the process made some. */
static int parse_syscalls(struct parse_ctx *c)
{
	struct event *ev = &c->p->ev;
	struct sc_count *native = NULL, *ia32 = NULL, *all;
	uint32_t n = 0, n32 = 0;
	int ret;

	ev->type = EV_SYSCALLS;
	if ((ret = get_common(c, "pid")) < 0)
		return ret;
	if ((ret = get_counts(c, "syscalls", &native, &n)) < 0)
		return ret;
	if (!ret)
		return perr(c->p, "%s: missing \"syscalls\"", c->type);
	if ((ret = get_counts(c, "syscalls_ia32", &ia32, &n32)) < 0)
		return ret;
	if ((uint64_t)n + n32 > UINT32_MAX)
		return perr(c->p, "%s: too many counts", c->type);
	all = native;
	if (n32) {
		all = arena_alloc(c->a, ((size_t)n + n32) * sizeof(*all), sizeof(void *));
		if (!all)
			return perr(c->p, "out of memory");
		if (n)
			memcpy(all, native, n * sizeof(*all));
		memcpy(all + n, ia32, n32 * sizeof(*all));
	}
	ev->u.syscalls.counts = all;
	ev->u.syscalls.n = n;
	ev->u.syscalls.n_ia32 = n32;
	return 0;
}

static int parse_header(struct parse_ctx *c)
{
	struct rec_header *h = &c->p->hdr;
	long long x;
	bool arr;
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
	/* 0 would mean samples taken all the time: absent is how a header says none */
	if ((ret = get_int(c, "sample_interval_ns", 1, INT64_MAX, false, &x)) < 0)
		return ret;
	h->sample_interval_ns = ret ? (uint64_t)x : 0;
	if ((ret = get_str(c, "tool", false, false, &h->tool)) < 0 ||
	    (ret = get_str(c, "start_time", false, false, &h->start_time)) < 0 ||
	    (ret = get_str(c, "host", false, false, &h->host)) < 0 ||
	    (ret = get_str(c, "kernel", false, false, &h->kernel)) < 0)
		return ret;
	if ((ret = get_argv(c, "command", &h->command, &h->command_len, &arr)) < 0)
		return ret;
	if (ret && !arr)
		return perr(c->p, "Recording: \"command\" is not an array of strings");
	if ((ret = get_bool(c, "failed_execs", &h->failed_execs)) < 0)
		return ret;
	h->has_failed_execs = ret;
	if ((ret = get_bool(c, "syscalls", &h->syscalls)) < 0)
		return ret;
	if ((ret = get_bool(c, "system_wide", &h->system_wide)) < 0 ||
	    (ret = get_i32(c, "attached_pid", false, &h->attached_pid)) < 0)
		return ret;
	if ((ret = get_argv(c, "comm", &h->comm, &h->ncomm, &arr)) < 0)
		return ret;
	if (ret && !arr)
		return perr(c->p, "Recording: \"comm\" is not an array of strings");
	if ((ret = get_uint_array(c, "uid", UINT32_MAX, &h->uid, &h->nuid)) < 0)
		return ret;
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
	e->has_lost = ret;
	/* record's exit status: the command's, or 128 + the signal that killed it */
	if ((ret = get_int(c, "exit_code", 0, 255, false, &x)) < 0)
		return ret;
	if (ret) {
		e->exit_code = (int)x;
		e->has_exit_code = true;
	}
	if ((ret = get_u64(c, "syscalls_lost", false, &e->syscalls_lost)) < 0)
		return ret;
	e->has_syscalls_lost = ret;
	if ((ret = get_str(c, "stopped", false, true, &e->stopped)) < 0)
		return ret;
	return 0;
}

/*
 * jansson refused line for a key given twice, the key that ends just
 * before line + pos (jansson read everything before it as JSON). Returns
 * how deep that key is: 1 in the line's own object (two event types), 2
 * in the event's fields, more inside a field's value; *key, *klen: the key
 * as written, without its quotes.
 */
static int dup_key_find(const char *line, size_t pos, const char **key, int *klen)
{
	const char *s = line, *end = line + pos;
	int depth = 0, kdepth = 0;

	*key = "";
	*klen = 0;
	while (s < end) {
		if (*s == '"') {
			const char *q = s + 1;

			while (q < end && *q != '"')
				q += *q == '\\' ? 2 : 1;
			*key = s + 1;
			*klen = (int)(q - *key);
			kdepth = depth;
			s = q + 1;
			continue;
		}
		if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			depth--;
		s++;
	}
	return kdepth;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static const struct {
	const char *name;
	int (*fn)(struct parse_ctx *c);
} types[] = {
	/* most frequent first */
	{ "Exec", NULL }, { "Fork", parse_fork }, { "Exit", parse_exit },
	{ "SetPGID", parse_setpgid }, { "SetSID", parse_setsid }, { "BadExec", parse_badexec },
	{ "Sample", parse_sample }, { "Running", parse_running }, { "Syscalls", parse_syscalls },
	{ "ExecArgs", NULL }, { "ExecFilename", NULL }, { "ExecFull", NULL },
	{ "Recording", parse_header }, { "End", parse_end },
};

static int dispatch(struct parse_ctx *c)
{
	const char *t = c->type;

	if (!strcmp(t, "Exec"))
		return parse_exec(c, "cmdline");
	if (!strcmp(t, "ExecFull"))
		return parse_exec(c, "args");
	if (!strcmp(t, "ExecArgs"))
		return parse_fragment(c, false);
	if (!strcmp(t, "ExecFilename"))
		return parse_fragment(c, true);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].fn && !strcmp(t, types[i].name))
			return types[i].fn(c);
	return 1; /* unknown */
}

static bool known_type(const char *t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i].name))
			return true;
	return false;
}

int parse_line(char *line, size_t len, struct arena *a, struct parsed *p)
{
	struct parse_ctx c = { .p = p, .a = a };
	char typebuf[64];
	json_error_t jerr;
	json_t *root = NULL;
	int dup = -1, ret;

	memset(p, 0, offsetof(struct parsed, unknown));
	p->unknown[0] = '\0';
	p->err[0] = '\0';
	if (is_blank(line, len)) {
		p->kind = LK_BLANK;
		return 0;
	}
	p->kind = LK_EVENT;
	if (fast_scan(line, len, &c, typebuf, sizeof(typebuf))) {
		c.type = typebuf;
	} else {
		root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!root && json_error_code(&jerr) == json_error_duplicate_key && jerr.position > 0) {
			/*
			 * A key given twice makes the line ambiguous: an error, but
			 * read the line again as it is to judge the rest and learn
			 * its type (among an unknown type's fields, which are
			 * skipped unread, it does not matter).
			 */
			dup = jerr.position;
			root = json_loadb(line, len, 0, &jerr);
		}
		if (!root) {
			p->not_json = true;
			p->cut = looks_cut(line, len, &jerr);
			return perr(p, "not JSON: %s", jerr.text);
		}
		if (!json_is_object(root) || json_object_size(root) != 1) {
			ret = perr(p, "expected an object with one key (the event type)");
			goto cleanup;
		}
		c.type = json_object_iter_key(json_object_iter(root));
		c.obj = json_object_get(root, c.type);
		if (dup >= 0) {
			const char *key;
			int klen, depth = dup_key_find(line, (size_t)dup, &key, &klen);

			if (depth <= 1) {
				ret = perr(p, "expected an object with one key (the event type): \"%.*s\" given twice",
					   klen, key);
				goto cleanup;
			}
			if (known_type(c.type)) {
				ret = perr(p, "%s: \"%.*s\" given twice%s", c.type, klen, key,
					   depth > 2 ? " (in a nested object)" : "");
				goto cleanup;
			}
		}
		if (!json_is_object(c.obj)) {
			/* an unknown type may hold anything: it is skipped, not judged */
			ret = known_type(c.type) ? perr(p, "%s: expected an object", c.type) : 1;
			goto unknown;
		}
	}
	ret = dispatch(&c);
unknown:
	if (ret == 1) {
		p->kind = LK_UNKNOWN;
		printable(p->unknown, sizeof(p->unknown), c.type, strlen(c.type));
		ret = 0;
	}
cleanup:
	json_decref(root);
	return ret;
}
