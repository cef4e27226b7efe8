#!/usr/bin/env node
// tests/html/check.mjs: open pages of proctrace's html view in Debian's chromium (playwright-core) and check them.
//
// Usage: node check.mjs PAGE.html [CHECKS...] [PAGE2.html [CHECKS...] ...]
// Checks after a page apply to it:
//   --procs N            the page shows N processes
//   --search TEXT=N      typing TEXT in the search box and Enter finds N matches (exec images)
//   --argv PID@K=JSON    the K-th process with pid PID (1-based): hovering its bar shows its argv
//                        in the tooltip, clicking it shows exactly JSON (an array) in its details
//   --table NAME=N       the table whose title starts with NAME has N rows (all shown)
//   --crit N             the critical path table has N links (0: no such table)
//   --warnings N         the page shows N warnings above its totals (lost events, cut short,
//                        a --pid subtree, no process...)
//   --metrics N          its metrics strip has N rows (render -f metrics of a recording with
//                        Samples) and draws them, in both bands; 0: there is no strip
//   --empty              nothing to speak of to draw (no process, or one of no duration): fewer
//                        than 50 bar pixels, and no zoom or pan checks
//   --shot FILE.png      a screenshot of the page as it first shows (before the checks)
//   --hover PID          for the screenshot: the pointer on that pid's bar (its first process)
// Every page must also: load from file:// with no request but the file itself, no
// console error and no page error; read its data (proctrace.ready); draw its bars
// (pixels of the bar colours in the canvas, unless --empty); zoom in on the wheel,
// pan on a drag and fit again with the 0 key. Prints "first draw: N ms" per page.
// Exit 0 if every page passes, 1 otherwise (each failure printed), 2 on usage errors.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage"];
// The fills of page.js's STATUS (ok, failed, killed, running, unknown).
const FILLS = { ok: [0x4e, 0x79, 0xa7], failed: [0xe0, 0x31, 0x31], killed: [0x86, 0x2e, 0x9c],
	running: [0xf5, 0x9f, 0x00], unknown: [0x9a, 0xa0, 0xa6] };

function usage(msg) {
	console.error(`check.mjs: ${msg}`);
	console.error("usage: check.mjs PAGE.html [--procs N] [--search TEXT=N] [--argv PID@K=JSON] [--table NAME=N] [--crit N] [--warnings N] [--metrics N] [--empty] [--shot FILE.png [--hover PID]] ...");
	process.exit(2);
}

const pages = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	const value = () => {
		if (i + 1 >= argv.length)
			usage(`${a} needs a value`);
		return argv[++i];
	};
	const cur = () => {
		if (!pages.length)
			usage(`${a} must follow a page`);
		return pages[pages.length - 1];
	};
	const pair = (v, sep) => {
		const k = v.lastIndexOf(sep);
		if (k < 0)
			usage(`${a}: expected ...${sep}...`);
		return [v.slice(0, k), v.slice(k + 1)];
	};
	if (a === "--procs") {
		cur().procs = Number(value());
	} else if (a === "--search") {
		const [q, n] = pair(value(), "=");
		cur().searches.push({ q, n: Number(n) });
	} else if (a === "--argv") {
		const v = value(), k = v.indexOf("=");
		if (k < 0)
			usage("--argv: expected PID@K=JSON");
		const [pid, nth] = v.slice(0, k).split("@");
		cur().argvs.push({ pid: Number(pid), nth: Number(nth || 1), argv: JSON.parse(v.slice(k + 1)) });
	} else if (a === "--table") {
		const [name, n] = pair(value(), "=");
		cur().tables.push({ name, n: Number(n) });
	} else if (a === "--crit") {
		cur().crit = Number(value());
	} else if (a === "--metrics") {
		cur().metrics = Number(value());
	} else if (a === "--warnings") {
		cur().warnings = Number(value());
	} else if (a === "--empty") {
		cur().empty = true;
	} else if (a === "--shot") {
		cur().shot = value();
	} else if (a === "--hover") {
		cur().hover = Number(value());
	} else if (a.startsWith("--")) {
		usage(`unknown option ${a}`);
	} else {
		pages.push({ file: path.resolve(a), searches: [], argvs: [], tables: [] });
	}
}
if (!pages.length)
	usage("no page given");

