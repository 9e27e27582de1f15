"""`graphscope exposure`: for each private data store and model, who can reach it and through
what; with events, the granted-but-unused permissions on them as least-privilege diffs.

Decisions:
* targets are the inventory's data stores (Private data component, without objects, KMS keys
  and unmodelled resources) and its models and knowledge bases (AI/ML component); foundation
  models are public catalogue entries and are left to `who-can`;
* reach comes from queries/potential.who_can (every principal, directly or through roles,
  compute and AI applications);
* "granted" for least privilege is what a principal with a direct path (its own policies) may
  do on the target; "used" is the successful calls on that target by the principal (a user) or
  by any session of it (a role), inside the window. Unused = granted minus used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graphscope.queries.contract import (
    ExposurePrincipal,
    ExposureReport,
    ExposureTarget,
    PolicyDiff,
    WhoCanPrincipal,
    Window,
)
from graphscope.queries.potential import who_can
from graphscope.schema import NODE_KINDS
from graphscope.window import window_bound
from graphscope.workspace import Workspace

TARGET_KINDS = (
    "s3_bucket",
    "aoss_collection",
    "vector_store",
    "secret",
    "ssm_parameter",
    "data_store",
    "custom_model",
    "imported_model",
    "provisioned_throughput",
    "sagemaker_model",
    "sagemaker_endpoint",
    "knowledge_base",
)
MAX_DIFF_ACTIONS = 40


@dataclass
class ExposureResult:
    report: ExposureReport
    who_can: dict[str, list[WhoCanPrincipal]] = field(default_factory=dict)


def parse_tags(values: list[str]) -> dict[str, str]:
    """--tag-sensitive KEY=VALUE pairs; a value-less KEY matches any value."""
    out = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not key:
            raise ValueError(f"--tag-sensitive {v!r}: give KEY=VALUE")
        out[key] = value if sep else "*"
    return out


def _tags(props: dict) -> dict[str, str]:
    raw = props.get("tags")
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return {
            str(t.get("Key")): str(t.get("Value", ""))
            for t in raw
            if isinstance(t, dict) and "Key" in t
        }
    return {}


def _sensitive(tags: dict[str, str], wanted: dict[str, str]) -> bool:
    return any(k in tags and (v == "*" or tags[k] == v) for k, v in wanted.items())


def _via(p: WhoCanPrincipal) -> tuple[str, int]:
    path = min(p.paths, key=len) if p.paths else []
    if len(path) <= 1:
        return "direct", len(path)
    first = path[0]
    return f"{first.edge} {first.to}", len(path)


def build_exposure(
    ws: Workspace,
    *,
    sensitive_tags: dict[str, str] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> ExposureResult:
    """Exposure of every target in the workspace's inventory (ValueError without one)."""
    if ws.inventory is None or ws.engine is None:
        raise ValueError("exposure needs an inventory (a snapshot or IAM authorization details)")
    since, until = window_bound(since), window_bound(until, end=True)
    wanted = sensitive_tags or {}
    events_given = ws.events.event_count() > 0
    targets: list[ExposureTarget] = []
    answers: dict[str, list[WhoCanPrincipal]] = {}
    diffs: dict[str, PolicyDiff] = {}
    grants: dict[str, set[str]] = defaultdict(set)
    used: dict[str, set[str]] = defaultdict(set)
    statements: dict[str, set[str]] = defaultdict(set)
    nodes = sorted(ws.inventory.store.nodes(set(TARGET_KINDS)), key=lambda n: n.id)
    any_tags = False
    for node in nodes:
        answer = who_can(ws.engine, node.id).principals
        answers[node.id] = answer
        tags = _tags(node.props)
        any_tags |= bool(tags)
        out = []
        for p in answer:
            via, hops = _via(p)
            out.append(
                ExposurePrincipal(
                    arn=p.arn, actions=p.actions, conditional=p.conditional, via=via, hops=hops
                )
            )
            if via == "direct":
                for a in p.actions:
                    grants[p.arn].add(f"{a} {node.id}")
                for path in p.paths:
                    if len(path) == 1:
                        statements[p.arn].add(path[0].granted_by)
        direct = sum(1 for p in out if p.via == "direct")
        targets.append(
            ExposureTarget(
                arn=node.id,
                type=node.kind,
                component=NODE_KINDS[node.kind].component.value,
                sensitive=_sensitive(tags, wanted),
                tags=tags,
                principal_count=len(out),
                direct_count=direct,
                indirect_count=len(out) - direct,
                principals=out,
            )
        )
        if events_given:
            for e in ws.events.events_for_resource(node.id, since, until):
                if e.error_code is not None:
                    continue
                who = e.session_issuer or e.principal
                if who:
                    used[who].add(f"{e.source.split('.', 1)[0]}:{e.name} {node.id}")
    targets.sort(key=lambda t: (not t.sensitive, -t.principal_count, t.arn))
    if events_given:
        for principal, granted in sorted(grants.items()):
            seen = {_norm(x) for x in used.get(principal, set())}
            use = sorted(g for g in granted if _norm(g) in seen)
            remove = sorted(g for g in granted if _norm(g) not in seen)
            diffs[principal] = PolicyDiff(
                principal=principal,
                granted=sorted(granted),
                used=use,
                remove=remove,
                granted_by=sorted(statements.get(principal, set())),
                diff=_diff_text(principal, use, remove),
            )
    notes = [
        "foundation models are not listed: who may invoke one is a `graphscope who-can` question",
    ]
    if wanted and not any_tags:
        notes.append(
            "no target carries tags in the inventory given (resource tags are not collected for "
            "these kinds): --tag-sensitive matched nothing"
        )
    if events_given:
        notes.append(
            "least privilege: granted = what a principal's own policies allow on a target it "
            "reaches directly (actions it also reaches through roles are included); used = "
            "successful calls on that target in the events given. Data events (object reads) "
            "are used only when the trail recorded them."
        )
    return ExposureResult(
        ExposureReport(
            window=Window(since=since, until=until),
            events_given=events_given,
            targets=targets,
            least_privilege=list(diffs.values()),
            notes=notes,
        ),
        answers,
    )


def _norm(pair: str) -> str:
    return pair.lower()


def _diff_text(principal: str, use: list[str], remove: list[str]) -> str:
    lines = [f"--- granted to {principal}", "+++ least privilege over the window"]
    lines += [f"  {x}" for x in use[:MAX_DIFF_ACTIONS]]
    lines += [f"- {x}" for x in remove[:MAX_DIFF_ACTIONS]]
    if len(remove) > MAX_DIFF_ACTIONS:
        lines.append(f"- ... and {len(remove) - MAX_DIFF_ACTIONS} more unused grants")
    return "\n".join(lines)
