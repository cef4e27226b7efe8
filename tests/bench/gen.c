/* tests/bench/gen.c: write a big, deterministic, realistic format-1 recording (a parallel C build) for the throughput benchmark. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The build: `make -j2` (the root) runs one compile job per source file;
 * each job is sh -c "gcc ..." -> gcc -> cc1, then gcc -> as. Four
 * processes per job, each with Fork + Exec + Exit. Jobs run on two "CPUs"
 * (lanes) whose events are merged by time; the emitted timestamps then get
 * a few microseconds of jitter, so that the file is slightly out of order,
 * as when events come from several CPUs, while seq only grows.
 */

#define LANES 2
#define MAX_PENDING 16

enum kind { K_FORK, K_EXEC, K_EXIT };

struct gev {
	uint64_t ts;
	int kind;
	int32_t pid, ppid, child; /* Fork: pid is the parent */
	int role;                 /* which process of the job: 0 sh, 1 gcc, 2 cc1, 3 as */
	uint64_t job;
	uint64_t user_ns, system_ns, rss_kb;
	int code;
};

struct lane {
	uint64_t clock;
	struct gev ev[MAX_PENDING];
	int n, next;
};

static uint64_t rng_state;
static int32_t root_pid = 4000, next_pid = 4000, pid_max = 4194304;
static uint64_t want, seq, procs = 1;
static uint64_t sample_every; /* -S: ns between two rounds of Samples; 0: none */
static char *obuf;
static size_t olen, ocap = 1 << 22;
static FILE *out;

static uint64_t rnd(void)
{
	/* xorshift64*: fast, and the same sequence everywhere for a seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t rnd_range(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static void flush_out(void)
{
	if (olen && fwrite(obuf, 1, olen, out) != olen) {
		fprintf(stderr, "gen: error: write: %s\n", strerror(errno));
		exit(1);
	}
	olen = 0;
}

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ocap - olen < 4096)
		flush_out();
	va_start(ap, fmt);
	n = vsnprintf(obuf + olen, ocap - olen, fmt, ap);
	va_end(ap);
	olen += (size_t)n;
}

static int32_t new_pid(void)
{
	int32_t p = ++next_pid;

	if (next_pid >= pid_max)
		next_pid = 300; /* like the kernel, wrap past the low pids */
	return p;
}

