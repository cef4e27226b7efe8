/* formats/event.h: the binary records the BPF program sends to the recorder (the kernel/user ABI). */
#ifndef PROCTRACE_EVENT_H
#define PROCTRACE_EVENT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* The type tag comes first in every record. */
enum pt_kind {
	PT_FORK = 1,
	PT_EXEC,
	PT_BADEXEC,
	PT_EXIT,
	PT_SETSID,
	PT_SETPGID,
};

struct pt_hdr {
	__u32 kind;
	__u32 size;
	__u64 seq;
	__u64 ts;
	__u32 pid;
	__u32 ppid;
	__u32 pgid;
	__u32 pad;
};

#endif
