#!/usr/bin/env python3
"""Provider start to handshake line: spawn the release plugin as Terraform does (cookie,
PLUGIN_PROTOCOL_VERSIONS, a P-521 PLUGIN_CLIENT_CERT) and time until the line is read.

Usage: bench/handshake.py [RUNS]   (needs target/release/terraform-provider-secretsint and openssl)
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN = os.path.join(ROOT, "target", "release", "terraform-provider-secretsint")
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def client_cert() -> str:
    with tempfile.TemporaryDirectory() as d:
        key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        subprocess.run(["openssl", "ecparam", "-name", "secp521r1", "-genkey", "-noout", "-out", key], check=True)
        subprocess.run(
            ["openssl", "req", "-new", "-x509", "-key", key, "-out", crt, "-days", "1", "-subj", "/CN=localhost", "-sha512"],
            check=True,
        )
        with open(crt, encoding="ascii") as f:
            return f.read()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    env = {"TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "5,6", "PLUGIN_CLIENT_CERT": client_cert(), "PATH": "/usr/bin:/bin"}
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen([PLUGIN], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        samples.append(time.perf_counter() - start)
        p.kill()
        p.wait()
        assert line.startswith(b"1|6|unix|"), line
    ms = sorted(s * 1000 for s in samples)
    print(f"start to handshake line over {runs} runs: median {statistics.median(ms):.2f} ms, p90 {ms[int(len(ms) * 0.9)]:.2f} ms, min {ms[0]:.2f} ms")


if __name__ == "__main__":
    main()
