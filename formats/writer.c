/* formats/writer.c: the format-1 JSON-lines writer. */
#include <errno.h>
#include <stdlib.h>

#include "formats/jsonl.h"

void sbuf_free(struct sbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

int sbuf_reserve(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p)
		return -ENOMEM;
	b->buf = p;
	b->cap = cap;
	return 0;
}

const char *ev_type_name(enum ev_type t)
{
	static const char *const names[EV__COUNT] = {
		[EV_FORK] = "Fork", [EV_EXEC] = "Exec", [EV_BADEXEC] = "BadExec",
		[EV_EXIT] = "Exit", [EV_SETSID] = "SetSID", [EV_SETPGID] = "SetPGID",
	};
	return (unsigned)t < EV__COUNT ? names[t] : "?";
}

int jsonl_write_event(struct sbuf *b, const struct event *ev)
{
	(void)b;
	(void)ev;
	return -ENOSYS;
}

int jsonl_write_header(struct sbuf *b, const struct rec_header *h)
{
	(void)b;
	(void)h;
	return -ENOSYS;
}

int jsonl_write_end(struct sbuf *b, const struct rec_end *e)
{
	(void)b;
	(void)e;
	return -ENOSYS;
}
