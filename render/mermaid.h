/* render/mermaid.h: the Mermaid text escape of the mermaid view, for its tests. */
#ifndef PROCTRACE_MERMAID_H
#define PROCTRACE_MERMAID_H

#include <stddef.h>
#include <stdio.h>

/* Longest label, title or section name written, in characters (Unicode code points). */
#define MERMAID_LABEL_MAX 200

/*
 * Write the len bytes of s to out so that Mermaid's Gantt parser reads them
 * back as exactly that text, whatever they contain (task name, title or
 * section name). Control characters become spaces and the result is trimmed;
 * bytes that are not UTF-8 become U+FFFD; empty text becomes U+00A0. The
 * first character and every one of # : ; % < > & " ' are written as
 * #<decimal>; entities. Text longer than max_chars characters (0: no limit)
 * is cut and ends in U+2026. Returns 0, -ENOMEM or -EIO.
 */
int mermaid_escape(FILE *out, const char *s, size_t len, size_t max_chars);

#endif
