/* tests/hand_recording.h: recordings built event by event in unit tests (cmocka). */
#ifndef PROCTRACE_TESTS_HAND_RECORDING_H
#define PROCTRACE_TESTS_HAND_RECORDING_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/recording.h"
#include "render/trace.h"

#define HAND_MAX_EVENTS 256

/* Events are appended in time order; each Exec's argv is its program alone. */
struct hand_recording {
	struct recording rec;
	struct event ev[HAND_MAX_EVENTS];
	const char *argv[HAND_MAX_EVENTS][1];
};

static inline void hand_init(struct hand_recording *h)
{
	h->rec.name = "test.jsonl";
	h->rec.ev = h->ev;
}

/* Appends an event with seq = its position; the caller fills in the rest. */
static inline struct event *hand_add(struct hand_recording *h, enum ev_type type, uint64_t ts,
				     int32_t pid)
{
	struct event *ev = &h->ev[h->rec.n];

	assert_true(h->rec.n < HAND_MAX_EVENTS);
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts = ts;
	ev->seq = h->rec.n;
	ev->flags = EVF_SEQ;
	ev->pid = pid;
	h->rec.n++;
	return ev;
}

static inline void hand_fork(struct hand_recording *h, uint64_t ts, int32_t parent, int32_t child)
{
	hand_add(h, EV_FORK, ts, parent)->u.fork.child_pid = child;
}

/* An exec of prog, argv[0] being prog too; prog NULL: no argv, no filename. */
static inline struct event *hand_exec(struct hand_recording *h, uint64_t ts, int32_t pid,
				      const char *prog)
{
	struct event *ev = hand_add(h, EV_EXEC, ts, pid);

	if (!prog)
		return ev;
	h->argv[h->rec.n - 1][0] = prog;
	ev->flags |= EVF_FILENAME | EVF_CMDLINE;
	ev->u.exec.filename = prog;
	ev->u.exec.argv = h->argv[h->rec.n - 1];
	ev->u.exec.argc = 1;
	return ev;
}

/* A Running of pid (child of ppid if ppid > 0) started at start, argv its program alone; prog NULL: none. */
static inline struct event *hand_running(struct hand_recording *h, uint64_t ts, int32_t pid,
					 int32_t ppid, int64_t start, const char *prog)
{
	struct event *ev = hand_add(h, EV_RUNNING, ts, pid);

	if (ppid > 0) {
		ev->flags |= EVF_PPID;
		ev->ppid = ppid;
	}
	ev->u.running.start = start;
	if (!prog)
		return ev;
	h->argv[h->rec.n - 1][0] = prog;
	ev->flags |= EVF_FILENAME | EVF_CMDLINE;
	ev->u.running.filename = prog;
	ev->u.running.argv = h->argv[h->rec.n - 1];
	ev->u.running.argc = 1;
	return ev;
}

/* A Sample of pid: CPU so far split evenly between user and system, memory and threads now. */
static inline struct event *hand_sample(struct hand_recording *h, uint64_t ts, int32_t pid,
					uint64_t cpu_ns, uint64_t rss_kb, uint32_t threads)
{
	struct event *ev = hand_add(h, EV_SAMPLE, ts, pid);

	ev->u.sample.user_ns = cpu_ns / 2;
	ev->u.sample.system_ns = cpu_ns - cpu_ns / 2;
	ev->u.sample.rss_kb = rss_kb;
	ev->u.sample.threads = threads;
	ev->line = (uint32_t)h->rec.n;
	return ev;
}

/* What view fn writes for t, into *out (freed first; the caller frees the last). */
static inline const char *hand_render(char **out,
				      int (*fn)(FILE *, const struct trace *, const struct render_opts *),
				      const struct trace *t, const struct render_opts *o)
{
	size_t len = 0;
	FILE *m;

	free(*out);
	*out = NULL;
	m = open_memstream(out, &len);
	assert_non_null(m);
	assert_int_equal(fn(m, t, o), 0);
	assert_int_equal(fclose(m), 0);
	return *out;
}

/*
 * The text of the line of out that starts with prefix, in the part after
 * the first line that contains section (NULL: anywhere; a blank line ends
 * the part). Fails the test if there is none.
 */
static inline const char *hand_line_of(const char *out, const char *section, const char *prefix)
{
	static char line[512];
	const char *p = out;

	if (section) {
		p = strstr(out, section);
		assert_non_null(p);
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	for (; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, prefix, strlen(prefix))) {
			assert_true(n < sizeof(line));
			memcpy(line, p, n);
			line[n] = 0;
			return line;
		}
		if (!n && section)
			break;
	}
	fail_msg("no line '%s' under '%s' in:\n%s", prefix, section ? section : "", out);
	return NULL;
}

#endif
