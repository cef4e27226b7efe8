#!/usr/bin/env node
// tests/mermaid/check.mjs: render Mermaid charts with the real renderer (mermaid-cli in chromium) and check them.
//
// Usage: node check.mjs [--svg-dir DIR] CHART.mmd [BARS] [--labels FILE]
//                       [--label-patterns FILE] [--sections FILE] [--section-patterns FILE]
//                       [--crit N] [--title TEXT] [--ticks TEXT] [CHART2.mmd [BARS] ...]
// Options after a chart apply to that chart. Every chart is rendered in one
// browser (a render costs ~1.3 s mostly in starting chromium). mmdc exits 0
// on many failures, so the SVG itself is inspected. A chart fails unless:
//   - rendering does not throw, and the SVG has no "Syntax error", error
//     icon or "Maximum text size" text;
//   - every task line has an integer start and an integer duration >= 1ms;
//   - every rect whose class contains "task" is at least 1 pixel wide, and
//     there are BARS of them if BARS is given;
//   - every task label is readable: drawn (measured in the browser) within
//     the image, and over no section name;
//   - every section name holds in the left margin: it ends at most 5 pixels
//     past the left edge of the bars (where a label before a bar may start);
//   - --labels FILE: the task labels (text.taskText*), entities decoded, are
//     the lines of FILE in order;
//   - --label-patterns FILE: the same, each line of FILE a regular
//     expression the whole label must match;
//   - --sections FILE, --section-patterns FILE: the same for the section titles;
//   - --crit N: exactly N task rects have a crit class;
//   - --title TEXT: the chart's title is TEXT;
//   - --ticks TEXT: the labels of the axis ticks, joined by spaces, are TEXT.
// --svg-dir DIR writes every chart's SVG there. Exit 0 if every chart
// passes, 1 otherwise (each failure is printed), 2 on usage errors. Without
// BARS or other options, it tells whether Mermaid draws any chart whole.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer";
import { renderMermaid } from "@mermaid-js/mermaid-cli";

const here = path.dirname(fileURLToPath(import.meta.url));

function usage(msg) {
	console.error(`check.mjs: ${msg}`);
	console.error("usage: check.mjs [--svg-dir DIR] CHART.mmd [BARS] [--labels FILE] [--label-patterns FILE] [--sections FILE] [--section-patterns FILE] [--crit N] [--title TEXT] [--ticks TEXT] ...");
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
	} else if (["--labels", "--label-patterns", "--sections", "--section-patterns", "--crit", "--title", "--ticks"].includes(a)) {
		if (!charts.length)
			usage(`${a} must follow a chart`);
		charts[charts.length - 1][a.slice(2)] = value();
	} else if (a.startsWith("--")) {
		usage(`unknown option ${a}`);
	} else {
		const chart = { file: a };
		if (i + 1 < args.length && /^\d+$/.test(args[i + 1]))
			chart.bars = Number(args[++i]);
		charts.push(chart);
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

// Where the browser draws each task label and section name of svg: a label
// must lie within the image and over no section name to be read.
async function unreadable(page, svg) {
	await page.setContent(`<!DOCTYPE html><html><body style="margin:0">${svg}</body></html>`);
	return page.evaluate(() => {
		const problems = [];
		const svgEl = document.querySelector("svg");
		const width = svgEl.viewBox.baseVal.width;
		const box = (el) => {
			const b = el.getBBox();
			return { x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height };
		};
		const sectionEls = [...svgEl.querySelectorAll("text.sectionTitle")];
		const sections = sectionEls.map(box);
		const bars = [...svgEl.querySelectorAll("rect")]
			.filter((r) => /(^|\s)task/.test(r.getAttribute("class") ?? ""));
		const plotLeft = Math.min(...bars.map((r) => r.getBBox().x));
		sectionEls.forEach((t, i) => {
			if (sections[i].x1 > plotLeft + 5.5)
				problems.push(`section name ${JSON.stringify(t.textContent)} runs past the left margin: ends at ${sections[i].x1.toFixed(1)}, bars start at ${plotLeft.toFixed(1)}`);
		});
		const labels = [...svgEl.querySelectorAll("text")]
			.filter((t) => /(^|\s)taskText/.test(t.getAttribute("class") ?? ""));
		for (const t of labels) {
			const b = box(t);
			const what = JSON.stringify(t.textContent);
			if (b.x0 < -0.5 || b.x1 > width + 0.5)
				problems.push(`label ${what} runs off the image: x ${b.x0.toFixed(1)}..${b.x1.toFixed(1)} of 0..${width}`);
			else if (sections.some((s) => b.x0 < s.x1 && s.x0 < b.x1 && b.y0 < s.y1 && s.y0 < b.y1))
				problems.push(`label ${what} is drawn over a section name`);
		}
		return problems;
	});
}

function check(chart, text, svg) {
	const problems = [];
	for (const bad of ["Syntax error", "class=\"error-icon\"", "class=\"error-text\"", "Maximum text size"])
		if (svg.includes(bad))
			problems.push(`the SVG contains ${bad}`);
	const src = tasks(text);
	problems.push(...src.problems);
	const { rects, labels, sections, ticks, title } = inspect(svg);
	if (chart.bars !== undefined && rects.length !== chart.bars)
		problems.push(`${rects.length} task bars, want ${chart.bars}`);
	if (src.tasks.length !== rects.length)
		problems.push(`${src.tasks.length} task lines but ${rects.length} bars drawn`);
	// proctrace draws every bar at least a pixel wide (whole pixels: Mermaid rounds).
	rects.forEach((r, i) => {
		const w = Number(attr(r, "width"));
		if (!(w >= 1))
			problems.push(`bar ${i + 1} has width ${attr(r, "width")}`);
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
	const match = (what, got, file) => {
		const want = lines(file);
		if (got.length !== want.length)
			problems.push(`${got.length} ${what}s, want ${want.length}`);
		for (let i = 0; i < Math.min(got.length, want.length); i++)
			if (!new RegExp(`^(?:${want[i]})$`, "u").test(got[i]))
				problems.push(`${what} ${i + 1}: ${JSON.stringify(got[i])} does not match /${want[i]}/`);
	};
	if (chart["label-patterns"] !== undefined)
		match("label", labels, chart["label-patterns"]);
	if (chart.sections !== undefined)
		compare("section", sections, lines(chart.sections));
	if (chart["section-patterns"] !== undefined)
		match("section", sections, chart["section-patterns"]);
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
const page = await browser.newPage();
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
			problems = [...check(chart, text, svg), ...await unreadable(page, svg)];
			chart.drawn = inspect(svg).rects.length;
		} catch (e) {
			problems = [`render failed: ${String(e.message ?? e).split("\n")[0]}`];
		}
		if (problems.length) {
			failed++;
			console.log(`FAIL ${chart.file}`);
			for (const p of problems.slice(0, 20))
				console.log(`    ${p}`);
		} else {
			console.log(`ok ${chart.file}: ${chart.drawn} bars`);
		}
	}
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
