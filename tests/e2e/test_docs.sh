#!/usr/bin/env bash
# tests/e2e/test_docs.sh: the man pages (cmd/man/) format without warnings, render,
# and document what --help lists; the README's commands and the chart drawing it
# documents (tests/mermaid/draw-chart.sh) work as written.
. "$(dirname "$0")/lib.sh"
MAN_DIR=$REPO_DIR/cmd/man

# need_tool CMD: the tools come from tests/deps.sh; their absence is a failure, not a skip.
need_tool() { command -v "$1" >/dev/null || fail "$1 is not installed: run tests/deps.sh"; }
man_pages() { ls "$MAN_DIR"/*.[1-9]; }
# render PAGE: the page as man shows it, plain text, wide enough that no option is broken.
render() { MANWIDTH=200 LC_ALL=C.UTF-8 man -l "$1" 2>/dev/null | col -bx; }
# commands: the commands 'proctrace --help' lists.
commands() { "$PROCTRACE" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'; }
# help_options [COMMAND]: the options its --help lists, one per line (-x and --long).
help_options() {
	"$PROCTRACE" ${1:+"$1"} --help |
		sed -nE 's/^ +(-[A-Za-z0-9])?(, )?(--[a-z][a-z0-9-]*)?.*/\1 \3/p' | tr ' ' '\n' | grep . | sort -u
}
# page_options PAGE: the options the page documents as items (.It Fl x / .It Fl \-long).
page_options() {
	grep '^\.It Fl ' "$1" | grep -oE 'Fl (\\-|-)?[A-Za-z0-9][A-Za-z0-9-]*' |
		sed -E 's/^Fl (\\-|-)/--/; s/^Fl /-/' | sort -u
}
page_of() { echo "$MAN_DIR/proctrace${1:+-$1}.1"; }

test_man_pages_have_no_formatting_warnings() {
	need_tool mandoc
	need_tool man
	local page n=0
	for page in $(man_pages); do
		mandoc -T lint -W warning "$page" >lint 2>&1 || fail "mandoc -T lint: $(cat lint)"
		[ ! -s lint ] || fail "mandoc -T lint: $(cat lint)"
		LC_ALL=C.UTF-8 man --warnings -l "$page" >/dev/null 2>warn || fail "man --warnings -l $page: $(cat warn)"
		[ ! -s warn ] || fail "man --warnings -l $page: $(cat warn)"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ] || fail "only $n pages in cmd/man"
}

test_man_pages_render() {
	need_tool man
	need_tool col
	local page name
	for page in $(man_pages); do
		render "$page" >txt
		name=$(basename "$page")
		name=${name%.*}
		grep -q '^NAME$' txt || fail "$page: no NAME section: $(head -5 txt)"
		grep -qE "^ +$name — " txt || fail "$page: NAME does not name $name: $(sed -n 3,5p txt)"
		grep -q '^SEE ALSO$' txt || fail "$page: no SEE ALSO"
		[ "$(wc -l <txt)" -gt 30 ] || fail "$page renders to $(wc -l <txt) lines"
	done
}

test_every_command_has_its_page() {
	local c pages
	[ -n "$(commands)" ] || fail "no commands in proctrace --help"
	for c in $(commands); do
		[ -f "$(page_of "$c")" ] || fail "no man page for '$c': $(page_of "$c")"
		grep -q "^\.It Cm $c\$" "$(page_of)" || fail "proctrace(1) does not list '$c' under Commands"
		grep -q "^\.Xr proctrace-$c 1" "$(page_of)" || fail "proctrace(1) does not refer to proctrace-$c(1)"
	done
	# and no page for a command that is gone
	pages=$(cd "$MAN_DIR" && ls proctrace-*.1 | sed 's/^proctrace-//; s/\.1$//')
	for c in $pages; do
		commands | grep -qx "$c" || fail "proctrace-$c.1 documents a command --help does not list"
	done
}

# Every option --help lists is an item of the command's page, and the page
# documents no option --help does not know: the two cannot drift apart.
test_man_pages_name_every_option_of_help() {
	local c page opt
	for c in "" $(commands); do
		page=$(page_of "$c")
		help_options "$c" >help.opts
		[ -s help.opts ] || fail "no options found in 'proctrace $c --help'"
		page_options "$page" >page.opts
		render "$page" >txt
		while read -r opt; do
			grep -qxF -- "$opt" page.opts || fail "$(basename "$page") has no item for $opt ('proctrace $c --help' lists it)"
			grep -qF -- "$opt" txt || fail "$(basename "$page") as rendered does not show $opt"
		done <help.opts
		"$PROCTRACE" $c --help >help.txt
		while read -r opt; do
			grep -qE -- "(^|[ ,(])$opt([ ,=)]|$)" help.txt ||
				fail "$(basename "$page") documents $opt, which 'proctrace $c --help' does not mention"
		done <page.opts
	done
}

