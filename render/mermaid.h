/* render/mermaid.h: the text helpers and limits of the mermaid view, for its tests. */
#ifndef PROCTRACE_MERMAID_H
#define PROCTRACE_MERMAID_H

#include <stddef.h>
#include <stdio.h>

/* Bars drawn when neither --max-bars nor --all-bars says otherwise. */
#define MERMAID_DEFAULT_BARS 50

/* Longest label, title or section name written, in characters (Unicode code points). */
#define MERMAID_LABEL_MAX 160

/* The mark that starts the label of a bar on the critical path (crit already means a failure). */
#define MERMAID_CRIT_STAR "\xe2\x98\x85" /* U+2605 BLACK STAR */
#define MERMAID_CRIT_MARK MERMAID_CRIT_STAR " "

/*
 * Write the len bytes of s to out so that Mermaid's Gantt parser reads them
 * back as exactly that text, whatever they contain (task name, title or
 * section name). Control characters become spaces and the result is trimmed;
 * bytes that are not UTF-8 become U+FFFD; empty text becomes U+00A0. Text
 * longer than max_chars characters (0: no limit) is cut in the middle: its
 * start and its end are kept around a U+2026, at word boundaries when there
 * are spaces near the cut ("gcc -DX -I. … -o grep.o grep.c"). The cut is
 * made on characters, before escaping, so it never splits a character or an
 * entity. The first character and every one of # : ; % < > & " ' are then
 * written as #<decimal>; entities. Returns 0, -ENOMEM or -EIO.
 */
int mermaid_escape(FILE *out, const char *s, size_t len, size_t max_chars);

#endif
