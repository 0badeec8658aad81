#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What deploy/ gives a node (docs/operations.md), checked as far as a test machine can
# without installing into its own /usr or starting units:
#  - meson install puts the units, the hugepage script, the sysusers.d file, the bash
#    completion and the sample config where the build says;
#  - systemd-analyze verify accepts the units without a warning (paths pointed at this
#    build), and systemd-sysusers accepts the group file;
#  - the sample config is valid; the hugepage script refuses bad counts with exit 2
#    and leaves a large enough reservation alone;
#  - the two units' ExecStart lines, as written, start a dataplane and a sluiced that
#    talk (paths moved to a scratch directory; sluiced with --no-filter so the host's
#    bpffs is not touched); sluicectl takes its global options after the command;
#  - the completion offers commands, verbs and option values.
# Bounded: every command under a timeout; processes stopped by PID on exit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

B=$SLUICE_BUILD
CTLBIN=$B/controlplane/sluicectl
TMP=$(mktemp -d /tmp/sl-deploy.XXXXXX)
DP_PID='' SD_PID=''
cleanup() {
	[[ -n $SD_PID ]] && kill -KILL "$SD_PID" 2>/dev/null
	[[ -n $DP_PID ]] && kill -KILL "$DP_PID" 2>/dev/null
	[[ -n ${KEEP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT
D=$LIB_ROOT/deploy

# --- install -------------------------------------------------------------------------
prefix=$(meson introspect --buildoptions "$B" | jq -r '.[] | select(.name == "prefix") | .value')
timeout 120 meson install -C "$B" --no-rebuild --destdir "$TMP/root" >"$TMP/install.log" 2>&1
R=$TMP/root$prefix
missing=
for f in lib/systemd/system/sluiced.service lib/systemd/system/sluice-dataplane.service \
	lib/systemd/system/sluice-hugepages.service lib/sysusers.d/sluice.conf \
	share/bash-completion/completions/sluicectl share/doc/sluice/examples/sluice.yaml; do
	[[ -f $R/$f ]] || missing+=" $f"
done
[[ -x $R/sbin/sluice-hugepages ]] || missing+=" sbin/sluice-hugepages (executable)"
check_eq "meson install puts the units, script, sysusers file, completion and sample in $prefix" \
	"" "$missing"

# --- units and group file ------------------------------------------------------------
mkdir -p "$TMP/units"
for u in "$D"/systemd/*.service; do
	sed -e "s|/usr/bin/sluice-dataplane|$B/dataplane/sluice-dataplane|" \
	    -e "s|/usr/bin/sluiced|$B/controlplane/sluiced|" \
	    -e "s|/usr/bin/sluicectl|$CTLBIN|" \
	    -e "s|/usr/sbin/sluice-hugepages|$D/sluice-hugepages.sh|" "$u" >"$TMP/units/${u##*/}"
done
out=$(timeout 60 systemd-analyze verify --man=no "$TMP"/units/*.service 2>&1)
check_eq "systemd-analyze verify: the three units, no error or warning" "0 " "$? $out"
out=$(timeout 20 systemd-sysusers --dry-run "$D/sysusers.d/sluice.conf" 2>&1)
check "systemd-sysusers accepts the group file ($(head -n 1 <<<"$out"))" \
	grep -qE "Creating group '?sluice'?|^$" <<<"$out"

# --- sample config and hugepage script -----------------------------------------------
check "the sample config is valid" timeout 10 "$CTLBIN" config check "$D/sluice.yaml"
out=$(timeout 10 bash "$D/sluice-hugepages.sh" 12x 2>&1)
check_eq "sluice-hugepages: a bad count is refused with exit 2 ($out)" 2 "$?"
out=$(timeout 10 bash "$D/sluice-hugepages.sh" 999999999 2>&1)
check_eq "sluice-hugepages: more than the machine's memory is refused with exit 2 ($out)" 2 "$?"
if [[ $(id -u) -eq 0 ]] && (($(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages) >= 1)); then
	before=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
	SLUICE_DEFAULTS=/nonexistent timeout 20 bash "$D/sluice-hugepages.sh" 1 >/dev/null 2>&1
	rc=$?
	check_eq "sluice-hugepages 1: enough already reserved, left alone (exit, pages)" \
		"0 $before" "$rc $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)"
else
	skip "sluice-hugepages leaves a large enough reservation alone" "needs root and reserved hugepages"
fi

# --- the units' command lines --------------------------------------------------------
if [[ $(id -u) -ne 0 ]]; then
	for n in "the units' ExecStart lines" "sluicectl --json after the command" \
		"sluicectl --if-generation after the verb" "SIGTERM ends both with status 0"; do
		skip "$n" "needs root (network namespaces)"
	done
else
# ExecStart= as systemd runs it: $VAR unquoted, split at whitespace.
exec_line() { sed -n 's/^ExecStart=//p' "$TMP/units/$1"; }
relocate() {
	sed -e "s|/run/sluice/dataplane.sock|$TMP/dp.sock|g" -e "s|/run/sluice/sluiced.sock|$TMP/s.sock|g" \
	    -e "s|/etc/sluice/sluice.yaml|$TMP/sluice.yaml|g" -e "s|/var/lib/sluice/state.yaml|$TMP/state.yaml|g" \
	    -e "s|/var/log/sluice/audit.log|$TMP/audit.log|g" -e "s|127.0.0.1:9477|127.0.0.1:19477|g"
}
cp "$D/sluice.yaml" "$TMP/sluice.yaml"
SLUICE_EAL_ARGS="--no-pci --no-huge -m 1024 --no-shconf -l 0,1 --log-level=*:warning"
SLUICE_DATAPLANE_ARGS="--port t=null --no-src-filter"
read -ra dp_cmd <<<"$(exec_line sluice-dataplane.service | relocate |
	sed -e "s|\$SLUICE_EAL_ARGS|$SLUICE_EAL_ARGS|" -e "s|\$SLUICE_DATAPLANE_ARGS|$SLUICE_DATAPLANE_ARGS|")"
read -ra sd_cmd <<<"$(exec_line sluiced.service | relocate) --no-filter"
# Each in a network namespace of its own with only loopback (unshare -n; gone with the
# process): the sample's health checks and addresses must not reach any real network.
# They meet through the unix sockets in $TMP.
netless() { exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"; }
netless "${dp_cmd[@]}" >"$TMP/dp.log" 2>&1 &
DP_PID=$!
netless "${sd_cmd[@]}" >"$TMP/sd.log" 2>&1 &
SD_PID=$!
SC="timeout 10 $CTLBIN --socket $TMP/s.sock"
for _ in $(seq 1 100); do
	$SC --json status 2>/dev/null | jq -e '.dataplane_in_sync' >/dev/null 2>&1 && break
	sleep 0.1
done
st=$($SC --json status 2>&1)
check "the units' ExecStart lines: sluiced pushed the sample config to the dataplane ($(jq -c '{generation, dataplane_generation, dataplane_in_sync}' <<<"$st" 2>/dev/null || echo "$st"))" \
	jq -e '.generation >= 1 and .dataplane_in_sync' <<<"$st"
check "sluicectl takes --json after the command (stats --json)" \
	jq -e '.dataplane.counters.rx | type == "number"' < <(timeout 10 "$CTLBIN" stats --json --socket "$TMP/s.sock")
out=$($SC backend set web 198.18.1.11:80 --weight 3 --if-generation 0 2>&1)
check "and --if-generation after the verb: a stale generation is refused ($out)" \
	grep -q "stale: the change was based on generation 0" <<<"$out"
kill -TERM "$SD_PID"; wait "$SD_PID"; sd_rc=$?; SD_PID=
kill -TERM "$DP_PID"; wait "$DP_PID"; dp_rc=$?; DP_PID=
check_eq "SIGTERM (systemctl stop) ends both with status 0" "0 0" "$sd_rc $dp_rc"
fi

# --- bash completion -----------------------------------------------------------------
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sluicectl; echo "${COMPREPLY[*]}"' \
		_ "$D/sluicectl.bash-completion" "$@" 2>&1
}
check_eq "completion: commands" "pool" "$(complete_words sluicectl po)"
check_eq "completion: verbs" "add set del list" "$(complete_words sluicectl backend '')"
check_eq "completion: --policy values" "maglev" "$(complete_words sluicectl vip add 198.18.0.100:80/tcp --policy ma)"
check_eq "completion: --state values" "ready drain maint" "$(complete_words sluicectl backend set web 198.18.1.11:80 --state '')"
check_eq "completion: --json after stats" "--json" "$(complete_words sluicectl stats --j)"
check_eq "completion: a dataplane limit's --algorithm values" "sliding-log sliding-window" \
	"$(complete_words sluicectl limit set per-client --algorithm sl)"
check_eq "completion: an XDP class's options" "--pps" "$(complete_words sluicectl limit set 3 --pp)"
finish
