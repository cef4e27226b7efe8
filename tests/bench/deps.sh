#!/usr/bin/env bash
# tests/bench/deps.sh: install what `make bench` needs on Debian 12, only what is missing (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(make gcc jq strace bpftrace time autoconf)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: warning: missing ${missing[*]} (run as root to install)" >&2
		exit 0
	fi
	echo "bench: installing ${missing[*]}" >&2
	apt-get update -qq
	# bpftrace is a comparison only: the bench reports n/a without it.
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		echo "bench: warning: could not install ${missing[*]}" >&2
fi
