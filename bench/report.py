#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench/report.py --dir DIR --out PREFIX [--quick 0|1] [--seconds N]

Gathers what bench/run.sh's benchmarks wrote in DIR (NAME.json, or NAME.nm saying why a
benchmark was not measured) into PREFIX.json (the machine, every figure, every gap),
PREFIX.md (a table per benchmark, peers beside Sluice) and DIR/NAME.png (a bar chart of
each benchmark's main figure with its min-max spread, drawn by gnuplot). Figures are
copied from the benchmarks' own files, never computed here beyond unit conversion; a
benchmark without a file is "not measured: <why>".
"""
import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time

# The order of the report, and what each benchmark's main figure is.
SECTIONS = [
    ("xdp_filter", "XDP filter: ns per packet (BPF_PROG_TEST_RUN)", "ns/packet", "lower"),
    ("xdp_live", "XDP filter: Mpps dropped on a veth (live frames)", "Mpps", "higher"),
    ("lb_pipeline", "Dataplane pipeline without a NIC: ns per packet", "ns/packet", "lower"),
    ("police", "Rate limits with their keyed state: ns per packet", "ns/packet", "lower"),
    ("lab_gen", "Lab: SYN packets per second through the VIP (live-frames generator)",
     "packets/s", "higher"),
    ("lb_lab", "Lab: HTTP requests per second through the VIP (wrk)", "requests/s", "higher"),
    ("change_latency", "Control plane: change to every worker, p50 and p99", "us", "lower"),
]


def machine():
    m = {"host": socket.gethostname(), "kernel": platform.release(),
         "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    m["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    m["mem_gib"] = round(int(line.split()[1]) / 1048576, 1)
                    break
    except OSError:
        pass
    try:
        m["virt"] = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True,
                                   timeout=5).stdout.strip() or "none"
    except (OSError, subprocess.SubprocessError):
        m["virt"] = "unknown"
    return m


def rows(name, d):
    """(label, median, min, max, notes) for a benchmark's main figure."""
    r = []
    if name == "xdp_filter":
        for x in d.get("results", []):
            r.append((f'{x["program"]}: {x["case"]}', x["ns_per_packet_median"], x["min"],
                      x["max"], ""))
    elif name == "xdp_live":
        for x in d.get("results", []):
            r.append((x["program"], x["mpps_median"], x["min"], x["max"],
                      f'delivered {x.get("delivered_share", 1):.4f}'))
    elif name == "lb_pipeline":
        b = d.get("ns_alloc_copy", 0)
        r.append(("SYN (new flow), net", d["ns_syn_net"],
                  round(d.get("ns_syn_min", d["ns_syn_total"]) - b, 1),
                  round(d.get("ns_syn_max", d["ns_syn_total"]) - b, 1),
                  f'{d.get("instructions_syn", "?")} instructions (callgrind); '
                  f'{1e3 / d["ns_syn_total"]:.2f} Mpps per core with the harness'))
        r.append(("established, net", d["ns_established_net"],
                  round(d.get("ns_established_min", d["ns_established_total"]) - b, 1),
                  round(d.get("ns_established_max", d["ns_established_total"]) - b, 1),
                  f'{d.get("instructions_established", "?")} instructions (callgrind); '
                  f'{1e3 / d["ns_established_total"]:.2f} Mpps per core with the harness'))
    elif name == "police":
        for x in d.get("results", []):
            r.append((x["algorithm"], x["ns_per_packet_median"], x["min"], x["max"],
                      f'bursts of 32: {x["burst32_ns_median"]} ns; alone {x["alone_ns_median"]}'
                      f' ns; {x["bytes_per_key"]} bytes/key'))
    elif name == "lab_gen":
        for x in d.get("results", []):
            r.append((x["balancer"], x["forwarded_pps_median"], x["min"], x["max"],
                      f'offered {x.get("offered_pps", "?")} pps'))
    elif name == "lb_lab":
        for x in d.get("results", []):
            r.append((x["balancer"], x["requests_per_s"], x.get("min", x["requests_per_s"]),
                      x.get("max", x["requests_per_s"]),
                      f'p50 {x.get("latency_p50_us", "?")} us, p99 {x.get("latency_p99_us", "?")}'
                      f' us, CPU {x.get("cpu_s_per_s", "-")} s/s'))
    elif name == "change_latency":
        for x in d.get("results", []):
            r.append((f'{x["system"]} p50', x["p50_us"], x["p50_us"], x["p50_us"], ""))
            r.append((f'{x["system"]} p99', x["p99_us"], x["p99_us"], x["p99_us"],
                      f'max {x["max_us"]} us, {x["changes_per_s"]} changes/s'))
    return r


def extras(name, d):
    """Lines under a benchmark's table: its other figures."""
    e = []
    if d.get("method"):
        e.append(f'Method: {d["method"]}.')
    if name == "lb_pipeline":
        e.append(f'Memory per flow: {d.get("bytes_per_flow", "?")} bytes; Maglev build '
                 f'(M=65537): {d.get("maglev_ms_n100")} ms for 100 backends, '
                 f'{d.get("maglev_ms_n1000")} ms for 1000; {d.get("flows")} flows, '
                 f'{d.get("rounds")} rounds.')
    if name == "police" and "big_keys" in d:
        e.append(f'{d["big_keys"]} keys: {d["big_mib"]} MiB, {d["big_bytes_per_key"]} '
                 f'bytes per key.')
    if name == "change_latency" and "group_commit" in d:
        g = d["group_commit"]
        e.append(f'Group commit, {g.get("clients")} clients: {g.get("rate")} changes/s in '
                 f'{g.get("commits")} commits, p99 {g.get("p99_us")} us; the dataplane\'s '
                 f'share of a change: {d.get("dataplane_apply_us")} us.')
    for nm in d.get("not_measured", []):
        e.append(f'{nm.get("balancer", nm.get("program", "?"))}: not measured: {nm["why"]}.')
    return e


def plot(name, title, unit, rs, png):
    """A bar chart of the medians with min-max error bars; returns why not, or None."""
    gp = shutil.which("gnuplot")
    if not gp:
        return "gnuplot is not installed"
    data = png[:-4] + ".dat"
    with open(data, "w") as f:
        for i, (label, med, lo, hi, _) in enumerate(rs):
            f.write(f'{i} "{label.replace(chr(34), "")}" {med} {lo} {hi}\n')
    script = f"""
set terminal pngcairo size 1000,{260 + 28 * len(rs)} font ",10"
set output "{png}"
set termoption noenhanced
set title "{title.replace('"', '')}"
set style fill solid 0.6
set boxwidth 0.6
set ytics scale 0
set xlabel "{unit} (median; bars: min to max)"
set yrange [-0.7:{len(rs) - 0.3}]
set xrange [0:*]
set grid xtics
unset key
plot "{data}" using 3:1:(0):3:($1-0.3):($1+0.3):yticlabels(2) with boxxy lc rgb "#4477aa", \\
     "{data}" using 3:1:4:5 with xerrorbars lc rgb "black" pt 0
"""
    p = subprocess.run([gp], input=script, capture_output=True, text=True, timeout=60)
    os.unlink(data)
    if p.returncode != 0 or not os.path.exists(png):
        return "gnuplot failed: " + (p.stderr.strip().splitlines() or ["?"])[-1][:120]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", default="0")
    ap.add_argument("--seconds", type=int, default=0)
    a = ap.parse_args()
    m = machine()
    res = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "machine": m,
           "quick": a.quick == "1", "seconds": a.seconds, "benchmarks": {}}
    md = [f'# Benchmarks, {res["date"]} on {m["host"]}', "",
          f'{m.get("cpu", "?")}, {m["cpus"]} CPUs, {m.get("mem_gib", "?")} GiB, kernel '
          f'{m["kernel"]}, virtualisation: {m["virt"]}. '
          + ("`--quick`: short runs for a smoke check, not figures to quote. " if res["quick"]
             else "") + f'The suite took {a.seconds} s. Each table is one benchmark, its '
          f'peers measured in the same run; read ratios within a table (bench/README.md).', ""]
    for name, title, unit, better in SECTIONS:
        jpath, nmpath = os.path.join(a.dir, name + ".json"), os.path.join(a.dir, name + ".nm")
        md.append(f"## {title}")
        md.append("")
        d = None
        if os.path.exists(jpath) and not os.path.exists(nmpath):
            try:
                with open(jpath) as f:
                    d = json.load(f)
            except (OSError, ValueError) as e:
                why = f"its results file is not JSON ({e})"
        if d is None:
            if os.path.exists(nmpath):
                with open(nmpath) as f:
                    why = f.read().strip() or "no reason recorded"
            elif not os.path.exists(jpath):
                why = "not run (--only)"
            res["benchmarks"][name] = {"not_measured": why}
            md += [f"Not measured: {why}.", ""]
            continue
        try:
            rs = rows(name, d)
        except (KeyError, TypeError) as e:
            rs, d = [], dict(d, report_error=f"missing field {e}")
        res["benchmarks"][name] = d
        if not rs:
            md += ["Not measured: the benchmark wrote no figures.", ""]
            res["benchmarks"][name] = {"not_measured": "no figures", "raw": d}
            continue
        md += [f"| {'case' if name != 'lb_lab' else 'balancer'} | {unit} (median) | min | max "
               f"| notes |", "|---|---:|---:|---:|---|"]
        for label, med, lo, hi, note in rs:
            md.append(f"| {label} | {med} | {lo} | {hi} | {note} |")
        md.append("")
        md += [x for x in extras(name, d)]
        why = plot(name, title, f"{unit}, {better} is better", rs,
                   os.path.join(a.dir, name + ".png"))
        if why:
            md.append(f"Plot: not drawn: {why}.")
        else:
            md.append(f"![{name}]({os.path.basename(a.dir)}/{name}.png)")
            d["plot"] = f"{os.path.basename(a.dir)}/{name}.png"
        md.append("")
    with open(a.out + ".json", "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    measured = sum(1 for v in res["benchmarks"].values()
                   if not isinstance(v.get("not_measured"), str))
    print(f"report: {measured} of {len(res['benchmarks'])} benchmarks measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
