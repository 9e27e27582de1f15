"""Benchmark the IAM policy engine against its baselines, side by side.

Prints evaluations per second and agreement for:
  (a) the shared conformance cases (../shared/iam-cases/*.jsonl), and
  (b) a large seeded synthetic organisation (principals x resources, wildcards, conditions,
      boundaries, SCPs, bucket policies), sampled into requests.
Baselines, in the same run:
  - PMapper's local policy simulation (pip package principalmapper), on the requests it can
    express (IAM users/roles, identity + one resource policy + SCPs + boundary; no RCPs, VPC
    endpoints, anonymous/service callers or unknown keys). It answers only allowed/denied.
  - @cloud-copilot/iam-simulate (npm), installed into a temporary folder outside the repo and
    driven by a small Node script written there, through its public runSimulation API.

Usage: python benchmarks/bench_policy.py [flags]
  --pairs N           synthetic requests evaluated by graphscope (default 200000)
  --principals N      synthetic principals (default 2000)
  --resources N       synthetic resources (default 5000)
  --seed N            RNG seed for the synthetic organisation (default 7)
  --pmapper-sample N  synthetic requests given to PMapper (default 20000)
  --peer-sample N     synthetic requests given to iam-simulate (default 3000)
  --peer-dir DIR      where to npm-install iam-simulate (default /tmp/iamsim)
  --no-peer           skip iam-simulate (no Node / no network)
  --no-pmapper        skip PMapper
  --repeat N          timing repetitions on the shared cases, best taken (default 20)
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graphscope.iam import (
    CompiledPolicy,
    PolicyKind,
    PolicySet,
    Request,
    access_level,
    compile_policy,
    evaluate,
    parse_principal,
    principal_context,
)
from graphscope.iam.cases import Case, load_cases, to_inputs

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "iam-cases"
V = "2012-10-17"

# ---------------------------------------------------------------- iam-simulate (Node) driver

NODE_DRIVER = r"""
const { runSimulation } = require('@cloud-copilot/iam-simulate');
const fs = require('fs');
const [file, loopsArg] = process.argv.slice(2);
const loops = parseInt(loopsArg || '1', 10);
const cases = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const named = (ps, p) => ps.map((policy, i) => ({ name: p + i, policy }));
function toSim(c) {
  const rps = c.resource_policies || [];
  const rp = rps.length === 0 ? undefined : rps.length === 1 ? rps[0]
    : { Version: '2012-10-17', Statement: rps.flatMap(p => Array.isArray(p.Statement) ? p.Statement : [p.Statement]) };
  const sim = {
    request: { principal: c.request.principal, action: c.request.action,
      resource: { resource: c.request.resource, accountId: c.request.resource_account },
      contextVariables: c.request.context || {} },
    identityPolicies: named(c.identity_policies || [], 'identity'),
    serviceControlPolicies: (c.scps || []).map((lv, i) => ({ orgIdentifier: 'ou-' + i, policies: named(lv, 'scp') })),
    resourceControlPolicies: (c.rcps || []).map((lv, i) => ({ orgIdentifier: 'ou-' + i, policies: named(lv, 'rcp') })),
    resourcePolicy: rp,
    permissionBoundaryPolicies: (c.permission_boundaries || []).length ? named(c.permission_boundaries, 'pb') : undefined,
    vpcEndpointPolicies: (c.endpoint_policies || []).length ? named(c.endpoint_policies, 'vpce') : undefined,
    sessionPolicy: c.session_policy || undefined,
  };
  const opts = { simulationMode: c.discovery ? 'Discovery' : 'Strict' };
  if (c.discovery && (c.unknown_context_keys || []).length) {
    const ctx = c.request.context || {};
    opts.discoveryContextKeyConstraints = c.unknown_context_keys.map(k => ({
      keyName: k, presenceIsKnown: Object.keys(ctx).some(x => x.toLowerCase() === k.toLowerCase()), valueIsKnown: false }));
  }
  return [sim, opts];
}
function decision(r) {
  if (r.resultType === 'error') return 'Error';
  if (r.overallResult === 'ExplicitlyDenied') return 'ExplicitDeny';
  if (r.overallResult === 'ImplicitlyDenied') return 'ImplicitDeny';
  const an = r.result && r.result.analysis;
  if (an && an.conditions && an.conditions.conditionType && an.conditions.conditionType !== 'always') return 'Conditional';
  return 'Allow';
}
(async () => {
  const sims = cases.map(toSim);
  const decisions = {};
  const errors = {};
  for (let i = 0; i < sims.length; i++) {
    try {
      const r = await runSimulation(sims[i][0], sims[i][1]);
      decisions[cases[i].id] = decision(r);
      if (r.resultType === 'error') {
        const m = (r.errors && r.errors.message) || 'error';
        errors[m] = (errors[m] || 0) + 1;
      }
    } catch (e) { decisions[cases[i].id] = 'Error'; errors[String(e)] = (errors[String(e)] || 0) + 1; }
  }
  const t0 = process.hrtime.bigint();
  for (let l = 0; l < loops; l++) {
    for (const [sim, opts] of sims) { try { await runSimulation(sim, opts); } catch (e) {} }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ rate: sims.length * loops / secs, decisions, errors }));
})();
"""


def peer_setup(peer_dir: Path) -> Path | None:
    """npm-install iam-simulate into `peer_dir` (outside the repo) and write the driver there."""
    if not shutil.which("node") or not shutil.which("npm"):
        print("iam-simulate: skipped (node/npm not found)", file=sys.stderr)
        return None
    peer_dir.mkdir(parents=True, exist_ok=True)
    if not (peer_dir / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        if not (peer_dir / "package.json").exists():
            (peer_dir / "package.json").write_text('{"name": "iamsim-bench", "private": true}\n')
        res = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "@cloud-copilot/iam-simulate"],
            cwd=peer_dir,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if res.returncode != 0:
            print(f"iam-simulate: npm install failed: {res.stderr.strip()[-300:]}", file=sys.stderr)
            return None
    driver = peer_dir / "bench_driver.js"
    driver.write_text(NODE_DRIVER)
    return driver


def peer_run(
    driver: Path, cases: list[dict[str, Any]], loops: int
) -> tuple[float, dict[str, str]] | None:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", dir=driver.parent, delete=False) as fh:
        for c in cases:
            fh.write(json.dumps(c) + "\n")
        path = fh.name
    try:
        res = subprocess.run(
            ["node", str(driver), path, str(loops)],
            cwd=driver.parent,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        Path(path).unlink(missing_ok=True)
    if res.returncode != 0:
        print(f"iam-simulate: driver failed: {res.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    out = json.loads(res.stdout)
    if out.get("errors"):
        top = sorted(out["errors"].items(), key=lambda kv: -kv[1])[:5]
        print(f"iam-simulate rejected inputs: {top}", file=sys.stderr)
    return out["rate"], out["decisions"]


# ---------------------------------------------------------------- PMapper driver


def pmapper_import():
    """Import PMapper's simulator; it predates Python 3.10, so alias the old collections names."""
    for name in ("Mapping", "MutableMapping", "Iterable", "Sequence"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    import logging

    logging.getLogger("principalmapper").setLevel(logging.CRITICAL)
    from principalmapper.common.nodes import Node
    from principalmapper.common.policies import Policy
    from principalmapper.querying.query_interface import local_check_authorization_full

    return Node, Policy, local_check_authorization_full


class PMapperCase:
    """A request PMapper can express, prepared once (nodes and policies built up front)."""

    def __init__(self, pm, cid: str, principal: str, action: str, resource: str, owner: str, context: dict,
                 identity: list[dict], boundary: dict | None, resource_policy: dict | None,
                 scps: list[list[dict]]) -> None:  # fmt: skip
        node_cls, policy_cls, self.check = pm
        pols = [
            policy_cls(f"arn:aws:iam::{owner}:policy/p{i}", f"p{i}", d)
            for i, d in enumerate(identity)
        ]
        pb = policy_cls("arn:aws:iam::aws:policy/pb", "pb", boundary) if boundary else None
        trust = {"Version": V, "Statement": []} if ":role/" in principal else None
        self.node = node_cls(
            principal, "AIDA" + cid[-8:], pols, [], trust, None, 0, False, False, pb, False, {}
        )
        self.id, self.action, self.resource, self.owner = cid, action, resource, owner
        self.context = dict(context)
        self.resource_policy = resource_policy
        self.scps = [
            [policy_cls(f"scp{i}{j}", f"scp{i}{j}", d) for j, d in enumerate(level)]
            for i, level in enumerate(scps)
        ] or None

    def run(self) -> bool | None:
        """PMapper's answer (allowed?), or None when it raises on this input."""
        try:
            return bool(
                self.check(
                    self.node,
                    self.action,
                    self.resource,
                    self.context,
                    self.resource_policy,
                    self.owner,
                    self.scps,
                )
            )
        except Exception:
            return None


def pmapper_expressible(case: Case) -> bool:
    r = case.request
    if not isinstance(r.principal, str) or case.discovery or case.unknown_context_keys:
        return False
    if ":user/" not in r.principal and ":role/" not in r.principal:
        return False
    if (
        case.rcps
        or case.endpoint_policies
        or case.session_policy
        or len(case.resource_policies) > 1
    ):
        return False
    if len(case.permission_boundaries) > 1 or any(not level for level in case.scps):
        return False
    if any(
        "Principal" not in st and "NotPrincipal" not in st
        for p in case.resource_policies
        for st in _statements(p)
    ):
        return False
    return r.resource_account is not None


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    st = doc.get("Statement", [])
    return st if isinstance(st, list) else [st]


def pmapper_from_case(pm, case: Case) -> PMapperCase:
    r = case.request
    return PMapperCase(
        pm, case.id, str(r.principal), r.action, r.resource, str(r.resource_account), dict(r.context),
        case.identity_policies, case.permission_boundaries[0] if case.permission_boundaries else None,
        case.resource_policies[0] if case.resource_policies else None, case.scps,
    )  # fmt: skip


def time_pmapper(cases: list[PMapperCase]) -> tuple[float, dict[str, bool | None]]:
    """PMapper's rate over the inputs it does not crash on, and its answers (None: crashed)."""
    results = {c.id: c.run() for c in cases}
    ok = [c for c in cases if results[c.id] is not None]
    start = time.perf_counter()
    for c in ok:
        c.run()
    return len(ok) / (time.perf_counter() - start), results


# ---------------------------------------------------------------- synthetic organisation

ACCT, DATA, EXT = "111122223333", "444455556666", "777788889999"
ACTIONS = {
    "s3": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectAcl", "s3:GetObjectTagging"],
    "bedrock": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:GetFoundationModel"],
    "sagemaker": ["sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:DeleteEndpoint", "sagemaker:UpdateEndpoint"],
    "dynamodb": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:DeleteTable"],
}  # fmt: skip
TEAMS = ["ml", "data", "platform", "research", "sec"]


def _stmt(rng: random.Random, service: str, effect: str = "Allow") -> dict[str, Any]:
    acts = ACTIONS[service]
    action: Any = rng.choice(
        [
            rng.choice(acts),
            f"{service}:Get*",
            f"{service}:*",
            f"{service}:*Object*",
            rng.sample(acts, 2),
        ]
    )
    if service == "s3":
        b = rng.randrange(60)
        res: Any = rng.choice(
            [
                f"arn:aws:s3:::bucket-{b}/*",
                f"arn:aws:s3:::bucket-{b}",
                f"arn:aws:s3:::bucket-{b}/team-*/data-?/*",
                "arn:aws:s3:::*/shared/*",
                "*",
            ]
        )
    elif service == "bedrock":
        res = rng.choice(
            [
                "arn:aws:bedrock:*::foundation-model/anthropic.*",
                "arn:aws:bedrock:us-east-1::foundation-model/*",
                "*",
            ]
        )
    elif service == "sagemaker":
        res = rng.choice(
            [
                f"arn:aws:sagemaker:us-east-1:{ACCT}:endpoint/ep-{rng.randrange(40)}*",
                f"arn:aws:sagemaker:*:{ACCT}:endpoint/*",
                "*",
            ]
        )
    else:
        res = rng.choice(
            [
                f"arn:aws:dynamodb:us-east-1:{ACCT}:table/t-{rng.randrange(30)}",
                f"arn:aws:dynamodb:*:{ACCT}:table/*",
            ]
        )
    st: dict[str, Any] = {"Effect": effect, "Action": action, "Resource": res}
    roll = rng.random()
    if roll < 0.15:
        st["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": rng.choice(TEAMS)}}
    elif roll < 0.25:
        st["Condition"] = {
            "IpAddress": {
                "aws:SourceIp": rng.choice(["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"])
            }
        }
    elif roll < 0.32:
        st["Condition"] = {
            "Bool": {"aws:SecureTransport": "true"},
            "StringLike": {"aws:RequestedRegion": "us-*"},
        }
    elif roll < 0.36:
        st["Condition"] = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}
    return st


