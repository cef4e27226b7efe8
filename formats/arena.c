/* formats/arena.c: chunked bump allocation and a string intern set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/arena.h"
#include "formats/mem.h"

/* Chunks double from the first size to the largest: a big recording's come with huge pages. */
#define CHUNK_SIZE (1u << 20)
#define CHUNK_MAX (16u << 20)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	/* data follows, 16-byte aligned */
	_Alignas(16) char data[];
};

/* 16 bytes: four to a cache line, a third less memory than a 64-bit hash and length would take. */
struct intern_slot {
	const char *s; /* NULL: empty slot */
	uint32_t hash; /* the low half of the string's hash */
	uint32_t len;
};

void *arena_alloc(struct arena *a, size_t n, size_t align)
{
	size_t pad = (size_t)(-(uintptr_t)a->cur) & (align - 1);
	size_t base = a->chunk ? a->chunk : CHUNK_SIZE;
	struct arena_chunk *c;
	size_t size;
	void *p;

	if (a->cur && pad + n <= a->left) {
		p = a->cur + pad;
		a->cur += pad + n;
		a->left -= pad + n;
		return p;
	}
	/* An oversized request gets a chunk of its own; the current chunk keeps its free space. */
	size = n > base / 4 ? n : base;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->size = size;
	mem_huge(c, sizeof(*c) + size);
	if (size == base)
		a->chunk = base < CHUNK_MAX ? 2 * base : base;
	if (size != base && a->chunks) {
		c->next = a->chunks->next;
		a->chunks->next = c;
		return c->data;
	}
	c->next = a->chunks;
	a->chunks = c;
	a->cur = c->data + n;
	a->left = size - n;
	return c->data;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1, 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A fast 64-bit hash, 8 bytes at a time. */
static uint64_t hash_bytes(const char *s, size_t len)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	uint64_t h = len * m, w;

	while (len >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * m;
		h ^= h >> 29;
		s += 8;
		len -= 8;
	}
	if (len) {
		w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	h *= m;
	h ^= h >> 31;
	return h;
}

static int intern_grow(struct arena *a)
{
	size_t n = a->nslots ? a->nslots * 2 : 1024, i, j;
	struct intern_slot *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < a->nslots; i++) {
		if (!a->slots[i].s)
			continue;
		for (j = a->slots[i].hash & (n - 1); slots[j].s; j = (j + 1) & (n - 1))
			;
		slots[j] = a->slots[i];
	}
	free(a->slots);
	a->slots = slots;
	a->nslots = n;
	return 0;
}

const char *arena_intern(struct arena *a, const char *s, size_t len)
{
	uint32_t h = (uint32_t)hash_bytes(s, len);
	struct intern_slot *slot;
	size_t i;
	char *p;

	if (len > UINT32_MAX) /* longer than any line: a copy of its own */
		return arena_strndup(a, s, len);
	/* keep the load factor under 1/2 so probes stay short */
	if ((a->nused + 1) * 2 > a->nslots && intern_grow(a))
		return NULL;
	for (i = h & (a->nslots - 1);; i = (i + 1) & (a->nslots - 1)) {
		slot = &a->slots[i];
		if (!slot->s)
			break;
		if (slot->hash == h && slot->len == len && !memcmp(slot->s, s, len))
			return slot->s;
	}
	p = arena_strndup(a, s, len);
	if (!p)
		return NULL;
	slot->hash = h;
	slot->s = p;
	slot->len = (uint32_t)len;
	a->nused++;
	return p;
}

size_t arena_footprint(const struct arena *a)
{
	size_t n = a->nslots * sizeof(struct intern_slot);

	for (const struct arena_chunk *c = a->chunks; c; c = c->next)
		n += sizeof(*c) + c->size;
	return n;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a->slots);
	memset(a, 0, sizeof(*a));
}
