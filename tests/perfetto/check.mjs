#!/usr/bin/env node
// tests/perfetto/check.mjs: load a `render -f perfetto` output in the trace engine of Chrome
// DevTools' Performance panel (@paulirish/trace_engine, pinned in package-lock.json) and check
// the model it builds against the recording it was rendered from.
//
// Usage: node check.mjs TRACE.json RECORDING.jsonl [--pid PID] [--crit N] [--metrics TSV]
//
// RECORDING is format 1 (run `proctrace sort` on recordings of the original proctrace first);
// --pid: TRACE was rendered with --pid PID (the first process with that pid and its subtree).
// The processes are rebuilt here from RECORDING, independently of proctrace's model: a process
// is a Fork's child (or the root, or a pid seen without its Fork), it ends at its Exit, when its
// pid is forked again, or with the recording. A trace passes when the engine parses it and:
//   - the engine's slices on the lane tracks are exactly one per exec image, plus one per
//     process that never exec'd, with pid, ppid, argv and filename in args, start and duration
//     exact to the nanosecond (µs with 3 decimals);
//   - a slice is named by its command (argv[0]'s basename, or the script a shell runs; for the
//     recordings the tests make), a process's last slice is prefixed "[exit N] " or "[SIGNAME] "
//     when it failed or was killed, with exit_code or signal in args, and "(fork) " when it
//     never exec'd (or is "(unknown)" with no image to inherit); the last slice of a process
//     has its CPU times and peak RSS;
//   - slices on one lane never overlap (the engine's tree of each lane is one level deep);
//   - the engine binds one flow per process that has a parent, from a slice of the parent
//     to the first slice of the child (except where the two start at the same nanosecond,
//     which the engine cannot hold);
//   - the "processes" counter, wherever it is set, equals the number of processes alive;
//   - --crit N: the "critical path" track has N slices, nested, each of a process whose slices
//     say critical_path;
//   - --metrics TSV (`render -f metrics` of RECORDING): when its threads, rss_kb and swap_kb
//     are known (the recording has Samples), the "cores busy", "memory (MiB)" and "threads"
//     counters have one value per row, at the row's time, equal to its columns; else there
//     are no such counters.
// Exit 0 if the trace passes, 1 otherwise (each failure is printed), 2 on usage errors.
import fs from "node:fs";
import * as Trace from "@paulirish/trace_engine";
import { polyfillDOMRect } from "@paulirish/trace_engine/analyze-trace.mjs";

const SIGNALS = [null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
	"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
	"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"];

function usage(msg) {
	console.error(`check.mjs: ${msg}`);
	console.error("usage: check.mjs TRACE.json RECORDING.jsonl [--pid PID] [--crit N] [--metrics TSV]");
	process.exit(2);
}

const opts = { pid: null, crit: null, metrics: null };
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	if (argv[i] === "--metrics") {
		if (i + 1 >= argv.length)
			usage("--metrics needs a file");
		opts.metrics = argv[++i];
	} else if (argv[i] === "--pid" || argv[i] === "--crit") {
		if (!/^\d+$/.test(argv[i + 1] ?? ""))
			usage(`${argv[i]} needs a number`);
		opts[argv[i].slice(2)] = Number(argv[++i]);
	} else if (argv[i].startsWith("--")) {
		usage(`unknown option ${argv[i]}`);
	} else {
		files.push(argv[i]);
	}
}
if (files.length !== 2)
	usage("expected TRACE.json and RECORDING.jsonl");

const failures = [];
const fail = (msg) => failures.push(msg);

// --- the processes, from the recording -------------------------------------

function loadRecording(path) {
	const lines = fs.readFileSync(path, "utf8").split("\n").filter((l) => l.trim());
	let header = null, end = null;
	const events = [];
	lines.forEach((line, i) => {
		const obj = JSON.parse(line);
		const type = Object.keys(obj)[0];
		if (type === "Recording")
			header = obj[type];
		else if (type === "End")
			end = obj[type];
		else
			events.push({ type, ...obj[type], line: i });
	});
	events.sort((a, b) => a.timestamp - b.timestamp ||
		(a.seq !== undefined && b.seq !== undefined ? a.seq - b.seq : a.line - b.line));
	return { header, end, events };
}

