/* tests/test_trace.c: the process model on recordings built by hand. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/trace.h"
#include "tests/hand_recording.h"

/* A recording made in the test: events are appended in time order. */
struct fixture {
	struct hand_recording h;
	struct trace *t;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hand_init(&f->h);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	trace_free(f->t);
	free(f);
	return 0;
}

static void exit_(struct fixture *f, uint64_t ts, int32_t pid, int32_t ppid)
{
	struct event *ev = hand_add(&f->h, EV_EXIT, ts, pid);

	ev->flags |= EVF_PPID | EVF_STATUS;
	ev->ppid = ppid;
}

static void header(struct fixture *f, int32_t root)
{
	f->h.rec.has_header = true;
	f->h.rec.hdr.format = 1;
	f->h.rec.hdr.root_pid = root;
}

static void end(struct fixture *f, uint64_t ts)
{
	f->h.rec.has_end = true;
	f->h.rec.end.ts = ts;
}

/* (Re)build f->t from the recording as it stands now. */
static void build(struct fixture *f, int32_t root_pid)
{
	trace_free(f->t);
	f->t = NULL;
	assert_int_equal(trace_build(&f->t, &f->h.rec, root_pid), 0);
	assert_non_null(f->t);
}

static void check_proc(const struct proc *p, int32_t pid, uint64_t start, uint64_t endts,
		       bool by_recording)
{
	assert_non_null(p);
	assert_int_equal(p->pid, pid);
	assert_int_equal(p->start, start);
	assert_int_equal(p->end, endts);
	assert_int_equal(p->ended_by_recording, by_recording);
}

/* sh forks ls (which execs twice) and a subshell that never execs. */
static void test_tree_and_exec_spans(void **state)
{
	struct fixture *f = *state;
	const struct proc *root, *ls, *sub;

	header(f, 100);
	hand_exec(&f->h, 10, 100, "sh");         /* 0 */
	hand_fork(&f->h, 20, 100, 101);          /* 1 */
	hand_exec(&f->h, 25, 101, "env");        /* 2 */
	hand_fork(&f->h, 30, 100, 102);          /* 3 */
	hand_exec(&f->h, 40, 101, "ls");         /* 4 */
	exit_(f, 50, 101, 100);          /* 5 */
	exit_(f, 60, 102, 100);          /* 6 */
	exit_(f, 70, 100, 1);            /* 7 */
	end(f, 80);
	build(f, 0);

	assert_int_equal(f->t->nprocs, 3);
	assert_int_equal(f->t->nroots, 1);
	assert_int_equal(f->t->start, 10);
	assert_int_equal(f->t->end, 80);
	root = f->t->roots[0];
	check_proc(root, 100, 10, 70, false);
	assert_false(root->has_fork);
	assert_null(root->parent);
	assert_int_equal(root->depth, 0);
	assert_int_equal(root->nexec, 1);
	assert_int_equal(root->execs[0].start, 10);
	assert_int_equal(root->execs[0].end, 70);

	ls = root->first_child;
	check_proc(ls, 101, 20, 50, false);
	assert_ptr_equal(ls->parent, root);
	assert_int_equal(ls->depth, 1);
	assert_true(ls->has_fork);
	assert_ptr_equal(ls->fork, &f->h.ev[1]);
	assert_ptr_equal(ls->exit, &f->h.ev[5]);
	assert_int_equal(ls->nexec, 2);
	assert_ptr_equal(ls->execs[0].exec, &f->h.ev[2]);
	assert_int_equal(ls->execs[0].start, 25);
	assert_int_equal(ls->execs[0].end, 40);
	assert_ptr_equal(ls->execs[1].exec, &f->h.ev[4]);
	assert_int_equal(ls->execs[1].start, 40);
	assert_int_equal(ls->execs[1].end, 50);

	sub = ls->next_sibling;
	check_proc(sub, 102, 30, 60, false);
	assert_int_equal(sub->nexec, 0);
	assert_true(sub->has_fork);
	assert_null(sub->next_sibling);
	assert_ptr_equal(root->last_child, sub);

	/* The Fork line belongs to the child. */
	assert_ptr_equal(f->t->proc_of_event[1], ls);
	assert_ptr_equal(f->t->proc_of_event[3], sub);
	assert_ptr_equal(f->t->proc_of_event[0], root);
	assert_ptr_equal(f->t->proc_of_event[7], root);
	for (size_t i = 0; i < f->h.rec.n; i++)
		assert_true(trace_has_event(f->t, i));
	/* Order of first appearance. */
	assert_ptr_equal(&f->t->procs[0], root);
	assert_ptr_equal(&f->t->procs[1], ls);
	assert_ptr_equal(&f->t->procs[2], sub);
	for (size_t k = 0; k < f->t->nprocs; k++)
		assert_int_equal(f->t->procs[k].index, k);
}

