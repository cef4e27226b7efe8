/* record/syscalls.h: record --syscalls in user space: syscall names, PT_SYSCALLS records, the counts left at the end. */
#ifndef PROCTRACE_RECORD_SYSCALLS_H
#define PROCTRACE_RECORD_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

#include "formats/event.h"
#include "formats/jsonl.h"

/*
 * The name of syscall slot (formats/event.h: PT_SC_IA32 + N for ia32
 * syscall N): the kernel's, as strace names it, from the kernel headers the
 * build saw; "syscall_N" for a number they do not name. Valid for the
 * program's life.
 */
const char *syscalls_name(unsigned slot);

/* Scratch for decoding: the counts an event points to. */
struct sc_decoder {
	struct sc_count *counts;
	size_t cap;
};

void sc_decoder_free(struct sc_decoder *d);

/*
 * Fill ev (a Syscalls event: pid, counts; ts and seq as the caller sets
 * them) from n entries of a PT_SYSCALLS record (count << 16 | slot, native
 * slots before ia32 ones). ev points into d until the next call. Returns 0,
 * -EINVAL for a bad slot, or -ENOMEM.
 */
int sc_decode_entries(struct sc_decoder *d, const uint64_t *e, uint32_t n, struct event *ev);

/*
 * The counts of the traced processes still alive (the recorder stops
 * before they end), read from the kernel's tables: for each one in /proc
 * whose bit is set in the traced set (traced_fd), call fn with its Syscalls
 * event (pid and counts; ts and seq are the caller's). Returns 0 or the
 * first error fn returned.
 */
typedef int (*sc_alive_fn)(void *ctx, struct event *ev);
int sc_send_alive(int traced_fd, int native_fd, int ia32_fd, struct sc_decoder *d,
		  sc_alive_fn fn, void *ctx);

#endif