function buildProcesses(rec) {
	const procs = [];
	const byPid = new Map();
	const last = rec.events.length ? rec.events[rec.events.length - 1].timestamp : 0;
	const endTs = Math.max(last, rec.end?.timestamp ?? 0);
	const rootPid = rec.header?.root_pid;
	const create = (pid, ts, parent) => {
		const prev = byPid.get(pid);
		if (prev && prev.end === null)
			prev.end = ts; // the pid is reused: its Exit was lost
		const p = { pid, start: ts, end: null, parent, execs: [], exit: null, children: [] };
		if (parent)
			parent.children.push(p);
		procs.push(p);
		byPid.set(pid, p);
		return p;
	};
	const live = (pid, ts) => {
		const p = byPid.get(pid);
		return p && !p.exit ? p : create(pid, ts, null);
	};
	for (const ev of rec.events) {
		if (ev.type === "Fork") {
			let parent = byPid.get(ev.parent_pid);
			if (parent && parent.exit)
				parent = null;
			if (!parent && ev.parent_pid !== ev.child_pid &&
			    !(ev.child_pid === rootPid && !byPid.has(ev.child_pid)))
				parent = create(ev.parent_pid, ev.timestamp, null);
			create(ev.child_pid, ev.timestamp, parent);
			continue;
		}
		if (ev.type === "Running") {
			// already running when the recording started: from max(start, 0), its image first
			let parent = byPid.get(ev.ppid);
			if (parent && parent.exit)
				parent = null;
			const cur = byPid.get(ev.pid);
			const p = cur && !cur.exit && !cur.execs.length ? cur : create(ev.pid, ev.timestamp, parent ?? null);
			p.start = Math.min(Math.max(ev.start, 0), ev.timestamp);
			p.execs.push(ev);
			continue;
		}
		const p = live(ev.pid, ev.timestamp);
		if (ev.type === "Exec")
			p.execs.push(ev);
		if (ev.type === "Exit") {
			p.exit = ev;
			p.end = ev.timestamp;
		}
	}
	if (rootPid > 0 && rec.header && !byPid.has(rootPid))
		create(rootPid, rec.events.length ? rec.events[0].timestamp : 0, null);
	for (const p of procs)
		p.end = Math.max(p.end ?? endTs, p.start);
	return procs;
}

function subtree(procs, pid) {
	const root = procs.find((p) => p.pid === pid);
	if (!root) {
		fail(`--pid ${pid}: no such process in the recording`);
		return [];
	}
	const kept = [];
	const walk = (p) => { kept.push(p); p.children.forEach(walk); };
	walk(root);
	root.parent = null;
	return kept;
}

const base = (s) => s.slice(s.lastIndexOf("/") + 1);
// Where an image starts: an Exec's time; a Running's image, at its process's start.
const imgStart = (ex, p) => (ex.type === "Running" ? p.start : ex.timestamp);

// The name of an exec image, as the recordings of the tests need it.
function commandName(ex) {
	const a = Array.isArray(ex.cmdline) ? ex.cmdline : [];
	if (!a.length)
		return base(ex.filename ?? "") || "(unknown)";
	const prog = base(a[0]).replace(/^-/, "");
	if (["sh", "bash", "dash"].includes(prog) && a.length > 1 && !a[1].startsWith("-"))
		return base(a[1]);
	return prog;
}

// --- the trace, through the engine -------------------------------------------

polyfillDOMRect();
const text = fs.readFileSync(files[0], "utf8");
let json;
try {
	json = JSON.parse(text);
} catch (e) {
	console.error(`${files[0]}: not JSON: ${e.message}`);
	process.exit(1);
}
if (!Array.isArray(json.traceEvents) || json.displayTimeUnit !== "ms")
	fail("not the JSON object format: traceEvents array and displayTimeUnit expected");
const model = Trace.TraceModel.Model.createWithAllHandlers();
await model.parse(json.traceEvents);
const parsed = model.parsedTrace();
const data = parsed.data;

const rec = loadRecording(files[1]);
let procs = buildProcesses(rec);
if (opts.pid !== null)
	procs = subtree(procs, opts.pid);

const threads = data.Renderer.processes.get(1)?.threads ?? new Map();
const lanes = [...threads.values()].filter((t) => /^lane \d+$/.test(t.name));
const critTrack = [...threads.values()].find((t) => t.name === "critical path");
const slices = lanes.flatMap((t) => t.entries.filter((e) => e.ph === "X"));

for (const t of lanes) {
	if (t.tree && t.tree.maxDepth > 1)
		fail(`${t.name}: slices overlap (depth ${t.tree.maxDepth})`);
}

// Every slice of every process, in order.
const want = procs.reduce((n, p) => n + (p.execs.length || 1), 0);
if (slices.length !== want)
	fail(`the engine has ${slices.length} slices on the lanes; the recording has ${want} exec images and fork-only processes`);
