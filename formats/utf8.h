/* formats/utf8.h: checking and reading UTF-8 text, and how wide a terminal draws it. */
#ifndef PROCTRACE_UTF8_H
#define PROCTRACE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The UTF-8 sequence at s, avail (> 0) bytes left: its length (1 to 4) if it
 * is complete and valid (RFC 3629: no overlong forms, surrogates or code
 * points above U+10FFFF, which could hide a ':' or '%' from a check), 0 if
 * it is invalid, or -1 if it is the valid start of a sequence that avail
 * cuts short. Inline: the writer calls it for every non-ASCII character.
 */
static inline int utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	for (size_t i = 1; i < n; i++) {
		if (i == avail)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return (int)n;
}

/*
 * Decode one character of s (len > 0 bytes) into *cp; returns the bytes
 * used. A byte that does not start a valid character (an overlong form, a
 * surrogate, a cut sequence) reads as U+FFFD and uses one byte.
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Write c (a Unicode scalar value) to out as UTF-8; returns the bytes written, 1 to 4. */
size_t utf8_encode(char *out, uint32_t c);

/* Whether c is a C0 control, DEL or a C1 control (U+0080..U+009F): never printed as it is. */
static inline bool utf8_is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

/*
 * The columns a terminal gives c: 2 for East Asian wide and fullwidth
 * characters and emoji, 0 for combining marks and zero-width characters,
 * else 1 (controls included: callers replace them before printing).
 */
int utf8_width(uint32_t c);

/*
 * prefix (NULL: none) then s, as a table cell, into buf (len bytes, at
 * least 8; 4 * max_cols + 8 hold any cell of max_cols columns): control
 * characters become '?', bytes that are not UTF-8 U+FFFD, and a cell
 * wider than max_cols columns, or longer than buf, is cut after the
 * longest start that leaves room for "...". *cols: the columns a terminal
 * gives the cell, which a table is padded by (not bytes). Returns buf.
 */
char *utf8_cell(char *buf, size_t len, const char *prefix, const char *s, int max_cols, int *cols);

#endif
