/* formats/qsort.h: qsort_n, a qsort that accepts an empty array whose pointer may be NULL.
 * qsort's pointer must be valid even for 0 elements (C11 7.22.5); an empty
 * table here is often a NULL pointer. */
#ifndef PROCTRACE_QSORT_H
#define PROCTRACE_QSORT_H

#include <stdlib.h>

static inline void qsort_n(void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

#endif
