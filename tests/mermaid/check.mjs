#!/usr/bin/env node
// tests/mermaid/check.mjs: render Mermaid charts with the real renderer (mermaid-cli in chromium) and check the SVG.
//
// Usage: node check.mjs [--svg-dir DIR] CHART.mmd BARS [--labels FILE] [--sections FILE]
//                       [--crit N] [--title TEXT] [--ticks TEXT]
//                       [CHART2.mmd BARS [...]]
// Options after a chart apply to that chart. Every chart is rendered in one
// browser (a render costs ~1.3 s mostly in starting chromium). mmdc exits 0
// on many failures, so the SVG itself is inspected. A chart fails unless:
//   - rendering does not throw, and the SVG has no "Syntax error", error
//     icon or "Maximum text size" text;
//   - every task line has an integer start and an integer duration >= 1ms;
//   - exactly BARS rect elements have a class containing "task", each with
//     a width > 0 (or under 1 px at the chart's scale: pixels are whole);
//   - --labels FILE: the task labels (text.taskText*), entities decoded, are
//     the lines of FILE in order;
//   - --sections FILE: the section titles, decoded, are the lines of FILE in order;
//   - --crit N: exactly N task rects have a crit class;
//   - --title TEXT: the chart's title is TEXT;
//   - --ticks TEXT: the labels of the axis ticks, joined by spaces, are TEXT.
// Exit 0 if every chart passes, 1 otherwise (each failure is printed), 2 on usage errors.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer";
import { renderMermaid } from "@mermaid-js/mermaid-cli";

const here = path.dirname(fileURLToPath(import.meta.url));

function usage(msg) {
	console.error(`check.mjs: ${msg}`);
	console.error("usage: check.mjs [--svg-dir DIR] CHART.mmd BARS [--labels FILE] [--sections FILE] [--crit N] [--title TEXT] [--ticks TEXT] ...");
	process.exit(2);
}

const charts = [];
let svgDir = null;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
	const a = args[i];
	const value = () => {
		if (i + 1 >= args.length)
			usage(`${a} needs a value`);
		return args[++i];
	};
	if (a === "--svg-dir") {
		svgDir = value();
	} else if (["--labels", "--sections", "--crit", "--title", "--ticks"].includes(a)) {
		if (!charts.length)
			usage(`${a} must follow a chart`);
		charts[charts.length - 1][a.slice(2)] = value();
	} else if (a.startsWith("--")) {
		usage(`unknown option ${a}`);
	} else {
		const bars = value();
		if (!/^\d+$/.test(bars))
			usage(`${a}: expected bar count, got '${bars}'`);
		charts.push({ file: a, bars: Number(bars) });
	}
}
if (!charts.length)
	usage("no chart given");

function decodeEntities(s) {
	return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos|nbsp);/g, (_, e) => {
		if (e[0] === "#")
			return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
		return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" }[e];
	});
}

function attr(tag, name) {
	const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
	return m ? m[1] : null;
}

// The task lines of a chart as proctrace writes them: "    LABEL :[TAG, ]START, DURms".
// Mermaid draws a fractional start or duration, or one under 1ms, as nothing.
function tasks(text) {
	const out = [];
	const problems = [];
	for (const line of text.split("\n")) {
		if (!/^ {4}/.test(line) || /^ {4}(title|section|dateFormat|axisFormat|tickInterval|todayMarker) /.test(line))
			continue;
		const m = line.match(/ :((crit|active|done), )?(\d+), ([1-9]\d*)ms$/);
		if (!m)
			problems.push(`not a task line with integer start and duration >= 1ms: ${JSON.stringify(line)}`);
		else
			out.push({ start: Number(m[3]), dur: Number(m[4]) });
	}
	return { tasks: out, problems };
}

