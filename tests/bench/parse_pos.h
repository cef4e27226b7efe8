/* tests/bench/parse_pos.h: the option parsing the bench helpers share. */
#ifndef BENCH_PARSE_POS_H
#define BENCH_PARSE_POS_H

#include <errno.h>
#include <stdlib.h>

/* s as a positive decimal number, or -1 if it is not one. */
static inline long parse_pos(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	return v;
}

#endif
