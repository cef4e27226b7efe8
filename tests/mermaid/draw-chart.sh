#!/usr/bin/env bash
# tests/mermaid/draw-chart.sh: draw a Mermaid chart (proctrace render -f mermaid) as
# an SVG, PNG or PDF with the real renderer, mermaid-cli on Debian's chromium, as
# installed by 'make setup'. Works from any directory, as root too.
#
# Usage: tests/mermaid/draw-chart.sh CHART.mmd|- OUT.svg|OUT.png|OUT.pdf [MMDC_OPTIONS...]
#   e.g. proctrace render -f mermaid build.jsonl | tests/mermaid/draw-chart.sh - build.svg
# MMDC_OPTIONS go to mmdc as they are (e.g. -s 2 for a PNG at twice the size).
#
# mmdc exits 0 when Mermaid draws an error instead of the chart (a chart over
# Mermaid's maxTextSize, 50,000 characters, becomes a picture of the words
# "Maximum text size in diagram exceeded"). This script looks into the SVG and
# fails then, leaving no OUT. A PNG or PDF is checked through an SVG drawn first.
# Exit status: 0 drawn, 1 not drawn (the reason on stderr), 2 usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mmdc=$here/node_modules/.bin/mmdc
me=draw-chart.sh

if [ $# -lt 2 ]; then
	echo "usage: $me CHART.mmd|- OUT.svg|OUT.png|OUT.pdf [MMDC_OPTIONS...]" >&2
	exit 2
fi
in=$1 out=$2 name=$1
shift 2
case $out in
*.svg | *.png | *.pdf) ;;
*) echo "$me: $out: the output must end in .svg, .png or .pdf" >&2; exit 2 ;;
esac
if [ ! -x "$mmdc" ]; then
	echo "$me: mermaid-cli is not installed in $here/node_modules: run 'make setup' (or 'bash tests/deps.sh') in the proctrace tree" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/draw-chart.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ "$in" = - ]; then
	cat >"$tmp/chart.mmd"
	in=$tmp/chart.mmd name="the chart on stdin"
elif [ ! -r "$in" ]; then
	echo "$me: cannot read $in" >&2
	exit 1
fi

# draw FILE [MMDC_OPTIONS...]: mmdc's own options after ours, so that the caller's win.
# Mermaid's own layout, as GitHub and others draw a chart: its labels are sized for it.
draw() {
	local to=$1
	shift
	"$mmdc" -q -p "$here/puppeteer.json" -i "$in" -o "$to" "$@"
}

svg=$tmp/check.svg
draw "$svg" "$@" || { echo "$me: mmdc could not draw $name (its error is above)" >&2; exit 1; }
# Mermaid's stand-in for a chart over its size limit: a one-node flowchart
# (labels of a Gantt chart are never HTML paragraphs: '<' is written #60;).
if grep -q '<p>Maximum text size in diagram exceeded</p>' "$svg"; then
	echo "$me: $name: $(wc -c <"$in") characters, over Mermaid's maxTextSize (50000 by default):" \
		"it drew 'Maximum text size in diagram exceeded' instead of the chart. Keep fewer bars" \
		"(proctrace render -f mermaid --max-bars N, as render's warning suggests, or --min-duration DUR)," \
		"or raise the limit: $me CHART OUT -c CONFIG.json, CONFIG.json holding {\"maxTextSize\": 1000000}" >&2
	exit 1
fi
if grep -qE 'class="error-(icon|text)"' "$svg"; then
	echo "$me: $name: Mermaid drew a syntax error instead of the chart" >&2
	exit 1
fi
case $out in
*.svg) cp "$svg" "$out" ;;
*) draw "$out" "$@" || { echo "$me: mmdc could not draw $out (its error is above)" >&2; exit 1; } ;;
esac