/* A pid that comes back after its Exit is a new process, with its own fork time. */
static void test_pid_reuse(void **state)
{
	struct fixture *f = *state;
	const struct proc *a, *b;

	header(f, 1);
	hand_exec(&f->h, 1, 1, "make");
	hand_fork(&f->h, 10, 1, 5);
	hand_exec(&f->h, 11, 5, "cc");
	exit_(f, 20, 5, 1);
	hand_fork(&f->h, 30, 1, 5);
	hand_exec(&f->h, 31, 5, "ld");
	exit_(f, 40, 5, 1);
	exit_(f, 50, 1, 0);
	build(f, 0);

	assert_int_equal(f->t->nprocs, 3);
	a = f->t->roots[0]->first_child;
	b = a->next_sibling;
	check_proc(a, 5, 10, 20, false);
	check_proc(b, 5, 30, 40, false);
	assert_string_equal(a->execs[0].exec->u.exec.filename, "cc");
	assert_string_equal(b->execs[0].exec->u.exec.filename, "ld");
	assert_ptr_equal(f->t->proc_of_event[5], b);
	assert_ptr_equal(f->t->proc_of_event[6], b);
	assert_ptr_equal(f->t->proc_of_event[3], a);
}

/* A Fork of a pid whose process never exited (lost Exit) ends that process there. */
static void test_pid_reuse_without_exit(void **state)
{
	struct fixture *f = *state;
	const struct proc *a, *b;

	header(f, 1);
	hand_exec(&f->h, 1, 1, "sh");
	hand_fork(&f->h, 10, 1, 6);
	hand_exec(&f->h, 12, 6, "sleep");
	hand_fork(&f->h, 30, 1, 6);
	exit_(f, 40, 6, 1);
	end(f, 100);
	build(f, 0);

	a = f->t->roots[0]->first_child;
	b = a->next_sibling;
	/* It ended there, not with the recording: it is not running at the end. */
	check_proc(a, 6, 10, 30, false);
	assert_null(a->exit);
	assert_int_equal(a->execs[0].end, 30);
	check_proc(b, 6, 30, 40, false);
	assert_int_equal(b->nexec, 0);
	/* The root never exited: it ends with the recording. */
	check_proc(f->t->roots[0], 1, 1, 100, true);
}

/* No Exit: the process ends with the recording (End line, else the last event). */
static void test_no_exit(void **state)
{
	struct fixture *f = *state;
	const struct proc *d;

	header(f, 1);
	hand_exec(&f->h, 5, 1, "sh");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 11, 2, "daemon");
	exit_(f, 20, 1, 0);
	build(f, 0);

	d = f->t->roots[0]->first_child;
	check_proc(d, 2, 10, 20, true);
	assert_null(d->exit);
	assert_int_equal(d->execs[0].end, 20);
	assert_int_equal(f->t->end, 20);

	end(f, 90);
	build(f, 0);
	d = f->t->roots[0]->first_child;
	check_proc(d, 2, 10, 90, true);
	assert_int_equal(d->execs[0].end, 90);
}

/* An orphan stays under the process that forked it, even when reparented to init. */
static void test_orphan(void **state)
{
	struct fixture *f = *state;
	const struct proc *root, *mid, *orphan;

	header(f, 10);
	hand_exec(&f->h, 1, 10, "sh");
	hand_fork(&f->h, 2, 10, 11);
	hand_fork(&f->h, 3, 11, 12);
	exit_(f, 4, 11, 10);
	hand_exec(&f->h, 5, 12, "sleep");
	exit_(f, 9, 12, 1);
	exit_(f, 10, 10, 0);
	build(f, 0);

	assert_int_equal(f->t->nroots, 1);
	root = f->t->roots[0];
	mid = root->first_child;
	orphan = mid->first_child;
	check_proc(mid, 11, 2, 4, false);
	check_proc(orphan, 12, 3, 9, false);
	assert_ptr_equal(orphan->parent, mid);
	assert_int_equal(orphan->depth, 2);
	assert_int_equal(orphan->exit->ppid, 1);
}

