#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/fuzz/run.sh [SECONDS] — builds the libFuzzer targets with clang, ASan and UBSan in
# build-fuzz/ and runs each over a scratch copy of its seed corpus for SECONDS (default
# 30). Prints "ok - NAME (N runs)" or "not ok - NAME: ..." per target; a crash leaves its
# reproducer in build-fuzz/crashes/ and fails the run.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
secs=${1:-30}
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
bdir=${SLUICE_FUZZ_BUILD:-$here/build-fuzz}

if [[ ! -f $bdir/build.ninja ]]; then
	CC=clang meson setup "$bdir" "$here" -Dfuzz=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false >"$bdir.setup.log" 2>&1 || {
		echo "not ok - fuzz build: meson setup failed (see $bdir.setup.log)"; exit 1; }
fi
if ! ninja -C "$bdir" >"$bdir.build.log" 2>&1; then
	echo "not ok - fuzz build: $(grep -m1 -E 'error' "$bdir.build.log")"
	exit 1
fi

rc=0
for target in fuzz_pkt fuzz_conf fuzz_lb fuzz_cmd fuzz_dpctl fuzz_tcp; do
	seeds=$here/tests/fuzz/corpus/${target#fuzz_}
	work=$(mktemp -d)
	mkdir -p "$bdir/crashes"
	log=$bdir/$target.log
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	timeout $((secs + 60)) "$bdir/tests/fuzz/$target" -max_total_time="$secs" -max_len=2048 \
		-artifact_prefix="$bdir/crashes/$target-" "$work" "$seeds" >"$log" 2>&1
	status=$?
	runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1)
	if ((status == 0)) && [[ -n $runs ]]; then
		echo "ok - $target ($runs runs in ${secs}s, $(ls "$work" | wc -l) corpus entries)"
	else
		echo "not ok - $target: exit $status: $(grep -m1 -E 'ERROR|SUMMARY|runtime error' "$log")"
		tail -n 30 "$log"
		rc=1
	fi
	rm -rf "$work"
done
exit $rc
