/* formats/reader.h: parsing one recording line into an event (internal to formats/). */
#ifndef PROCTRACE_READER_H
#define PROCTRACE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "formats/arena.h"
#include "formats/jsonl.h"

enum line_kind {
	LK_BLANK,
	LK_EVENT,
	LK_FRAGMENT, /* ExecFilename / ExecArgs: part of an Exec, merged by the loader */
	LK_HEADER,
	LK_END,
	LK_UNKNOWN,
};

struct parsed {
	enum line_kind kind;
	bool not_json;            /* the error is a JSON syntax error */
	bool cut;                 /* ... that looks like a line cut short: an object ending too early */
	struct event ev;          /* LK_EVENT, LK_FRAGMENT (an Exec holding only its piece) */
	struct rec_header hdr;    /* LK_HEADER */
	struct rec_end end;       /* LK_END */
	/* Both are safe to print: control characters and bad UTF-8 of the input are written \xHH. */
	char unknown[32];         /* LK_UNKNOWN: the type name, cut */
	char err[256];            /* the message when parse_line fails */
};

/*
 * Parse one line (without its newline) into *p; strings go to the arena.
 * Touches nothing but line (escaped strings are decoded in place), *p and
 * the arena, so lines could be parsed on several threads with one arena
 * each. Returns 0, or -EINVAL with p->err set.
 */
int parse_line(char *line, size_t len, struct arena *a, struct parsed *p);

#endif