const slicesOf = new Map();
for (const s of slices) {
	const key = s.args?.pid;
	if (!slicesOf.has(key))
		slicesOf.set(key, []);
	slicesOf.get(key).push(s);
}
for (const list of slicesOf.values())
	list.sort((a, b) => a.ts - b.ts);
const ns = (us) => Math.round(us * 1000);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
let fractional = false;
for (const p of procs) {
	const list = slicesOf.get(p.pid) ?? [];
	const n = p.execs.length || 1;
	// pids can be reused: this process's slices are those from its start
	const mine = list.filter((s) => ns(s.ts) >= p.start && ns(s.ts) <= p.end).slice(0, n);
	if (mine.length !== n) {
		fail(`pid ${p.pid} (started ${p.start} ns): ${mine.length} slices, want ${n}`);
		continue;
	}
	mine.forEach((s, j) => {
		const ex = p.execs[j];
		const lastOne = j === n - 1;
		const start = ex ? imgStart(ex, p) : p.start;
		const end = ex && j + 1 < p.execs.length ? imgStart(p.execs[j + 1], p) : p.end;
		const where = `pid ${p.pid} slice ${j + 1}`;
		fractional ||= s.ts !== Math.trunc(s.ts);
		if (ns(s.ts) !== start || ns(s.dur) !== Math.max(end - start, 0))
			fail(`${where}: ts ${s.ts} dur ${s.dur} µs, want ${start} + ${end - start} ns`);
		const ppid = p.parent ? p.parent.pid : ex?.ppid;
		if (ppid !== undefined && s.args.ppid !== ppid)
			fail(`${where}: ppid ${s.args.ppid}, want ${ppid}`);
		if (p.parent && !String(s.args.parent).endsWith(`(pid ${p.parent.pid})`))
			fail(`${where}: parent '${s.args.parent}'`);
		let name = s.name;
		const x = p.exit;
		if (lastOne && x && x.exit_code > 0) {
			if (!name.startsWith(`[exit ${x.exit_code}] `) || s.args.exit_code !== x.exit_code ||
			    s.cname !== "terrible")
				fail(`${where}: exited ${x.exit_code}: name '${name}', exit_code ${s.args.exit_code}, cname ${s.cname}`);
			name = name.replace(/^\[exit \d+\] /, "");
		} else if (lastOne && x && x.signal) {
			const sig = SIGNALS[x.signal] ?? `signal ${x.signal}`;
			if (!name.startsWith(`[${sig}] `) || s.args.signal !== x.signal)
				fail(`${where}: killed by ${sig}: name '${name}', signal ${s.args.signal}`);
			name = name.slice(sig.length + 3);
		} else if (lastOne && x && x.exit_code === 0 && s.args.exit_code !== 0) {
			fail(`${where}: exit_code ${s.args.exit_code}, want 0`);
		}
		if (lastOne && x && x.user_ns !== undefined &&
		    (ns(s.args.cpu_user_ms * 1000) !== Math.trunc(x.user_ns / 1000) * 1000 ||
		     s.args.max_rss_kb !== x.max_rss_kb))
			fail(`${where}: cpu_user_ms ${s.args.cpu_user_ms}, max_rss_kb ${s.args.max_rss_kb}; want ${x.user_ns} ns, ${x.max_rss_kb} KiB`);
		if (!ex) {
			if (!name.startsWith("(fork) ") && name !== "(unknown)")
				fail(`${where}: never exec'd, named '${name}'`);
			return;
		}
		if (name !== commandName(ex))
			fail(`${where}: named '${name}', want '${commandName(ex)}'`);
		if (Array.isArray(ex.cmdline) && !same(s.args.argv, ex.cmdline))
			fail(`${where}: argv ${JSON.stringify(s.args.argv)}, want ${JSON.stringify(ex.cmdline)}`);
		if (ex.filename !== undefined && s.args.filename !== ex.filename)
			fail(`${where}: filename ${s.args.filename}, want ${ex.filename}`);
	});
}
if (!fractional && slices.some((s) => ns(s.ts) % 1000))
	fail("sub-microsecond timestamps were lost");

