"""Benchmark the Neo4j backend beside networkx on the seeded synthetic organisation.

Measures push throughput (nodes + relationships per second, first push and an unchanged
re-push; identity hops are derived and streamed in batches, so the process never holds them
all) and query latency of `scope --principal` (potential part: the inventory has no logs) and
`who-can` on both backends in the same run, cold (a fresh store: Neo4j reads over Bolt) and warm
(the store's read cache filled), and `path` with its identity walk in Cypher against the
engine's walk in Python. Every Neo4j answer is checked equal to the networkx one; a mismatch is
reported, not hidden.

Needs a Neo4j: --uri, else $GRAPHSCOPE_NEO4J_URI, else --start-server runs tests/neo4j/run-server
(and stops it afterwards). The database is cleared first: never point it at a real one.

Results are printed as each is measured (a long full-scale run leaves its numbers in the log
even when stopped); `--timeout S` bounds every query measurement, which is then reported as
"not finished in S s" (the push is never bounded).

Usage: python benchmarks/bench_neo4j.py [--scale 0.1] [--seed 7] [--cache /tmp/gs-bench-org]
       [--uri bolt://127.0.0.1:7687] [--start-server] [--no-who-can] [--no-repush] [--paths 20]
       [--timeout 900] [--reuse]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_org
from deadline import Unfinished, deadline

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.push import PushResult, push
from graphscope.queries.potential import paths_between, who_can
from graphscope.queries.scope import build_scope
from graphscope.store import GraphStore
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.store.paths import hops_written, neo4j_path_report
from graphscope.workspace import Sources, Workspace

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _org(cache: Path, seed: int, scale: float) -> Path:
    out = cache / f"seed{seed}-scale{scale}"
    if not (out / "snapshot").is_dir():
        synth_org.generate(out, seed, scale=scale)
    return out


def _timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    value = fn(*args, **kw)
    return value, time.perf_counter() - t0


def _try(timeout: float | None, fn: Callable, *args, **kw):  # type: ignore[no-untyped-def]
    """(value, seconds), or (None, inf) when it did not finish within `timeout`."""
    try:
        with deadline(timeout):
            return _timed(fn, *args, **kw)
    except Unfinished:
        return None, math.inf


def _say(line: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {line}", flush=True)


def _who_json(store: GraphStore, arn: str) -> str:
    return who_can(ReachEngine(AccessInputs(store)), arn).model_dump_json()


def _row(
    name: str, nx_s: float | None, neo_s: float | None, note: str = "", timeout: float = 0
) -> str:
    def f(x: float | None) -> str:  # None: not measured; inf: not finished within --timeout
        if x is None:
            return f"{'-':>10}"
        if math.isinf(x):
            return f"{'>' + format(timeout, '.0f'):>10}"
        return f"{x:>10.3f}"

    done = nx_s and neo_s and not math.isinf(nx_s) and not math.isinf(neo_s)
    ratio = f"{neo_s / nx_s:8.1f}x" if done else f"{'':>9}"  # type: ignore[operator]
    return f"{name:<46}{f(nx_s)} {f(neo_s)} {ratio}  {note}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/gs-bench-org"))
    ap.add_argument("--uri", default=os.environ.get("GRAPHSCOPE_NEO4J_URI"))
    ap.add_argument("--start-server", action="store_true")
    ap.add_argument("--no-who-can", action="store_true")
    ap.add_argument("--no-repush", action="store_true", help="skip the unchanged second push")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="query a database an earlier run (or `graphscope neo4j push`) filled with this "
        "org: no clear, no push (a full-scale push takes over an hour)",
    )
    ap.add_argument("--paths", type=int, default=20, help="seeded (from, to) pairs for `path`")
    ap.add_argument(
        "--timeout",
        type=float,
        default=0,
        help="bound each query measurement (s); '>S' in the table: not finished in S s",
    )
    args = ap.parse_args()

    started = False
    if not args.uri:
        if not args.start_server:
            sys.exit("give --uri, set GRAPHSCOPE_NEO4J_URI, or pass --start-server")
        run = subprocess.run(
            [str(REPO / "tests/neo4j/run-server")], capture_output=True, text=True, check=True
        )
        args.uri, started = run.stdout.strip().splitlines()[-1], True
    try:
        _bench(args)
    finally:
        if started:
            subprocess.run([str(REPO / "tests/neo4j/stop-server")], check=False)


def _scope_json(ws: Workspace, arn: str) -> str:
    report = build_scope(ws, principal=arn, now=NOW).report
    return report.model_dump_json(include={"subject", "potential", "coverage", "headline"})


def _path_json(engine: ReachEngine, src: str, dst: str, on_neo: bool) -> str:
    report = neo4j_path_report(engine, src, dst) if on_neo else paths_between(engine, src, dst)
    return report.model_dump_json()


def _bench(args: argparse.Namespace) -> None:
    t_out = args.timeout or None
    org = _org(args.cache, args.seed, args.scale)
    ws, load_s = _timed(Workspace.load, Sources(snapshots=(str(org / "snapshot"),)))
    mem = ws.store
    counts = {k: sum(1 for _ in mem.nodes({k})) for k in ("user", "role", "s3_bucket")}
    n_nodes, n_edges = sum(1 for _ in mem.nodes()), sum(1 for _ in mem.edges())
    rss0 = _rss_mb()
    _say(f"synthetic org: scale {args.scale}, seed {args.seed}, {counts}")
    _say(
        f"inventory graph: {n_nodes} nodes, {n_edges} edges (snapshot load, networkx: "
        f"{load_s:.2f} s); process RSS {rss0:,.0f} MB"
    )

    neo = Neo4jGraphStore(args.uri)
    if args.reuse:
        if not hops_written(neo):
            sys.exit(f"--reuse: {args.uri} holds no completed push; run without --reuse first")
        held = {k: sum(1 for _ in neo.nodes({k})) for k in counts}
        if held != counts:
            sys.exit(f"--reuse: {args.uri} holds another graph ({held}, not {counts})")
        _say("push: skipped (--reuse: querying the graph pushed earlier)")
    else:
        neo.clear()
        first, _ = _timed(push, ws, neo)
        _say(f"push (first):   {_push_line(first)}")
        _say(f"process RSS {_rss_mb():,.0f} MB after the first push")
    if not args.no_repush and not args.reuse:
        again, _ = _timed(push, ws, neo)
        _say(f"push (again):   {_push_line(again)}")
    neo.close()

    users = sorted(n.id for n in mem.nodes({"user"}))
    roles = sorted(n.id for n in mem.nodes({"role"}))
    mismatches: list[str] = []

    def row(name: str, nx_s: float | None, neo_s: float | None, note: str = "") -> None:
        _say(_row(name, nx_s, neo_s, note, args.timeout))

    _say(f"{'query':<46}{'networkx s':>10} {'neo4j s':>10} {'ratio':>9}")
    for label, arn in [("plain user", users[0]), ("role", roles[0])]:
        # what `scope --backend neo4j --snapshot ...` does: merge the inputs (no writes), query
        view = Neo4jGraphStore(args.uri, ensure_schema=False, hide_observed=True)
        on_neo, merge_s = _timed(Workspace.load, ws.sources, store=view)
        assert not view.written, "the pushed graph already holds the inputs"
        row("load inputs onto the pushed graph (merge)", load_s, merge_s)
        a, nx_s = _try(t_out, _scope_json, ws, arn)
        b, cold_s = _try(t_out, _scope_json, on_neo, arn)
        warm_s = _try(t_out, _scope_json, on_neo, arn)[1] if b is not None else None
        on_neo.close()
        view.close()
        if a is not None and b is not None and a != b:
            mismatches.append(f"scope {arn}")
        row(f"scope --principal: {label} (cold)", nx_s, cold_s, arn)
        row(f"scope --principal: {label} (warm cache)", None, warm_s)
    gc.collect()
    if not args.no_who_can:
        bucket = sorted(n.id for n in mem.nodes({"s3_bucket"}))[0]
        a, nx_s = _try(t_out, _who_json, mem, bucket)
        cold = Neo4jGraphStore(args.uri, ensure_schema=False, hide_observed=True)
        b, cold_s = _try(t_out, _who_json, cold, bucket)
        warm_s = _try(t_out, _who_json, cold, bucket)[1] if b is not None else None
        cold.close()
        if a is not None and b is not None and a != b:
            mismatches.append(f"who-can {bucket}")
        row("who-can: one bucket, every principal (cold)", nx_s, cold_s, bucket)
        row("who-can: (warm cache)", None, warm_s)
    # path: the identity walk in Cypher against the engine's walk, a few seeded pairs
    rng = random.Random(args.seed)
    targets = sorted(n.id for n in mem.nodes({"s3_bucket"}))
    pairs = []
    for _ in range(args.paths):  # a target in the source's own account, where paths are likely
        src = rng.choice(users + roles)
        account = src.split(":")[4]
        pairs.append((src, rng.choice([t for t in targets + roles if account in t] or targets)))
    gc.collect()  # the engines above are gone: their per-identity caches with them
    on_mem = ReachEngine(AccessInputs(mem))
    view = Neo4jGraphStore(args.uri, ensure_schema=False, hide_observed=True)
    on_view = ReachEngine(AccessInputs(view))
    totals: list[float | None] = [0.0, 0.0]
    found = done = 0
    budget = time.perf_counter() + 2 * args.timeout if args.timeout else None
    for src, dst in pairs:
        if budget is not None and time.perf_counter() > budget:
            break  # --timeout bounds the whole `path` section too (twice the one-query bound)
        a, nx_s = _try(t_out, _path_json, on_mem, src, dst, False)
        b, neo_s = _try(t_out, _path_json, on_view, src, dst, True)
        for i, took in enumerate((nx_s, neo_s)):
            t = totals[i]
            totals[i] = t + took if t is not None and took is not None else None
        found += a is not None and a != '{"paths":[]}'
        done += 1
        if a is not None and b is not None and a != b:
            mismatches.append(f"path {src} -> {dst}")
    view.close()
    row(
        f"path: {done} of {len(pairs)} seeded pairs, total (Cypher walk)",
        totals[0],
        totals[1],
        f"{found} with a path",
    )
    _say(f"benchmark process peak RSS {_rss_mb():,.0f} MB")
    _say("answers equal on both backends" if not mismatches else f"MISMATCH: {mismatches}")


def _push_line(r: PushResult) -> str:
    writing = r.seconds - r.hop_seconds
    return (
        f"{r.nodes + r.edges} items ({r.nodes} nodes, {r.edges} relationships of which "
        f"{r.identity_edges} identity hops) in {r.seconds:.1f} s = {r.per_second:,.0f}/s; "
        f"{r.nodes_written} nodes, {r.edges_written} relationships written; "
        f"{r.hop_seconds:.1f} s deriving identity hops, {writing:.1f} s reading and writing "
        f"Neo4j = {(r.nodes + r.edges) / writing if writing else 0:,.0f}/s"
    )


def _rss_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
