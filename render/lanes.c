/* render/lanes.c: pack processes into lanes by time, for the timeline views. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats/qsort.h"
#include "render/trace.h"

/* A binary min-heap of (key, lane), ordered by key then lane. */
struct heap {
	uint64_t *key;
	uint32_t *lane;
	size_t n;
};

static bool less(const struct heap *h, size_t a, size_t b)
{
	return h->key[a] < h->key[b] || (h->key[a] == h->key[b] && h->lane[a] < h->lane[b]);
}

static void swap(struct heap *h, size_t a, size_t b)
{
	uint64_t k = h->key[a];
	uint32_t l = h->lane[a];

	h->key[a] = h->key[b];
	h->lane[a] = h->lane[b];
	h->key[b] = k;
	h->lane[b] = l;
}

static void push(struct heap *h, uint64_t key, uint32_t lane)
{
	size_t i = h->n++;

	h->key[i] = key;
	h->lane[i] = lane;
	while (i && less(h, i, (i - 1) / 2)) {
		swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void pop(struct heap *h)
{
	size_t i = 0;

	h->n--;
	h->key[0] = h->key[h->n];
	h->lane[0] = h->lane[h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->n && less(h, l, m))
			m = l;
		if (r < h->n && less(h, r, m))
			m = r;
		if (m == i)
			break;
		swap(h, i, m);
		i = m;
	}
}

static int heap_init(struct heap *h, size_t cap)
{
	h->n = 0;
	h->key = malloc((cap ? cap : 1) * sizeof(*h->key));
	h->lane = malloc((cap ? cap : 1) * sizeof(*h->lane));
	return h->key && h->lane ? 0 : -ENOMEM;
}

static void heap_free(struct heap *h)
{
	free(h->key);
	free(h->lane);
}

static int cmp_start(const void *a, const void *b)
{
	const struct proc *p = *(const struct proc *const *)a, *q = *(const struct proc *const *)b;

	if (p->start != q->start)
		return p->start < q->start ? -1 : 1;
	return p->index < q->index ? -1 : p->index > q->index;
}

int trace_lanes(const struct trace *t, uint32_t *lane_of, uint32_t *nlanes)
{
	const struct proc **order = malloc((t->nprocs ? t->nprocs : 1) * sizeof(*order));
	struct heap busy = { 0 }, idle = { 0 };  /* busy: (end, lane); idle: (lane, lane) */
	int err = -ENOMEM;

	*nlanes = 0;
	if (!order || heap_init(&busy, t->nprocs) || heap_init(&idle, t->nprocs))
		goto cleanup;
	for (size_t k = 0; k < t->nprocs; k++)
		order[k] = &t->procs[k];
	/* Processes appear in order of creation: this is nearly sorted already. */
	qsort_n(order, t->nprocs, sizeof(*order), cmp_start);
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = order[k];
		uint32_t lane;

		while (busy.n && busy.key[0] <= p->start) {
			push(&idle, busy.lane[0], busy.lane[0]);
			pop(&busy);
		}
		if (idle.n) {
			lane = idle.lane[0];
			pop(&idle);
		} else {
			lane = (*nlanes)++;
		}
		lane_of[p->index] = lane;
		push(&busy, p->end, lane);
	}
	err = 0;
cleanup:
	heap_free(&busy);
	heap_free(&idle);
	free(order);
	return err;
}
