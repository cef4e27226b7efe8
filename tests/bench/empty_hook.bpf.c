// SPDX-License-Identifier: GPL-2.0
/* tests/bench/empty_hook.bpf.c: a sys_enter program that does nothing: the floor of any syscall entry hook. */
#include "record/core.h" /* the __u types bpf_helpers.h needs */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int empty(__u64 *ctx)
{
	return 0;
}
