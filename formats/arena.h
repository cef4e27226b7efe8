/* formats/arena.h: a bump allocator with string interning, owning a recording's strings. */
#ifndef PROCTRACE_ARENA_H
#define PROCTRACE_ARENA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Memory comes in large chunks and is only given back all at once by
 * arena_free(): a recording's strings and argv arrays live exactly as long
 * as the recording, so per-string malloc/free would only cost time and
 * headers. Interned strings are stored once however often they occur
 * (a build execs the same compiler path thousands of times).
 */
struct arena_chunk;

struct arena {
	struct arena_chunk *chunks; /* newest first */
	char *cur;                  /* free space in the newest chunk */
	size_t left;
	size_t chunk;               /* size of the next chunk; 0: the first size */
	/* intern set: open addressing, power-of-two size */
	struct intern_slot *slots;
	size_t nslots, nused;
};

/* n bytes aligned to align (a power of two, at most 16); NULL on ENOMEM. */
void *arena_alloc(struct arena *a, size_t n, size_t align);
/* A NUL-terminated copy of s[0..len); NULL on ENOMEM. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* The one stored copy of s[0..len) (NUL-terminated); NULL on ENOMEM. */
const char *arena_intern(struct arena *a, const char *s, size_t len);
/* Bytes obtained from malloc, for measurements. */
size_t arena_footprint(const struct arena *a);
/* Frees everything; a is zeroed and may be reused. */
void arena_free(struct arena *a);

#endif
