"""API throughput and latency under 16 concurrent clients, over real HTTP on loopback.

Starts `graphscope serve` in a subprocess (so the load generator does not share its GIL), then
drives it with N concurrent httpx clients for a fixed time per scenario:

* healthz        - the baseline: the framework, auth-free, no query thread (the server's ceiling)
* who-can        - GET /v1/who-can, rotating over data stores and models of the inventory, once
                   answered from the query cache and once computed every time (--query-cache 0)
* scope (cached) - POST /v1/scope for one key, answered from the input-digest cache
* scope (first)  - the one uncached POST /v1/scope, timed alone

    python benchmarks/bench_api.py [--snapshot DIR --cloudtrail DIR --invocation-logs DIR
                                    --access-key KEY] [--clients 16] [--seconds 10]

Defaults use the bundled example incident (examples/incident).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "incident"
TARGET_KINDS = (
    "s3_bucket",
    "secret",
    "knowledge_base",
    "foundation_model",
    "custom_model",
    "sagemaker_endpoint",
)


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    def row(self) -> str:
        lat = sorted(self.latencies) or [float("nan")]
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rps = self.requests / self.seconds
        return f"| {self.name} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {self.requests:,} | {self.errors} |"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(
    args: argparse.Namespace, token: str, port: int, query_cache: int
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-c",
        "from graphscope.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--query-cache",
        str(query_cache),
    ]
    for flag, values in (
        ("--snapshot", args.snapshot),
        ("--cloudtrail", args.cloudtrail),
        ("--invocation-logs", args.invocation_logs),
    ):
        for v in values:
            cmd += [flag, str(v)]
    env = {**os.environ, "GRAPHSCOPE_API_TOKEN": token}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"server exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 600 s")


async def _load(
    name: str,
    client: httpx.AsyncClient,
    make: list[tuple[str, str, dict]],
    clients: int,
    seconds: float,
) -> Result:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        nonlocal errors
        n = i
        while time.perf_counter() < stop:
            method, url, kw = make[n % len(make)]
            n += clients
            t0 = time.perf_counter()
            r = await client.request(method, url, **kw)
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    return Result(name, len(latencies), errors, time.perf_counter() - t0, latencies)


async def _run(base: str, token: str, args: argparse.Namespace, cached: bool) -> list[Result]:
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as c:
        targets = []
        for kind in TARGET_KINDS:
            page = (await c.get("/v1/graph", params={"kind": kind, "limit": 50})).json()
            targets += [n["id"] for n in page["nodes"]]
        if not targets:
            raise SystemExit("no data stores or models in the inventory to ask who-can about")
        t0 = time.perf_counter()
        first = await c.post("/v1/scope", json={"access_key_id": args.access_key})
        first_s = time.perf_counter() - t0
        if first.status_code != 200:
            raise SystemExit(f"scope failed: {first.status_code} {first.text[:500]}")
        for t in targets:  # warm the reach engine's caches once, as a running server would be
            await c.get("/v1/who-can", params={"resource": t})
        who = [("GET", "/v1/who-can", {"params": {"resource": t}}) for t in targets]
        label = f"who-can, {len(targets)} resources, "
        if not cached:
            return [
                await _load(
                    label + "computed each time (--query-cache 0)",
                    c,
                    who,
                    args.clients,
                    args.seconds,
                )
            ]
        results = [Result("scope (first, uncached, 1 request)", 1, 0, first_s, [first_s])]
        results.append(
            await _load(
                "healthz (baseline)", c, [("GET", "/healthz", {})], args.clients, args.seconds
            )
        )
        results.append(await _load(label + "cached answers", c, who, args.clients, args.seconds))
        scope = [("POST", "/v1/scope", {"json": {"access_key_id": args.access_key}})]
        results.append(await _load("scope (cached)", c, scope, args.clients, args.seconds))
        return results


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--snapshot", type=Path, action="append")
    ap.add_argument("--cloudtrail", type=Path, action="append")
    ap.add_argument("--invocation-logs", type=Path, action="append")
    ap.add_argument("--access-key", default="AKIAIOSFODNN7EXAMPLE")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    if not args.snapshot:
        args.snapshot = [EXAMPLE / "snapshot"]
        args.cloudtrail = args.cloudtrail or [EXAMPLE / "cloudtrail"]
        args.invocation_logs = args.invocation_logs or [EXAMPLE / "invocation-logs"]
    args.cloudtrail, args.invocation_logs = args.cloudtrail or [], args.invocation_logs or []
    results: list[Result] = []
    for cached in (True, False):
        token, port = secrets.token_urlsafe(24), _free_port()
        t0 = time.perf_counter()
        proc = _start(args, token, port, 1024 if cached else 0)
        print(
            f"server ready in {time.perf_counter() - t0:.1f} s (load + ingest); "
            f"{args.clients} concurrent clients, {args.seconds:g} s per scenario, loopback, {os.cpu_count()} CPUs"
        )
        try:
            results += asyncio.run(_run(f"http://127.0.0.1:{port}", token, args, cached))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print("| scenario | requests/s | p50 ms | p99 ms | requests | non-200 |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(r.row())


if __name__ == "__main__":
    main()
