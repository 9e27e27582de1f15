"""Benchmark `graphscope scope` on the synthetic organisation with generated CloudTrail.

    python benchmarks/bench_scope.py --events 1000000 [--scale 1.0] [--workers 2]
        [--cache /tmp/gs-bench-org] [--dir /tmp/gs-bench-scope] [--keep]

The organisation is benchmarks/synth_org.py's (cached like bench_potential.py); the events are
benchmarks/bench_activity.py's generator, written into the organisation's first account. The
leaked key (bench_activity.ATTACKER) belongs to user0 of that account, added to the inventory
with one extra get-account-authorization-details file that copies user-0's permissions, so the
scope has both a potential and an observed side. Each phase runs in its own child process so
its peak RSS is its own:
  cold   load the inventory, ingest every event into a new SQLite store, scope, render md+html;
         then a second scope in the same process (graph, reach caches and store already built:
         what `graphscope serve` does for every request after the first)
  store  a new process reusing the event store (--store DB, no --cloudtrail): reload the
         inventory, then scope (the CLI's second run)
Numbers are printed; nothing is asserted (see DEVELOPERS.md).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_activity
import bench_potential

SUBJECT_USER = "user0"  # bench_activity gives the ATTACKER key to its first user


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(cache: Path, workdir: Path, scale: float, seed: int, n_events: int) -> dict[str, str]:
    """The organisation (cached), the events (cached per size) and the extra auth-details file."""
    org = bench_potential._org(cache, seed, scale)
    account = sorted(p.stem for p in (org / "iam-auth-details").glob("*.json"))[0]
    events = workdir / f"events-{account}-{n_events}"
    if not events.is_dir():
        t = time.perf_counter()
        bench_activity.ACCOUNT = account  # the generator reads it at call time
        files = bench_activity.generate(events, n_events)
        print(f"generated {n_events:,} events in {files} files ({time.perf_counter() - t:.0f} s)")
    details = json.loads((org / "iam-auth-details" / f"{account}.json").read_text())
    template = next(u for u in details["UserDetailList"] if u["UserName"] == "user-0")
    user = {
        **template,
        "UserName": SUBJECT_USER,
        "UserId": template["UserId"] + "X",
        "Arn": f"arn:aws:iam::{account}:user/{SUBJECT_USER}",
    }
    extra = workdir / f"subject-{account}.json"
    extra.write_text(
        json.dumps(
            {"UserDetailList": [user], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
        )
    )
    return {
        "snapshot": str(org / "snapshot"),
        "extra": str(extra),
        "events": str(events),
        "account": account,
    }


def phase_cold(inputs: dict[str, str], db: str, workers: int) -> dict:
    from graphscope.queries.scope import build_scope
    from graphscope.report.html import render_html
    from graphscope.report.markdown import render_markdown
    from graphscope.workspace import Sources, Workspace

    t0 = time.perf_counter()
    sources = Sources(
        snapshots=(inputs["snapshot"],),
        iam_auth_details=(inputs["extra"],),
        event_store=db,
        workers=workers,
    )
    ws = Workspace.load(sources)
    t1 = time.perf_counter()
    ws.sources = replace(sources, cloudtrail=(inputs["events"],))
    ws.ingest()
    t2 = time.perf_counter()
    result = build_scope(ws, access_key=bench_activity.ATTACKER)
    t3 = time.perf_counter()
    render_markdown(result.report)
    page = render_html(result.report)
    t4 = time.perf_counter()
    again = build_scope(ws, access_key=bench_activity.ATTACKER)
    t5 = time.perf_counter()
    assert again.report.observed == result.report.observed
    r = result.report
    return {
        "inventory_s": t1 - t0,
        "ingest_s": t2 - t1,
        "scope_s": t3 - t2,
        "render_s": t4 - t3,
        "total_s": t4 - t0,
        "second_scope_s": t5 - t4,
        "events": ws.events.event_count(),
        "subject_events": result.activity.event_count,
        "sessions": len(r.observed.sessions),
        "potential": len(r.potential.resources),
        "gaps": len(r.coverage.gaps),
        "containment": len(r.containment),
        "html_mb": len(page) / 1e6,
        "peak_mb": _peak_mb(),
    }


def phase_store(inputs: dict[str, str], db: str) -> dict:
    from graphscope.queries.scope import build_scope
    from graphscope.workspace import Sources, Workspace

    t0 = time.perf_counter()
    ws = Workspace.load(
        Sources(
            snapshots=(inputs["snapshot"],), iam_auth_details=(inputs["extra"],), event_store=db
        )
    )
    t1 = time.perf_counter()
    result = build_scope(ws, access_key=bench_activity.ATTACKER)
    t2 = time.perf_counter()
    return {
        "inventory_s": t1 - t0,
        "scope_s": t2 - t1,
        "total_s": t2 - t0,
        "subject_events": result.activity.event_count,
        "peak_mb": _peak_mb(),
    }


def _child(phase: str, inputs: dict[str, str], db: str, workers: int) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--inputs", json.dumps(inputs), "--db", db]
    cmd += ["--workers", str(workers)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"phase {phase} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/gs-bench-org"))
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gs-bench-scope"))
    ap.add_argument("--keep", action="store_true", help="keep the generated events")
    ap.add_argument("--phase", choices=("cold", "store"), help=argparse.SUPPRESS)
    ap.add_argument("--inputs", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        inputs = json.loads(args.inputs)
        res = (
            phase_cold(inputs, args.db, args.workers)
            if args.phase == "cold"
            else phase_store(inputs, args.db)
        )
        print(json.dumps(res))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    inputs = prepare(args.cache, args.dir, args.scale, args.seed, args.events)
    db = args.dir / "events.sqlite"
    for p in (db, db.with_suffix(".sqlite-wal"), db.with_suffix(".sqlite-shm")):
        p.unlink(missing_ok=True)
    cold = _child("cold", inputs, str(db), args.workers)
    store = _child("store", inputs, str(db), args.workers)
    print(
        f"scope benchmark: org scale {args.scale}, {cold['events']:,} events, workers {args.workers}"
    )
    print(
        f"  subject: {cold['subject_events']:,} events in {cold['sessions']} sessions, "
        f"{cold['potential']:,} reachable resources, {cold['gaps']} gaps, {cold['containment']} steps"
    )
    rows = [
        ("cold: load inventory", cold["inventory_s"], "s"),
        ("cold: ingest events", cold["ingest_s"], "s"),
        ("cold: scope (reach + activity + report)", cold["scope_s"], "s"),
        ("cold: render md + html", cold["render_s"], "s"),
        ("cold: total", cold["total_s"], "s"),
        ("cold: peak memory", cold["peak_mb"], "MB"),
        ("second scope, same process (graph + store built)", cold["second_scope_s"], "s"),
        ("new process, --store reused: load inventory", store["inventory_s"], "s"),
        ("new process, --store reused: scope", store["scope_s"], "s"),
        ("new process, --store reused: total", store["total_s"], "s"),
        ("new process, --store reused: peak memory", store["peak_mb"], "MB"),
    ]
    for name, value, unit in rows:
        print(f"  {name:<52} {value:>10.2f} {unit}")
    print(
        f"  event store on disk: {db.stat().st_size / 1e6:.0f} MB; html report {cold['html_mb']:.1f} MB"
    )
    if not args.keep:
        shutil.rmtree(inputs["events"], ignore_errors=True)


if __name__ == "__main__":
    main()
