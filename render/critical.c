/* render/critical.c: the critical path, what the end of the run waited for, inferred from forks and exits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/qsort.h"
#include "render/trace.h"

/*
 * Nothing in a recording says that a process waited for another: the path
 * is inferred from when processes were forked and when they ended (README:
 * "The critical path"). The stretch of the root on the path is its whole
 * life. Within the stretch [s, e] of a link p, walking back from e: the
 * child of p that ended last at or before e (before p went on) is the next
 * link, over its whole life [c.start, c.end]; then, from c.start back, the
 * child that ended last before c started, and so on. So children run one
 * after the other are all on the path, and of children run side by side
 * only the one that ended last, as bazel's critical path and
 * systemd-analyze's critical chain pick them. Each link is then walked the
 * same way. A child that ends after its parent (an orphan, or one whose
 * Exit was not seen and that lasts to the end of the recording) is never a
 * link: the parent did not wait for it. A process whose Exit is missing
 * ends where the model ends it (its pid taken again, or the recording's
 * end). Of equal ends, the longest child is taken.
 */

static int cmp_end(const void *a, const void *b)
{
	const struct proc *x = *(const struct proc *const *)a, *y = *(const struct proc *const *)b;

	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int trace_critical_path(struct trace *t)
{
	struct crit_link *out = NULL, *stack = NULL;
	const struct proc **kids = NULL;
	size_t nout = 0, nstack = 0, nkids_cap = 0;
	int err = -ENOMEM;

	t->crit = NULL;
	t->ncrit = 0;
	if (!t->root)
		return 0;
	/* every process is a link at most once, and on the stack at most once */
	out = malloc(t->nprocs * sizeof(*out));
	stack = malloc(t->nprocs * sizeof(*stack));
	if (!out || !stack)
		goto cleanup;
	stack[nstack++] = (struct crit_link){ t->root, t->root->start, t->root->end, 0 };
	while (nstack) {
		struct crit_link l = stack[--nstack];
		size_t nk = 0;
		uint64_t until = l.end;

		for (const struct proc *c = l.p->first_child; c; c = c->next_sibling) {
			if (c->end > l.end)
				continue;
			if (nk == nkids_cap) {
				size_t cap = nkids_cap ? nkids_cap * 2 : 64;
				const struct proc **k = realloc(kids, cap * sizeof(*k));

				if (!k)
					goto cleanup;
				kids = k;
				nkids_cap = cap;
			}
			kids[nk++] = c;
		}
		if (nk > 1)
			qsort_n(kids, nk, sizeof(*kids), cmp_end);
		/* latest first: pushed so, the earliest is popped first, right after l */
		for (size_t i = 0; i < nk; i++) {
			const struct proc *c = kids[i];

			uint64_t cs = c->start < l.start ? l.start : c->start;

			if (c->end > until || c->end < l.start)
				continue;
			/* a child already running when its parent was first seen: from the parent's start */
			stack[nstack++] = (struct crit_link){ c, cs, c->end, 0 };
			l.wait += c->end - cs;
			until = cs;
		}
		((struct proc *)l.p)->on_crit = true;
		out[nout++] = l;
	}
	t->crit = out;
	t->ncrit = nout;
	out = NULL;
	err = 0;
cleanup:
	if (err)
		fprintf(stderr, "proctrace: error: the critical path: %s\n", strerror(-err));
	free(out);
	free(stack);
	free(kids);
	return err;
}