/* --pid keeps one process's subtree; the others' events belong to nothing. */
static void test_reroot(void **state)
{
	struct fixture *f = *state;
	const struct proc *r;

	header(f, 100);
	hand_exec(&f->h, 1, 100, "make");   /* 0 */
	hand_fork(&f->h, 2, 100, 101);      /* 1 */
	hand_fork(&f->h, 3, 100, 102);      /* 2 */
	hand_exec(&f->h, 4, 101, "sh");     /* 3 */
	hand_fork(&f->h, 5, 101, 103);      /* 4 */
	hand_exec(&f->h, 6, 103, "cc");     /* 5 */
	hand_exec(&f->h, 7, 102, "echo");   /* 6 */
	exit_(f, 8, 103, 101);      /* 7 */
	exit_(f, 9, 101, 100);      /* 8 */
	exit_(f, 9, 102, 100);      /* 9 */
	exit_(f, 10, 100, 0);       /* 10 */
	build(f, 101);

	assert_int_equal(f->t->nprocs, 2);
	assert_int_equal(f->t->nroots, 1);
	r = f->t->roots[0];
	check_proc(r, 101, 2, 9, false);
	assert_null(r->parent);
	assert_int_equal(r->depth, 0);
	assert_int_equal(r->first_child->pid, 103);
	assert_int_equal(r->first_child->depth, 1);
	assert_null(r->next_sibling);
	{
		const bool want[] = { 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0 };

		for (size_t i = 0; i < f->h.rec.n; i++)
			assert_int_equal(trace_has_event(f->t, i), want[i]);
	}
	assert_int_equal(r->index, 0);
	assert_int_equal(r->first_child->index, 1);
}

static void test_reroot_unknown_pid(void **state)
{
	struct fixture *f = *state;

	header(f, 100);
	hand_exec(&f->h, 1, 100, "make");
	assert_int_equal(trace_build(&f->t, &f->h.rec, 999), -ESRCH);
	assert_null(f->t);
}

/* Pids never forked in the recording make their own roots, in order of appearance. */
static void test_multiple_roots(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 1, 7, "a");
	hand_exec(&f->h, 2, 8, "b");
	hand_fork(&f->h, 3, 8, 9);
	exit_(f, 4, 7, 1);
	hand_exec(&f->h, 5, 7, "c"); /* pid 7 again, its Fork lost: another root */
	build(f, 0);

	assert_int_equal(f->t->nroots, 3);
	assert_int_equal(f->t->roots[0]->pid, 7);
	assert_int_equal(f->t->roots[1]->pid, 8);
	assert_int_equal(f->t->roots[1]->first_child->pid, 9);
	assert_int_equal(f->t->roots[2]->pid, 7);
	assert_int_equal(f->t->roots[2]->start, 5);
	assert_false(f->t->roots[2]->has_fork);
	assert_int_equal(f->t->nprocs, 4);
}

/* A process seen first as a fork parent is part of the tree. */
static void test_unknown_parent(void **state)
{
	struct fixture *f = *state;
	const struct proc *p;

	header(f, 100);
	hand_exec(&f->h, 1, 100, "sh");
	hand_fork(&f->h, 2, 200, 201);
	exit_(f, 3, 200, 1);
	build(f, 0);

	assert_int_equal(f->t->nroots, 2);
	p = f->t->roots[1];
	check_proc(p, 200, 2, 3, false);
	assert_int_equal(p->first_child->pid, 201);
	assert_ptr_equal(f->t->proc_of_event[1], p->first_child);
}

/* Without a header the first Fork's child is the root; the recorder that forked it is left out. */
static void test_legacy_root(void **state)
{
	struct fixture *f = *state;

	hand_fork(&f->h, 1, 50, 51);
	hand_exec(&f->h, 2, 51, "bash");
	hand_fork(&f->h, 3, 51, 52);
	exit_(f, 4, 52, 51);
	exit_(f, 5, 51, 50);
	build(f, 0);

	assert_int_equal(f->t->nprocs, 2);
	assert_int_equal(f->t->nroots, 1);
	check_proc(f->t->roots[0], 51, 1, 5, false);
	assert_true(f->t->roots[0]->has_fork);
	assert_int_equal(f->t->roots[0]->first_child->pid, 52);
}

