/* render/multiplexed.c: the multiplexed view: the tree's events in time order, one JSON line each. */
#include <errno.h>

#include "render/trace.h"

/* p's exit status as record exits with it (128+N if killed by signal N); false if unknown. */
static bool exit_status(const struct proc *p, int *code)
{
	const struct event *x = p->exit;

	if (!x || !(x->flags & EVF_STATUS))
		return false;
	*code = x->flags & EVF_SIGNALED ? 128 + x->u.exit.code : x->u.exit.code;
	return true;
}

/*
 * The output is itself a recording: the header first and the End line last
 * when the input has them, so it can be rendered again. Under --pid (of a
 * process other than the recorded command) they are about the subtree's
 * root, whose parent is then outside the recording: the header names it and
 * its command as the views name it (its first argv; none if it never
 * exec'd), and End has its exit status, or none if that is unknown.
 */
int render_multiplexed(FILE *out, const struct trace *t, const struct render_opts *o)
{
	const struct recording *rec = t->rec;
	const struct proc *root = t->root && !t->root_is_recorded ? t->root : NULL;
	struct sbuf b = { 0 };
	int err = 0;

	(void)o;
	if (rec->has_header) {
		struct rec_header h = rec->hdr;

		if (root) {
			const struct event *ex = root->nexec ? root->execs[0].exec : NULL;

			h.root_pid = root->pid;
			h.command = NULL;
			h.command_len = 0;
			if (ex && (ex->flags & EVF_CMDLINE)) {
				h.command = ex->u.exec.argv;
				h.command_len = ex->u.exec.argc;
			}
		}
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
		struct rec_end e = rec->end;

		if (root)
			e.has_exit_code = exit_status(root, &e.exit_code);
		err = jsonl_write_end(&b, &e);
		if (err)
			goto cleanup;
	}
	err = sbuf_flush(out, &b);
cleanup:
	sbuf_free(&b);
	return err;
}