# Every view render --help lists has its subsection under VIEWS, and back.
test_render_page_has_a_subsection_per_view() {
	local page=$MAN_DIR/proctrace-render.1 view
	"$PROCTRACE" render --help | sed -n '/^Formats:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' >views
	[ "$(wc -l <views)" -ge 4 ] || fail "views in render --help: $(cat views)"
	sed -n '/^\.Sh VIEWS/,/^\.Sh /s/^\.Ss \([a-z][a-z-]*\)$/\1/p' "$page" >sections
	while read -r view; do
		grep -qx "$view" sections || fail "proctrace-render(1) has no subsection for the view $view"
	done <views
	while read -r view; do
		grep -qx "$view" views || fail "proctrace-render(1) documents a view $view that render --help does not list"
	done <sections
}

test_help_ends_with_its_man_page() {
	local c last
	for c in "" $(commands); do
		last=$("$PROCTRACE" $c --help | tail -1)
		case $last in
		"See proctrace${c:+-$c}(1)"*) ;;
		*) fail "'proctrace $c --help' ends with '$last', not a pointer to proctrace${c:+-$c}(1)" ;;
		esac
	done
}

# The outputs the pages show are the views' real output (marked '.\" example: CMD').
test_man_page_examples_are_real_output() {
	local page cmd n=0
	for page in $(man_pages); do
		grep -n '^\.\\" example: ' "$page" | while IFS= read -r mark; do
			local line=${mark%%:*}
			cmd=${mark#*example: }
			awk -v from="$line" 'NR > from && /^\.Ed$/ { exit } NR > from + 1 && p { print } NR > from && /^\.Bd / { p = 1 }' "$page" |
				sed -e 's/\\e/\\/g' -e 's/\\&//g' >want
			[ -s want ] || fail "$page:$line: no block after the example mark"
			(cd "$REPO_DIR" && eval "\"\$PROCTRACE\" ${cmd#proctrace }") >got || fail "$page:$line: '$cmd' failed"
			diff -u want got >&2 || fail "$(basename "$page"):$line: the block differs from what '$cmd' prints"
			echo "$page:$line" >>checked
		done
	done
	n=$(wc -l <checked)
	[ "$n" -ge 2 ] || fail "only $n example blocks checked"
}

# The README's set-up is 'make setup' and 'make test', which the Makefile has,
# and every file it links to or shows is in the tree.
test_readme_setup_and_links() {
	local readme=$REPO_DIR/README.md target
	sed -n '/^## Set-up/,/^## /p' "$readme" | grep -q '^make setup ' || fail "README: no 'make setup'"
	sed -n '/^## Set-up/,/^## /p' "$readme" | grep -q '^make test ' || fail "README: no 'make test'"
	make -C "$REPO_DIR" -n setup test >/dev/null 2>&1 || fail "the Makefile has no setup or test target"
	grep -oE '\]\([^)#:]+\)' "$readme" | sed 's/^](//; s/)$//' | sort -u >links
	[ "$(wc -l <links)" -ge 5 ] || fail "README links: $(cat links)"
	while read -r target; do
		[ -e "$REPO_DIR/$target" ] || fail "README links to $target, which is not in the tree"
	done <links
	grep -q '](examples/demo-mermaid.png)' "$readme" || fail "README shows no picture"
	[ "$(head -c 8 "$REPO_DIR/examples/demo-mermaid.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "examples/demo-mermaid.png is not a PNG"
}

# The views checked in next to a recorded build (examples/pv-build.sh, the
# Makefile's EXAMPLE_VIEWS) are what render makes of its recording now.
test_example_views_are_current() {
	local ex view n=0
	for ex in $(sed -n 's/^EXAMPLE_VIEWS := //p' "$REPO_DIR/Makefile"); do
		"$PROCTRACE" render -f perfetto -o "$ex.perfetto.json" "$REPO_DIR/examples/$ex.jsonl"
		"$PROCTRACE" render -f html -o "$ex.html" "$REPO_DIR/examples/$ex.jsonl"
		"$PROCTRACE" render -f tree --color=never -o "$ex.tree.txt" "$REPO_DIR/examples/$ex.jsonl"
		for view in perfetto.json html tree.txt; do
			cmp "$ex.$view" "$REPO_DIR/examples/$ex.$view" ||
				fail "examples/$ex.$view is not what render makes of examples/$ex.jsonl: run 'make examples'"
			n=$((n + 1))
		done
		grep -q "\](examples/$ex.sh)" "$REPO_DIR/README.md" || fail "the README does not name examples/$ex.sh"
	done
	[ "$n" -ge 3 ] || fail "no example views (EXAMPLE_VIEWS in the Makefile)"
}

# The README's 'First steps', run as written in a directory laid out like the
# clone (./proctrace, examples/, tests/mermaid/); PID becomes a real pid.
test_readme_first_steps_run_as_written() {
	need_root
	local pid
	sed -n '/^## First steps/,/^## /p' "$REPO_DIR/README.md" | sed -n '/^```sh$/,/^```$/p' | grep -v '^```' >steps
	[ "$(wc -l <steps)" -ge 5 ] || fail "README First steps: $(cat steps)"
	grep -q 'record' <(head -1 steps) || fail "the first step does not record: $(head -1 steps)"
	ln -s "$PROCTRACE" proctrace
	ln -s "$REPO_DIR/examples" examples
	mkdir tests
	ln -s "$REPO_DIR/tests/mermaid" tests/mermaid
	bash -e <(head -1 steps) >out 2>&1 || fail "$(head -1 steps): $(cat out)"
	[ -s demo.jsonl ] || fail "the first step made no demo.jsonl"
	# the subshell that runs ls, then sleep 0.05: a process with a child
	pid=$(jq -r 'select(.Exec.cmdline == ["sleep","0.05"]) | .Exec.pid' demo.jsonl)
	[ -n "$pid" ] || fail "no 'sleep 0.05' in demo.jsonl"
	tail -n +2 steps | sed "s/\bPID\b/$pid/g" >rest
	bash -e -x rest >out 2>&1 || fail "README First steps: $(tail -20 out)"
	"$PROCTRACE" render -f summary demo.jsonl | grep -q '^command: *sh examples/demo.sh$' || fail "summary of demo.jsonl"
	"$PROCTRACE" render -f summary --pid "$pid" demo.jsonl | grep -q '^processes: *2 ' ||
		fail "--pid $pid: $("$PROCTRACE" render -f summary --pid "$pid" demo.jsonl | head -4)"
	[ "$(svg_bars demo.svg)" = "$(task_lines demo.mmd)" ] ||
		fail "demo.svg has $(svg_bars demo.svg) bars, demo.mmd $(task_lines demo.mmd)"
}

# svg_bars SVG: the bars Mermaid drew.
svg_bars() { grep -oE '<rect [^>]*class="task( [^"]*)?"' "$1" | wc -l; }

test_draw_chart_from_another_directory() {
	local draw=$REPO_DIR/tests/mermaid/draw-chart.sh
	"$PROCTRACE" render -f mermaid -o hb.mmd "$REPO_DIR/examples/hand-build.jsonl"
	mkdir sub && cd sub
	"$draw" ../hb.mmd hb.svg 2>err || fail "draw-chart.sh: $(cat err)"
	assert_eq "$(svg_bars hb.svg)" "$(task_lines ../hb.mmd)" "bars in hb.svg"
	grep -q 'aria-roledescription="gantt"' hb.svg || fail "hb.svg is not a Gantt chart"
	# from stdin, to a PNG, with an option for mmdc
	"$PROCTRACE" render -f mermaid "$REPO_DIR/examples/demo.jsonl" | "$draw" - demo.png -s 2 2>err ||
		fail "draw-chart.sh - demo.png: $(cat err)"
	[ "$(head -c 8 demo.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "demo.png is not a PNG"
}

test_draw_chart_fails_on_a_chart_too_big_for_mermaid() {
	local draw=$REPO_DIR/tests/mermaid/draw-chart.sh rc=0 i
	{
		printf 'gantt\n    dateFormat x\n    axisFormat %%s.%%L\n    section s\n'
		for i in $(seq 1 2000); do printf '    #99;ommand number %d with an argument :%d, 1ms\n' "$i" "$i"; done
	} >big.mmd
	[ "$(wc -c <big.mmd)" -gt 50000 ] || fail "big.mmd is too small"
	"$draw" big.mmd big.svg 2>err || rc=$?
	assert_eq "$rc" 1 "exit status"
	grep -q 'Maximum text size' err || fail "stderr: $(cat err)"
	grep -q -- '--max-bars' err || fail "no advice on stderr: $(cat err)"
	[ ! -e big.svg ] || fail "an error picture was left in big.svg"
	# mmdc itself draws an error picture and exits 0: what the script is for
	"$REPO_DIR/tests/mermaid/node_modules/.bin/mmdc" -q -p "$REPO_DIR/tests/mermaid/puppeteer.json" \
		-i big.mmd -o raw.svg >/dev/null 2>&1 || fail "mmdc failed outright"
	grep -q 'Maximum text size in diagram exceeded' raw.svg || fail "mmdc drew big.mmd: the limit moved"
	# the limit raised as proctrace-render(1) says
	echo '{"maxTextSize": 1000000}' >big.json
	"$draw" big.mmd big.svg -c big.json 2>err || fail "with -c big.json: $(cat err)"
	assert_eq "$(svg_bars big.svg)" 2000 "bars with the limit raised"
}

test_draw_chart_usage_errors() {
	local draw=$REPO_DIR/tests/mermaid/draw-chart.sh rc=0
	"$draw" only-one 2>err || rc=$?
	assert_eq "$rc" 2 "one argument"
	rc=0
	"$draw" a.mmd out.txt 2>err || rc=$?
	assert_eq "$rc" 2 "out.txt"
	rc=0
	"$draw" missing.mmd out.svg 2>err || rc=$?
	assert_eq "$rc" 1 "a missing chart"
	grep -q 'cannot read missing.mmd' err || fail "stderr: $(cat err)"
}

run_tests
