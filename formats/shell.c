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

/*
 * Printable characters that would reorder the line on a terminal (bidi
 * embeddings, overrides, isolates and marks) or break it (line and
 * paragraph separators): a pasted line must look like what it runs.
 */
static bool reorders(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
}

/* What is written as escapes, never as it is. */
static bool escaped(uint32_t c)
{
	return utf8_is_control(c) || reorders(c);
}

/*
 * Words a shell reads as its own in a command's place (bash, ksh, zsh;
 * "end", "foreach", "nocorrect" and "repeat" are zsh's), not as the name
 * of a program to run: quoted there, they are names.
 */
static bool reserved_word(const char *s, size_t len)
{
	static const char *const words[] = {
		"!", "[[", "]]", "{", "}", "case", "coproc", "do", "done", "elif", "else", "end",
		"esac", "fi", "for", "foreach", "function", "if", "in", "nocorrect", "repeat",
		"select", "then", "time", "until", "while",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && !memcmp(words[i], s, len))
			return true;
	return false;
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
		if (escaped(cp))
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
		if (n > 0 && !escaped(cp)) {
			if (s[i] == '\'' || s[i] == '\\')
				b->buf[b->len++] = '\\';
			put(b, (const char *)s + i, (size_t)n);
			i += (size_t)n;
			continue;
		}
		/*
		 * One byte at a time: a C1 control's two bytes, a bidi control's
		 * three (as \xHH, which reads back the same in any locale), or a
		 * byte that is not UTF-8.
		 */
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

/* s as one word; in a command's place (cmd), never read as anything but a name. */
static int quote(struct sbuf *b, const char *str, size_t len, bool cmd)
{
	const unsigned char *s = (const unsigned char *)str;
	/* zsh expands a word that starts with '=' to a command's path */
	bool bare = len > 0 && s[0] != '=';

	/* The longest form: $'' around four bytes (\xHH) for each byte. */
	if (len > (SIZE_MAX - 3) / 4 || sbuf_reserve(b, 4 * len + 3))
		return -ENOMEM;
	for (size_t i = 0; i < len && bare; i++)
		bare = bare_char(s[i]);
	/* A command's name: not an assignment (a=b), not a reserved word (if, time). */
	if (bare && cmd && (memchr(s, '=', len) || reserved_word(str, len)))
		bare = false;
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

int shell_quote(struct sbuf *b, const char *s, size_t len)
{
	return quote(b, s, len, false);
}

int shell_quote_cmd(struct sbuf *b, const char *s, size_t len)
{
	/*
	 * bash runs a command whose name starts with '%' as fg or bg of that
	 * job, quoted or not: env runs it by its name.
	 */
	if (len && s[0] == '%') {
		if (sbuf_reserve(b, 7))
			return -ENOMEM;
		put(b, "env -- ", 7);
	}
	return quote(b, s, len, true);
}

int shell_quote_argv(struct sbuf *b, const char *const *argv, uint32_t argc)
{
	for (uint32_t i = 0; i < argc; i++) {
		const char *a = argv[i] ? argv[i] : "";

		if (i && sbuf_reserve(b, 1))
			return -ENOMEM;
		if (i)
			b->buf[b->len++] = ' ';
		if ((i ? shell_quote : shell_quote_cmd)(b, a, strlen(a)))
			return -ENOMEM;
	}
	return 0;
}
