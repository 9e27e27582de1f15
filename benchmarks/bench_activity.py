"""Benchmark the activity overlay end to end against two baselines on the same files.

    python benchmarks/bench_activity.py --events 1000000 [--dir /tmp/gs-bench] [--keep] [--scrambled]

A seeded generator writes gzip CloudTrail delivery files (mixed services, users with long-term
keys, AssumeRole sessions that act on their own, S3 data events, Bedrock calls, errors), named
as CloudTrail names them (sorted names in time order; --scrambled: the earlier rounds' names,
whose order interleaves the week and cuts each session into many small chunks). Each
phase then runs in its own child process so its peak RSS is its own:
  parse-only  gzip + orjson.loads + count eventName (the physical limit of one Python process)
  raw-split   gzip + msgspec split of the records as bytes (checked to read as orjson reads
              them) + typed decode of the indexed fields + count eventName: graphscope's
              reading floor (ingest/logfiles.py delivery_records, ingest/fastpath.py)
  duckdb      DuckDB read_json + unnest + group by eventName, threads=1
  graphscope  read + lean field extraction + SQLite chunk store (each caller's records kept
              whole in chunks, Events built when read) + resolve the attacker's session
              tree + classify into elements + coverage + overlay on a MemoryGraphStore
Numbers are printed side by side; nothing is asserted (see DEVELOPERS.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ACCOUNT = "210987654321"
ATTACKER = "AKIABENCHATTACKER001"
PER_FILE = 5000
SERVICES = [
    (
        "ec2.amazonaws.com",
        ["DescribeInstances", "DescribeRouteTables", "DescribeVpcs", "RunInstances", "CreateTags"],
        30,
    ),
    (
        "s3.amazonaws.com",
        ["GetObject", "PutObject", "ListObjects", "HeadObject", "GetBucketAcl"],
        25,
    ),
    ("kms.amazonaws.com", ["Decrypt", "GenerateDataKey", "Encrypt"], 12),
    ("iam.amazonaws.com", ["GetUser", "ListRoles", "GetRole", "ListAttachedRolePolicies"], 8),
    ("sts.amazonaws.com", ["GetCallerIdentity"], 4),
    ("secretsmanager.amazonaws.com", ["GetSecretValue", "DescribeSecret"], 5),
    ("ssm.amazonaws.com", ["GetParameter", "DescribeParameters"], 5),
    ("bedrock.amazonaws.com", ["InvokeModel", "Converse", "ListFoundationModels"], 6),
    (
        "lambda.amazonaws.com",
        ["Invoke", "GetFunction20150331v2", "UpdateFunctionCode20150331v2"],
        5,
    ),
]
ERRORS = [
    "AccessDenied",
    "ThrottlingException",
    "ValidationException",
    "Client.UnauthorizedOperation",
]


def _identity(rng: random.Random, actor: dict) -> dict:
    if actor["kind"] == "user":
        return {
            "type": "IAMUser",
            "principalId": "AIDA" + actor["name"].upper(),
            "arn": actor["arn"],
            "accountId": ACCOUNT,
            "accessKeyId": actor["key"],
            "userName": actor["name"],
        }
    return {
        "type": "AssumedRole",
        "principalId": "AROA:" + actor["name"],
        "arn": actor["arn"],
        "accountId": ACCOUNT,
        "accessKeyId": actor["key"],
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": actor["role"], "accountId": ACCOUNT},
            "attributes": {"creationDate": actor["created"], "mfaAuthenticated": "false"},
        },
    }


def generate(out: Path, n_events: int, seed: int = 7, scrambled: bool = False) -> int:
    """Write n_events into gzip delivery files in the AWSLogs layout; returns the file count.

    Files are named and foldered as CloudTrail names them (day folder and time of their first
    event), so a folder's sorted names are in time order; `scrambled` keeps the names of earlier
    rounds (hour and minute from the file number), whose sorted order interleaves the week."""
    rng = random.Random(seed)
    users = [
        {
            "kind": "user",
            "name": f"user{i}",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/user{i}",
            "key": f"AKIABENCH{i:011d}",
        }
        for i in range(200)
    ]
    users[0]["key"] = ATTACKER
    actors = list(users)
    weights = [s[2] for s in SERVICES]
    trail = out / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1"
    start = 1775000000  # 2026-03-31T23:33:20Z
    files = 0
    eid = 0
    for f in range(0, n_events, PER_FILE):
        records = []
        for _ in range(min(PER_FILE, n_events - f)):
            eid += 1
            t = time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + eid * 86400 * 7 // n_events)
            )
            actor = rng.choice(actors)
            rec = {
                "eventVersion": "1.09",
                "userIdentity": _identity(rng, actor),
                "eventTime": t,
                "awsRegion": "us-east-1",
                "sourceIPAddress": f"198.51.100.{hash(actor['key']) % 250}",
                "userAgent": "aws-sdk-go/1.44 (go1.21; linux; amd64)",
                "requestID": f"req-{eid}",
                "eventID": f"00000000-0000-4000-8000-{eid:012d}",
                "readOnly": True,
                "eventType": "AwsApiCall",
                "managementEvent": True,
                "recipientAccountId": ACCOUNT,
                "eventCategory": "Management",
            }
            if rng.random() < 0.004:  # a new session of a shared role, issued to this actor
                role = f"role{rng.randrange(20)}"
                key = f"ASIABENCH{eid:011d}"
                sess_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s{eid}"
                rec.update(
                    eventSource="sts.amazonaws.com",
                    eventName="AssumeRole",
                    requestParameters={
                        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                        "roleSessionName": f"s{eid}",
                    },
                    responseElements={
                        "credentials": {"accessKeyId": key, "expiration": t},
                        "assumedRoleUser": {"arn": sess_arn},
                    },
                    resources=[
                        {"ARN": f"arn:aws:iam::{ACCOUNT}:role/{role}", "type": "AWS::IAM::Role"}
                    ],
                )
                actors.append(
                    {
                        "kind": "session",
                        "name": f"s{eid}",
                        "arn": sess_arn,
                        "key": key,
                        "role": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                        "created": t,
                    }
                )
                if len(actors) > 600:
                    del actors[200]
            else:
                source, names, _ = rng.choices(SERVICES, weights)[0]
                name = rng.choice(names)
                rec.update(eventSource=source, eventName=name)
                if source == "s3.amazonaws.com":
                    bucket = f"bucket-{rng.randrange(50)}"
                    rec["requestParameters"] = {
                        "bucketName": bucket,
                        "key": f"data/{rng.randrange(10000)}.parquet",
                    }
                    rec["eventCategory"] = "Data"
                    rec["resources"] = [
                        {"ARN": f"arn:aws:s3:::{bucket}", "type": "AWS::S3::Bucket"}
                    ]
                elif source == "bedrock.amazonaws.com" and name != "ListFoundationModels":
                    rec["requestParameters"] = {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}
                elif source == "secretsmanager.amazonaws.com":
                    rec["requestParameters"] = {"secretId": f"prod/secret-{rng.randrange(30)}"}
                else:
                    rec["requestParameters"] = {"filterSet": {}, "maxResults": 100}
                if rng.random() < 0.03:
                    rec["errorCode"] = rng.choice(ERRORS)
                    rec["errorMessage"] = "synthetic"
            records.append(rec)
        if scrambled:
            day = trail / "2026" / "04" / "01"
            stamp = f"20260401T{files % 24:02d}{files % 60:02d}Z"
        else:
            first = records[0]["eventTime"]  # YYYY-MM-DDTHH:MM:SSZ
            day = trail / first[:4] / first[5:7] / first[8:10]
            stamp = f"{first[:4]}{first[5:7]}{first[8:10]}T{first[11:13]}{first[14:16]}Z"
        day.mkdir(parents=True, exist_ok=True)
        name = f"{ACCOUNT}_CloudTrail_us-east-1_{stamp}_{files:06d}.json.gz"
        with gzip.open(day / name, "wb", compresslevel=6) as fh:
            fh.write(json.dumps({"Records": records}, separators=(",", ":")).encode())
        files += 1
    return files


def phase_parse_only(root: Path) -> dict:
    import orjson

    counts: Counter[str] = Counter()
    for path in sorted(root.rglob("*.json.gz")):
        with gzip.open(path, "rb") as fh:
            for rec in orjson.loads(fh.read())["Records"]:
                counts[rec["eventName"]] += 1
    return {"events": sum(counts.values())}


def phase_raw_split(root: Path) -> dict:
    from graphscope.ingest.fastpath import decode_lean
    from graphscope.ingest.logfiles import delivery_records

    counts: Counter[str] = Counter()
    for path in sorted(root.rglob("*.json.gz")):
        with gzip.open(path, "rb") as fh:
            for raw in delivery_records(fh.read()) or ():
                rec = decode_lean(raw)
                counts[rec.eventName if rec is not None else ""] += 1
    return {"events": sum(counts.values())}


def phase_duckdb(root: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads=1")
    glob = str(root / "**" / "*.json.gz")
    rows = con.execute(
        "SELECT json_extract_string(r, '$.eventName') AS n, count(*) FROM "
        f"(SELECT unnest(Records) AS r FROM read_json('{glob}', columns={{'Records': 'JSON[]'}}, "
        "format='auto', compression='gzip', maximum_object_size=1073741824)) GROUP BY n"
    ).fetchall()
    return {"events": sum(c for _, c in rows)}


def phase_graphscope(root: Path, workers: int = 1) -> dict:
    from graphscope.eventstore import EventStore
    from graphscope.queries.activity import build_activity, overlay_activity
    from graphscope.store import MemoryGraphStore

    db = root / f"events-{workers}.sqlite"
    db.unlink(missing_ok=True)
    store = EventStore(db)
    t0 = time.perf_counter()
    result = store.ingest_cloudtrail([root / "AWSLogs"], workers=workers)
    t1 = time.perf_counter()
    activity = build_activity(store, access_key=ATTACKER)
    graph = MemoryGraphStore()
    overlay_activity(graph, activity)
    t2 = time.perf_counter()
    store.close()
    size_mb = round(db.stat().st_size / 1e6)
    db.unlink()
    return {
        "store_mb": size_mb,
        "events": result.added,
        "ingest_s": round(t1 - t0, 2),
        "query_s": round(t2 - t1, 2),
        "subject_events": activity.event_count,
        "sessions": len(activity.report.observed.sessions),
    }


PHASES = {
    "parse-only": phase_parse_only,
    "raw-split": phase_raw_split,
    "duckdb": phase_duckdb,
    "graphscope": phase_graphscope,
    "graphscope-2w": lambda root: phase_graphscope(root, workers=2),
}


def _child(phase: str, root: Path) -> None:
    t0 = time.perf_counter()
    out = PHASES[phase](root)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    # parent peak + the largest worker's peak (an upper bound when workers run side by side)
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    own, workers = me.ru_maxrss, kids.ru_maxrss
    # CPU seconds of this phase and its workers: on a shared machine wall time also measures the
    # neighbours, CPU time much less so
    out["cpu_s"] = round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 2)
    out["peak_rss_mb"] = round((own + workers) / 1024, 1)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/graphscope-bench-activity"))
    ap.add_argument("--keep", action="store_true", help="keep the generated files for another run")
    ap.add_argument(
        "--scrambled",
        action="store_true",
        help="name files as earlier rounds did: sorted names interleave the week (small chunks)",
    )
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        _child(args.phase, args.dir)
        return
    marker = args.dir / f"generated-{args.events}{'' if args.scrambled else '-v2'}"
    if not marker.exists():
        shutil.rmtree(args.dir, ignore_errors=True)
        t0 = time.perf_counter()
        files = generate(args.dir, args.events, scrambled=args.scrambled)
        marker.write_text(str(files))
        print(
            f"generated {args.events:,} events in {files} gzip files in {time.perf_counter() - t0:.1f}s"
        )
    results = {}
    for phase in PHASES:
        proc = subprocess.run(
            [sys.executable, __file__, "--phase", phase, "--dir", str(args.dir)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[phase] = json.loads(proc.stdout.strip().splitlines()[-1])
    base = results["parse-only"]["seconds"]
    base_cpu = results["parse-only"]["cpu_s"]
    print(
        f"{'phase':<14} {'events':>10} {'seconds':>8} {'events/s':>10} {'x parse':>8} "
        f"{'cpu s':>8} {'x cpu':>6} {'peak MB':>8}"
    )
    for phase, r in results.items():
        rate = r["events"] / r["seconds"] if r["seconds"] else 0
        print(
            f"{phase:<14} {r['events']:>10,} {r['seconds']:>8.2f} {rate:>10,.0f} {r['seconds'] / base:>8.2f} "
            f"{r['cpu_s']:>8.2f} {r['cpu_s'] / base_cpu:>6.2f} {r['peak_rss_mb']:>8.1f}"
        )
    for name in ("graphscope", "graphscope-2w"):
        g = results[name]
        print(
            f"{name} detail: ingest {g['ingest_s']}s, session tree + elements + coverage + overlay "
            f"{g['query_s']}s, subject events {g['subject_events']:,}, sessions {g['sessions']}, "
            f"SQLite store {g['store_mb']} MB"
        )
    if not args.keep:
        shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
