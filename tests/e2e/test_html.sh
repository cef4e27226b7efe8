#!/usr/bin/env bash
# tests/e2e/test_html.sh: the html view. Its data (decoded from the page) against
# tests/golden/*.html-data, the page as built from render/html/, and every page
# opened in Debian's chromium by tests/html/check.mjs (playwright-core): it loads
# from file:// with no other request and no error, draws, zooms, pans, finds what
# a search asks for and shows an argv exactly. UPDATE_GOLDEN=1 rewrites the goldens.
. "$(dirname "$0")/lib.sh"

# html_check PAGE [CHECKS...] [PAGE2 ...]: see tests/html/check.mjs.
html_check() {
	[ -d "$REPO_DIR/tests/html/node_modules/playwright-core" ] ||
		fail "playwright-core is not installed: run tests/deps.sh"
	node "$REPO_DIR/tests/html/check.mjs" "$@"
}

# page_data PAGE: the JSON document inside the page (base64, then gzip).
page_data() {
	sed -n 's/.*<script type="application\/octet-stream" id="proctrace-data"[^>]*>\([^<]*\)<\/script>.*/\1/p' "$1" |
		base64 -d | gunzip
}

# Processes of a format-1 recording: the recorded command (or the processes
# already running, of record --all and -p) and every forked child.
procs_of() { jqr "$1" '([.[] | .Running | select(.)] | length) as $r | [.[] | .Fork | select(.)] | length + (if $r > 0 then $r else 1 end)'; }

# search_count FILE TEXT: exec images (and images already running) whose argv, joined by spaces, contains TEXT (any case).
search_count() {
	jq -r -s --arg q "$2" '[.[] | (.Exec // .Running) | select(.) | .cmdline // [] | join(" ") | ascii_downcase
		| select(contains($q | ascii_downcase))] | length' "$1"
}

