#!/bin/sh
# examples/pv-build.sh: the recipe of examples/pv-build.jsonl, a real build
# (pv 1.6.20, the pipe viewer: './configure && make -j2') recorded with
# failed execs, and of its views next to it (Perfetto, HTML, tree).
#
#   sudo examples/pv-build.sh [pv_1.6.20.orig.tar.bz2]
#
# Run as root from the top of the repository, after 'make'. Without an
# argument, the upstream tarball is fetched with 'apt-get source
# --download-only pv' (deb-src must be enabled); either way, its checksum
# must be the one below, so the recording is of this very project.
set -eu

SHA256=e831951eff0718fba9b1ef286128773b9d0e723e1fbfae88d5a3188814fdc603
OUT=examples/pv-build

[ -x ./proctrace ] && [ -f examples/pv-build.sh ] ||
	{ echo "$0: run it from the top of the repository, after make" >&2; exit 1; }

tmp=$(mktemp -d /tmp/pv-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

tarball=${1:-}
if [ -z "$tarball" ]; then
	(cd "$tmp" && apt-get source --download-only pv >/dev/null)
	tarball=$(ls "$tmp"/pv_1.6.20.orig.tar.*)
fi
echo "$SHA256  $tarball" | sha256sum -c --quiet - ||
	{ echo "$0: $tarball is not pv 1.6.20's upstream tarball" >&2; exit 1; }
tar -xf "$tarball" -C "$tmp"

# A clean environment: the recording holds every argv, the working
# directories and each miss of a PATH search, so nothing of the user's
# environment (PATH, LIBRARY_PATH, MAKEFLAGS...) may reach the build.
# Only the temporary directory's name and the host name say where it ran.
proctrace=$(pwd)/proctrace
out=$(pwd)/$OUT
(cd "$tmp/pv-1.6.20" &&
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$tmp" LANG=C.UTF-8 \
		"$proctrace" record --failed-execs --force -o "$out.jsonl" -- \
		sh -c './configure && make -j2' >"$tmp/build.log" 2>&1) ||
	{ tail -20 "$tmp/build.log" >&2; exit 1; }

# Its views, checked in next to it ('make examples' renders them again;
# tests/e2e/test_docs.sh checks that they are current).
make -s examples
ls -l "$OUT".*
