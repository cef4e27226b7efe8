/* render/by_process.c: the by-process view: each process's events, a blank line between processes. */
#include <errno.h>
#include <stdlib.h>

#include "render/trace.h"

/*
 * Processes in order of first appearance, each with its events in time
 * order (a child's block starts with its Fork line). Only events: the
 * output is meant for reading, not a recording. The events are grouped by
 * process with one counting pass, so the view stays linear.
 */
int render_by_process(FILE *out, const struct trace *t, const struct render_opts *o)
{
	const struct recording *rec = t->rec;
	struct sbuf b = { 0 };
	size_t *first = NULL, *order = NULL;
	bool blank = false;
	int err = -ENOMEM;

	(void)o;
	first = calloc(t->nprocs + 1, sizeof(*first));
	order = malloc((rec->n ? rec->n : 1) * sizeof(*order));
	if (!first || !order)
		goto cleanup;
	for (size_t i = 0; i < rec->n; i++)
		if (trace_has_event(t, i))
			first[t->proc_of_event[i]->index + 1]++;
	for (size_t k = 0; k < t->nprocs; k++)
		first[k + 1] += first[k];
	/* first[k] is where process k's events go; it ends at first[k + 1] once filled. */
	for (size_t i = 0; i < rec->n; i++)
		if (trace_has_event(t, i))
			order[first[t->proc_of_event[i]->index]++] = i;

	err = 0;
	for (size_t k = 0, pos = 0; k < t->nprocs; k++) {
		size_t stop = first[k];

		if (pos == stop)
			continue; /* a process seen only as a fork parent */
		if (blank) {
			err = sbuf_reserve(&b, 1);
			if (err)
				goto cleanup;
			b.buf[b.len++] = '\n';
		}
		blank = true;
		for (; pos < stop; pos++) {
			err = jsonl_write_event(&b, &rec->ev[order[pos]]);
			if (err)
				goto cleanup;
		}
		if (b.len >= 1 << 16) {
			err = sbuf_flush(out, &b);
			if (err)
				goto cleanup;
		}
	}
	err = sbuf_flush(out, &b);
cleanup:
	sbuf_free(&b);
	free(first);
	free(order);
	return err;
}
