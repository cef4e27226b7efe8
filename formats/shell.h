/* formats/shell.h: argv as shell words that can be pasted back, and safe on a terminal. */
#ifndef PROCTRACE_SHELL_H
#define PROCTRACE_SHELL_H

#include "formats/jsonl.h"

/*
 * Append s to b as one word that bash (and zsh, ksh) reads back as exactly
 * s: bare when it is made of characters no shell treats specially
 * (A-Z a-z 0-9 _ @ % + = : , . / -, and not starting with '=', which zsh
 * expands); in single quotes when it is printable text (which any POSIX sh
 * reads back too); in $'...' when it holds a control character (C0, DEL,
 * C1), a character that reorders or breaks a line on a terminal (bidi
 * controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C; U+2028,
 * U+2029) or a byte that is not UTF-8, each such byte written as \xHH (or
 * \n, \t...), so that nothing written reaches the terminal as a control
 * sequence or shows the line in another order than it runs. "" is ''.
 * Returns 0 or -ENOMEM.
 */
int shell_quote(struct sbuf *b, const char *s, size_t len);

/*
 * As shell_quote, for a word in a command's place (argv[0]): also quoted
 * when a shell would read it as an assignment (a=b) or a reserved word
 * (if, then, time, !, { ...); a name that starts with '%', which bash runs
 * as a job (fg %1) however quoted, is preceded by "env -- ". Aliases and
 * builtins are the pasting shell's own: a program named as one is not
 * told apart. Returns 0 or -ENOMEM.
 */
int shell_quote_cmd(struct sbuf *b, const char *s, size_t len);

/* argc words, argv[0] shell_quote_cmd()d and the others shell_quote()d, separated by one space. Returns 0 or -ENOMEM. */
int shell_quote_argv(struct sbuf *b, const char *const *argv, uint32_t argc);

#endif
