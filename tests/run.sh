#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/run.sh [unit|bpf|integ|fuzz|all] — the one test command (DESIGN.md section 6).
#
# On a fresh machine it installs what it needs (deploy/install-deps.sh, idempotent),
# builds into build/ with warnings as errors, runs the suites and ends with one line:
#     N passed, N failed, N skipped
# Exit status is non-zero if anything failed. Suites report per test:
#   unit  - CUnit binaries (their Run Summary is counted)
#   bpf, integ, fuzz - lines "ok - NAME", "not ok - NAME: why", "skip - NAME: why"
# A binary that exits non-zero without reporting a failure counts as one failure, and a
# suite that reports nothing at all counts as a failure too: nothing passes silently.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
suite=${1:-all}
case "$suite" in
	unit|bpf|integ|fuzz|all) ;;
	-h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "tests/run.sh: unknown suite '$suite' (unit, bpf, integ, fuzz, all)" >&2; exit 2 ;;
esac

build=${SLUICE_BUILD:-$here/build}
export SLUICE_BUILD=$build
passed=0 failed=0 skipped=0
failures=()

note_fail() { failed=$((failed + 1)); failures+=("$1"); }

setup() {
	if [[ $(id -u) -eq 0 ]]; then
		"$here/deploy/install-deps.sh" || { echo "tests/run.sh: dependency install failed" >&2; exit 1; }
	else
		echo "tests/run.sh: not root: skipping dependency install (root-only tests will skip)"
	fi
	if [[ ! -f $build/build.ninja ]]; then
		meson setup "$build" -Ddeveloper_mode=true || { echo "tests/run.sh: meson setup failed" >&2; exit 1; }
	fi
	ninja -C "$build" || { echo "tests/run.sh: build failed" >&2; exit 1; }
}

# Runs one TAP-like test program; counts its ok/not ok/skip lines.
run_tap() {
	local name=$1; shift
	local out rc p f s
	echo "=== $name"
	out=$(mktemp)
	timeout --kill-after=10 "${TEST_TIMEOUT:-900}" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	s=$(grep -c '^skip - ' "$out")
	passed=$((passed + p)); skipped=$((skipped + s))
	if ((f)); then
		failed=$((failed + f))
		while IFS= read -r l; do failures+=("$name: ${l#not ok - }"); done < <(grep '^not ok - ' "$out")
	fi
	if ((rc == 124 || rc == 137)); then
		note_fail "$name: timed out"
	elif ((rc != 0 && rc != 77 && f == 0)); then
		note_fail "$name: exited $rc without reporting a failure"
	elif ((p + f + s == 0)); then
		note_fail "$name: reported no test"
	fi
	rm -f "$out"
}

# Runs one CUnit binary; counts from its Run Summary "tests" row.
run_cunit() {
	local bin=$1 name out rc row total ran pass fail
	name=$(basename "$bin")
	echo "=== unit/$name"
	out=$(mktemp)
	timeout --kill-after=10 300 "$bin" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	row=$(grep -E '^[[:space:]]+tests[[:space:]]+[0-9]+' "$out" | tail -n 1)
	if [[ -z $row ]]; then
		note_fail "unit/$name: no CUnit summary (exit $rc)"
	else
		read -r _ total ran pass fail _ <<<"$row"
		passed=$((passed + pass))
		if ((fail)); then
			failed=$((failed + fail))
			failures+=("unit/$name: $fail of $ran failed")
		fi
		if ((rc != 0 && fail == 0)); then
			note_fail "unit/$name: exited $rc"
		fi
		if ((ran < total)); then
			skipped=$((skipped + total - ran))
		fi
	fi
	rm -f "$out"
}

suite_unit() {
	local any=0 bin
	for bin in "$build"/tests/unit/test_*; do
		[[ -x $bin && -f $bin ]] || continue
		any=1
		run_cunit "$bin"
	done
	((any)) || note_fail "unit: no test binaries in $build/tests/unit"
}

suite_bpf() {
	run_tap bpf/test_xdp "$build/tests/bpf/test_xdp"
	run_tap bpf/test_decap "$build/tests/bpf/test_decap"
}

suite_integ() {
	local t any=0
	for t in "$here"/tests/integ/test_*.sh; do
		[[ -f $t ]] || continue
		any=1
		run_tap "integ/$(basename "$t" .sh)" bash "$t"
	done
	((any)) || note_fail "integ: no tests in tests/integ"
}

suite_fuzz() {
	run_tap fuzz/fuzz_pkt bash "$here/tests/fuzz/run.sh" "${FUZZ_SECONDS:-60}"
}

# Tests must never pin into the node's bpffs (it belongs to a running appliance): what is
# pinned there under our names must be the same before and after.
node_pins() { ls /sys/fs/bpf 2>/dev/null | grep '^sl_' || true; }

setup
pins_before=$(node_pins)
case "$suite" in
	unit) suite_unit ;;
	bpf) suite_bpf ;;
	integ) suite_integ ;;
	fuzz) suite_fuzz ;;
	all) suite_unit; suite_bpf; suite_fuzz; suite_integ ;;
esac

if [[ $(node_pins) == "$pins_before" ]]; then
	echo "ok - the node's /sys/fs/bpf holds the same sl_* pins as before the tests"
	passed=$((passed + 1))
else
	note_fail "tests left pins in the node's /sys/fs/bpf: $(node_pins | tr '\n' ' ')"
fi

if ((${#failures[@]})); then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
