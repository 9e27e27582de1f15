"""Benchmark the potential blast radius (graphscope.access) at organisation scale, with a baseline.

Generates the seeded synthetic organisation (benchmarks/synth_org.py; cached under --cache), then
reports load + build time, peak memory, blast-radius latency for the first user by ARN (user-0:
in the dense profile an administrator-like walk), the user that can assume the most roles and a
role, and who-can latency for one bucket. Cloudsplaining's `scan` runs
on the same `get-account-authorization-details` files, side by side, as the baseline.

Targets at full scale: load + build < 60 s, one blast radius < 2 s, memory < 4 GB.

Usage: python benchmarks/bench_potential.py [--scale 1.0] [--seed 7] [--cache /tmp/gs-bench-org]
       [--profile dense|realistic] [--no-who-can] [--no-cloudsplaining] [--reach-timeout 300]

`--profile realistic`: about 1% of identities hold `*:*` (the default, dense, 8-15%: each of
them can take over every user of its account). Each blast radius is timed cold (first query)
and warm (the same query again: identity hops and groups already built).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_org
from deadline import Unfinished, deadline

from graphscope.access.identity_edges import identity_hops
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.ingest.inventory import load_inventory
from graphscope.queries.potential import Subject, paths_between, reach_report, who_can

TARGET_BUILD_S, TARGET_REACH_S, TARGET_MEM_MB = 60.0, 2.0, 4096.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _org(cache: Path, seed: int, scale: float, profile: str = "dense") -> Path:
    name = f"seed{seed}-scale{scale}" + ("" if profile == "dense" else f"-{profile}")
    out = cache / name
    if not (out / "snapshot").is_dir():
        if out.exists():
            shutil.rmtree(out)
        synth_org.generate(out, seed, scale=scale, profile=profile)
    return out


def _decoded(value: object) -> object:
    """The AWS CLI prints policy documents as JSON objects; the raw API URL-encodes them."""
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, str) and value.startswith("%7B"):
        return json.loads(unquote(value))
    return value


def _cloudsplaining(auth_files: list[Path], out: Path) -> tuple[float, list[str]]:
    """Run `cloudsplaining scan` per account file; return seconds and a summary per account."""
    exe = shutil.which("cloudsplaining")
    if exe is None:
        return 0.0, ["cloudsplaining not installed"]
    notes = []
    cli_shape = out / "cli-shape"
    cli_shape.mkdir(parents=True, exist_ok=True)
    files = []
    for f in auth_files:
        files.append(cli_shape / f.name)
        files[-1].write_text(json.dumps(_decoded(json.loads(f.read_text()))))
    t0 = time.perf_counter()
    for f in files:
        dest = out / f.stem
        dest.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(
            [exe, "scan", "--input-file", str(f), "--output", str(dest), "--skip-open-report"],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            notes.append(f"{f.name}: failed: {run.stderr.strip()[-300:]}")
            continue
        notes.append(f"{f.name}: {_summary(dest)}")
    return time.perf_counter() - t0, notes


def _summary(dest: Path) -> str:
    """Count Cloudsplaining's findings from its results JSON (policies and risk categories)."""
    found = sorted(dest.glob("iam-results-*.json"))
    if not found:
        return "no results file"
    data = json.loads(found[0].read_text())
    policies = {**data.get("customer_managed_policies", {}), **data.get("inline_policies", {})}
    keys = ("PrivilegeEscalation", "DataExfiltration", "ResourceExposure", "CredentialsExposure")
    counts = dict.fromkeys(keys, 0)
    for pol in policies.values():
        for key in keys:
            finding = pol.get(key)
            if isinstance(finding, dict) and finding.get("findings"):
                counts[key] += 1
    risky = ", ".join(f"{k} in {v}" for k, v in counts.items())
    return f"{len(policies)} customer/inline policies; findings: {risky}"


