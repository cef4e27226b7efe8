/* record/core.h: the few kernel types the BPF program reads, as CO-RE relocatable declarations. */
#ifndef PROCTRACE_CORE_H
#define PROCTRACE_CORE_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed int __s32;
typedef signed long long __s64;
typedef __u32 __wsum;
typedef __u16 __be16;
typedef __u32 __be32;
typedef _Bool bool;
enum { false = 0, true = 1 };

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_RINGBUF = 27,
};

#endif
