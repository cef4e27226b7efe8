/* formats/shell.c: argv as shell words that can be pasted back, and safe on a terminal. */
#include <errno.h>
#include <string.h>

#include "formats/shell.h"
#include "formats/utf8.h"

static bool bare_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("_@%+=:,./-", c));
}

/* The bytes of s that a terminal must not see as they are: 0 if none. */
static bool needs_escapes(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		int n = utf8_seq(s + i, len - i);
		uint32_t cp;

		if (n <= 0)
			return true;
		utf8_decode(s + i, (size_t)n, &cp);
		if (utf8_is_control(cp))
			return true;
		i += (size_t)n;
	}
	return false;
}

static void put(struct sbuf *b, const char *s, size_t n)
{
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

/* $'...': printable text as it is, everything else as an escape. */
static void put_ansi_c(struct sbuf *b, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	put(b, "$'", 2);
	for (size_t i = 0; i < len;) {
		int n = utf8_seq(s + i, len - i);
		uint32_t cp = 0xfffd;
		char *p;

		if (n > 0)
			utf8_decode(s + i, (size_t)n, &cp);
		if (n > 0 && !utf8_is_control(cp)) {
			if (s[i] == '\'' || s[i] == '\\')
				b->buf[b->len++] = '\\';
			put(b, (const char *)s + i, (size_t)n);
			i += (size_t)n;
			continue;
		}
		/* One byte at a time: a C1 control's two bytes, or a byte that is not UTF-8. */
		n = n > 0 && cp >= 0x80 ? n : 1;
		for (int k = 0; k < n; k++, i++) {
			const char *esc = NULL;

			switch (s[i]) {
			case '\a': esc = "\\a"; break;
			case '\b': esc = "\\b"; break;
			case '\t': esc = "\\t"; break;
			case '\n': esc = "\\n"; break;
			case '\v': esc = "\\v"; break;
			case '\f': esc = "\\f"; break;
			case '\r': esc = "\\r"; break;
			case 0x1b: esc = "\\E"; break;
			}
			if (esc) {
				put(b, esc, 2);
				continue;
			}
			/* Always two digits: bash's \x takes up to two. */
			p = b->buf + b->len;
			p[0] = '\\';
			p[1] = 'x';
			p[2] = hex[s[i] >> 4];
			p[3] = hex[s[i] & 15];
			b->len += 4;
		}
	}
	b->buf[b->len++] = '\'';
}

int shell_quote(struct sbuf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	bool bare = len > 0;

	/* The longest form: $'' around four bytes (\xHH) for each byte. */
	if (len > (SIZE_MAX - 3) / 4 || sbuf_reserve(b, 4 * len + 3))
		return -ENOMEM;
	for (size_t i = 0; i < len && bare; i++)
		bare = bare_char(s[i]);
	if (bare) {
		put(b, str, len);
		return 0;
	}
	if (needs_escapes(s, len)) {
		put_ansi_c(b, s, len);
		return 0;
	}
	b->buf[b->len++] = '\'';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			put(b, "'\\''", 4);
		else
			b->buf[b->len++] = (char)s[i];
	}
	b->buf[b->len++] = '\'';
	return 0;
}

int shell_quote_argv(struct sbuf *b, const char *const *argv, uint32_t argc)
{
	for (uint32_t i = 0; i < argc; i++) {
		const char *a = argv[i] ? argv[i] : "";

		if (i && sbuf_reserve(b, 1))
			return -ENOMEM;
		if (i)
			b->buf[b->len++] = ' ';
		if (shell_quote(b, a, strlen(a)))
			return -ENOMEM;
	}
	return 0;
}