def _assumes_by_wildcard(engine: ReachEngine, user: str) -> bool:
    """A user whose own policies allow sts:AssumeRole on a wildcard: the admin-like walk."""
    return any(
        s.allow and s.resources is not None and any("*" in r.text for r in s.resources)
        for p in engine.inputs.identity_policies(user)
        for s in p.for_action("sts:assumerole")
        if s.resources is None or not any(r.any for r in s.resources)
    )


def _row(name: str, value: float, unit: str, target: float | None) -> str:
    ratio = f"{value / target:6.2f}x of target {target:g} {unit}" if target else ""
    return f"{name:<44} {value:>10.2f} {unit:<3} {ratio}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/gs-bench-org"))
    ap.add_argument("--profile", choices=sorted(synth_org.PROFILES), default="dense")
    ap.add_argument("--no-who-can", action="store_true")
    ap.add_argument(
        "--no-identity-hops", action="store_true", help="skip listing every identity hop"
    )
    ap.add_argument("--reach-timeout", type=float, default=300.0, help="seconds per query")
    ap.add_argument("--no-cloudsplaining", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    org = _org(args.cache, args.seed, args.scale, args.profile)
    gen_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    inv = load_inventory([org / "snapshot"])
    engine = ReachEngine(AccessInputs(inv.store))
    engine.warm()
    build_s = time.perf_counter() - t0
    store = inv.store
    counts = {k: sum(1 for _ in store.nodes({k})) for k in ("user", "role", "s3_bucket")}

    users = sorted(n.id for n in store.nodes({"user"}))
    roles = sorted(n.id for n in store.nodes({"role"}))
    wide = next((u for u in users if _assumes_by_wildcard(engine, u)), users[-1])
    subjects = [
        (f"first user ({users[0].rsplit('/', 1)[1]})", users[0]),
        ("user with sts:AssumeRole on a wildcard", wide),
        ("role", roles[0]),
    ]
    # the heaviest walks of the default org (seed 7): thousands of identities, most holding *:*
    heavy = [u for u in users if u.rsplit("/", 1)[1] in ("user-0", "user-10")][:2]
    subjects += [(f"heavy user {u.rsplit('/', 1)[1]}", u) for u in heavy if u != users[0]]
    print(f"loaded {counts} in {build_s:.1f} s; peak so far {_peak_mb():.0f} MB", flush=True)
    rows = []
    warm_rows: list[tuple[str, float]] = []
    report_rows: list[tuple[str, float, float, int]] = []
    for label, arn in subjects:
        t0 = time.perf_counter()
        try:
            with deadline(args.reach_timeout):
                reached = engine.reach(arn)
        except Unfinished:
            dt = time.perf_counter() - t0
            print(f"{label} {arn}: not finished after {dt:.0f} s", flush=True)
            rows.append((label, arn, dt, -1, 0, {"not finished": 1}))
            continue
        dt = time.perf_counter() - t0
        print(f"{label} {arn}: {dt:.2f} s", flush=True)
        t0 = time.perf_counter()
        try:
            with deadline(args.reach_timeout):
                engine.reach(arn)
            warm_rows.append((label, time.perf_counter() - t0))
        except Unfinished:
            warm_rows.append((label, -(time.perf_counter() - t0)))
        roles_reached = sum(1 for r in reached.values() if r.node.kind == "role")
        rows.append((label, arn, dt, len(reached), roles_reached))
        kinds: dict[str, int] = {}
        for r in reached.values():
            kinds[r.node.kind] = kinds.get(r.node.kind, 0) + 1
        rows[-1] = (*rows[-1], kinds)
        # the JSON report reads every resource's grants and paths (built per resource from its
        # group on first read): timed apart, so the query and the report are both visible
        t0 = time.perf_counter()
        subject = Subject(input=arn, access_key_id=None, principal_arn=arn)
        report = reach_report(engine, subject)
        t1 = time.perf_counter()
        size = len(report.model_dump_json(by_alias=True))
        report_rows.append((label, time.perf_counter() - t0, time.perf_counter() - t1, size))

    path_s, path_n = 0.0, 0
    t0 = time.perf_counter()
    try:
        with deadline(args.reach_timeout):
            target = sorted(n.id for n in store.nodes({"s3_bucket"}))[-1]
            path_n = len(paths_between(engine, users[0], target).paths)
    except Unfinished:
        path_n = -1
    path_s = time.perf_counter() - t0

    hops_s, hops_n = None, 0
    if not args.no_identity_hops:
        t0 = time.perf_counter()
        try:
            with deadline(args.reach_timeout * 4):
                hops_n = len(identity_hops(engine))
        except Unfinished:
            hops_n = -1
        hops_s = time.perf_counter() - t0

    who_s = None
    bucket = sorted(n.id for n in store.nodes({"s3_bucket"}))[0]
    who_n = 0
    if not args.no_who_can:
        t0 = time.perf_counter()
        try:
            with deadline(args.reach_timeout):
                who_n = len(who_can(engine, bucket).principals)
        except Unfinished:
            who_n = -1
        who_s = time.perf_counter() - t0
    peak = _peak_mb()

    cs_s, cs_notes = 0.0, []
    if not args.no_cloudsplaining:
        auth = sorted((org / "iam-auth-details").glob("*.json"))
        cs_s, cs_notes = _cloudsplaining(auth, org / "cloudsplaining-out")

    print(
        f"synthetic org: scale {args.scale}, seed {args.seed}, profile {args.profile}, {counts}; "
        f"generated in {gen_s:.1f} s"
    )
    print("-" * 100)
    print(_row("load + build (snapshot -> graph -> engine)", build_s, "s", TARGET_BUILD_S))
    for label, arn, dt, n, _, kinds in rows:
        print(_row(f"blast radius: {label}", dt, "s", TARGET_REACH_S))
        if n < 0:
            print(f"    {arn}: NOT FINISHED within --reach-timeout")
        else:
            print(f"    {arn}: {n} nodes reached {dict(sorted(kinds.items()))}")
    for label, dt in warm_rows:
        print(_row(f"blast radius, warm (same query again): {label}", abs(dt), "s", TARGET_REACH_S))
        if dt < 0:
            print("    NOT FINISHED within --reach-timeout")
    for label, dt, dump, size in report_rows:
        print(_row(f"reach + JSON report: {label}", dt, "s", None))
        print(f"    {size / 1e6:.1f} MB of JSON; {dump:.2f} s of it serialising the built report")
    print(_row("path (first user -> one bucket)", path_s, "s", TARGET_REACH_S))
    print(f"    {path_n} paths" if path_n >= 0 else "    not finished")
    if hops_s is not None:
        print(_row("identity hops of the whole org (cold)", hops_s, "s", None))
        print(f"    {hops_n} hops" if hops_n >= 0 else "    not finished")
    if who_s is not None:
        label = "who-can (one bucket, every principal)"
        print(_row(label + (", hops warm" if hops_s is not None else ""), who_s, "s", None))
        print(f"    {bucket}: {who_n} principals" if who_n >= 0 else "    not finished")
    print(_row("peak RSS (ru_maxrss)", peak, "MB", TARGET_MEM_MB))
    if not args.no_cloudsplaining:
        worst = max(row[2] for row in rows) if rows else 0.0
        print(_row("baseline: cloudsplaining scan (all accounts)", cs_s, "s", None))
        print(f"    graphscope load + build + slowest blast radius = {build_s + worst:.2f} s "
              f"({(build_s + worst) / cs_s if cs_s else 0:.2f}x Cloudsplaining's scan time)")  # fmt: skip
        for note in cs_notes:
            print(f"    {note}")
        print(
            "    note: Cloudsplaining lists risky actions per policy; it has no graph, reads no "
            "resource policies, SCPs or RCPs, and gives no paths (role chains, PassRole, AI proxies)."
        )


if __name__ == "__main__":
    main()