let failures = 0;
function fail(page, msg) {
	console.log(`FAIL ${path.basename(page.file)}: ${msg}`);
	failures++;
}

// Pixels of each bar colour in the canvas.
async function colourCounts(pg) {
	return pg.evaluate((fills) => {
		const c = document.getElementById("canvas");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		const out = {};
		for (const k in fills)
			out[k] = 0;
		for (let i = 0; i < d.length; i += 4)
			for (const k in fills)
				if (d[i] === fills[k][0] && d[i + 1] === fills[k][1] && d[i + 2] === fills[k][2])
					out[k]++;
		return out;
	}, FILLS);
}

async function checkPage(context, page) {
	const url = pathToFileURL(page.file).href;
	const pg = await context.newPage();
	const requests = [], errors = [];
	pg.on("request", (r) => requests.push(r.url()));
	pg.on("console", (m) => {
		if (m.type() === "error" || m.type() === "warning")
			errors.push(`console ${m.type()}: ${m.text()}`);
	});
	pg.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
	await pg.setViewportSize({ width: 1280, height: 900 });
	await pg.goto(url, { waitUntil: "load" });
	try {
		await pg.waitForFunction(() => window.proctrace && (window.proctrace.firstDrawMs !== null || window.proctrace.error),
			null, { timeout: 120000 });
	} catch (e) {
		fail(page, `the page never drew: ${e.message.split("\n")[0]}`);
	}
	const state = await pg.evaluate(() => ({ ready: window.proctrace && window.proctrace.ready,
		error: window.proctrace && window.proctrace.error, first: window.proctrace && window.proctrace.firstDrawMs,
		procs: window.proctrace && window.proctrace.ready ? window.proctrace.processes() : -1,
		timings: window.proctrace && window.proctrace.timings }));
	if (state.error)
		fail(page, `the page says: ${state.error}`);
	if (!state.ready) {
		fail(page, "proctrace.ready is not set");
		for (const e of errors)
			fail(page, e);
		await pg.close();
		return;
	}
	console.log(`${path.basename(page.file)}: first draw: ${state.first === null ? "?" : state.first.toFixed(0)} ms, ` +
		`${fs.statSync(page.file).size} bytes, ${state.procs} processes (ms: ${JSON.stringify(state.timings)})`);
	if (page.procs !== undefined && state.procs !== page.procs)
		fail(page, `shows ${state.procs} processes, want ${page.procs}`);

	if (page.shot) {
		if (page.hover !== undefined) {
			const cbox = await (await pg.$("#canvas")).boundingBox();
			const box = await pg.evaluate((pid) => window.proctrace.barBox(window.proctrace.find(pid)[0], true), page.hover);
			await pg.mouse.move(cbox.x + box.x + Math.min(box.w / 2, 30), cbox.y + box.y + box.h / 2);
			await pg.waitForTimeout(100);
		}
		await pg.screenshot({ path: page.shot });
		await pg.mouse.move(0, 0);
	}

	const colours = await colourCounts(pg);
	const drawn = Object.values(colours).reduce((a, b) => a + b, 0);
	if (page.empty && drawn >= 50)
		fail(page, `an empty recording drew ${drawn} bar pixels`);
	if (!page.empty && drawn < 50)
		fail(page, `the canvas shows no bars (${JSON.stringify(colours)})`);

	// zoom on the wheel, pan on a drag, fit with 0
	const canvas = await pg.$("#canvas");
	const cb = await canvas.boundingBox();
	const v0 = await pg.evaluate(() => window.proctrace.view());
	if (!page.empty)
		await zoomPan(page, pg, canvas, cb, v0);
	await searchesArgvTables(page, pg, cb);
	const other = requests.filter((u) => u !== url);
	if (other.length)
		fail(page, `requests other than the page itself: ${other.slice(0, 5).join(" ")}`);
	for (const e of errors)
		fail(page, e);
	await pg.close();
}

