/* tests/hand_recording.h: recordings built event by event in unit tests (cmocka). */
#ifndef PROCTRACE_TESTS_HAND_RECORDING_H
#define PROCTRACE_TESTS_HAND_RECORDING_H

#include <string.h>

#include "formats/recording.h"

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

#endif