/* Names derived from the job number: the same job always gets the same files. */
static void job_names(uint64_t job, char *src, size_t srclen, char *obj, size_t objlen,
		      char *tmp, size_t tmplen)
{
	static const char *const dirs[] = { "src/core", "src/net/ipv4", "lib/util",
					    "drivers/gpu/drm/amd/display", "tools/perf/util",
					    "fs/ext4" };
	static const char *const stems[] = { "alloc", "buffer_head", "inode", "sched_fair",
					     "tcp_output", "string_helpers", "dc_link_dp",
					     "extents", "hashtable", "parse_events" };
	const char *d = dirs[job % 6], *s = stems[(job / 6) % 10];
	static const char az[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t h = job * 0x9E3779B97F4A7C15ULL;
	int i;

	snprintf(src, srclen, "%s/%s_%" PRIu64 ".c", d, s, job);
	snprintf(obj, objlen, "%s/%s_%" PRIu64 ".o", d, s, job);
	strcpy(tmp, "/tmp/cc");
	for (i = 0; i < 6; i++, h >>= 6)
		tmp[7 + i] = az[h % 62];
	strcpy(tmp + 13, ".s");
	(void)tmplen;
}

static void write_exec(const struct gev *e)
{
	char src[128], obj[128], tmp[16];

	job_names(e->job, src, sizeof(src), obj, sizeof(obj), tmp, sizeof(tmp));
	emit("{\"Exec\":{\"seq\":%" PRIu64 ",\"timestamp\":%" PRIu64
	     ",\"pid\":%d,\"ppid\":%d,\"pgid\":%d,",
	     seq, e->ts, e->pid, e->ppid, root_pid);
	switch (e->role) {
	case 0:
		emit("\"filename\":\"/bin/sh\",\"cmdline\":[\"/bin/sh\",\"-c\",\"gcc -O2 -g -Wall "
		     "-DVERSION=\\\"1.2\\\" -Iinclude -c -o %s %s\"]}}\n", obj, src);
		break;
	case 1:
		emit("\"filename\":\"/usr/bin/gcc\",\"cmdline\":[\"gcc\",\"-O2\",\"-g\",\"-Wall\","
		     "\"-DVERSION=\\\"1.2\\\"\",\"-Iinclude\",\"-c\",\"-o\",\"%s\",\"%s\"]}}\n",
		     obj, src);
		break;
	case 2:
		emit("\"filename\":\"/usr/lib/gcc/x86_64-linux-gnu/12/cc1\",\"cmdline\":["
		     "\"/usr/lib/gcc/x86_64-linux-gnu/12/cc1\",\"-quiet\",\"-Iinclude\","
		     "\"-D\",\"VERSION=\\\"1.2\\\"\",\"%s\",\"-quiet\",\"-O2\",\"-Wall\","
		     "\"-o\",\"%s\"]}}\n", src, tmp);
		break;
	default:
		emit("\"filename\":\"/usr/bin/as\",\"cmdline\":[\"as\",\"--64\",\"-o\",\"%s\","
		     "\"%s\"]}}\n", obj, tmp);
		break;
	}
}

static void write_event(const struct gev *e, uint64_t ts)
{
	struct gev j = *e;

	seq++;
	j.ts = ts;
	switch (e->kind) {
	case K_FORK:
		emit("{\"Fork\":{\"seq\":%" PRIu64 ",\"timestamp\":%" PRIu64
		     ",\"parent_pid\":%d,\"child_pid\":%d,\"parent_pgid\":%d}}\n",
		     seq, ts, e->pid, e->child, root_pid);
		break;
	case K_EXEC:
		write_exec(&j);
		break;
	default:
		emit("{\"Exit\":{\"seq\":%" PRIu64 ",\"timestamp\":%" PRIu64
		     ",\"pid\":%d,\"ppid\":%d,\"pgid\":%d,\"exit_code\":%d,\"user_ns\":%" PRIu64
		     ",\"system_ns\":%" PRIu64 ",\"max_rss_kb\":%" PRIu64 "}}\n",
		     seq, ts, e->pid, e->ppid, root_pid, e->code, e->user_ns, e->system_ns,
		     e->rss_kb);
		break;
	}
}

static void write_sample(uint64_t ts, int32_t pid, uint64_t cpu, uint64_t rss, unsigned threads)
{
	seq++;
	emit("{\"Sample\":{\"seq\":%" PRIu64 ",\"timestamp\":%" PRIu64 ",\"pid\":%d,\"user_ns\":%" PRIu64
	     ",\"system_ns\":%" PRIu64 ",\"rss_kb\":%" PRIu64 ",\"swap_kb\":0,\"threads\":%u}}\n",
	     seq, ts, pid, cpu * 9 / 10, cpu - cpu * 9 / 10, rss, threads);
}

/*
 * A round of Samples at t: the root, and every process of the lanes' jobs
 * alive then, with the CPU and memory of its Exit in proportion to its
 * time so far. A process within 8 us of its Exit is left out: the Exit's
 * timestamp may be written up to that much early.
 */
static void sample_round(const struct lane *lanes, uint64_t t)
{
	write_sample(t, root_pid, procs * 20000, 12000, 3);
	for (int i = 0; i < LANES; i++) {
		const struct lane *l = &lanes[i];

		for (int f = 0; f < l->n; f++) {
			const struct gev *fk = &l->ev[f];

			if (fk->kind != K_FORK || fk->ts > t)
				continue;
			for (int x = f + 1; x < l->n; x++) {
				const struct gev *ex = &l->ev[x];
				uint64_t life = ex->ts - fk->ts, so_far = t - fk->ts;

				if (ex->kind != K_EXIT || ex->pid != fk->child)
					continue;
				if (t + 8000 < ex->ts)
					write_sample(t, ex->pid, (ex->user_ns + ex->system_ns) * so_far / life,
						     1000 + ex->rss_kb * so_far / life, 1);
				break;
			}
		}
	}
}

static struct gev *push(struct lane *l, int kind, uint64_t ts, int32_t pid, int32_t ppid, int role,
			uint64_t job)
{
	struct gev *e = &l->ev[l->n++];

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->ts = ts;
	e->pid = pid;
	e->ppid = ppid;
	e->role = role;
	e->job = job;
	return e;
}

static void push_exit(struct lane *l, uint64_t ts, int32_t pid, int32_t ppid, uint64_t cpu,
		      uint64_t rss, int code)
{
	struct gev *e = push(l, K_EXIT, ts, pid, ppid, 0, 0);

	e->user_ns = cpu * 9 / 10;
	e->system_ns = cpu - e->user_ns;
	e->rss_kb = rss;
	e->code = code;
}

/* Lay out the next compile job on lane l, starting at its clock. */
static void new_job(struct lane *l, uint64_t job)
{
	uint64_t t = l->clock, cc1_run, as_run;
	int32_t sh = new_pid(), gcc = new_pid(), cc1 = new_pid(), as = new_pid();
	int code = rnd() % 1000 == 0; /* a rare failed compile */

	l->n = l->next = 0;
	push(l, K_FORK, t, root_pid, 0, 0, job)->child = sh;
	push(l, K_EXEC, t += rnd_range(20000, 60000), sh, root_pid, 0, job);
	push(l, K_FORK, t += rnd_range(100000, 300000), sh, 0, 0, job)->child = gcc;
	push(l, K_EXEC, t += rnd_range(20000, 60000), gcc, sh, 1, job);
	push(l, K_FORK, t += rnd_range(200000, 500000), gcc, 0, 0, job)->child = cc1;
	push(l, K_EXEC, t += rnd_range(20000, 60000), cc1, gcc, 2, job);
	procs += code ? 3 : 4;
	cc1_run = rnd_range(3000000, 60000000);
	push_exit(l, t += cc1_run, cc1, gcc, cc1_run * 95 / 100, rnd_range(20000, 250000), code);
	if (!code) {
		push(l, K_FORK, t += rnd_range(50000, 150000), gcc, 0, 0, job)->child = as;
		push(l, K_EXEC, t += rnd_range(20000, 60000), as, gcc, 3, job);
		as_run = rnd_range(800000, 4000000);
		push_exit(l, t += as_run, as, gcc, as_run * 9 / 10, rnd_range(9000, 30000), 0);
	}
	push_exit(l, t += rnd_range(50000, 150000), gcc, sh, rnd_range(1000000, 3000000),
		  rnd_range(4000, 9000), code);
	push_exit(l, t += rnd_range(30000, 90000), sh, root_pid, rnd_range(300000, 900000),
		  rnd_range(1500, 2500), code);
	l->clock = t + rnd_range(50000, 200000);
}

int main(int argc, char **argv)
{
	const char *path = "-";
	unsigned long long nproc = 1000000, seed = 1;
	struct lane lanes[LANES];
	uint64_t job = 0, last_ts = 0, next_round;
	int opt, i, best;

	while ((opt = getopt(argc, argv, "n:s:o:p:S:h")) != -1) {
		switch (opt) {
		case 'n':
			nproc = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			pid_max = (int32_t)strtol(optarg, NULL, 10);
			break;
		case 'o':
			path = optarg;
			break;
		case 'S':
			sample_every = strtoull(optarg, NULL, 10);
			break;
		default:
			fputs("usage: gen [-n PROCESSES] [-s SEED] [-p PID_MAX] [-S NS] [-o FILE]\n"
			      "Writes a format-1 recording of a parallel C build with about\n"
			      "PROCESSES processes (default 1000000): 3 events each; with -S,\n"
			      "a round of Samples of the live processes every NS ns too.\n"
			      "EXAMPLES\n  gen -n 1000000 -s 1 -o big.jsonl\n"
			      "  gen -n 1000000 -s 1 -S 100000000 -o sampled.jsonl\n",
			      opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (nproc < 5 || pid_max < 1000) {
		fputs("gen: error: need -n >= 5 and -p >= 1000\n", stderr);
		return 2;
	}
	out = strcmp(path, "-") ? fopen(path, "w") : stdout;
	obuf = malloc(ocap);
	if (!out || !obuf) {
		fprintf(stderr, "gen: error: %s: %s\n", path, strerror(errno));
		return 1;
	}
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	want = nproc;

	emit("{\"Recording\":{\"format\":1,\"tool\":\"proctrace 0.1.0\",\"root_pid\":%d,"
	     "\"command\":[\"make\",\"-j2\"],\"start_time\":\"2024-01-01T00:00:00.000000000Z\","
	     "\"host\":\"bench\",\"kernel\":\"6.18.0\"", root_pid);
	if (sample_every)
		emit(",\"sample_interval_ns\":%" PRIu64, sample_every);
	emit("}}\n");
	next_round = sample_every;
	emit("{\"Exec\":{\"seq\":%" PRIu64 ",\"timestamp\":1000,\"pid\":%d,\"ppid\":%d,\"pgid\":%d,"
	     "\"filename\":\"/usr/bin/make\",\"cmdline\":[\"make\",\"-j2\"]}}\n",
	     ++seq, root_pid, root_pid - 1, root_pid);
	for (i = 0; i < LANES; i++) {
		lanes[i].clock = 100000 + (uint64_t)i * 70000;
		lanes[i].n = lanes[i].next = 0;
		if (procs < want)
			new_job(&lanes[i], job++);
	}
	for (;;) {
		/* Merge the lanes by time: emit the earliest pending event. */
		best = -1;
		for (i = 0; i < LANES; i++) {
			if (lanes[i].next < lanes[i].n &&
			    (best < 0 || lanes[i].ev[lanes[i].next].ts < lanes[best].ev[lanes[best].next].ts))
				best = i;
		}
		if (best < 0)
			break;
		struct lane *l = &lanes[best];
		uint64_t ts = l->ev[l->next].ts;

		for (; sample_every && next_round <= ts; next_round += sample_every)
			sample_round(lanes, next_round);

		write_event(&l->ev[l->next], ts - rnd() % 8000);
		last_ts = ts;
		/* Stop starting jobs once there are enough processes (up to 3 more). */
		if (++l->next == l->n && procs < want)
			new_job(l, job++);
	}
	last_ts += 200000;
	emit("{\"Exit\":{\"seq\":%" PRIu64 ",\"timestamp\":%" PRIu64 ",\"pid\":%d,\"ppid\":%d,"
	     "\"pgid\":%d,\"exit_code\":0,\"user_ns\":%" PRIu64 ",\"system_ns\":%" PRIu64
	     ",\"max_rss_kb\":12000}}\n",
	     ++seq, last_ts, root_pid, root_pid - 1, root_pid, procs * 20000, procs * 5000);
	emit("{\"End\":{\"timestamp\":%" PRIu64 ",\"lost\":0,\"exit_code\":0}}\n", last_ts + 1000);
	flush_out();
	if (fflush(out) || (out != stdout && fclose(out))) {
		fprintf(stderr, "gen: error: %s: %s\n", path, strerror(errno));
		return 1;
	}
	free(obuf);
	fprintf(stderr, "gen: %" PRIu64 " processes, %" PRIu64 " events\n", procs, seq);
	return 0;
}
