# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for tests/integ/test_*.sh. Each check prints exactly one line that
# tests/run.sh counts: "ok - NAME", "not ok - NAME: DETAIL" or "skip - NAME: WHY".
# Source it, then call finish at the end: it exits 1 if any check failed.

LIB_FAILED=0
LIB_RAN=0
LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export SLUICE_BUILD=${SLUICE_BUILD:-$LIB_ROOT/build}
CHECK_TIMEOUT=${CHECK_TIMEOUT:-60}

# check NAME CMD...: runs CMD (bounded by CHECK_TIMEOUT seconds); ok if it exits 0.
check() {
	local name=$1 out rc
	shift
	LIB_RAN=$((LIB_RAN + 1))
	out=$(timeout "$CHECK_TIMEOUT" "$@" 2>&1)
	rc=$?
	if ((rc == 0)); then
		echo "ok - $name"
	else
		LIB_FAILED=$((LIB_FAILED + 1))
		echo "not ok - $name: exit $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
	fi
	return $rc
}

# check_eq NAME WANT GOT
check_eq() {
	LIB_RAN=$((LIB_RAN + 1))
	if [[ "$2" == "$3" ]]; then
		echo "ok - $1"
	else
		LIB_FAILED=$((LIB_FAILED + 1))
		echo "not ok - $1: want '$2', got '$3'"
		return 1
	fi
}

# check_ge NAME MIN GOT: GOT >= MIN (integers)
check_ge() {
	LIB_RAN=$((LIB_RAN + 1))
	if [[ "$3" =~ ^[0-9]+$ ]] && (($3 >= $2)); then
		echo "ok - $1"
	else
		LIB_FAILED=$((LIB_FAILED + 1))
		echo "not ok - $1: want at least $2, got '$3'"
		return 1
	fi
}

skip() { echo "skip - $1: $2"; }

# require_root N: without root, print N skip lines and exit 0 (skipped, not passed).
require_root() {
	local i
	if [[ $(id -u) -ne 0 ]]; then
		for ((i = 1; i <= $1; i++)); do skip "$(basename "$0") check $i" "needs root"; done
		exit 0
	fi
}

# dp_query SOCKET JSON: one request, one JSON reply line on stdout.
dp_query() {
	echo "$2" | timeout 5 socat -t 3 - "UNIX-CONNECT:$1"
}

# dp_counter NAME [SOCKET]: one summed dataplane counter (0 if absent).
dp_counter() {
	dp_query "${2:-/run/sluice/dataplane.sock}" '{"cmd":"stats"}' | jq -r --arg n "$1" '.counters[$n] // 0'
}

# live_procs PATTERN: PIDs of live (non-zombie) processes whose command line matches.
live_procs() {
	local pid
	for pid in $(pgrep -f "$1" || true); do
		[[ $(ps -o stat= -p "$pid" 2>/dev/null) == Z* ]] || echo "$pid"
	done
}

finish() {
	((LIB_RAN > 0)) || { echo "not ok - $(basename "$0"): ran no check"; exit 1; }
	((LIB_FAILED == 0))
	exit $?
}
