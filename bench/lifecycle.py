#!/usr/bin/env python3
"""Where a small plan's time goes, per provider process, from Terraform's own trace log.

A `terraform plan` with one data source starts the provider three times (schema, validate
walk, plan walk). For each start this reads Terraform 1.15.5's core trace (TF_LOG_CORE=TRACE,
provider logs off) and reports the medians over RUNS plans of:

  start    "starting plugin" -> "using plugin"   exec, dynamic linking, handshake line
  connect  "using plugin"    -> first RPC          TLS handshake, gRPC connection
  serve    first RPC         -> "Close"            the RPCs of that process
  exit     "Close"           -> "plugin exited"    Shutdown RPC, process exit, Go reaping it

for our provider and, as the peer, HashiCorp's Go null provider (plan_bench.py fetches it).
Timestamps have millisecond resolution; use many runs.

Usage: bench/lifecycle.py [RUNS]   (needs a release build: cargo build --release)
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plan_bench  # noqa: E402

STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:(\d\d\.\d+))Z")
EVENTS = {
    "starting plugin": "start",
    "provider: using plugin": "using",
    "GRPCProvider": "rpc",
    ": Close": "close",
    "provider: plugin exited": "exited",
}


def seconds(line):
    m = STAMP.match(line)
    if not m:
        return None
    hh, mm = line[11:13], line[14:16]
    return int(hh) * 3600 + int(mm) * 60 + float(m.group(2))


def phases(log):
    """One dict of phase durations (ms) per provider process, in start order."""
    procs, cur = [], None
    for line in log.splitlines():
        t = seconds(line)
        if t is None:
            continue
        if "starting plugin" in line:
            cur = {"start": t}
            procs.append(cur)
        elif cur is None:
            continue
        elif "provider: using plugin" in line:
            cur["using"] = t
        elif "GRPCProvider" in line and "first" not in cur and "using" in cur and ": Close" not in line:
            cur["first"] = t
        elif "GRPCProvider" in line and line.rstrip().endswith(": Close"):
            cur["close"] = t
        elif "provider: plugin exited" in line:
            cur["exited"] = t
    out = []
    for p in procs:
        if all(k in p for k in ("start", "using", "first", "close", "exited")):
            out.append({
                "start": p["using"] - p["start"],
                "connect": p["first"] - p["using"],
                "serve": p["close"] - p["first"],
                "exit": p["exited"] - p["close"],
                "total": p["exited"] - p["start"],
            })
    return out


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    work = tempfile.mkdtemp(prefix="secretsint-lifecycle-")
    b = plan_bench.Bench(work)
    ws = {
        "secretsint": b.workspace("p", plan_bench.data_sources(1)),
        "null": b.workspace("n", 'data "null_data_source" "n" {\n  inputs = { name = "app" }\n}\n', provider="null"),
    }
    env = dict(b.env, TF_LOG_CORE="TRACE", TF_LOG_PROVIDER="DEBUG", TF_LOG_PROVIDER_SECRETSINT="OFF")
    print(f"# lifecycle {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {runs} plans each, load {os.getloadavg()[0]:.2f}\n")
    print("| provider | process | start ms | connect ms | serve ms | exit ms | total ms |\n|---|---|---|---|---|---|---|")
    for name, d in ws.items():
        per = {}
        for _ in range(runs):
            log = subprocess.run([plan_bench.TF, f"-chdir={d}", "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false"],
                                 env=env, check=True, capture_output=True, text=True).stderr
            for i, p in enumerate(phases(log)):
                per.setdefault(i, []).append(p)
        for i, ps in sorted(per.items()):
            med = {k: statistics.median(p[k] for p in ps) * 1000 for k in ps[0]}
            print(f"| {name} | {i + 1} | " + " | ".join(f"{med[k]:.1f}" for k in ("start", "connect", "serve", "exit", "total")) + " |")
    print(f"\nload at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