// The tree, through flows: one per process with a parent, from the parent's image at the fork
// (its first one if it had not exec'd yet; its life if it never does) to the child's first slice.
// The engine keys a flow's slices by time: it cannot hold one whose two ends start together.
const firstSlice = (p) => (p.execs.length ? imgStart(p.execs[0], p) : p.start);
function forkSlice(q, p) {
	const before = q.execs.filter((ex) => imgStart(ex, q) <= p.start);
	return before.length ? imgStart(before[before.length - 1], q) : firstSlice(q);
}
const flows = data.Flows.flows;
const withParent = procs.filter((p) => p.parent && forkSlice(p.parent, p) !== firstSlice(p)).length;
if (flows.length !== withParent)
	fail(`the engine bound ${flows.length} flows; ${withParent} processes have a parent (and start after its slice)`);
for (const f of flows) {
	if (f.length !== 2 || f[1].args?.ppid !== f[0].args?.pid)
		fail(`a flow does not go from a parent to its child: ${JSON.stringify(f.map((e) => [e.name, e.args?.pid]))}`);
}

// The counter of live processes.
const changes = new Map();
for (const p of procs) {
	changes.set(p.start, (changes.get(p.start) ?? 0) + 1);
	changes.set(p.end, (changes.get(p.end) ?? 0) - 1);
}
const steps = [...changes.keys()].sort((a, b) => a - b);
const liveAt = new Map();
let live = 0;
for (const ts of steps) {
	live += changes.get(ts);
	liveAt.set(ts, live);
}
const counters = parsed.traceEvents.filter((e) => e.ph === "C" && e.name === "processes");
let prev = null;
for (const c of counters) {
	const ts = ns(c.ts);
	if (!liveAt.has(ts) || liveAt.get(ts) !== c.args.running)
		fail(`counter at ${ts} ns: ${c.args.running} processes, want ${liveAt.get(ts)}`);
	if (prev !== null && prev === c.args.running)
		fail(`counter at ${ts} ns repeats ${prev}`);
	prev = c.args.running;
}
const changing = steps.filter((ts, i) => liveAt.get(ts) !== (i ? liveAt.get(steps[i - 1]) : 0));
if (counters.length !== changing.length)
	fail(`${counters.length} counter events, want one per change: ${changing.length}`);

// The metrics' counters, against the metrics view's rows.
if (opts.metrics !== null) {
	const rows = fs.readFileSync(opts.metrics, "utf8").split("\n").slice(1).filter((l) => l)
		.map((l) => l.split("\t"));
	const gauges = rows.length > 0 && rows[0][2] !== "";
	const series = { "cores busy": [], "memory (MiB)": [], threads: [] };
	for (const e of parsed.traceEvents)
		if (e.ph === "C" && e.name in series)
			series[e.name].push(e);
	for (const [name, evs] of Object.entries(series)) {
		const want = gauges ? rows.length : 0;
		if (evs.length !== want) {
			fail(`counter ${JSON.stringify(name)}: ${evs.length} values, want ${want}`);
			continue;
		}
		evs.forEach((e, j) => {
			const r = rows[j], at = Math.round(Number(r[0]) * 1000);
			// time_s is rounded to the millisecond; the counter's ts is exact (µs)
			if (Math.abs(e.ts / 1000 - at) > 0.5)
				fail(`counter ${JSON.stringify(name)} ${j}: at ${e.ts} µs, want the row of ${r[0]} s`);
			const close = (got, wantv, eps) => Math.abs(got - wantv) <= eps;
			const ok = name === "cores busy" ? close(e.args.cores, Number(r[3]), 0.0011)
				: name === "threads" ? e.args.threads === Number(r[2])
				: close(e.args.resident, Number(r[4]) / 1024, 0.001) && close(e.args.swap, Number(r[5]) / 1024, 0.001);
			if (!ok)
				fail(`counter ${JSON.stringify(name)} at ${r[0]} s: ${JSON.stringify(e.args)}, want the row ${r.join(" ")}`);
		});
	}
}

// The critical path's track.
if (opts.crit !== null) {
	const crit = critTrack ? critTrack.entries.filter((e) => e.ph === "X") : [];
	if (crit.length !== opts.crit)
		fail(`critical path: ${crit.length} slices, want ${opts.crit}`);
	if (critTrack?.tree && crit.length && critTrack.tree.maxDepth > crit.length)
		fail("critical path: malformed nesting");
	for (const c of crit) {
		if (!(slicesOf.get(c.args.pid) ?? []).some((s) => s.args.critical_path === true))
			fail(`critical path: pid ${c.args.pid} has no slice marked critical_path`);
	}
}

for (const f of failures)
	console.error(`${files[0]}: ${f}`);
if (!failures.length)
	console.log(`${files[0]}: ok: ${slices.length} slices in ${lanes.length} lanes, ${flows.length} flows, ${counters.length} counter values`);
process.exit(failures.length ? 1 : 0);
