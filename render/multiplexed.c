/* render/multiplexed.c: the multiplexed view: the tree's events in time order, one JSON line each. */
#include <errno.h>

#include "render/trace.h"

/* Write b to out and empty it. */
/*
 * The output is itself a recording: the header first and the End line last
 * when the input has them, so it can be rendered again. Under --pid the
 * header names the subtree's root, whose parent is then outside the recording.
 */
int render_multiplexed(FILE *out, const struct trace *t, const struct render_opts *o)
{
	const struct recording *rec = t->rec;
	struct sbuf b = { 0 };
	int err = 0;

	(void)o;
	if (rec->has_header) {
		struct rec_header h = rec->hdr;
		bool subtree = false;

		/* Only a --pid model leaves events out. */
		for (size_t i = 0; i < rec->n && !subtree; i++)
			subtree = !trace_has_event(t, i);
		if (subtree && t->nroots == 1)
			h.root_pid = t->roots[0]->pid;
		err = jsonl_write_header(&b, &h);
		if (err)
			goto cleanup;
	}
	for (size_t i = 0; i < rec->n; i++) {
		if (!trace_has_event(t, i))
			continue;
		err = jsonl_write_event(&b, &rec->ev[i]);
		if (err)
			goto cleanup;
		if (b.len >= 1 << 16) {
			err = sbuf_flush(out, &b);
			if (err)
				goto cleanup;
		}
	}
	if (rec->has_end) {
		err = jsonl_write_end(&b, &rec->end);
		if (err)
			goto cleanup;
	}
	err = sbuf_flush(out, &b);
cleanup:
	sbuf_free(&b);
	return err;
}
