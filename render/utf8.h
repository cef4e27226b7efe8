/* render/utf8.h: reading UTF-8 text as characters, and how wide a terminal draws them. */
#ifndef PROCTRACE_UTF8_H
#define PROCTRACE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one character of s (len > 0 bytes) into *cp; returns the bytes
 * used. A byte that does not start a valid character (an overlong form, a
 * surrogate, a cut sequence) reads as U+FFFD and uses one byte.
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Write c (a Unicode scalar value) to out as UTF-8; returns the bytes written, 1 to 4. */
size_t utf8_encode(char *out, uint32_t c);

/*
 * The columns a terminal gives c: 2 for East Asian wide and fullwidth
 * characters and emoji, 0 for combining marks and zero-width characters,
 * else 1 (controls included: callers replace them before printing).
 */
int utf8_width(uint32_t c);

#endif