async function zoomPan(page, pg, canvas, cb, v0) {
	await pg.mouse.move(cb.x + cb.width / 2, cb.y + cb.height / 2);
	await pg.mouse.wheel(0, -600);
	await pg.waitForTimeout(100);
	const v1 = await pg.evaluate(() => window.proctrace.view());
	if (!(v1.t1 - v1.t0 < (v0.t1 - v0.t0) * 0.8))
		fail(page, `the wheel did not zoom in: span ${v0.t1 - v0.t0} -> ${v1.t1 - v1.t0}`);
	await pg.mouse.move(cb.x + cb.width / 2, cb.y + cb.height / 2);
	await pg.mouse.down();
	await pg.mouse.move(cb.x + cb.width / 2 - 200, cb.y + cb.height / 2, { steps: 5 });
	await pg.mouse.up();
	await pg.waitForTimeout(50);
	const v2 = await pg.evaluate(() => window.proctrace.view());
	if (!(v2.t0 > v1.t0))
		fail(page, `dragging left did not move the view later: t0 ${v1.t0} -> ${v2.t0}`);
	await canvas.focus();
	await pg.keyboard.press("0");
	await pg.waitForTimeout(50);
	const v3 = await pg.evaluate(() => window.proctrace.view());
	if (Math.abs((v3.t1 - v3.t0) - (v0.t1 - v0.t0)) > 1e-6 * (v0.t1 - v0.t0) + 1)
		fail(page, `0 did not fit the view again: span ${v3.t1 - v3.t0}, first ${v0.t1 - v0.t0}`);
}

