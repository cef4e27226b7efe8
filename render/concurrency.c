/* render/concurrency.c: the most processes alive at once, as every view that shows it counts. */
#include <errno.h>
#include <stdlib.h>

#include "formats/qsort.h"
#include "render/trace.h"

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The most processes alive at once. Starts and ends are placed on the
 * event order (key 2i+1 for event i), so a process that exits just before
 * another is forked is not counted with it even at the same timestamp. A
 * process ended because its pid was reused (its Exit lost) ends just
 * before the first event at that time (key 2i); one that ran to the end of
 * the recording never ends.
 */
int trace_peak_concurrency(const struct trace *t, uint64_t *peak)
{
	const struct recording *rec = t->rec;
	uint64_t *starts, *ends, live = 0;
	size_t nends = 0;

	*peak = 0;
	starts = malloc((t->nprocs + 1) * sizeof(*starts));
	ends = malloc((t->nprocs + 1) * sizeof(*ends));
	if (!starts || !ends) {
		free(starts);
		free(ends);
		return -ENOMEM;
	}
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];

		starts[k] = 2 * (uint64_t)trace_creation_event(t, p) + 1;
		if (p->exit) {
			ends[nends++] = 2 * (uint64_t)(p->exit - rec->ev) + 1;
		} else if (p->end < t->end) {
			size_t lo = 0, hi = rec->n;

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (rec->ev[mid].ts < p->end)
					lo = mid + 1;
				else
					hi = mid;
			}
			ends[nends++] = 2 * (uint64_t)lo;
		}
	}
	qsort_n(starts, t->nprocs, sizeof(*starts), cmp_key);
	qsort_n(ends, nends, sizeof(*ends), cmp_key);
	for (size_t i = 0, j = 0; i < t->nprocs; i++) {
		while (j < nends && ends[j] < starts[i]) {
			j++;
			live--;
		}
		live++;
		if (live > *peak)
			*peak = live;
	}
	free(starts);
	free(ends);
	return 0;
}
