// SPDX-License-Identifier: GPL-2.0
/* record/proctrace.bpf.c: the kernel side: trace a process tree's lifecycle events. */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");
