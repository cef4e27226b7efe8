/* record/syscalls.c: record --syscalls in user space: syscall names, PT_SYSCALLS records, the counts left at the end. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "record/syscalls.h"
#include "record/syscall_names.h" /* generated: sc_names_native, sc_names_ia32 */

const char *syscalls_name(unsigned slot)
{
	static char unknown[PT_SC_ENTRIES][sizeof("syscall_512")];
	const char *name = NULL;

	if (slot >= PT_SC_ENTRIES)
		return "syscall_?";
	if (slot < PT_SC_IA32)
		name = slot < sizeof(sc_names_native) / sizeof(*sc_names_native) ? sc_names_native[slot] : NULL;
	else if (slot - PT_SC_IA32 < sizeof(sc_names_ia32) / sizeof(*sc_names_ia32))
		name = sc_names_ia32[slot - PT_SC_IA32];
	if (name)
		return name;
	if (!unknown[slot][0])
		snprintf(unknown[slot], sizeof(unknown[slot]), "syscall_%u", slot % PT_SC_SLOTS);
	return unknown[slot];
}

void sc_decoder_free(struct sc_decoder *d)
{
	free(d->counts);
	d->counts = NULL;
	d->cap = 0;
}

int sc_decode_entries(struct sc_decoder *d, const uint64_t *e, uint32_t n, struct event *ev)
{
	uint32_t native = 0;

	if (n > d->cap) {
		struct sc_count *c = realloc(d->counts, n * sizeof(*c));

		if (!c)
			return -ENOMEM;
		d->counts = c;
		d->cap = n;
	}
	for (uint32_t i = 0; i < n; i++) {
		unsigned slot = e[i] & 0xffff;

		/* native slots come first: an ia32 one before a native one is a broken record */
		if (slot >= PT_SC_ENTRIES || (slot < PT_SC_IA32 && native < i))
			return -EINVAL;
		if (slot < PT_SC_IA32)
			native++;
		d->counts[i].name = syscalls_name(slot);
		d->counts[i].count = e[i] >> 16;
	}
	ev->type = EV_SYSCALLS;
	ev->u.syscalls.counts = d->counts;
	ev->u.syscalls.n = native;
	ev->u.syscalls.n_ia32 = n - native;
	return 0;
}

/* The traced set's bit for pid (record/proctrace.bpf.c: bit pid % 64 of word pid / 64). */
static int is_traced(int traced_fd, int pid)
{
	uint32_t key = (uint32_t)pid / 64;
	uint64_t word;

	if (bpf_map_lookup_elem(traced_fd, &key, &word))
		return 0;
	return (word >> (pid % 64)) & 1;
}

/* Entries of pid's tables, read through a pidfd (task storage is keyed by one). */
static int read_tables(int pid, int native_fd, int ia32_fd, uint64_t *e, uint32_t *n)
{
	static struct pt_sc_proc p;
	static struct pt_sc_table q;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	*n = 0;
	if (fd < 0)
		return 0;
	if (!bpf_map_lookup_elem(native_fd, &fd, &p))
		for (unsigned i = 0; i < PT_SC_SLOTS; i++)
			if (p.n[i])
				e[(*n)++] = (p.n[i] > PT_SC_COUNT_MAX ? PT_SC_COUNT_MAX : p.n[i]) << 16 | i;
	if (ia32_fd >= 0 && !bpf_map_lookup_elem(ia32_fd, &fd, &q))
		for (unsigned i = 0; i < PT_SC_SLOTS; i++)
			if (q.n[i])
				e[(*n)++] = (q.n[i] > PT_SC_COUNT_MAX ? PT_SC_COUNT_MAX : q.n[i]) << 16 |
					    (PT_SC_IA32 + i);
	close(fd);
	return 0;
}

int sc_send_alive(int traced_fd, int native_fd, int ia32_fd, struct sc_decoder *d,
		  sc_alive_fn fn, void *ctx)
{
	static uint64_t e[PT_SC_ENTRIES];
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!dir)
		return 0;
	while (!err && (de = readdir(dir))) {
		struct event ev = { 0 };
		uint32_t n;
		int pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid <= 0 || !is_traced(traced_fd, pid))
			continue;
		read_tables(pid, native_fd, ia32_fd, e, &n);
		if (!n)
			continue;
		ev.pid = pid;
		err = sc_decode_entries(d, e, n, &ev);
		if (!err)
			err = fn(ctx, &ev);
	}
	closedir(dir);
	return err;
}
