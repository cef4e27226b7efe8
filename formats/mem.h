/* formats/mem.h: a hint that a big array be backed by huge pages. */
#ifndef PROCTRACE_MEM_H
#define PROCTRACE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

/*
 * Ask that the n bytes at p (from malloc, calloc or realloc) be backed by
 * transparent huge pages when the system gives them on request (the
 * "madvise" setting, Debian's default): a view of a big recording touches
 * hundreds of megabytes once, and with 4 KiB pages a fifth of its time
 * went to page faults and TLB misses. Only for blocks of 4 MiB and more,
 * which glibc maps each on its own (proctrace sets its mmap threshold
 * lower): the hint covers the whole mapping, pages rounded out, so that
 * it stays one mapping that realloc() can still grow in place (mremap
 * refuses a range split in two by a hint on part of it). A failure only
 * means small pages. Call it again after each growth.
 */
static inline void mem_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t page = 4096;
	uintptr_t a = (uintptr_t)p & ~(page - 1), e = ((uintptr_t)p + n + page - 1) & ~(page - 1);

	if (p && n >= (4u << 20))
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

#endif