// What the SVG shows, in source order (the renderer draws tasks sorted by time;
// ids count them in source order): the task rects, their labels and the title.
function inspect(svg) {
	const byId = (re) => (a, b) => Number(a.match(re)?.[1] ?? 0) - Number(b.match(re)?.[1] ?? 0);
	const rects = [...svg.matchAll(/<rect\b[^>]*>/g)].map((m) => m[0])
		.filter((t) => /task/.test(attr(t, "class") ?? ""))
		.sort(byId(/id="[^"]*-task(\d+)"/));
	const labels = [...svg.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)].map((m) => m[0])
		.filter((t) => /(^|\s)taskText/.test(attr(t, "class") ?? ""))
		.sort(byId(/id="[^"]*-task(\d+)-text"/))
		// The renderer keeps the space before ":"; only ASCII spaces are trimmed (U+00A0 is a label).
		.map((t) => decodeEntities(t.replace(/^<text\b[^>]*>|<\/text>$/g, "")).replace(/^ +| +$/g, ""));
	const title = svg.match(/<text\b[^>]*class="titleText"[^>]*>([^<]*)<\/text>/);
	// Section titles are drawn in order, each as tspans inside a text.sectionTitle.
	// "s": a title may hold U+2028 or U+2029, which "." does not match otherwise.
	const sections = [...svg.matchAll(/<text\b[^>]*class="sectionTitle[^"]*"[^>]*>(.*?)<\/text>/gs)]
		.map((m) => decodeEntities(m[1].replace(/<[^>]*>/g, "")).replace(/^ +| +$/g, ""));
	// The axis: each tick is a g.tick holding a line and a text.
	const ticks = [...svg.matchAll(/<g class="tick"[^>]*>.*?<text\b[^>]*>([^<]*)<\/text>/gs)]
		.map((m) => decodeEntities(m[1]));
	return {
		rects,
		labels,
		sections,
		ticks,
		title: title ? decodeEntities(title[1]) : null,
	};
}

function check(chart, text, svg) {
	const problems = [];
	for (const bad of ["Syntax error", "class=\"error-icon\"", "class=\"error-text\"", "Maximum text size"])
		if (svg.includes(bad))
			problems.push(`the SVG contains ${bad}`);
	const src = tasks(text);
	problems.push(...src.problems);
	const { rects, labels, sections, ticks, title } = inspect(svg);
	if (rects.length !== chart.bars)
		problems.push(`${rects.length} task bars, want ${chart.bars}`);
	if (src.tasks.length !== rects.length)
		problems.push(`${src.tasks.length} task lines but ${rects.length} bars drawn`);
	// Pixels are whole: a 1ms bar in a long chart is legitimately 0 px wide.
	// A bar that should be at least 1 px wide and is not was misread.
	const widths = rects.map((r) => Number(attr(r, "width")));
	// The scale comes from the longest bar, where rounding matters least.
	let longest = -1;
	src.tasks.forEach((t, i) => {
		if (i < widths.length && (longest < 0 || t.dur > src.tasks[longest].dur))
			longest = i;
	});
	const scale = longest < 0 ? 0 : widths[longest] / src.tasks[longest].dur;
	if (rects.length && !(scale > 0))
		problems.push("no bar has a width");
	widths.forEach((w, i) => {
		if (!(w >= 0) || (w === 0 && src.tasks[i] && src.tasks[i].dur * scale >= 1))
			problems.push(`bar ${i + 1} has width ${attr(rects[i], "width")}`);
	});
	const lines = (file) => fs.readFileSync(file, "utf8").replace(/\n$/, "").split("\n");
	const compare = (what, got, want) => {
		if (got.length !== want.length)
			problems.push(`${got.length} ${what}s, want ${want.length}`);
		for (let i = 0; i < Math.max(got.length, want.length); i++)
			if (got[i] !== want[i])
				problems.push(`${what} ${i + 1}: got ${JSON.stringify(got[i])}, want ${JSON.stringify(want[i])}`);
	};
	if (chart.labels !== undefined)
		compare("label", labels, lines(chart.labels));
	if (chart.sections !== undefined)
		compare("section", sections, lines(chart.sections));
	if (chart.crit !== undefined) {
		const n = rects.filter((r) => /(^|\s)crit/.test(attr(r, "class"))).length;
		if (n !== Number(chart.crit))
			problems.push(`${n} crit bars, want ${chart.crit}`);
	}
	if (chart.title !== undefined && title !== chart.title)
		problems.push(`title ${JSON.stringify(title)}, want ${JSON.stringify(chart.title)}`);
	if (chart.ticks !== undefined && ticks.join(" ") !== chart.ticks)
		problems.push(`ticks ${JSON.stringify(ticks.join(" "))}, want ${JSON.stringify(chart.ticks)}`);
	return problems;
}

const config = JSON.parse(fs.readFileSync(path.join(here, "puppeteer.json"), "utf8"));
const browser = await puppeteer.launch({ headless: true, ...config });
let failed = 0;
try {
	for (const chart of charts) {
		let problems;
		try {
			const text = fs.readFileSync(chart.file, "utf8");
			const { data } = await renderMermaid(browser, text, "svg", {});
			const svg = new TextDecoder().decode(data);
			if (svgDir)
				fs.writeFileSync(path.join(svgDir, path.basename(chart.file).replace(/\.[^.]*$/, "") + ".svg"), svg);
			problems = check(chart, text, svg);
		} catch (e) {
			problems = [`render failed: ${String(e.message ?? e).split("\n")[0]}`];
		}
		if (problems.length) {
			failed++;
			console.log(`FAIL ${chart.file}`);
			for (const p of problems.slice(0, 20))
				console.log(`    ${p}`);
		} else {
			console.log(`ok ${chart.file}: ${chart.bars} bars`);
		}
	}
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