def _policy(rng: random.Random, n: int, deny_rate: float = 0.1) -> dict[str, Any]:
    stmts = [
        _stmt(rng, rng.choice(list(ACTIONS)), "Deny" if rng.random() < deny_rate else "Allow")
        for _ in range(n)
    ]
    for i, s in enumerate(stmts):
        s["Sid"] = f"S{i}"
    return {"Version": V, "Statement": stmts}


def build_org(rng: random.Random, n_principals: int, n_resources: int) -> dict[str, Any]:
    """A seeded organisation: shared managed policies, principals, resources, bucket policies."""
    managed = [_policy(rng, rng.randint(1, 6)) for _ in range(300)]
    boundary = {"Version": V, "Statement": [{"Effect": "Allow", "Action": ["s3:*", "bedrock:*", "sagemaker:*"], "Resource": "*"},
                                           {"Effect": "Deny", "Action": ["s3:Delete*", "sagemaker:Delete*", "dynamodb:Delete*"], "Resource": "*"}]}  # fmt: skip
    scps = [
        [{"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
        [{"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "Regions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}},
            {"Sid": "NoTableDrop", "Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}]}],
    ]  # fmt: skip
    principals = []
    for i in range(n_principals):
        acct = ACCT if i % 10 else EXT
        arn = f"arn:aws:iam::{acct}:{'user' if i % 3 == 0 else 'role'}/{'team/' if i % 7 == 0 else ''}p{i}"
        docs = rng.sample(managed, rng.randint(2, 4))
        if rng.random() < 0.3:
            docs = [*docs, _policy(rng, rng.randint(1, 3), deny_rate=0.3)]  # an inline policy
        principals.append({"arn": arn, "account": acct, "policies": docs, "boundary": boundary if rng.random() < 0.25 else None,
                           "team": rng.choice(TEAMS)})  # fmt: skip
    bucket_policies: dict[int, dict[str, Any]] = {}
    for b in range(60):
        if rng.random() < 0.5:
            st = [{"Sid": "XAcct", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{rng.choice([ACCT, EXT])}:root"},
                   "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [f"arn:aws:s3:::bucket-{b}", f"arn:aws:s3:::bucket-{b}/*"]},
                  {"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::bucket-{b}/*",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]  # fmt: skip
            bucket_policies[b] = {"Version": V, "Statement": st}
    resources = []
    for j in range(n_resources):
        kind = rng.choice(["s3", "s3", "bedrock", "sagemaker", "dynamodb"])
        if kind == "s3":
            b = rng.randrange(60)
            arn = (
                f"arn:aws:s3:::bucket-{b}/{rng.choice(['team-ml/data-1', 'shared', 'raw'])}/obj-{j}"
            )
            resources.append(
                {"arn": arn, "service": "s3", "account": DATA if b % 4 == 0 else ACCT, "bucket": b}
            )
        elif kind == "bedrock":
            model = rng.choice(["anthropic.claude-3-haiku", "amazon.titan-text", "meta.llama3-70b"])
            resources.append(
                {
                    "arn": f"arn:aws:bedrock:us-east-1::foundation-model/{model}-{j}",
                    "service": "bedrock",
                    "account": None,  # AWS-owned: evaluated in the caller's own account
                    "bucket": None,
                }
            )
        elif kind == "sagemaker":
            resources.append(
                {
                    "arn": f"arn:aws:sagemaker:us-east-1:{ACCT}:endpoint/ep-{j % 40}-{j}",
                    "service": "sagemaker",
                    "account": ACCT,
                    "bucket": None,
                }
            )
        else:
            resources.append(
                {
                    "arn": f"arn:aws:dynamodb:us-east-1:{ACCT}:table/t-{j % 30}",
                    "service": "dynamodb",
                    "account": ACCT,
                    "bucket": None,
                }
            )
    return {
        "principals": principals,
        "resources": resources,
        "bucket_policies": bucket_policies,
        "scps": scps,
    }


def sample_requests(
    rng: random.Random, org: dict[str, Any], n: int
) -> list[tuple[int, int, str, dict[str, Any]]]:
    out = []
    for _ in range(n):
        pi = rng.randrange(len(org["principals"]))
        ri = rng.randrange(len(org["resources"]))
        action = rng.choice(ACTIONS[org["resources"][ri]["service"]])
        ctx = {
            "aws:SourceIp": rng.choice(["10.1.2.3", "192.168.7.7", "203.0.113.5", "2001:db8::1"]),
            "aws:SecureTransport": rng.choice(["true", "true", "false"]),
            "aws:RequestedRegion": rng.choice(["us-east-1", "us-east-1", "eu-west-1"]),
            "aws:PrincipalTag/team": org["principals"][pi]["team"],
        }
        out.append((pi, ri, action, ctx))
    return out


# ---------------------------------------------------------------- runs


def time_ours(inputs: list[tuple[Request, PolicySet]], repeat: int) -> float:
    for req, pols in inputs:
        evaluate(req, pols)
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        for req, pols in inputs:
            evaluate(req, pols)
        best = max(best, len(inputs) / (time.perf_counter() - start))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pairs", type=int, default=200_000)
    ap.add_argument("--principals", type=int, default=2000)
    ap.add_argument("--resources", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pmapper-sample", type=int, default=20_000)
    ap.add_argument("--peer-sample", type=int, default=3000)
    ap.add_argument("--peer-dir", type=Path, default=Path("/tmp/iamsim"))
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-pmapper", action="store_true")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    access_level("s3:GetObject")  # load the action database outside any timing
    rows: list[tuple[str, str, float | None, str]] = []

    # (a) shared cases
    cases = [c for f in sorted(SHARED.glob("*.jsonl")) for c in load_cases(f)]
    inputs = [to_inputs(c) for c in cases]
    ours = {c.id: evaluate(r, p).decision.value for c, (r, p) in zip(cases, inputs, strict=True)}
    ours_rate = time_ours(inputs, args.repeat)
    exp_ok = sum(1 for c in cases if ours[c.id] == c.expected)
    rows.append(("shared cases", "graphscope", ours_rate, f"{exp_ok}/{len(cases)} match expected"))
    pm = None
    if not args.no_pmapper:
        try:
            pm = pmapper_import()
        except Exception as exc:  # the baseline is optional; report why it is missing
            print(f"PMapper: skipped ({type(exc).__name__}: {exc})", file=sys.stderr)
    if pm:
        sub = [c for c in cases if pmapper_expressible(c)]
        pcs = [pmapper_from_case(pm, c) for c in sub]
        rate, res = time_pmapper(pcs)
        crashed = sum(1 for v in res.values() if v is None)
        agree = sum(1 for c in sub if res[c.id] == (ours[c.id] == "Allow"))
        exp = sum(1 for c in sub if res[c.id] == (c.expected == "Allow"))
        rows.append(
            (
                "shared cases",
                "PMapper",
                rate,
                f"{len(sub)} expressible; agrees with us {agree}/{len(sub)}, with expected {exp}/{len(sub)}"
                f" ({crashed} crashed)",
            )
        )
    driver = None if args.no_peer else peer_setup(args.peer_dir)
    if driver:
        raw = [
            json.loads(line)
            for f in sorted(SHARED.glob("*.jsonl"))
            for line in f.read_text().splitlines()
            if line.strip()
        ]
        got = peer_run(driver, raw, loops=3)
        if got:
            rate, dec = got
            accepted = [c for c in cases if dec.get(c.id) not in (None, "Error")]
            agree = sum(1 for c in accepted if dec[c.id] == ours[c.id])
            exp = sum(1 for c in accepted if dec[c.id] == c.expected)
            note = (
                f"accepted {len(accepted)}/{len(cases)} through its public API; on those it agrees with"
                f" us {agree}/{len(accepted)}, with expected {exp}/{len(accepted)}"
            )
            rows.append(("shared cases", "iam-simulate", rate, note))

    # (b) synthetic organisation
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    org = build_org(rng, args.principals, args.resources)
    compiled_scps = tuple(
        tuple(compile_policy(d, f"scp[{i}]", PolicyKind.SCP) for d in lvl)
        for i, lvl in enumerate(org["scps"])
    )
    cache: dict[int, CompiledPolicy] = {}

    def compiled(doc: dict[str, Any], pid: str, kind: PolicyKind):
        key = id(doc)
        if key not in cache:
            cache[key] = compile_policy(doc, pid, kind)
        return cache[key]

    principals = []
    for i, p in enumerate(org["principals"]):
        who = parse_principal(p["arn"])
        ident = tuple(
            compiled(d, f"p{i}-pol{j}", PolicyKind.IDENTITY) for j, d in enumerate(p["policies"])
        )
        pb = (compiled(p["boundary"], "boundary", PolicyKind.BOUNDARY),) if p["boundary"] else ()
        principals.append((who, ident, pb, compiled_scps if p["account"] == ACCT else ()))
    bucket = {
        b: (compiled(d, f"bucket-{b}", PolicyKind.RESOURCE),)
        for b, d in org["bucket_policies"].items()
    }
    compile_secs = time.perf_counter() - t0
    requests = sample_requests(rng, org, args.pairs)

    def inputs_for(
        pi: int, ri: int, action: str, ctx: dict[str, Any], unknown: bool
    ) -> tuple[Request, PolicySet]:
        who, ident, pb, scps = principals[pi]
        res = org["resources"][ri]
        context = {**principal_context(who), **({} if unknown else ctx)}
        req = Request(who, action, res["arn"], res["account"], context, assume_unknown=unknown)
        return req, PolicySet(
            identity=ident, resource=bucket.get(res["bucket"], ()), boundary=pb, scps=scps
        )

    for unknown in (False, True):
        start = time.perf_counter()
        tally: collections.Counter[str] = collections.Counter()
        for pi, ri, action, ctx in requests:
            req, pols = inputs_for(pi, ri, action, ctx, unknown)
            tally[evaluate(req, pols).decision.value] += 1
        rate = len(requests) / (time.perf_counter() - start)
        mode = "unknown-everything mode" if unknown else "known context"
        mix = ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
        rows.append(
            (f"synthetic ({mode})", "graphscope", rate, f"{len(requests):,} requests: {mix}")
        )
    known = {
        i: evaluate(*inputs_for(*r, False)).decision.value
        for i, r in enumerate(requests[: max(args.pmapper_sample, args.peer_sample)])
    }
    if pm:
        pcs = []
        for i, (pi, ri, action, ctx) in enumerate(requests[: args.pmapper_sample]):
            p, res = org["principals"][pi], org["resources"][ri]
            rp = org["bucket_policies"].get(res["bucket"]) if res["bucket"] is not None else None
            pcs.append(PMapperCase(pm, f"syn{i:08d}", p["arn"], action, res["arn"], res["account"] or p["account"], ctx, p["policies"],
                                   p["boundary"], rp, org["scps"] if p["account"] == ACCT else []))  # fmt: skip
        rate, res_pm = time_pmapper(pcs)
        crashed = sum(1 for v in res_pm.values() if v is None)
        agree = sum(1 for i, c in enumerate(pcs) if res_pm[c.id] == (known[i] == "Allow"))
        rows.append(
            (
                "synthetic (known context)",
                "PMapper",
                rate,
                f"{len(pcs):,} requests; agrees with us {agree}/{len(pcs)} ({crashed} crashed)",
            )
        )
    if driver:
        syn_cases = []
        for i, (pi, ri, action, ctx) in enumerate(requests[: args.peer_sample]):
            p, res = org["principals"][pi], org["resources"][ri]
            rp = org["bucket_policies"].get(res["bucket"]) if res["bucket"] is not None else None
            syn_cases.append({"id": f"syn{i}", "request": {"principal": p["arn"], "action": action, "resource": res["arn"],
                              "resource_account": res["account"] or p["account"], "context": {**principal_context(parse_principal(p["arn"])), **ctx}},
                              "identity_policies": p["policies"], "resource_policies": [rp] if rp else [],
                              "permission_boundaries": [p["boundary"]] if p["boundary"] else [],
                              "scps": org["scps"] if p["account"] == ACCT else [], "rcps": [], "discovery": False})  # fmt: skip
        got = peer_run(driver, syn_cases, loops=1)
        if got:
            rate, dec = got
            ok = [i for i in range(len(syn_cases)) if dec.get(f"syn{i}") not in (None, "Error")]
            agree = sum(1 for i in ok if dec[f"syn{i}"] == known[i])
            note = (
                f"{len(syn_cases):,} requests, {len(ok)} accepted by its input validation;"
                f" agrees with us on {agree}/{len(ok)}"
            )
            rows.append(("synthetic (known context)", "iam-simulate", rate, note))

    # report
    print(f"\nsynthetic organisation: {args.principals:,} principals, {args.resources:,} resources, "
          f"{len(cache):,} compiled policies, built and compiled in {compile_secs:.1f}s (seed {args.seed})\n")  # fmt: skip
    base = {}
    for scope, engine, rate, _ in rows:
        if engine == "graphscope" and scope not in base:
            base[scope] = rate
    width = max(len(r[0]) for r in rows)
    print(f"{'workload':<{width}}  {'engine':<12} {'evals/s':>12} {'ours/theirs':>11}  notes")
    for scope, engine, rate, note in rows:
        ours_rate = base.get(scope) or base.get("synthetic (known context)")
        ratio = "" if engine == "graphscope" or not rate else f"{ours_rate / rate:10.1f}x"
        print(f"{scope:<{width}}  {engine:<12} {rate:>12,.0f} {ratio:>11}  {note}")


if __name__ == "__main__":
    main()
