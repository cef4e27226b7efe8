// render/html/page.js: the html view's script: reads the data proctrace put in the page,
// draws the timeline on a canvas (only what is visible), and fills in search, details and tables.
//
// The data (render/html.c writes it: keep both in step) is one JSON document,
// gzip-compressed and base64-encoded in the element #proctrace-data. Times are
// integer nanoseconds. Strings are numbers: indices into S.
//   v       format (1)
//   meta    {file, command (argv or null), tool, start_time, host, kernel, root (index
//           or -1), root_is_recorded, lost (or null), exit_code (or null), cut_short,
//           unknown_lines}
//   origin  the time 0 of the page, ns on the recording's clock; end: its last time
//   lanes   number of lanes (render/lanes.c packs processes by time)
//   P       per process, PSTRIDE numbers: pid, parent index + 1 (0: none), lane,
//           start (after the previous process's start), duration, status (ST), exit
//           code or signal, user ns, system ns, peak RSS KiB (-1: unknown), flags
//           (PF), name, exec images, failed execs, inherited image + 1 (0: none)
//   X       per exec image, process by process: start (after its process's start),
//           duration, command, file name, cwd (-1: none), flags (XF), argc, argv...
//   K       critical path, per link: process, start, end, wait
//   F       failures, per process: index, cause (1: no descendant of it failed)
//   L       the slowest processes, longest first
//   C       per command: name, images, elapsed, images' time added up, CPU, processes, failed
//   T       totals: procs, execs, bad_execs (null: not recorded), bad_misses and bad_real (of
//           bad_execs: PATH-search misses, real failures), failed, killed, running, unknown, cpu,
//           max_rss_kb, wall
//   M       (a recording with Samples) the metrics view's series: {interval, t0 (the first
//           row's start, from origin), rows: per row MSTRIDE numbers: cores busy in
//           thousandths, processes, threads, resident KiB, swap KiB}
//   S       the strings
"use strict";
(function () {
	const PSTRIDE = 15;
	const ST_OK = 0, ST_FAILED = 1, ST_KILLED = 2, ST_RUNNING = 3, ST_UNKNOWN = 4;
	const PF_CRIT = 1, PF_CORE = 4, PF_EXIT = 8;
	const XF_TRUNCATED = 1, XF_NO_ARGV = 2;

	// Colours by status; the legend and the tables use the same.
	const STATUS = [
		{ name: "exited 0", fill: "#4e79a7", dim: "#d3dde9", text: "#ffffff" },
		{ name: "exited non-zero", fill: "#e03131", dim: "#f6cccc", text: "#ffffff" },
		{ name: "killed by a signal", fill: "#862e9c", dim: "#e0cce6", text: "#ffffff" },
		{ name: "still running at the end", fill: "#f59f00", dim: "#fbe3b5", text: "#1d232b" },
		{ name: "status unknown", fill: "#9aa0a6", dim: "#e2e4e6", text: "#ffffff" },
	];
	const FAILED = [false, true, true, false, false];
	const CRIT_COLOUR = "#0ca678";
	const MATCH_COLOUR = "#ffd43b";
	const SEL_COLOUR = "#1d232b";
	const AXIS_H = 24;
	const METRICS_H = 76; // the strip under the lanes: cores busy above, memory below
	const MSTRIDE = 5;
	const CPU_COLOUR = "#e8590c", MEM_COLOUR = "#1971c2";
	const MIN_SPAN = 1000; // ns: the deepest zoom shows 1 µs across
	const SIGNALS = ["", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
		"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
		"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
		"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"];

	const $ = (id) => document.getElementById(id);

	function el(tag, attrs, ...kids) {
		const e = document.createElement(tag);
		for (const k in attrs || {}) {
			if (k === "class")
				e.className = attrs[k];
			else if (k === "style")
				e.style.cssText = attrs[k];
			else if (k.startsWith("on"))
				e.addEventListener(k.slice(2), attrs[k]);
			else
				e.setAttribute(k, attrs[k]);
		}
		for (const c of kids)
			if (c !== null && c !== undefined)
				e.append(c instanceof Node ? c : String(c));
		return e;
	}

	// --- formatting ------------------------------------------------------------

	function fmtDur(ns) {
		if (ns < 0)
			return "?";
		if (ns < 1e3)
			return ns.toFixed(0) + " ns";
		if (ns < 1e6)
			return (ns / 1e3).toPrecision(3) + " µs";
		if (ns < 1e9)
			return (ns / 1e6).toPrecision(3) + " ms";
		if (ns < 60e9)
			return (ns / 1e9).toPrecision(3) + " s";
		const s = Math.round(ns / 1e9);
		if (s < 3600)
			return Math.floor(s / 60) + " min " + (s % 60) + " s";
		return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
	}

	// A time since the origin, for the axis: in the unit of the view's largest time
	// (so that neighbours read alike: 77.5 ms, 77.6 ms), to the precision of step.
	function fmtTick(ns, step, largest) {
		const units = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];
		const u = units.find((x) => x[0] <= largest) || units[units.length - 1];
		if (u[0] === 1e9 && largest >= 60e9 && step % 1e9 === 0) {
			const s = Math.round(ns / 1e9);
			return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
		}
		const digits = Math.max(0, Math.ceil(-Math.log10(step / u[0]) - 1e-9));
		return (ns / u[0]).toFixed(Math.min(digits, 9)) + " " + u[1];
	}

	function fmtKiB(kb) {
		if (kb < 0)
			return "?";
		if (kb < 1024)
			return kb + " KiB";
		if (kb < 1024 * 1024)
			return (kb / 1024).toPrecision(3) + " MiB";
		return (kb / 1024 / 1024).toPrecision(3) + " GiB";
	}

	function fmtCount(n) {
		return n.toLocaleString("en-US");
	}

	function plural(n, one, many) {
		return fmtCount(n) + " " + (n === 1 ? one : many);
	}

	// A 1, 2, 5 × 10^k step of at least x.
	function niceStep(x) {
		const p = Math.pow(10, Math.floor(Math.log10(Math.max(x, 1))));
		for (const m of [1, 2, 5, 10])
			if (m * p >= x)
				return m * p;
		return 10 * p;
	}

	// --- reading the data ----------------------------------------------------------

	async function readData(timings) {
		let t = performance.now();
		const lap = (what) => {
			const now = performance.now();
			timings[what] = Math.round(now - t);
			t = now;
		};
		const node = $("proctrace-data");
		const bin = atob(node.textContent.trim());
		const bytes = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++)
			bytes[i] = bin.charCodeAt(i);
		lap("base64");
		if (typeof DecompressionStream === "undefined")
			throw new Error("this browser cannot read the data (it lacks DecompressionStream): open the page in a recent Chromium, Firefox or Safari");
		const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
		const text = await new Response(stream).text();
		lap("inflate");
		const data = JSON.parse(text);
		lap("parse");
		return data;
	}

	// The model: typed arrays by process, by exec image and by bar, and the lanes.
	function build(D) {
		const P = D.P, X = D.X;
		const n = Math.floor(P.length / PSTRIDE);
		const m = {
			D, S: D.S, n, nlanes: Math.max(D.lanes, 1), end: D.end,
			pid: new Int32Array(n), parent: new Int32Array(n), lane: new Int32Array(n),
			start: new Float64Array(n), stop: new Float64Array(n), status: new Uint8Array(n),
			code: new Int32Array(n), user: new Float64Array(n), sys: new Float64Array(n),
			rss: new Float64Array(n), flags: new Uint8Array(n), name: new Int32Array(n),
			nexec: new Uint32Array(n), nbad: new Uint32Array(n), inherited: new Int32Array(n),
			firstSpan: new Uint32Array(n), firstBar: new Uint32Array(n), nbars: new Uint8Array(n),
		};
		let t = 0, ns = 0;
		for (let i = 0, o = 0; i < n; i++, o += PSTRIDE) {
			m.pid[i] = P[o];
			m.parent[i] = P[o + 1] - 1;
			m.lane[i] = Math.min(P[o + 2], m.nlanes - 1);
			t += P[o + 3];
			m.start[i] = t;
			m.stop[i] = t + P[o + 4];
			m.status[i] = P[o + 5] <= ST_UNKNOWN ? P[o + 5] : ST_UNKNOWN;
			m.code[i] = P[o + 6];
			m.user[i] = P[o + 7];
			m.sys[i] = P[o + 8];
			m.rss[i] = P[o + 9];
			m.flags[i] = P[o + 10];
			m.name[i] = P[o + 11];
			m.nexec[i] = P[o + 12];
			m.nbad[i] = P[o + 13];
			m.inherited[i] = P[o + 14] - 1;
			m.firstSpan[i] = ns;
			ns += P[o + 12];
		}
		m.ns = ns;
		m.spanProc = new Int32Array(ns);
		m.spanStart = new Float64Array(ns);
		m.spanStop = new Float64Array(ns);
		m.spanCmd = new Int32Array(ns);
		m.spanFile = new Int32Array(ns);
		m.spanCwd = new Int32Array(ns);
		m.spanFlags = new Uint8Array(ns);
		m.spanArg = new Uint32Array(ns + 1);
		const args = new Int32Array(X.length); // more than the argv refs take
		let na = 0;
		for (let i = 0, k = 0, s = 0; i < n; i++) {
			for (let j = 0; j < m.nexec[i]; j++, s++) {
				m.spanProc[s] = i;
				m.spanStart[s] = m.start[i] + X[k];
				m.spanStop[s] = m.spanStart[s] + X[k + 1];
				m.spanCmd[s] = X[k + 2];
				m.spanFile[s] = X[k + 3];
				m.spanCwd[s] = X[k + 4];
				m.spanFlags[s] = X[k + 5];
				const argc = X[k + 6];
				m.spanArg[s] = na;
				for (let a = 0; a < argc; a++)
					args[na++] = X[k + 7 + a];
				k += 7 + argc;
			}
		}
		m.spanArg[ns] = na;
		m.args = args.subarray(0, na);

		// Bars: the fork-only part of a process (thin), then one per exec image.
		const nbmax = n + ns;
		m.barProc = new Int32Array(nbmax);
		m.barSpan = new Int32Array(nbmax);
		m.barStart = new Float64Array(nbmax);
		m.barStop = new Float64Array(nbmax);
		let nb = 0;
		for (let i = 0; i < n; i++) {
			const f = m.firstSpan[i], ne = m.nexec[i];
			m.firstBar[i] = nb;
			const forkEnd = ne ? m.spanStart[f] : m.stop[i];
			if (!ne || forkEnd > m.start[i]) {
				m.barProc[nb] = i;
				m.barSpan[nb] = -1;
				m.barStart[nb] = m.start[i];
				m.barStop[nb] = Math.max(forkEnd, m.start[i]);
				nb++;
			}
			for (let j = 0; j < ne; j++, nb++) {
				m.barProc[nb] = i;
				m.barSpan[nb] = f + j;
				m.barStart[nb] = m.spanStart[f + j];
				m.barStop[nb] = Math.max(m.spanStop[f + j], m.spanStart[f + j]);
			}
			m.nbars[i] = nb - m.firstBar[i];
		}
		m.nb = nb;

		// Children, in the model's order (fork order).
		m.childOff = new Uint32Array(n + 1);
		for (let i = 0; i < n; i++)
			if (m.parent[i] >= 0)
				m.childOff[m.parent[i] + 1]++;
		for (let i = 0; i < n; i++)
			m.childOff[i + 1] += m.childOff[i];
		m.children = new Uint32Array(m.childOff[n]);
		const fill = m.childOff.slice(0, n);
		for (let i = 0; i < n; i++)
			if (m.parent[i] >= 0)
				m.children[fill[m.parent[i]]++] = i;

		// Lanes: each lane's processes in order of start, their bars one after the other.
		const nl = m.nlanes;
		const laneCount = new Uint32Array(nl + 1);
		for (let i = 0; i < n; i++)
			laneCount[m.lane[i] + 1]++;
		for (let l = 0; l < nl; l++)
			laneCount[l + 1] += laneCount[l];
		const byLane = new Uint32Array(n);
		const pos = laneCount.slice(0, nl);
		for (let i = 0; i < n; i++)
			byLane[pos[m.lane[i]]++] = i;
		for (let l = 0; l < nl; l++) {
			const a = laneCount[l], b = laneCount[l + 1];
			let sorted = true;
			for (let i = a + 1; i < b && sorted; i++)
				sorted = m.start[byLane[i - 1]] <= m.start[byLane[i]];
			if (!sorted) {
				const part = Array.from(byLane.subarray(a, b)).sort((x, y) => m.start[x] - m.start[y] || x - y);
				byLane.set(part, a);
			}
		}
		m.laneOff = new Uint32Array(nl + 1);
		m.laneBars = new Uint32Array(nb);
		m.laneMaxStop = new Float64Array(nb);
		let q = 0;
		for (let l = 0; l < nl; l++) {
			m.laneOff[l] = q;
			let maxStop = -Infinity;
			for (let k = laneCount[l]; k < laneCount[l + 1]; k++) {
				const i = byLane[k];
				for (let b = m.firstBar[i]; b < m.firstBar[i] + m.nbars[i]; b++) {
					m.laneBars[q] = b;
					maxStop = Math.max(maxStop, m.barStop[b]);
					m.laneMaxStop[q] = maxStop;
					q++;
				}
			}
		}
		m.laneOff[nl] = q;
		m.metrics = buildMetrics(D.M);
		return m;
	}

	// The metrics' series, with their peaks (the strip's scales).
	function buildMetrics(DM) {
		if (!DM || !DM.rows || DM.rows.length < MSTRIDE)
			return null;
		const n = Math.floor(DM.rows.length / MSTRIDE);
		const mm = { interval: Math.max(DM.interval, 1), t0: DM.t0, n,
			cores: new Float64Array(n), procs: new Float64Array(n), threads: new Float64Array(n),
			rss: new Float64Array(n), swap: new Float64Array(n), maxCores: 0, maxMem: 0 };
		for (let j = 0, o = 0; j < n; j++, o += MSTRIDE) {
			mm.cores[j] = DM.rows[o] / 1000;
			mm.procs[j] = DM.rows[o + 1];
			mm.threads[j] = DM.rows[o + 2];
			mm.rss[j] = DM.rows[o + 3];
			mm.swap[j] = DM.rows[o + 4];
			mm.maxCores = Math.max(mm.maxCores, mm.cores[j]);
			mm.maxMem = Math.max(mm.maxMem, mm.rss[j] + mm.swap[j]);
		}
		return mm;
	}

	// --- what the page says of a process -------------------------------------------

	function str(m, i) {
		return i >= 0 && i < m.S.length ? m.S[i] : "";
	}

	function procName(m, i) {
		return str(m, m.name[i]);
	}

	function barName(m, b) {
		const s = m.barSpan[b], inh = m.inherited[m.barProc[b]];
		if (s >= 0)
			return str(m, m.spanCmd[s]);
		return inh >= 0 ? "(fork) " + str(m, m.spanCmd[inh]) : "(fork)";
	}

	function argvOf(m, s) {
		const out = [];
		for (let a = m.spanArg[s]; a < m.spanArg[s + 1]; a++)
			out.push(str(m, m.args[a]));
		return out;
	}

	// The exec image a process shows in lists: its last, else the one it inherited.
	function procSpan(m, i) {
		return m.nexec[i] ? m.firstSpan[i] + m.nexec[i] - 1 : m.inherited[i];
	}

	function procArgv(m, i) {
		const s = procSpan(m, i);
		return s >= 0 ? argvOf(m, s) : [];
	}

	function statusText(m, i) {
		const c = m.code[i];
		switch (m.status[i]) {
		case ST_OK:
			return "exited 0";
		case ST_FAILED:
			return "exited " + c;
		case ST_KILLED:
			return "killed by " + (SIGNALS[c] || "signal " + c) + (c < SIGNALS.length ? " (" + c + ")" : "") +
				(m.flags[i] & PF_CORE ? ", core dumped" : "");
		case ST_RUNNING:
			return "still running at the end of the recording";
		default:
			return m.flags[i] & PF_EXIT ? "exited, status not recorded" : "no Exit recorded (its pid was taken again)";
		}
	}

	// An argument as a shell would need it quoted; controls and U+FFFD marked.
	function argNodes(arg) {
		const frag = document.createDocumentFragment();
		const plain = /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg);
		if (!plain)
			frag.append("'");
		let buf = "";
		for (const ch of arg) {
			const c = ch.codePointAt(0);
			const control = c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0x2028 || c === 0x2029;
			if (control || c === 0xfffd) {
				if (buf)
					frag.append(buf);
				buf = "";
				const names = { 9: "\\t", 10: "\\n", 13: "\\r", 0xfffd: "\\ufffd" };
				const text = names[c] || (c < 0x100 ? "\\x" + c.toString(16).padStart(2, "0") : "\\u" + c.toString(16).padStart(4, "0"));
				frag.append(el("span", { class: "esc", title: c === 0xfffd ? "a byte that is not UTF-8 (recorded as U+FFFD)" : "control character U+" + c.toString(16).padStart(4, "0") }, text));
			} else if (ch === "'" && !plain) {
				buf += "'\\''";
			} else {
				buf += ch;
			}
		}
		if (buf)
			frag.append(buf);
		if (!plain)
			frag.append("'");
		return frag;
	}

	// A one-line argv for tables and the tooltip: controls shown as spaces.
	function argvLine(argv, max) {
		let s = argv.join(" ").replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
		if (max && s.length > max)
			s = s.slice(0, max - 1) + "…";
		return s;
	}

	// --- the page ----------------------------------------------------------------------

	let M = null; // the model
	const V = {
		t0: 0, t1: 1, scrollY: 0, laneH: 16, areaH: 100, W: 300, H: 100, dpr: 1,
		hover: -1, sel: -1, selBar: -1, related: null, crit: true, metricsX: -1,
		query: "", matches: null, matchSet: null, mi: -1, drag: null, pending: false,
	};
	let canvas, ctx, charW = 7;

	function clampView() {
		const total = Math.max(M.end, MIN_SPAN);
		const pad = total * 0.05;
		let span = Math.min(Math.max(V.t1 - V.t0, MIN_SPAN), total + 2 * pad);
		let t0 = Math.min(Math.max(V.t0, -pad), total + pad - span);
		V.t0 = t0;
		V.t1 = t0 + span;
		const maxY = Math.max(0, M.nlanes * V.laneH - V.areaH);
		V.scrollY = Math.min(Math.max(V.scrollY, 0), maxY);
	}

	function redraw() {
		if (V.pending)
			return;
		V.pending = true;
		requestAnimationFrame(() => {
			V.pending = false;
			draw();
		});
	}

	function layout() {
		const box = $("timeline");
		const cssW = Math.max(200, box.clientWidth);
		const cap = Math.max(160, Math.round(window.innerHeight * 0.62) - AXIS_H);
		V.laneH = Math.max(3, Math.min(18, Math.floor(cap / M.nlanes)));
		V.areaH = Math.min(M.nlanes * V.laneH, cap);
		V.W = cssW;
		V.H = AXIS_H + V.areaH + 2 + (M.metrics ? METRICS_H : 0);
		V.dpr = window.devicePixelRatio || 1;
		canvas.width = Math.round(cssW * V.dpr);
		canvas.height = Math.round(V.H * V.dpr);
		canvas.style.height = V.H + "px";
		clampView();
	}

	function xOf(t) {
		return (t - V.t0) * V.W / (V.t1 - V.t0);
	}

	function laneY(l) {
		return AXIS_H + l * V.laneH - V.scrollY;
	}

	function dimmed(b) {
		if (V.matches && !V.matchSet[b])
			return true;
		return V.related !== null && !V.related[M.barProc[b]];
	}

	function barStyle(b) {
		const st = STATUS[M.status[M.barProc[b]]];
		return dimmed(b) ? st.dim : st.fill;
	}

	function drawLane(l) {
		const y = laneY(l), h = V.laneH;
		const full = Math.max(1, h - (h >= 6 ? 2 : 1));
		const thin = Math.max(1, Math.round(full * 0.35));
		const k = V.W / (V.t1 - V.t0);
		const a = M.laneOff[l], z = M.laneOff[l + 1];
		let lo = a, hi = z;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (M.laneMaxStop[mid] < V.t0)
				lo = mid + 1;
			else
				hi = mid;
		}
		// Bars thinner than a pixel are merged into runs, drawn in the colour of their
		// longest bar (a search match or a highlighted one first), with a red strip on
		// top when a failure is among them.
		let runX0 = 0, runX1 = -1, runBar = -1, runKey = -1, runFull = false, runFail = false;
		const flush = () => {
			if (runBar < 0)
				return;
			ctx.fillStyle = barStyle(runBar);
			const hh = runFull ? full : thin;
			ctx.fillRect(runX0, y + (h - hh) / 2, runX1 - runX0, hh);
			if (runFail && !FAILED[M.status[M.barProc[runBar]]]) {
				ctx.fillStyle = STATUS[ST_FAILED].fill;
				ctx.fillRect(runX0, y + (h - full) / 2, runX1 - runX0, Math.max(1, Math.round(full / 3)));
			}
			runBar = -1;
		};
		const labels = h >= 11;
		for (let q = lo; q < z; q++) {
			const b = M.laneBars[q];
			const s = M.barStart[b];
			if (s > V.t1)
				break;
			const x0 = (s - V.t0) * k, x1 = (M.barStop[b] - V.t0) * k;
			const fork = M.barSpan[b] < 0;
			if (x1 - x0 < 2) {
				const dim = dimmed(b);
				const key = (V.matches && V.matchSet[b] ? 4 : 0) + (dim ? 0 : 2) + (x1 - x0) / 4;
				const failed = !dim && FAILED[M.status[M.barProc[b]]];
				const c0 = Math.floor(x0);
				// a run stays a few pixels wide: a failure or a match in it marks only those
				if (c0 <= runX1 && c0 <= runX0 + 2) {
					runX1 = Math.max(runX1, Math.ceil(x1));
					if (key > runKey) {
						runKey = key;
						runBar = b;
					}
					runFull = runFull || !fork;
					runFail = runFail || failed;
					continue;
				}
				flush();
				runX0 = c0;
				runX1 = Math.max(c0 + 1, Math.ceil(x1));
				runBar = b;
				runKey = key;
				runFull = !fork;
				runFail = failed;
				continue;
			}
			flush();
			const xa = Math.max(x0, -4), xb = Math.min(x1, V.W + 4);
			const w = xb - xa > 4 ? xb - xa - 1 : xb - xa;
			const hh = fork ? thin : full;
			ctx.fillStyle = barStyle(b);
			ctx.fillRect(xa, y + (h - hh) / 2, w, hh);
			if (labels && !fork && w > 3 * charW) {
				const st = STATUS[M.status[M.barProc[b]]];
				const room = Math.floor((w - 6) / charW);
				let text = barName(M, b);
				if (text.length > room)
					text = room > 1 ? text.slice(0, room - 1) + "…" : "";
				if (text) {
					ctx.fillStyle = dimmed(b) ? "#5f6770" : st.text;
					ctx.fillText(text, Math.max(xa, 0) + 3, y + h / 2 + 0.5);
				}
			}
		}
		flush();
	}

	function outlineBar(b, colour, width) {
		const l = M.lane[M.barProc[b]];
		const y = laneY(l);
		const x0 = Math.max(xOf(M.barStart[b]), -4), x1 = Math.min(xOf(M.barStop[b]), V.W + 4);
		ctx.strokeStyle = colour;
		ctx.lineWidth = width;
		ctx.strokeRect(x0 - width / 2, y + width / 2, Math.max(x1 - x0, 1) + width, V.laneH - width);
	}

	function drawAxis() {
		const span = V.t1 - V.t0;
		const step = niceStep(span * 110 / V.W);
		ctx.fillStyle = "#ffffff";
		ctx.fillRect(0, 0, V.W, AXIS_H);
		ctx.strokeStyle = "#d8dde3";
		ctx.lineWidth = 1;
		ctx.beginPath();
		ctx.moveTo(0, AXIS_H - 0.5);
		ctx.lineTo(V.W, AXIS_H - 0.5);
		ctx.stroke();
		ctx.fillStyle = "#4a535d";
		ctx.textBaseline = "middle";
		const first = Math.ceil(V.t0 / step) * step;
		for (let t = first; t <= V.t1; t += step) {
			const x = Math.round(xOf(t)) + 0.5;
			ctx.beginPath();
			ctx.moveTo(x, AXIS_H - 6);
			ctx.lineTo(x, AXIS_H);
			ctx.stroke();
			ctx.fillText(fmtTick(t, step, Math.max(Math.abs(V.t0), Math.abs(V.t1))), x + 3, AXIS_H / 2 - 1);
		}
	}

	function drawGrid() {
		const span = V.t1 - V.t0;
		const step = niceStep(span * 110 / V.W);
		ctx.strokeStyle = "#eef1f4";
		ctx.lineWidth = 1;
		ctx.beginPath();
		for (let t = Math.ceil(V.t0 / step) * step; t <= V.t1; t += step) {
			const x = Math.round(xOf(t)) + 0.5;
			ctx.moveTo(x, AXIS_H);
			ctx.lineTo(x, V.H);
		}
		ctx.stroke();
		// the run's end, so that the axis past it reads as nothing
		ctx.fillStyle = "#f3f4f6";
		const xe = xOf(M.end);
		if (xe < V.W)
			ctx.fillRect(Math.max(xe, 0), AXIS_H, V.W - Math.max(xe, 0), V.H - AXIS_H);
		const x0 = xOf(0);
		if (x0 > 0)
			ctx.fillRect(0, AXIS_H, Math.min(x0, V.W), V.H - AXIS_H);
	}

	function draw() {
		ctx.setTransform(V.dpr, 0, 0, V.dpr, 0, 0);
		ctx.clearRect(0, 0, V.W, V.H);
		ctx.font = "11px ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
		ctx.textBaseline = "middle";
		drawGrid();
		ctx.save();
		ctx.beginPath();
		ctx.rect(0, AXIS_H, V.W, V.areaH + 2);
		ctx.clip();
		const l0 = Math.max(0, Math.floor(V.scrollY / V.laneH));
		const l1 = Math.min(M.nlanes - 1, Math.floor((V.scrollY + V.areaH) / V.laneH));
		for (let l = l0; l <= l1; l++)
			drawLane(l);
		if (V.crit)
			drawCrit();
		if (V.matches && V.mi >= 0)
			outlineBar(V.matches[V.mi], MATCH_COLOUR, 3);
		if (V.sel >= 0)
			for (let b = M.firstBar[V.sel]; b < M.firstBar[V.sel] + M.nbars[V.sel]; b++)
				outlineBar(b, SEL_COLOUR, 2);
		if (V.hover >= 0)
			outlineBar(V.hover, SEL_COLOUR, 1);
		ctx.restore();
		drawAxis();
		drawMetrics();
	}

	// The metrics strip's two bands: where each starts, and their height.
	function metricsBands() {
		const y0 = AXIS_H + V.areaH + 2, band = (METRICS_H - 10) / 2;
		return { y0, cpu: y0 + 4, mem: y0 + 8 + band, band };
	}

	// The row of the metrics' series at x, or -1.
	function metricsRow(x) {
		const mm = M.metrics;
		const j = Math.floor((V.t0 + x * (V.t1 - V.t0) / V.W - mm.t0) / mm.interval);
		return j >= 0 && j < mm.n ? j : -1;
	}

	// One band: a value per row as a bar from the band's bottom, at most one bar per pixel
	// column (the largest value of the rows in it) so that a long run draws as fast as a short one.
	function drawBand(v, v2, max, y, h, colour) {
		const mm = M.metrics;
		const j0 = Math.max(0, Math.floor((V.t0 - mm.t0) / mm.interval));
		const j1 = Math.min(mm.n - 1, Math.floor((V.t1 - mm.t0) / mm.interval));
		const cols = new Float64Array(Math.ceil(V.W) + 1).fill(-1);
		const scale = max > 0 ? h / max : 0;
		ctx.fillStyle = colour;
		for (let j = j0; j <= j1; j++) {
			const val = v[j] + (v2 ? v2[j] : 0);
			const xa = xOf(mm.t0 + j * mm.interval), xb = xOf(mm.t0 + (j + 1) * mm.interval);
			if (xb - xa >= 1) {
				ctx.fillRect(xa, y + h - val * scale, xb - xa, val * scale);
				continue;
			}
			const c = Math.min(Math.max(Math.floor(xa), 0), cols.length - 1);
			cols[c] = Math.max(cols[c], val);
		}
		for (let c = 0; c < cols.length; c++)
			if (cols[c] > 0)
				ctx.fillRect(c, y + h - cols[c] * scale, 1, cols[c] * scale);
	}

	function drawMetrics() {
		const mm = M.metrics;
		if (!mm)
			return;
		const b = metricsBands();
		ctx.fillStyle = "#ffffff";
		ctx.fillRect(0, b.y0, V.W, METRICS_H);
		ctx.strokeStyle = "#d8dde3";
		ctx.lineWidth = 1;
		ctx.beginPath();
		ctx.moveTo(0, b.y0 + 0.5);
		ctx.lineTo(V.W, b.y0 + 0.5);
		ctx.stroke();
		ctx.globalAlpha = 0.75;
		drawBand(mm.cores, null, mm.maxCores, b.cpu, b.band, CPU_COLOUR);
		drawBand(mm.rss, mm.swap, mm.maxMem, b.mem, b.band, MEM_COLOUR);
		ctx.globalAlpha = 1;
		ctx.fillStyle = "#1d232b";
		ctx.textBaseline = "top";
		ctx.fillText("cores busy, peak " + mm.maxCores.toFixed(2), 4, b.cpu);
		ctx.fillText("memory (resident + swap), peak " + fmtKiB(mm.maxMem), 4, b.mem);
		ctx.textBaseline = "middle";
		if (V.metricsX >= 0) {
			ctx.strokeStyle = SEL_COLOUR;
			ctx.beginPath();
			ctx.moveTo(Math.round(V.metricsX) + 0.5, b.y0);
			ctx.lineTo(Math.round(V.metricsX) + 0.5, b.y0 + METRICS_H);
			ctx.stroke();
		}
	}

	// The tooltip over the metrics strip: the row under the pointer.
	function showMetricsTip(x, y) {
		const mm = M.metrics, j = metricsRow(x), tip = $("tip");
		if (j < 0) {
			tip.hidden = true;
			return;
		}
		const t = mm.t0 + j * mm.interval;
		tip.textContent = "";
		tip.append(el("b", null, fmtDur(Math.max(t, 0)) + " – " + fmtDur(Math.max(t + mm.interval, 0))),
			" · " + mm.cores[j].toFixed(2) + " cores busy · " + plural(mm.procs[j], "process", "processes") +
			" · " + plural(mm.threads[j], "thread", "threads"));
		tip.append(el("div", null, "resident " + fmtKiB(mm.rss[j]) + " · swap " + fmtKiB(mm.swap[j])));
		placeTip(x, y, true);
	}

	function drawCrit() {
		const K = M.D.K;
		ctx.strokeStyle = CRIT_COLOUR;
		ctx.fillStyle = CRIT_COLOUR;
		ctx.lineWidth = 2;
		for (let k = 0; k + 3 < K.length; k += 4) {
			const i = K[k];
			if (i < 0 || i >= M.n)
				continue;
			const x0 = xOf(K[k + 1]), x1 = xOf(K[k + 2]);
			if (x1 < -4 || x0 > V.W + 4)
				continue;
			const y = laneY(M.lane[i]);
			if (y + V.laneH < AXIS_H || y > V.H)
				continue;
			const w = Math.max(x1 - x0, 2);
			ctx.strokeRect(Math.max(x0, -4) - 1, y + 1, Math.min(w, V.W + 8) + 2, V.laneH - 2);
			ctx.fillRect(Math.max(x0, -4), y + V.laneH - 3, Math.min(w, V.W + 8), 2);
		}
	}

	// --- finding bars -------------------------------------------------------------------

	// The bar under (x, y) in CSS pixels, within a few pixels for thin ones; -1 if none.
	function barAt(x, y) {
		if (y < AXIS_H || y >= AXIS_H + V.areaH + 2)
			return -1;
		const l = Math.floor((y - AXIS_H + V.scrollY) / V.laneH);
		if (l < 0 || l >= M.nlanes)
			return -1;
		const per = (V.t1 - V.t0) / V.W;
		const t = V.t0 + x * per, slack = 3 * per;
		const a = M.laneOff[l], z = M.laneOff[l + 1];
		let lo = a, hi = z;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (M.laneMaxStop[mid] < t - slack)
				lo = mid + 1;
			else
				hi = mid;
		}
		let best = -1, bestD = Infinity;
		for (let q = lo; q < z; q++) {
			const b = M.laneBars[q];
			if (M.barStart[b] > t + slack)
				break;
			const d = t < M.barStart[b] ? M.barStart[b] - t : t > M.barStop[b] ? t - M.barStop[b] : 0;
			// inside a bar wins; a thin neighbour only when nothing is under the pointer
			if (d < bestD || (d === 0 && bestD === 0 && M.barSpan[b] >= 0)) {
				best = b;
				bestD = d;
			}
		}
		return bestD <= slack ? best : -1;
	}

	// The bar a process is drawn by (its longest exec image, else its fork part).
	function mainBar(i) {
		let best = M.firstBar[i], len = -1;
		for (let b = M.firstBar[i]; b < M.firstBar[i] + M.nbars[i]; b++) {
			const d = M.barStop[b] - M.barStart[b] + (M.barSpan[b] >= 0 ? 1e18 : 0);
			if (d > len) {
				best = b;
				len = d;
			}
		}
		return best;
	}

	// Bring bar b into view: zoomed so that it is a third of the width, or as it is if it fits.
	function reveal(b, zoom) {
		const s = M.barStart[b], e = M.barStop[b];
		let span = V.t1 - V.t0;
		if (zoom || e - s > span * 0.9 || e - s < span / V.W * 3)
			span = Math.max((e - s) * 3, MIN_SPAN);
		if (zoom || s < V.t0 || e > V.t1 || span !== V.t1 - V.t0) {
			V.t0 = (s + e) / 2 - span / 2;
			V.t1 = V.t0 + span;
		}
		const y = M.lane[M.barProc[b]] * V.laneH;
		if (y < V.scrollY || y + V.laneH > V.scrollY + V.areaH)
			V.scrollY = y - V.areaH / 2;
		clampView();
		redraw();
	}

	// --- selection and details ---------------------------------------------------------

	function select(i, bar) {
		V.sel = i;
		V.selBar = i >= 0 ? (bar >= 0 ? bar : mainBar(i)) : -1;
		V.related = null;
		if (i >= 0) {
			// its ancestors and descendants stay in colour, the rest fades
			const r = new Uint8Array(M.n);
			for (let a = i; a >= 0; a = M.parent[a])
				r[a] = 1;
			const stack = [i];
			while (stack.length) {
				const p = stack.pop();
				r[p] = 1;
				for (let c = M.childOff[p]; c < M.childOff[p + 1]; c++)
					stack.push(M.children[c]);
			}
			V.related = r;
		}
		showDetails();
		redraw();
	}

	function procLink(i) {
		return el("a", { class: "proc", href: "#", onclick: (e) => {
			e.preventDefault();
			select(i, -1);
			reveal(V.selBar, false);
		} }, procName(M, i) + " (pid " + M.pid[i] + ")");
	}

	function statusDot(i) {
		return el("span", { class: "dot", style: "background:" + STATUS[M.status[i]].fill });
	}

	function argvBlock(argv) {
		const box = el("div", { class: "argv" });
		argv.forEach((a, k) => {
			if (k)
				box.append(el("span", { class: "sep" }, " "));
			box.append(a === "" ? "''" : argNodes(a));
		});
		return box;
	}

	function showDetails() {
		const box = $("details");
		box.textContent = "";
		const i = V.sel;
		if (i < 0) {
			box.append(el("p", { class: "hint" }, "Hover a bar to see what it ran; click it for its details, its parent and children."));
			return;
		}
		const b = V.selBar;
		const s = b >= 0 ? M.barSpan[b] : -1;
		const st = STATUS[M.status[i]];
		box.append(el("h2", null, s >= 0 ? str(M, M.spanCmd[s]) : barName(M, b),
			el("span", { class: "badge", style: "background:" + st.fill + ";color:" + st.text }, statusText(M, i))));
		const kv = el("table", { class: "kv" });
		const row = (k, ...v) => kv.append(el("tr", null, el("th", null, k), el("td", null, ...v)));
		if (s >= 0) {
			const argv = argvOf(M, s);
			box.append(argvBlock(argv));
			if (M.spanFlags[s] & XF_NO_ARGV)
				box.append(el("p", { class: "note" }, "This recording has no argv for this exec."));
			if (M.spanFlags[s] & XF_TRUNCATED)
				box.append(el("p", { class: "note" }, "argv was cut by the recorder (longer than it keeps)."));
			box.append(el("details", { class: "json" }, el("summary", null, "argv as JSON (" + argv.length + " arguments)"),
				el("pre", null, JSON.stringify(argv))));
			row("file", M.spanFile[s] >= 0 ? str(M, M.spanFile[s]) : "(not recorded)");
			row("cwd", M.spanCwd[s] >= 0 ? str(M, M.spanCwd[s]) : "(not in this recording)");
			row("image", fmtDur(M.spanStop[s] - M.spanStart[s]) + ", from " + fmtDur(M.spanStart[s]) + " to " + fmtDur(M.spanStop[s]));
		} else {
			box.append(el("p", { class: "note" }, M.nexec[i] ? "The part of the process before its first exec: it ran its parent's program." :
				"This process never exec'd: it ran its parent's program (a subshell, a forked worker)."));
			const inh = M.inherited[i];
			if (inh >= 0)
				box.append(argvBlock(argvOf(M, inh)));
		}
		row("pid", String(M.pid[i]));
		row("parent", M.parent[i] >= 0 ? procLink(M.parent[i]) : "(none in the recording)");
		row("process", "from " + fmtDur(M.start[i]) + " to " + fmtDur(M.stop[i]) + ": " + fmtDur(M.stop[i] - M.start[i]));
		row("status", statusText(M, i));
		if (M.user[i] >= 0)
			row("CPU", fmtDur(M.user[i] + M.sys[i]) + " (user " + fmtDur(M.user[i]) + ", system " + fmtDur(M.sys[i]) + ")");
		else
			row("CPU", "(not recorded)");
		row("peak RSS", M.rss[i] >= 0 ? fmtKiB(M.rss[i]) : "(not recorded)");
		if (M.nbad[i])
			row("failed execs", M.nbad[i] + " (an exec that failed; a PATH search makes some)");
		if (M.flags[i] & PF_CRIT)
			row("critical path", "yes: the end of the run waited for it");
		const nkids = M.childOff[i + 1] - M.childOff[i];
		if (nkids) {
			const td = el("span");
			const shown = Math.min(nkids, 12);
			for (let c = 0; c < shown; c++) {
				if (c)
					td.append(", ");
				td.append(procLink(M.children[M.childOff[i] + c]));
			}
			if (nkids > shown)
				td.append(" and " + (nkids - shown) + " more");
			row("children", nkids + ": ", td);
		}
		if (M.nexec[i] > 1) {
			const td = el("span");
			for (let j = 0; j < M.nexec[i]; j++) {
				const sj = M.firstSpan[i] + j;
				const bj = M.firstBar[i] + M.nbars[i] - M.nexec[i] + j;
				if (j)
					td.append(" → ");
				td.append(el("a", { class: "proc", href: "#", onclick: (e) => {
					e.preventDefault();
					select(i, bj);
				} }, str(M, M.spanCmd[sj])));
			}
			row("exec images", td);
		}
		box.append(kv);
	}

	function showTip(b, x, y) {
		const tip = $("tip");
		if (b < 0) {
			tip.hidden = true;
			return;
		}
		const i = M.barProc[b], s = M.barSpan[b];
		tip.textContent = "";
		tip.append(el("b", null, barName(M, b)), " · " + statusText(M, i) + " · " + fmtDur(M.barStop[b] - M.barStart[b]) +
			" · pid " + M.pid[i]);
		const argv = s >= 0 ? argvOf(M, s) : M.inherited[i] >= 0 ? argvOf(M, M.inherited[i]) : [];
		if (argv.length)
			tip.append(el("div", { class: "tip-argv" }, argvLine(argv, 300)));
		placeTip(x, y, false);
	}

	// Show the tooltip beside the pointer at (x, y) in the timeline, inside it: below the
	// pointer if it fits there, else above (always above when above is true).
	function placeTip(x, y, above) {
		const tip = $("tip");
		tip.hidden = false;
		const box = $("timeline").getBoundingClientRect();
		const w = tip.offsetWidth, h = tip.offsetHeight;
		tip.style.left = Math.max(0, Math.min(x + 14, box.width - w - 4)) + "px";
		tip.style.top = (above || y + 18 + h > box.height ? Math.max(0, y - h - 8) : y + 18) + "px";
	}

	// --- search ---------------------------------------------------------------------------

	let hay = null;

	function search(q) {
		V.query = q;
		V.mi = -1;
		const count = $("count");
		if (!q) {
			V.matches = null;
			V.matchSet = null;
			count.textContent = "";
			count.className = "count";
			redraw();
			return;
		}
		const ql = q.toLowerCase();
		if (!hay) {
			hay = new Array(M.ns);
			for (let s = 0; s < M.ns; s++)
				hay[s] = argvOf(M, s).join(" ").toLowerCase();
		}
		const nameHit = new Map();
		const hits = [];
		for (let b = 0; b < M.nb; b++) {
			const s = M.barSpan[b];
			if (s < 0)
				continue;
			const c = M.spanCmd[s];
			let h = nameHit.get(c);
			if (h === undefined) {
				h = str(M, c).toLowerCase().includes(ql);
				nameHit.set(c, h);
			}
			if (h || hay[s].includes(ql))
				hits.push(b);
		}
		hits.sort((x, y) => M.barStart[x] - M.barStart[y] || x - y);
		V.matches = Int32Array.from(hits);
		V.matchSet = new Uint8Array(M.nb);
		for (const b of hits)
			V.matchSet[b] = 1;
		count.className = hits.length ? "count" : "count none";
		count.textContent = hits.length ? plural(hits.length, "match", "matches") : "no match";
		redraw();
	}

	function step(dir) {
		if (!V.matches || !V.matches.length)
			return;
		const n = V.matches.length;
		V.mi = V.mi < 0 ? (dir > 0 ? 0 : n - 1) : (V.mi + dir + n) % n;
		const b = V.matches[V.mi];
		$("count").textContent = fmtCount(V.mi + 1) + " of " + plural(n, "match", "matches");
		select(M.barProc[b], b);
		reveal(b, false);
	}

	// --- tables ---------------------------------------------------------------------------

	// A sortable table of rows (process indices or objects); clicking a row calls pick(row).
	function table(title, note, cols, rows, pick, rowClass) {
		const sec = el("section");
		sec.append(el("h2", null, title));
		if (note)
			sec.append(el("p", { class: "note" }, note));
		if (!rows.length) {
			sec.append(el("p", { class: "note" }, "None."));
			return sec;
		}
		const tbl = el("table", { class: "list" });
		const head = el("tr");
		const body = el("tbody");
		let shown = Math.min(rows.length, 25), order = rows.slice(), sortCol = -1, asc = false;
		const fill = () => {
			body.textContent = "";
			for (let r = 0; r < shown; r++) {
				const row = order[r];
				const tr = el("tr", { class: rowClass ? rowClass(row) : "", onclick: () => pick(row) });
				for (const c of cols)
					tr.append(el("td", { class: c.cls || "", title: c.title ? c.title(row) : "" }, c.f(row)));
				body.append(tr);
			}
			more.hidden = shown >= order.length;
			more.textContent = "show all " + fmtCount(order.length);
		};
		cols.forEach((c, k) => {
			const th = el("th", { class: c.cls === "num" ? "num" : "", title: "sort by " + c.h }, c.h);
			th.addEventListener("click", () => {
				asc = sortCol === k ? !asc : !!c.asc;
				sortCol = k;
				order = rows.slice().sort((x, y) => {
					const a = c.v(x), b = c.v(y);
					return (a < b ? -1 : a > b ? 1 : 0) * (asc ? 1 : -1);
				});
				for (const h of head.children)
					h.classList.remove("sorted", "asc");
				th.classList.add("sorted");
				if (asc)
					th.classList.add("asc");
				fill();
			});
			head.append(th);
		});
		const more = el("button", { class: "more", type: "button", onclick: () => {
			shown = order.length;
			fill();
		} });
		tbl.append(el("thead", null, head), body);
		sec.append(tbl, more);
		fill();
		return sec;
	}

	function pickProc(i) {
		select(i, -1);
		reveal(V.selBar, true);
		$("timeline").scrollIntoView({ block: "nearest" });
	}

	const colCmd = { h: "command", cls: "cmd", v: (i) => procName(M, i), asc: true,
		f: (i) => el("span", null, statusDot(i), procName(M, i)) };
	const colArgs = { h: "argv", cls: "args", v: (i) => argvLine(procArgv(M, i)), asc: true,
		f: (i) => argvLine(procArgv(M, i), 400), title: (i) => argvLine(procArgv(M, i), 2000) };
	const colWall = { h: "wall", cls: "num", v: (i) => M.stop[i] - M.start[i], f: (i) => fmtDur(M.stop[i] - M.start[i]) };
	const colStart = { h: "start", cls: "num", v: (i) => M.start[i], f: (i) => fmtDur(M.start[i]), asc: true };
	const colCpu = { h: "CPU", cls: "num", v: (i) => M.user[i] + M.sys[i],
		f: (i) => M.user[i] >= 0 ? fmtDur(M.user[i] + M.sys[i]) : "?" };
	const colRss = { h: "peak RSS", cls: "num", v: (i) => M.rss[i], f: (i) => fmtKiB(M.rss[i]) };
	const colStatus = { h: "status", v: (i) => statusText(M, i), f: (i) => statusText(M, i), asc: true };
	const colPid = { h: "pid", cls: "num", v: (i) => M.pid[i], f: (i) => M.pid[i], asc: true };

	function tables() {
		const D = M.D, box = $("tables");
		box.textContent = "";
		const K = D.K || [];
		if (K.length >= 4) {
			const links = [];
			for (let k = 0; k + 3 < K.length; k += 4)
				links.push({ i: K[k], start: K[k + 1], stop: K[k + 2], wait: K[k + 3], n: links.length + 1 });
			box.append(table("Critical path: what the end of the run waited for", "From the recorded command down; each link's time on the path and, of that, the time it waited for the next link.", [
				{ h: "#", cls: "num", v: (r) => r.n, f: (r) => r.n, asc: true },
				{ h: "command", cls: "cmd", v: (r) => procName(M, r.i), f: (r) => el("span", null, statusDot(r.i), procName(M, r.i)), asc: true },
				{ h: "argv", cls: "args", v: (r) => argvLine(procArgv(M, r.i)), f: (r) => argvLine(procArgv(M, r.i), 400), asc: true },
				{ h: "start", cls: "num", v: (r) => r.start, f: (r) => fmtDur(r.start) },
				{ h: "on the path", cls: "num", v: (r) => r.stop - r.start, f: (r) => fmtDur(r.stop - r.start) },
				{ h: "own", cls: "num", v: (r) => r.stop - r.start - r.wait, f: (r) => fmtDur(r.stop - r.start - r.wait) },
				{ h: "waiting", cls: "num", v: (r) => r.wait, f: (r) => fmtDur(r.wait) },
			], links, (r) => pickProc(r.i)));
		}
		const F = D.F || [];
		const fails = [], cause = new Set();
		for (let k = 0; k + 1 < F.length; k += 2) {
			fails.push(F[k]);
			if (F[k + 1])
				cause.add(F[k]);
		}
		box.append(table("Failures: " + plural(fails.length, "process", "processes") + " exited non-zero or were killed",
			fails.length ? fmtCount(cause.size) + " failed on their own (none of their descendants failed): listed first; the others (greyed) passed up a failure below them." : "",
			[colStatus, colCmd, colArgs, colStart, colWall,
				{ h: "parent", cls: "cmd", v: (i) => (M.parent[i] >= 0 ? procName(M, M.parent[i]) : ""), asc: true,
					f: (i) => (M.parent[i] >= 0 ? procName(M, M.parent[i]) : "") }],
			fails, pickProc, (i) => (cause.has(i) ? "" : "muted")));
		box.append(table("Slowest processes", "The longest-lived processes (up to 100). A make or a shell lasts as long as what it waits for: its CPU says how much it did itself.",
			[colCmd, colArgs, colWall, colCpu, colRss, colStatus, colPid], Array.from(D.L || []), pickProc));
		const C = D.C || [], cmds = [];
		for (let k = 0; k + 6 < C.length; k += 7)
			cmds.push({ name: str(M, C[k]), images: C[k + 1], elapsed: C[k + 2], sum: C[k + 3], cpu: C[k + 4], procs: C[k + 5], failed: C[k + 6] });
		box.append(table("Top commands", "elapsed: the time at least one of its exec images was running (never more than the run); added up: their times summed (parallel ones count each); CPU: of the processes it names. Click a row to search for it.", [
			{ h: "command", cls: "cmd", v: (r) => r.name, f: (r) => r.name, asc: true },
			{ h: "images", cls: "num", v: (r) => r.images, f: (r) => fmtCount(r.images) },
			{ h: "elapsed", cls: "num", v: (r) => r.elapsed, f: (r) => fmtDur(r.elapsed) },
			{ h: "added up", cls: "num", v: (r) => r.sum, f: (r) => fmtDur(r.sum) },
			{ h: "CPU", cls: "num", v: (r) => r.cpu, f: (r) => fmtDur(r.cpu) },
			{ h: "processes", cls: "num", v: (r) => r.procs, f: (r) => fmtCount(r.procs) },
			{ h: "failed", cls: "num", v: (r) => r.failed, f: (r) => fmtCount(r.failed) },
		], cmds, (r) => {
			$("search").value = r.name;
			search(r.name);
			step(1);
			$("timeline").scrollIntoView({ block: "nearest" });
		}));
	}

	// --- header -----------------------------------------------------------------------------

	function header() {
		const D = M.D, meta = D.meta, T = D.T;
		const cmd = meta.command ? meta.command.join(" ") : M.n && meta.root >= 0 ? argvLine(procArgv(M, meta.root)) : "";
		$("title").textContent = cmd ? argvLine([cmd], 400) : "proctrace recording";
		const bits = [];
		if (meta.file)
			bits.push(meta.file);
		if (meta.start_time)
			bits.push("started " + meta.start_time);
		if (meta.host)
			bits.push("on " + meta.host + (meta.kernel ? " (Linux " + meta.kernel + ")" : ""));
		if (meta.tool)
			bits.push("recorded by " + meta.tool);
		$("meta").textContent = bits.join(" · ");
		const warn = $("warnings");
		const w = (text) => warn.append(el("div", { class: "warn" }, text));
		if (meta.lost)
			w(fmtCount(meta.lost) + " events were lost while recording: this view is incomplete.");
		if (meta.cut_short)
			w("The recording is cut short (the recorder was stopped before its end): processes still running then end with it.");
		if (meta.unknown_lines)
			w(fmtCount(meta.unknown_lines) + " lines of unknown event types were skipped.");
		// A system-wide recording has no root: it is not a subtree of anything.
		if (meta.root >= 0 && !meta.root_is_recorded && M.n)
			w("Only the subtree of pid " + M.pid[Math.max(meta.root, 0)] + " is shown; times count from its start.");
		if (!M.n)
			w("This recording has no processes.");
		const dl = $("totals");
		const box = (k, v, bad, title) => dl.append(el("div", { class: bad ? "bad" : "", title: title || "" }, el("dt", null, k), el("dd", null, v)));
		box("wall", fmtDur(T.wall), false, "the recorded command's lifetime");
		if (meta.exit_code !== null && meta.exit_code !== undefined)
			box("exit status", String(meta.exit_code), meta.exit_code !== 0);
		box("processes", fmtCount(T.procs));
		box("exec images", fmtCount(T.execs));
		box("failed", fmtCount(T.failed + T.killed), T.failed + T.killed > 0, "processes that exited non-zero or were killed");
		if (T.killed)
			box("killed", fmtCount(T.killed), true);
		if (T.running)
			box("still running", fmtCount(T.running), false, "processes with no Exit when the recording ended");
		if (T.bad_execs === null)
			box("failed execs", "not recorded", false, "recorded only with proctrace record --failed-execs");
		else
			box("failed execs", fmtCount(T.bad_execs) + (T.bad_execs ? " (" + plural(T.bad_misses, "PATH-search miss", "PATH-search misses") + ", " + plural(T.bad_real, "real failure", "real failures") + ")" : ""),
				false, "execve() calls that failed. PATH-search misses: a later exec of the same process succeeded (execvp and gcc try each directory that may hold the program). Real failures: no exec of that process succeeded after them.");
		box("CPU", T.cpu === null ? "?" : fmtDur(T.cpu), false, "user + system time of every process");
		box("largest peak RSS", T.max_rss_kb === null ? "?" : fmtKiB(T.max_rss_kb));
		box("lanes", fmtCount(D.lanes), false, "the most processes alive at once: one lane each");
		if (meta.lost)
			box("lost events", fmtCount(meta.lost), true);
	}

	function legend() {
		const lg = $("legend");
		for (const st of STATUS)
			lg.append(el("span", null, el("i", { style: "background:" + st.fill }), st.name));
		lg.append(el("span", null, el("i", { class: "thin", style: "background:" + STATUS[0].fill }), "fork, before any exec"));
		lg.append(el("span", null, el("i", { class: "outline", style: "border-color:" + CRIT_COLOUR }), "critical path"));
		lg.append(el("span", null, el("i", { class: "outline", style: "border-color:" + MATCH_COLOUR }), "current match"));
	}

	// --- input ------------------------------------------------------------------------------

	function zoomAt(x, factor) {
		const span = V.t1 - V.t0;
		const t = V.t0 + (x / V.W) * span;
		const total = Math.max(M.end, MIN_SPAN) * 1.1;
		const ns = Math.min(Math.max(span * factor, MIN_SPAN), total);
		V.t0 = t - (x / V.W) * ns;
		V.t1 = V.t0 + ns;
		clampView();
		redraw();
	}

	function pan(dx, dy) {
		const per = (V.t1 - V.t0) / V.W;
		V.t0 += dx * per;
		V.t1 += dx * per;
		V.scrollY += dy;
		clampView();
		redraw();
	}

	function fit() {
		V.t0 = 0;
		V.t1 = Math.max(M.end, MIN_SPAN);
		V.scrollY = 0;
		clampView();
		redraw();
	}

	function pointer(e) {
		const r = canvas.getBoundingClientRect();
		return [e.clientX - r.left, e.clientY - r.top];
	}

	function bindInput() {
		canvas.addEventListener("wheel", (e) => {
			e.preventDefault();
			const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? V.H : 1;
			const dx = e.deltaX * unit, dy = e.deltaY * unit;
			const [x] = pointer(e);
			if (e.shiftKey)
				pan(0, dy || dx);
			else if (Math.abs(dx) > Math.abs(dy))
				pan(dx, 0);
			else
				zoomAt(x, Math.exp(dy * 0.0015));
		}, { passive: false });
		canvas.addEventListener("pointerdown", (e) => {
			if (e.button !== 0)
				return;
			const [x, y] = pointer(e);
			V.drag = { x, y, moved: false, id: e.pointerId };
			canvas.setPointerCapture(e.pointerId);
			canvas.focus({ preventScroll: true });
		});
		canvas.addEventListener("pointermove", (e) => {
			const [x, y] = pointer(e);
			if (V.drag) {
				const dx = x - V.drag.x, dy = y - V.drag.y;
				if (!V.drag.moved && Math.abs(dx) + Math.abs(dy) < 4)
					return;
				V.drag.moved = true;
				canvas.classList.add("dragging");
				V.drag.x = x;
				V.drag.y = y;
				$("tip").hidden = true;
				pan(-dx, -dy);
				return;
			}
			const b = barAt(x, y);
			const mx = M.metrics && y >= metricsBands().y0 ? x : -1;
			if (b !== V.hover || mx !== V.metricsX) {
				V.hover = b;
				V.metricsX = mx;
				redraw();
			}
			if (mx >= 0)
				showMetricsTip(x, y);
			else
				showTip(b, x, y);
		});
		const end = (e) => {
			if (!V.drag)
				return;
			const moved = V.drag.moved;
			V.drag = null;
			canvas.classList.remove("dragging");
			if (!moved && e.type === "pointerup") {
				const [x, y] = pointer(e);
				const b = barAt(x, y);
				select(b >= 0 ? M.barProc[b] : -1, b);
			}
		};
		canvas.addEventListener("pointerup", end);
		canvas.addEventListener("pointercancel", end);
		canvas.addEventListener("pointerleave", () => {
			if (V.hover >= 0 || V.metricsX >= 0) {
				V.hover = -1;
				V.metricsX = -1;
				redraw();
			}
			$("tip").hidden = true;
		});
		canvas.addEventListener("dblclick", (e) => {
			const [x, y] = pointer(e);
			const b = barAt(x, y);
			if (b >= 0)
				reveal(b, true);
		});
		document.addEventListener("keydown", (e) => {
			const inInput = e.target instanceof HTMLInputElement;
			if (e.target === $("search")) {
				if (e.key === "Enter") {
					e.preventDefault();
					clearTimeout(timer);
					if (e.target.value !== V.query || !V.matches)
						search(e.target.value);
					step(e.shiftKey ? -1 : 1);
				} else if (e.key === "Escape") {
					e.target.value = "";
					search("");
					canvas.focus();
				}
				return;
			}
			if (inInput || e.ctrlKey || e.metaKey || e.altKey)
				return;
			const span = V.t1 - V.t0;
			const keys = {
				ArrowLeft: () => pan(-V.W * 0.2, 0), a: () => pan(-V.W * 0.2, 0),
				ArrowRight: () => pan(V.W * 0.2, 0), d: () => pan(V.W * 0.2, 0),
				ArrowUp: () => pan(0, -V.laneH * 3), ArrowDown: () => pan(0, V.laneH * 3),
				PageUp: () => pan(0, -V.areaH * 0.8), PageDown: () => pan(0, V.areaH * 0.8),
				"+": () => zoomAt(V.W / 2, 0.6), "=": () => zoomAt(V.W / 2, 0.6), w: () => zoomAt(V.W / 2, 0.6),
				"-": () => zoomAt(V.W / 2, 1 / 0.6), s: () => zoomAt(V.W / 2, 1 / 0.6),
				"0": fit, Home: fit,
				"/": () => $("search").focus(),
				n: () => step(1), N: () => step(-1),
				c: () => {
					$("crit").checked = !$("crit").checked;
					if (!(D.K && D.K.length)) {
				// nothing to outline: say so rather than offer a toggle that does nothing
				$("crit").checked = false;
				$("crit").disabled = true;
				$("crit").parentElement.title = "This page has no critical path: the model it was made from computed none.";
			}
			V.crit = $("crit").checked;
					redraw();
				},
				Escape: () => select(-1, -1),
			};
			const f = keys[e.key];
			if (!f || (span <= 0))
				return;
			e.preventDefault();
			f();
		});
		let timer = 0;
		$("search").addEventListener("input", (e) => {
			clearTimeout(timer);
			timer = setTimeout(() => search(e.target.value), 150);
		});
		$("next").addEventListener("click", () => {
			if ($("search").value !== V.query)
				search($("search").value);
			step(1);
		});
		$("prev").addEventListener("click", () => {
			if ($("search").value !== V.query)
				search($("search").value);
			step(-1);
		});
		$("crit").addEventListener("change", (e) => {
			V.crit = e.target.checked;
			redraw();
		});
		$("fit").addEventListener("click", fit);
		new ResizeObserver(() => {
			layout();
			draw();
		}).observe($("timeline"));
	}

	// --- start ---------------------------------------------------------------------------------

	// For scripts and tests: the model, the view, and where a process's bar is drawn.
	const api = {
		ready: false,
		firstDrawMs: null,
		timings: {}, // ms: when the script started, then what each step took
		error: null,
		view: () => ({ t0: V.t0, t1: V.t1, scrollY: V.scrollY, laneH: V.laneH, lanes: M.nlanes }),
		processes: () => M.n,
		// the metrics strip: its rows and peaks, or null without Samples
		metrics: () => M.metrics && { rows: M.metrics.n, interval: M.metrics.interval,
			maxCores: M.metrics.maxCores, maxMem: M.metrics.maxMem },
		find: (pid) => {
			const out = [];
			for (let i = 0; i < M.n; i++)
				if (M.pid[i] === pid)
					out.push(i);
			return out;
		},
		// the CSS-pixel box of process i's main bar in the canvas, after bringing it
		// into view (zoomed on it unless keepView)
		barBox: (i, keepView) => {
			const b = mainBar(i);
			if (!keepView)
				reveal(b, true);
			draw();
			const x0 = Math.max(xOf(M.barStart[b]), 0), x1 = Math.min(xOf(M.barStop[b]), V.W);
			return { x: x0, y: laneY(M.lane[i]), w: x1 - x0, h: V.laneH };
		},
	};
	window.proctrace = api;

	async function main() {
		try {
			api.timings.start = Math.round(performance.now());
			const D = await readData(api.timings);
			if (D.v !== 1)
				throw new Error("this page's data is format " + D.v + ", the page reads format 1");
			let t = performance.now();
			M = build(D);
			api.timings.model = Math.round(performance.now() - t);
			canvas = $("canvas");
			ctx = canvas.getContext("2d");
			ctx.font = "11px ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
			charW = ctx.measureText("0000000000").width / 10 || 7;
			if (!(D.K && D.K.length)) {
				// nothing to outline: say so rather than offer a toggle that does nothing
				$("crit").checked = false;
				$("crit").disabled = true;
				$("crit").parentElement.title = "This page has no critical path: the model it was made from computed none.";
			}
			V.crit = $("crit").checked;
			header();
			legend();
			layout();
			fit();
			t = performance.now();
			draw();
			api.timings.draw = Math.round(performance.now() - t);
			requestAnimationFrame(() => requestAnimationFrame(() => {
				// the frame with the timeline has been presented
				api.firstDrawMs = performance.now();
				document.documentElement.dataset.firstDraw = api.firstDrawMs.toFixed(0);
			}));
			bindInput();
			showDetails();
			tables();
			api.ready = true;
		} catch (err) {
			api.error = String(err && err.message ? err.message : err);
			const box = $("error");
			box.textContent = "This page could not show the recording: " + api.error;
			box.hidden = false;
			throw err;
		}
	}

	main();
})();