# The data of every example, key by key, is its golden file.
test_examples_data_match_golden() {
	local f name n=0
	for f in "$REPO_DIR"/examples/*.jsonl; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .jsonl)
		"$PROCTRACE" render -f html -o "$name.html" "$f" 2>"$name.err" ||
			fail "$name: render failed: $(cat "$name.err")"
		page_data "$name.html" | jq -c 'to_entries[]' >"$name.html-data" ||
			fail "$name: the page's data does not decode"
		if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$name.html-data" "$REPO_DIR/tests/golden/$name.html-data"
		fi
		[ -f "$REPO_DIR/tests/golden/$name.html-data" ] ||
			fail "$name: no tests/golden/$name.html-data (UPDATE_GOLDEN=1 writes it; review it)"
		diff -u "$REPO_DIR/tests/golden/$name.html-data" "$name.html-data" ||
			fail "$name: differs from tests/golden/$name.html-data"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no examples/*.jsonl"
}

# The failed-execs card's split is the summary's, on every example.
test_failed_execs_split_as_the_summary() {
	local f name want got
	for f in "$REPO_DIR"/examples/*.jsonl; do
		name=$(basename "$f" .jsonl)
		"$PROCTRACE" render -f html -o "$name.html" "$f" 2>/dev/null || fail "$name: render failed"
		got=$(page_data "$name.html" | jq -c '.T | [.bad_misses, .bad_real]')
		want=$("$PROCTRACE" render -f summary --json "$f" 2>/dev/null |
			jq -c '.failed_execs | if . == null then [null, null] else [.path_misses, .real] end')
		assert_eq "$got" "$want" "$name: failed execs (misses, real) of the page and the summary"
	done
}

# The page carries render/html/ byte for byte: markup, style and script.
test_page_embeds_the_sources() {
	"$PROCTRACE" render -f html -o demo.html "$REPO_DIR/examples/demo.jsonl"
	sed -n '/^<style>$/,/^<\/style>$/p' demo.html | sed '1d;$d' >css
	diff -u "$REPO_DIR/render/html/page.css" css || fail "the style differs from page.css"
	sed -n '/^<body>$/,/^<script type="application\/octet-stream"/p' demo.html | sed '1d;$d' >markup
	diff -u "$REPO_DIR/render/html/page.html" markup || fail "the markup differs from page.html"
	sed -n '/^<script>$/,/^<\/script>$/p' demo.html | sed '1d;$d' >js
	diff -u "$REPO_DIR/render/html/page.js" js || fail "the script differs from page.js"
}

# Every example in the browser: its processes, a search for its last command, that command's argv.
test_examples_in_browser() {
	local f name args=() q pid want nth
	for f in "$REPO_DIR"/examples/*.jsonl; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .jsonl)
		"$PROCTRACE" render -f html -o "$name.html" "$f"
		args+=("$name.html")
		head -1 "$f" | grep -q '^{"Recording"' || continue
		args+=(--procs "$(procs_of "$f")")
		# the last exec, of a pid used once
		read -r pid nth want < <(jqr "$f" '
			[.[] | .Fork.child_pid | select(.)] as $kids
			| [.[] | .Exec | select(.) | select(.pid as $p | [$kids[] | select(. == $p)] | length <= 1)]
			| last | "\(.pid) 1 \(.cmdline | tojson)"')
		q=$(jq -r '.[0] | split("/") | last' <<<"$want")
		args+=(--search "$q=$(search_count "$f" "$q")" --argv "$pid@$nth=$want")
		# a recording with Samples: the strip has the metrics view's rows, at the recording's interval
		if grep -q '^{"Sample"' "$f"; then
			args+=(--metrics "$("$PROCTRACE" render -f metrics "$f" 2>/dev/null | tail -n +2 | wc -l)")
		else
			args+=(--metrics 0)
		fi
	done
	html_check "${args[@]}"
}

# hostile_recording: a format-1 recording whose root runs children with argv
# that could break a page, then `false` (exit 1) and a process killed by SIGKILL.
hostile_recording() {
	jq -n -c --arg long "$(printf 'x%.0s' $(seq 40000))" '
		def ms: . * 1000000;
		[["</script><script>alert(1)</script>", "<!--", "-->"],
		 ["echo", "\"double\"", "'\''single'\''", "back\\slash", "`tick`", "$(x)"],
		 ["tab\there", "new\nline", "cr\rret", "\u001b[31mred\u001b[0m", "\u007f", "\u0085"],
		 ["bad\ufffd\ufffdutf8", "h\u00e9llo", "\u65e5\u672c", "\ud83d\ude00", "line\u2028sep"],
		 ["", " ", "&amp;", "<b>bold</b>"],
		 ["cmd", $long]] as $cases
		| ["sh", "-c", "</script><!-- & \"x\""] as $cmd
		| [{Recording: {format: 1, tool: "proctrace 0.1.0", root_pid: 1000, command: $cmd,
			start_time: "2026-01-01T00:00:00.000000000Z", host: "<h>", kernel: "k"}},
		   {Exec: {timestamp: 0, pid: 1000, ppid: 1, pgid: 1000, filename: "/bin/sh", cmdline: $cmd}}]
		+ ([$cases + [["false"], ["sleep", "100"]] | to_entries[]
			| .key as $i | (1001 + $i) as $pid | ($i * 10 + 10 | ms) as $t
			| {Fork: {timestamp: $t, parent_pid: 1000, child_pid: $pid, parent_pgid: 1000}},
			  {Exec: {timestamp: ($t + 1), pid: $pid, ppid: 1000, pgid: 1000,
				filename: "/bin/</script>", cmdline: .value}},
			  {Exit: ({timestamp: ($t + (5 | ms)), pid: $pid, ppid: 1000, pgid: 1000,
				user_ns: 1000, system_ns: 1000, max_rss_kb: 100}
				+ (if .value == ["false"] then {exit_code: 1}
				   elif .value[0] == "sleep" then {signal: 9}
				   else {exit_code: 0} end))}])
		+ [{Exit: {timestamp: (1000 | ms), pid: 1000, ppid: 1, pgid: 1000, exit_code: 0,
			user_ns: 0, system_ns: 0, max_rss_kb: 0}},
		   {End: {timestamp: (1000 | ms), lost: 0, exit_code: 0}}]
		| to_entries[] | .key as $seq | .value | with_entries(.value.seq = $seq)
		| if .End then .End |= del(.seq) elif .Recording then .Recording |= del(.seq) else . end'
}

# Markup, quotes, controls, U+FFFD and a 40 KB argument: each argv is shown exactly.
test_hostile_argv_in_browser() {
	local args=() pid
	hostile_recording >hostile.jsonl
	"$PROCTRACE" render -f html -o hostile.html hostile.jsonl
	grep -c '</script' hostile.html | grep -qx 2 || fail "a </script> other than the page's own"
	grep -q '<!--' hostile.html && fail "a <!-- in the page"
	for pid in $(jq -r 'select(.Exec) | .Exec.pid' hostile.jsonl); do
		args+=(--argv "$pid@1=$(jq -c --argjson p "$pid" 'select(.Exec.pid == $p) | .Exec.cmdline' hostile.jsonl)")
	done
	html_check hostile.html --procs 9 "${args[@]}" \
		--search "</script>=$(search_count hostile.jsonl '</script>')" \
		--search "\"double\"=1" --search "HÉLLO=1" --search "nothing like it=0" --table "Failures=2"
}

# A real recording of hostile argv, bad UTF-8 bytes included (the recorder writes them as U+FFFD).
test_recorded_hostile_argv_in_browser() {
	local args=() pid
	need_root
	cat >hostile.sh <<-'EOF'
		/bin/echo '</script><script>alert(1)</script>' '<!--' "it's \"quoted\"" >/dev/null
		/bin/echo "$(printf 'tab\there\nnew\033[31mred')" >/dev/null
		/bin/echo "$(printf 'bad\377\376utf8')" "" >/dev/null
		/bin/false
	EOF
	"$PROCTRACE" record -q -o rec.jsonl -- sh hostile.sh || true
	"$PROCTRACE" render -f html -o rec.html rec.jsonl
	for pid in $(ev Exec | jq -r 'select(.cmdline[0] == "/bin/echo") | .pid'); do
		args+=(--argv "$pid@1=$(ev Exec | jq -c --argjson p "$pid" 'select(.pid == $p) | .cmdline')")
	done
	[ "${#args[@]}" -eq 6 ] || fail "want 3 echo processes: $(ev Exec)"
	# false, and sh passing its status up
	html_check rec.html --procs "$(procs_of rec.jsonl)" "${args[@]}" --search "alert(1)=1" \
		--table "Failures=2"
}

# Pages of nothing: an empty file, a header alone, and a process that never exec'd.
test_empty_and_small_recordings_in_browser() {
	local hdr='{"Recording":{"format":1,"tool":"proctrace 0.1.0","root_pid":10,"command":["true"],"start_time":"2026-01-01T00:00:00.000000000Z","host":"h","kernel":"k"}}'
	: >empty.jsonl
	printf '%s\n' "$hdr" >header.jsonl
	{
		printf '%s\n' "$hdr"
		echo '{"Fork":{"seq":1,"timestamp":1000,"parent_pid":10,"child_pid":11,"parent_pgid":10}}'
		echo '{"Exit":{"seq":2,"timestamp":5000000,"pid":11,"ppid":10,"pgid":10,"exit_code":3,"user_ns":0,"system_ns":0,"max_rss_kb":0}}'
		echo '{"Exit":{"seq":3,"timestamp":6000000,"pid":10,"ppid":1,"pgid":10,"exit_code":0,"user_ns":0,"system_ns":0,"max_rss_kb":0}}'
		echo '{"End":{"timestamp":6000000,"lost":0,"exit_code":0}}'
	} >forkonly.jsonl
	for f in empty header forkonly; do
		"$PROCTRACE" render -f html -o "$f.html" "$f.jsonl" 2>"$f.err" || fail "$f: $(cat "$f.err")"
	done
	html_check empty.html --procs 0 --empty header.html --procs 1 --empty \
		forkonly.html --procs 2 --table "Failures=1" --search "true=0"
}

# Under --pid, the page shows the subtree alone: here one process, killed, with its argv.
test_subtree_in_browser() {
	local f=$REPO_DIR/examples/demo.jsonl pid argv
	pid=$(jq -r 'select(.Exit.signal) | .Exit.pid' "$f" | head -1)
	[ -n "$pid" ] || fail "no killed process in demo.jsonl"
	argv=$(jq -c --argjson p "$pid" 'select(.Exec.pid == $p) | .Exec.cmdline' "$f")
	"$PROCTRACE" render -f html --pid "$pid" -o sub.html "$f"
	html_check sub.html --procs 1 --argv "$pid@1=$argv" --table "Failures=1" --warnings 1
}

# A system-wide recording (record --all, no command) is a forest with no
# root: its page warns of no subtree; under --pid it does.
test_system_wide_in_browser() {
	local pid
	{
		echo '{"Recording":{"format":1,"tool":"proctrace 0.1.0","start_time":"2026-01-01T00:00:00.000000000Z","host":"h","kernel":"k","system_wide":true}}'
		echo '{"Running":{"seq":0,"timestamp":1000,"pid":2,"ppid":0,"pgid":0,"start":-5000000,"comm":"kthreadd","cmdline":[]}}'
		echo '{"Running":{"seq":1,"timestamp":2000,"pid":700,"ppid":1,"pgid":700,"start":-9000000,"cmdline":["sshd","-D"]}}'
		echo '{"Fork":{"seq":2,"timestamp":3000000,"parent_pid":700,"child_pid":701,"parent_pgid":700}}'
		echo '{"Exec":{"seq":3,"timestamp":3500000,"pid":701,"ppid":700,"pgid":700,"filename":"/bin/ls","cmdline":["ls","-l"]}}'
		echo '{"Exit":{"seq":4,"timestamp":9000000,"pid":701,"ppid":700,"pgid":700,"exit_code":0,"user_ns":1000,"system_ns":1000,"max_rss_kb":900}}'
		echo '{"End":{"timestamp":10000000,"lost":0}}'
	} >all.jsonl
	"$PROCTRACE" render -f html -o all.html all.jsonl 2>all.err || fail "$(cat all.err)"
	pid=701
	"$PROCTRACE" render -f html --pid 700 -o sub.html all.jsonl 2>sub.err || fail "$(cat sub.err)"
	html_check all.html --procs 3 --warnings 0 --argv "$pid@1=[\"ls\",\"-l\"]" \
		sub.html --procs 2 --warnings 1
}

# A write error is reported, and nothing half-written is left as the output.
test_write_error() {
	if "$PROCTRACE" render -f html -o /dev/full "$REPO_DIR/examples/demo.jsonl" 2>err; then
		fail "writing to /dev/full succeeded"
	fi
	grep -q 'proctrace: error' err || fail "no error message: $(cat err)"
}

run_tests