/*
 * t->root is the recorded command (the header's root_pid), even when another
 * top-level process shows up first; under --pid it is the chosen process.
 */
static void test_root_is_the_recorded_command(void **state)
{
	struct fixture *f = *state;

	header(f, 10);
	exit_(f, 1, 99, 1);
	hand_exec(&f->h, 2, 10, "make");
	hand_fork(&f->h, 3, 10, 11);
	exit_(f, 4, 11, 10);
	exit_(f, 5, 10, 1);
	build(f, 0);
	assert_int_equal(f->t->nroots, 2);
	assert_int_equal(f->t->roots[0]->pid, 99);
	assert_ptr_equal(f->t->root, f->t->roots[1]);
	assert_true(f->t->root_is_recorded);

	build(f, 11);
	assert_int_equal(f->t->root->pid, 11);
	assert_false(f->t->root_is_recorded);

	build(f, 10);
	assert_ptr_equal(f->t->root, f->t->roots[0]);
	assert_int_equal(f->t->root->pid, 10);
	assert_true(f->t->root_is_recorded);

	/* Without a header: the first Fork's parent, which has events of its own. */
	f->h.rec.has_header = false;
	build(f, 0);
	assert_int_equal(f->t->root->pid, 10);
	assert_true(f->t->root_is_recorded);
}

/*
 * A process that never execs runs the image its parent had at the fork, in
 * event order even at equal timestamps, and passes it on to its children.
 */
static void test_inherited_image(void **state)
{
	struct fixture *f = *state;
	const struct proc *sh, *a, *b, *c;

	header(f, 1);
	hand_exec(&f->h, 1, 1, "sh");
	hand_fork(&f->h, 5, 1, 2);
	hand_exec(&f->h, 5, 1, "make");   /* after the Fork, same timestamp */
	hand_fork(&f->h, 6, 2, 3);
	hand_fork(&f->h, 7, 1, 4);
	hand_exec(&f->h, 8, 4, "cc");
	build(f, 0);

	sh = f->t->roots[0];
	a = sh->first_child;
	b = a->first_child;
	c = a->next_sibling;
	assert_null(sh->inherited);
	assert_ptr_equal(a->inherited, &sh->execs[0]);
	assert_ptr_equal(b->inherited, &sh->execs[0]);
	assert_ptr_equal(c->inherited, &sh->execs[1]);
	assert_int_equal(f->t->nspans, 3);
	assert_ptr_equal(sh->execs, f->t->spans);
	assert_ptr_equal(c->execs, f->t->spans + 2);

	/* --pid: the chosen process has no parent in the model */
	build(f, 2);
	assert_null(f->t->root->inherited);
	assert_null(f->t->root->first_child->inherited);
}

/* A header and nothing else: the root exists, from 0, ended by the recording. */
static void test_empty(void **state)
{
	struct fixture *f = *state;

	header(f, 42);
	build(f, 0);
	assert_int_equal(f->t->nprocs, 1);
	check_proc(f->t->roots[0], 42, 0, 0, true);

	f->h.rec.has_header = false;
	build(f, 0);
	assert_int_equal(f->t->nprocs, 0);
	assert_int_equal(f->t->nroots, 0);
}

/* Equal timestamps keep the recording's order; BadExec is counted, not a span. */
static void test_badexec_and_ties(void **state)
{
	struct fixture *f = *state;
	const struct proc *c;

	header(f, 1);
	hand_exec(&f->h, 1, 1, "sh");
	hand_fork(&f->h, 5, 1, 2);
	hand_add(&f->h, EV_BADEXEC, 5, 2);
	hand_add(&f->h, EV_BADEXEC, 5, 2);
	hand_exec(&f->h, 5, 2, "true");
	exit_(f, 5, 2, 1);
	build(f, 0);

	c = f->t->roots[0]->first_child;
	assert_int_equal(c->nbadexec, 2);
	assert_int_equal(c->nexec, 1);
	check_proc(c, 2, 5, 5, false);
	assert_int_equal(c->execs[0].end, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree_and_exec_spans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_reuse_without_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reroot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reroot_unknown_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiple_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inherited_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_is_the_recorded_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_badexec_and_ties, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
