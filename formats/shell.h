/* formats/shell.h: argv as shell words that can be pasted back, and safe on a terminal. */
#ifndef PROCTRACE_SHELL_H
#define PROCTRACE_SHELL_H

#include "formats/jsonl.h"

/*
 * Append s to b as one word that bash (and zsh, ksh) reads back as exactly
 * s: bare when it is made of characters no shell treats specially
 * (A-Z a-z 0-9 _ @ % + = : , . / -); in single quotes when it is printable
 * text; in $'...' when it holds a control character (C0, DEL, C1) or a byte
 * that is not UTF-8, each such byte written as \xHH (or \n, \t...), so that
 * nothing written reaches the terminal as a control sequence. "" is ''.
 * Returns 0 or -ENOMEM.
 */
int shell_quote(struct sbuf *b, const char *s, size_t len);

/* argc words, each shell_quote()d, separated by one space. Returns 0 or -ENOMEM. */
int shell_quote_argv(struct sbuf *b, const char *const *argv, uint32_t argc);

#endif
