/* render/concurrency.c: the most processes alive at once, as every view that shows it counts. */
#include <errno.h>
#include <stdlib.h>

#include "formats/qsort.h"
#include "render/trace.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t start_of(const struct trace *t, size_t k)
{
	return (uint32_t)trace_creation_event(t, &t->procs[k]);
}

/*
 * The most processes alive at once. Starts and ends are placed on the
 * event order (key 2i+1 for event i), so a process that exits just before
 * another is forked is not counted with it even at the same timestamp. A
 * process ended because its pid was reused (its Exit lost) ends just
 * before the first event at that time (key 2i); one that ran to the end of
 * the recording never ends.
 *
 * diff calls this with a whole recording in memory, so the keys are not
 * stored as such: a start is its event s, and an end the smallest s it
 * comes before, i + 1 for Exit i (2i + 1 < 2s + 1 when s >= i + 1) and i
 * for key 2i (2i < 2s + 1 when s >= i), 32 bits each (trace_build() takes
 * fewer than 2^32 events). trace_build() creates the processes in the
 * order of their creation events, so the starts are read from them in
 * place, and only copied and sorted if they are not in order.
 */
int trace_peak_concurrency(const struct trace *t, uint64_t *peak)
{
	const struct recording *rec = t->rec;
	uint32_t *starts = NULL, *ends;
	uint64_t live = 0;
	size_t nends = 0;

	*peak = 0;
	ends = malloc((t->nprocs + 1) * sizeof(*ends));
	if (!ends)
		return -ENOMEM;
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];

		if (k && !starts && start_of(t, k) < start_of(t, k - 1)) {
			starts = malloc(t->nprocs * sizeof(*starts));
			if (!starts) {
				free(ends);
				return -ENOMEM;
			}
		}
		if (p->exit) {
			ends[nends++] = (uint32_t)(p->exit - rec->ev) + 1;
		} else if (p->end < t->end) {
			size_t lo = 0, hi = rec->n;

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (rec->ev[mid].ts < p->end)
					lo = mid + 1;
				else
					hi = mid;
			}
			ends[nends++] = (uint32_t)lo;
		}
	}
	if (starts) {
		for (size_t k = 0; k < t->nprocs; k++)
			starts[k] = start_of(t, k);
		qsort_n(starts, t->nprocs, sizeof(*starts), cmp_u32);
	}
	qsort_n(ends, nends, sizeof(*ends), cmp_u32);
	for (size_t i = 0, j = 0; i < t->nprocs; i++) {
		uint32_t s = starts ? starts[i] : start_of(t, i);

		while (j < nends && ends[j] <= s) {
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
