#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluice-dataplane's command line as an operator meets it: --help and --version succeed;
# bad options and port specs are refused with exactly one line and exit status 2 before
# EAL starts; a missing interface or a missing privilege is explained (exit 1), never a
# screen of EAL errors.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
BIN=$SLUICE_BUILD/dataplane/sluice-dataplane

# expect NAME STATUS PATTERN ARGS...: exit status and a single stderr line matching PATTERN
expect() {
	local name=$1 want=$2 pat=$3 out rc lines
	shift 3
	out=$(timeout 20 "$BIN" "$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(grep -c . <<<"$out")
	if ((rc == want)) && ((lines == 1)) && grep -qE -- "$pat" <<<"$out"; then
		check_eq "$name" ok ok
	else
		check_eq "$name" "exit $want, one line matching '$pat'" "exit $rc, $lines lines: $out"
	fi
}

check "--help prints usage and exits 0" sh -c "'$BIN' --help | grep -q 'Usage: sluice-dataplane'"
check "--version exits 0" sh -c "'$BIN' --version | grep -q '^sluice-dataplane '"
expect "no options after EAL's" 2 "at least one --port" --no-pci
expect "no --port" 2 "no --port given" -- --workers 1
expect "unknown option" 2 "unknown option '--bogus'" -- --port t=null --bogus
expect "option without its value" 2 "needs a value" -- --port
expect "unknown port kind" 2 "unknown kind 'nic'" -- --port t=nic:eth0
expect "malformed port spec" 2 "NAME=KIND" -- --port front
expect "bad port argument" 2 "no argument 'speed'" -- --port t=af_xdp:eth0,speed=10
expect "bad address" 2 "not an IPv4 or IPv6 address" -- --port t=null --addr t=198.18.0.300
expect "address for an unknown port" 2 "no port named" -- --port t=null --addr x=198.18.0.1
expect "bad worker count" 2 "--workers" -- --port t=null --workers 0
expect "missing interface is explained" 1 "does not exist in this network namespace" \
	--no-pci -- --port front=af_xdp:sl-nonexistent0
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
	check "non-root af_xdp is refused with what to do" sh -c \
		"out=\$(setpriv --reuid=65534 --regid=65534 --clear-groups '$BIN' --no-pci -- --port front=af_xdp:lo 2>&1); \
		 [ \$? -eq 1 ] && echo \"\$out\" | grep -q 'need root'"
else
	skip "non-root af_xdp is refused with what to do" "needs root and setpriv to drop privileges"
fi
finish
