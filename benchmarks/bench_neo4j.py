"""Benchmark the Neo4j backend beside networkx on the seeded synthetic organisation.

Measures push throughput (nodes + relationships per second, first push and an unchanged
re-push) and query latency of `reach` (blast radius) and `who-can` on both backends in the same
run, cold (a fresh store: Neo4j reads over Bolt) and warm (the store's read cache filled), and
the identity-path search in Cypher against the same search walked in Python. Every Neo4j answer
is checked equal to the networkx one; a mismatch is reported, not timed.

Needs a Neo4j: --uri, else $GRAPHSCOPE_NEO4J_URI, else --start-server runs tests/neo4j/run-server
(and stops it afterwards). The database is cleared first: never point it at a real one.

Usage: python benchmarks/bench_neo4j.py [--scale 0.1] [--seed 7] [--cache /tmp/gs-bench-org]
       [--uri bolt://127.0.0.1:7687] [--start-server] [--no-who-can]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_org

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.queries.potential import reach_report, resolve_subject, who_can
from graphscope.store import GraphStore
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.store.paths import identity_paths
from graphscope.store.push import push
from graphscope.workspace import Sources, Workspace

REPO = Path(__file__).resolve().parents[1]


def _org(cache: Path, seed: int, scale: float) -> Path:
    out = cache / f"seed{seed}-scale{scale}"
    if not (out / "snapshot").is_dir():
        synth_org.generate(out, seed, scale=scale)
    return out


def _timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    value = fn(*args, **kw)
    return value, time.perf_counter() - t0


def _reach_json(store: GraphStore, arn: str) -> str:
    engine = ReachEngine(AccessInputs(store))
    return reach_report(engine, resolve_subject(store, arn, None)).model_dump_json()


def _who_json(store: GraphStore, arn: str) -> str:
    return who_can(ReachEngine(AccessInputs(store)), arn).model_dump_json()


def _row(name: str, nx_s: float | None, neo_s: float | None, note: str = "") -> str:
    def f(x: float | None) -> str:
        return f"{x:>10.3f}" if x is not None else f"{'-':>10}"

    ratio = f"{neo_s / nx_s:8.1f}x" if nx_s and neo_s else f"{'':>9}"
    return f"{name:<46}{f(nx_s)} {f(neo_s)} {ratio}  {note}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/gs-bench-org"))
    ap.add_argument("--uri", default=os.environ.get("GRAPHSCOPE_NEO4J_URI"))
    ap.add_argument("--start-server", action="store_true")
    ap.add_argument("--no-who-can", action="store_true")
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


def _bench(args: argparse.Namespace) -> None:
    org = _org(args.cache, args.seed, args.scale)
    ws, load_s = _timed(Workspace.load, Sources(snapshots=(str(org / "snapshot"),)))
    mem = ws.store
    counts = {k: sum(1 for _ in mem.nodes({k})) for k in ("user", "role", "s3_bucket")}
    n_nodes, n_edges = sum(1 for _ in mem.nodes()), sum(1 for _ in mem.edges())

    neo = Neo4jGraphStore(args.uri)
    neo.clear()
    first, _ = _timed(push, ws, neo)
    again, _ = _timed(push, ws, neo)
    neo.close()

    users = sorted(n.id for n in mem.nodes({"user"}))
    roles = sorted(n.id for n in mem.nodes({"role"}))
    subjects = [("plain user", users[0]), ("role", roles[0])]
    rows: list[str] = []
    mismatches: list[str] = []
    for label, arn in subjects:
        a, nx_s = _timed(_reach_json, mem, arn)
        cold = Neo4jGraphStore(args.uri, ensure_schema=False, hide_observed=True)
        b, cold_s = _timed(_reach_json, cold, arn)
        _, warm_s = _timed(_reach_json, cold, arn)
        cold.close()
        if a != b:
            mismatches.append(f"reach {arn}")
        rows.append(_row(f"reach: {label} (cold)", nx_s, cold_s, arn))
        rows.append(_row(f"reach: {label} (warm cache)", None, warm_s))
    if not args.no_who_can:
        bucket = sorted(n.id for n in mem.nodes({"s3_bucket"}))[0]
        a, nx_s = _timed(_who_json, mem, bucket)
        cold = Neo4jGraphStore(args.uri, ensure_schema=False, hide_observed=True)
        b, cold_s = _timed(_who_json, cold, bucket)
        _, warm_s = _timed(_who_json, cold, bucket)
        cold.close()
        if a != b:
            mismatches.append(f"who-can {bucket}")
        rows.append(_row("who-can: one bucket, every principal (cold)", nx_s, cold_s, bucket))
        rows.append(_row("who-can: (warm cache)", None, warm_s))
    # identity paths: every role from the user with the most materialised hops, up to 4 hops
    hops = {u: sum(1 for _ in mem.out_edges(u, {"can_assume", "can_pass_role_to"})) for u in users}
    src = max(users, key=lambda u: (hops[u], u))
    with Neo4jGraphStore(args.uri, ensure_schema=False) as view:
        pa, nx_s = _timed(identity_paths, mem, src, roles, 4)
        pb, neo_s = _timed(identity_paths, view, src, roles, 4)
        if [[e.ident for e in p] for p in pa] != [[e.ident for e in p] for p in pb]:
            mismatches.append("identity paths")
        rows.append(
            _row("identity paths (user -> any role, <= 4 hops)", nx_s, neo_s, f"{len(pb)} paths")
        )

    print(f"synthetic org: scale {args.scale}, seed {args.seed}, {counts}")
    print(
        f"inventory graph: {n_nodes} nodes, {n_edges} edges (snapshot load, networkx: "
        f"{load_s:.2f} s); pushed with {first.identity_edges} materialised identity hops"
    )
    print("-" * 100)
    print(
        f"push (first):   {first.nodes + first.edges} items in {first.seconds:.2f} s = "
        f"{first.per_second:,.0f} nodes+relationships/s "
        f"({first.nodes_written} nodes, {first.edges_written} relationships written)"
    )
    print(
        f"push (again):   {again.nodes + again.edges} items in {again.seconds:.2f} s = "
        f"{again.per_second:,.0f} items/s checked ({again.nodes_written} nodes, "
        f"{again.edges_written} relationships written)"
    )
    print("-" * 100)
    print(f"{'query':<46}{'networkx s':>10} {'neo4j s':>10} {'ratio':>9}")
    for row in rows:
        print(row)
    print("-" * 100)
    print("answers equal on both backends" if not mismatches else f"MISMATCH: {mismatches}")


if __name__ == "__main__":
    main()