async function searchesArgvTables(page, pg, cb) {
	for (const s of page.searches) {
		await pg.fill("#search", s.q);
		await pg.focus("#search");
		await pg.keyboard.press("Enter");
		const text = await pg.textContent("#count");
		const m = /of ([\d,]+) match/.exec(text) || /^([\d,]+) match/.exec(text);
		const got = m ? Number(m[1].replace(/,/g, "")) : /no match/.test(text) ? 0 : NaN;
		if (got !== s.n)
			fail(page, `search ${JSON.stringify(s.q)}: ${JSON.stringify(text)}, want ${s.n} matches`);
		if (s.n > 1) {
			// Enter again goes to the next one
			await pg.keyboard.press("Enter");
			const again = await pg.textContent("#count");
			if (!/^2 of /.test(again))
				fail(page, `search ${JSON.stringify(s.q)}: Enter again shows ${JSON.stringify(again)}, want "2 of ..."`);
		}
		if (s.n > 0) {
			// the match is selected: its details show an argv containing the text
			const json = await pg.textContent("#details details.json pre").catch(() => "");
			const name = await pg.textContent("#details h2").catch(() => "");
			const hay = (JSON.parse(json || "[]").join(" ") + " " + name).toLowerCase();
			if (!hay.includes(s.q.toLowerCase()))
				fail(page, `search ${JSON.stringify(s.q)}: the selected match does not contain it: ${name} ${json}`);
		}
		await pg.fill("#search", "");
		await pg.keyboard.press("Escape");
	}

	for (const a of page.argvs) {
		const box = await pg.evaluate(([pid, nth]) => {
			const all = window.proctrace.find(pid);
			return nth <= all.length ? window.proctrace.barBox(all[nth - 1]) : null;
		}, [a.pid, a.nth]);
		if (!box) {
			fail(page, `no process ${a.pid}@${a.nth}`);
			continue;
		}
		const x = cb.x + box.x + Math.max(1, Math.min(box.w / 2, 40)), y = cb.y + box.y + box.h / 2;
		await pg.mouse.move(x, y);
		await pg.waitForTimeout(50);
		const tip = await pg.evaluate(() => {
			const t = document.getElementById("tip");
			return t.hidden ? null : t.textContent;
		});
		const line = a.argv.join(" ").replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
		if (tip === null)
			fail(page, `hovering pid ${a.pid} shows no tooltip`);
		else if (!tip.includes(line.slice(0, 200)))
			fail(page, `hovering pid ${a.pid}: tooltip ${JSON.stringify(tip)} lacks ${JSON.stringify(line.slice(0, 200))}`);
		await pg.mouse.click(x, y);
		const json = await pg.textContent("#details details.json pre").catch(() => null);
		if (json === null || JSON.stringify(JSON.parse(json)) !== JSON.stringify(a.argv))
			fail(page, `clicking pid ${a.pid}: details show ${json}, want ${JSON.stringify(a.argv)}`);
		const visible = await pg.textContent("#details .argv");
		const head = a.argv.length ? a.argv[0].split(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd']/)[0].slice(0, 20) : "";
		if (!visible.includes(head))
			fail(page, `clicking pid ${a.pid}: the argv shown (${JSON.stringify(visible)}) lacks argv[0]`);
	}

	for (const t of page.tables) {
		const n = await pg.evaluate((name) => {
			for (const sec of document.querySelectorAll("#tables section")) {
				if (!sec.querySelector("h2").textContent.startsWith(name))
					continue;
				const more = sec.querySelector("button.more");
				if (more && !more.hidden)
					more.click();
				return sec.querySelectorAll("tbody tr").length;
			}
			return -1;
		}, t.name);
		if (n !== t.n)
			fail(page, `table ${JSON.stringify(t.name)}: ${n} rows, want ${t.n}`);
	}
	if (page.metrics !== undefined) {
		// the whole run, as it first shows: the checks above zoomed in
		await pg.click("#fit");
		await pg.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
		const got = await pg.evaluate(() => {
			const mm = window.proctrace.metrics();
			if (!mm)
				return { rows: 0 };
			// the strip is the canvas below the lanes: pixels of each band's colour (drawn at
			// 75% over white)
			const c = document.getElementById("canvas"), dpr = window.devicePixelRatio || 1;
			const v = window.proctrace.view(), y0 = Math.ceil((24 + Math.min(v.lanes * v.laneH, c.height / dpr) + 2) * dpr);
			// read from a copy: the page's own canvas is read back once already (colourCounts)
			const copy = document.createElement("canvas");
			copy.width = c.width;
			copy.height = c.height;
			const cc = copy.getContext("2d", { willReadFrequently: true });
			cc.drawImage(c, 0, 0);
			const d = cc.getImageData(0, 0, c.width, c.height).data;
			const blend = (rgb) => rgb.map((x) => Math.round(0.75 * x + 0.25 * 255));
			const cpu = blend([0xe8, 0x59, 0x0c]), mem = blend([0x19, 0x71, 0xc2]);
			const near = (i, rgb) => Math.abs(d[i] - rgb[0]) <= 3 && Math.abs(d[i + 1] - rgb[1]) <= 3 && Math.abs(d[i + 2] - rgb[2]) <= 3;
			let nc = 0, nm = 0;
			for (let i = 0; i < d.length; i += 4) {
				if (Math.floor(i / 4 / c.width) < y0)
					continue;
				nc += near(i, cpu);
				nm += near(i, mem);
			}
			return { rows: mm.rows, cpu: nc, mem: nm, maxCores: mm.maxCores, maxMem: mm.maxMem };
		});
		if (got.rows !== page.metrics)
			fail(page, `metrics strip: ${got.rows} rows, want ${page.metrics}`);
		else if (got.rows && got.maxCores > 0 && got.cpu < 20)
			fail(page, `metrics strip: cores busy not drawn (${got.cpu} pixels)`);
		else if (got.rows && got.maxMem > 0 && got.mem < 20)
			fail(page, `metrics strip: memory not drawn (${got.mem} pixels)`);
	}
	if (page.warnings !== undefined) {
		const w = await pg.evaluate(() => [...document.querySelectorAll("#warnings .warn")].map((e) => e.textContent));
		if (w.length !== page.warnings)
			fail(page, `${w.length} warnings, want ${page.warnings}: ${JSON.stringify(w)}`);
	}
	if (page.crit !== undefined) {
		const n = await pg.evaluate(() => {
			for (const sec of document.querySelectorAll("#tables section"))
				if (sec.querySelector("h2").textContent.startsWith("Critical path"))
					return sec.querySelectorAll("tbody tr").length;
			return 0;
		});
		if (n !== page.crit)
			fail(page, `critical path: ${n} links, want ${page.crit}`);
	}

	// clicking a table row selects its process and shows its details
	const rows = await pg.$$("#tables tbody tr");
	if (rows.length) {
		await rows[0].click();
		const h = await pg.textContent("#details h2").catch(() => "");
		if (!h)
			fail(page, "clicking a table row shows no details");
	}

}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "proctrace-chromium-"));
let context;
try {
	context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM, headless: true, args: ARGS, offline: false,
	});
	for (const page of pages)
		await checkPage(context, page);
} catch (e) {
	console.log(`FAIL: ${e.stack || e}`);
	failures++;
} finally {
	if (context)
		await context.close();
	fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
