"""Coverage gaps: what the logs given cannot show, so "nothing seen" is never read as
"nothing happened". Each gap names its source, what it hides, and since when.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphscope.elements import element_map
from graphscope.eventstore import EventStore
from graphscope.ingest.cloudtrail import RecordError, normalise_time
from graphscope.queries.contract import Gap
from graphscope.queries.sessions import SessionTree

if TYPE_CHECKING:  # the activity module imports this one
    from graphscope.ingest.inventory import Inventory
    from graphscope.queries.activity import ActivityResult, Agg

_SIGNAL_SOURCE = {
    "cloudtrail": "cloudtrail",
    "bedrock": "bedrock-invocation-logs",
    "logs": "cloudwatch-logs",
    "guardduty": "guardduty",
    "config": "aws-config",
    "ec2": "vpc-flow-logs",
    "s3": "s3-log-buckets",
}
_RESTARTS = {("cloudtrail.amazonaws.com", "StopLogging"): "StartLogging"}

# Data-event families: CloudTrail records them only when a trail selects them.
DATA_EVENT_FAMILIES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "cloudtrail-data-events:s3",
        "s3.amazonaws.com",
        (
            "GetObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "CopyObject",
            "HeadObject",
            "ListObjects",
            "ListObjectsV2",
            "CompleteMultipartUpload",
            "SelectObjectContent",
        ),
        "no S3 object-level (data) events in the CloudTrail given: object reads and writes (GetObject, PutObject, DeleteObject ...) are invisible",
    ),
    (
        "cloudtrail-data-events:lambda",
        "lambda.amazonaws.com",
        ("Invoke", "InvokeAsync", "InvokeWithResponseStream"),
        "no Lambda Invoke data events in the CloudTrail given: function invocations (e.g. agent action groups) are invisible",
    ),
    (
        "cloudtrail-data-events:bedrock",
        "bedrock.amazonaws.com",
        (
            "InvokeAgent",
            "InvokeInlineAgent",
            "Retrieve",
            "RetrieveAndGenerate",
            "InvokeFlow",
            "ApplyGuardrail",
        ),
        "no Bedrock data events (agent aliases, knowledge bases, flows, guardrails) in the CloudTrail given: InvokeAgent, Retrieve, RetrieveAndGenerate and InvokeFlow are invisible",
    ),
    (
        "cloudtrail-data-events:dynamodb",
        "dynamodb.amazonaws.com",
        (
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "BatchWriteItem",
        ),
        "no DynamoDB item-level (data) events in the CloudTrail given: item reads and writes are invisible",
    ),
)
_FMT = "%Y-%m-%dT%H:%M:%SZ"
MAX_HOUR_GAPS = 20


def _in_window(t: str, since: str | None, until: str | None) -> bool:
    return (since is None or t >= since) and (until is None or t <= until)


def logging_changes(
    store: EventStore, tree: SessionTree, since: str | None, until: str | None
) -> list[Gap]:
    """Successful calls that switched logging off or altered it, by anyone, up to the window's end."""
    signals = element_map().coverage_signals
    pairs = [tuple(k.split(":", 1)) for k in signals]
    events = [
        e
        for e in store.events_named(pairs)
        if e.error_code is None and (until is None or e.time <= until)
    ]
    restarts: dict[str, list[str]] = {}
    for e in store.events_named([("cloudtrail.amazonaws.com", "StartLogging")]):
        if e.error_code is None:
            for r in e.resources or ("?",):
                restarts.setdefault(r, []).append(e.time)
    gaps = []
    for e in sorted(events, key=lambda e: e.time):
        what = signals[f"{e.source}:{e.name}"]
        target = ", ".join(e.resources) or "(resource not named)"
        who = "this subject" if tree.owns(e) else f"another principal ({e.principal or 'unknown'})"
        detail = f"{what}. {e.name} on {target} by {who} at {e.time} in {e.account or '?'}/{e.region or '?'}"
        if (e.source, e.name) in _RESTARTS:
            later = sorted(
                t for r in (e.resources or ("?",)) for t in restarts.get(r, []) if t > e.time
            )
            detail += (
                f"; logging restarted at {later[0]}"
                if later
                else "; no StartLogging seen afterwards"
            )
        if since and e.time < since:
            detail += " (before the window)"
        gaps.append(
            Gap(
                source=_SIGNAL_SOURCE.get(e.source.split(".", 1)[0], e.source),
                detail=detail,
                since=e.time,
            )
        )
    return gaps


def parse_gaps(store: EventStore) -> list[Gap]:
    """Files and records that could not be read, per file with the first reasons."""
    gaps = []
    issues = store.issues()
    by_file: dict[str, list[str]] = {}
    for i in issues:
        by_file.setdefault(i.file, []).append(str(i))
    for kind in sorted(store.source_kinds()):
        for path, n in sorted(store.skipped_by_file(kind).items()):
            first = "; ".join(by_file.get(path, [])[:3])
            source = "bedrock-invocation-logs" if kind == "invocation-log" else "cloudtrail"
            gaps.append(
                Gap(
                    source=source,
                    detail=f"{n} record(s) of {path} could not be used and are not in this report: {first}",
                    since=None,
                )
            )
    return gaps


def hour_gaps(store: EventStore, since: str | None, until: str | None) -> list[Gap]:
    """Hours inside a delivery's span (per account and region) with no event at all."""
    gaps = []
    for (account, region), hours in sorted(
        store.hours_present().items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
    ):
        ordered = sorted(hours)
        start = datetime.strptime(ordered[0] + ":00:00Z", _FMT)
        end = datetime.strptime(ordered[-1] + ":00:00Z", _FMT)
        missing: list[datetime] = []
        t = start
        while t <= end:
            if t.strftime("%Y-%m-%dT%H") not in hours:
                missing.append(t)
            t += timedelta(hours=1)
        for first, last in _runs(missing):
            a, b = first.strftime(_FMT), (last + timedelta(hours=1)).strftime(_FMT)
            if (until and a > until) or (since and b < since):
                continue
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=(
                        f"no events at all for account {account or '?'} region {region or '?'} from {a} to {b}: "
                        "delivery files may be missing for these hours (or the account was silent)"
                    ),
                    since=a,
                )
            )
    if len(gaps) > MAX_HOUR_GAPS:  # a quiet account over weeks: list the first, count the rest
        rest = gaps[MAX_HOUR_GAPS:]
        gaps = gaps[:MAX_HOUR_GAPS]
        gaps.append(
            Gap(
                source="cloudtrail",
                detail=f"{len(rest)} more stretches of hours without any event, the last from {rest[-1].since}",
                since=rest[0].since,
            )
        )
    return gaps


def _runs(times: list[datetime]) -> list[tuple[datetime, datetime]]:
    runs: list[tuple[datetime, datetime]] = []
    for t in times:
        if runs and t - runs[-1][1] == timedelta(hours=1):
            runs[-1] = (runs[-1][0], t)
        else:
            runs.append((t, t))
    return runs


def data_event_gaps(store: EventStore) -> list[Gap]:
    gaps = []
    for source_name, source, names, detail in DATA_EVENT_FAMILIES:
        marks = ",".join("?" * len(names))
        if store.count_where(f"source = ? AND name IN ({marks})", (source, *names)) == 0:
            gaps.append(Gap(source=source_name, detail=detail, since=None))
    return gaps


def invocation_log_gaps(
    store: EventStore,
    runtime_regions: set[tuple[str | None, str | None]],
    invocation_logs_given: bool | None,
) -> list[Gap]:
    given = (
        invocation_logs_given
        if invocation_logs_given is not None
        else "invocation-log" in store.source_kinds()
    )
    if not given:
        return [
            Gap(
                source="bedrock-invocation-logs",
                detail=(
                    "no model-invocation logs were given: prompts, completions and token counts are unknown; "
                    "model calls are counted from CloudTrail only"
                ),
                since=None,
            )
        ]
    have = store.invocation_regions()
    have_regions = {r for _, r in have}
    gaps = []
    for account, region in sorted(runtime_regions, key=lambda x: (x[0] or "", x[1] or "")):
        if (account, region) not in have and region not in have_regions:
            gaps.append(
                Gap(
                    source="bedrock-invocation-logs",
                    detail=(
                        f"Bedrock runtime calls were seen in CloudTrail for account {account or '?'} region {region or '?'} "
                        "but no invocation-log records for it: tokens, prompts and completions there are unknown "
                        "(logging off in that region, or its logs not given)"
                    ),
                    since=None,
                )
            )
    return gaps


def coverage_gaps(
    store: EventStore,
    tree: SessionTree,
    since: str | None,
    until: str | None,
    subject_event_count: int,
    unclassified: Counter[tuple[str, str]],
    ambiguous_invocations: int,
    runtime_regions: set[tuple[str | None, str | None]],
    invocation_logs_given: bool | None,
) -> list[Gap]:
    """All gaps for one activity report, most damaging first."""
    gaps: list[Gap] = []
    start, end = store.span("cloudtrail")
    if start is None:
        gaps.append(
            Gap(
                source="cloudtrail",
                detail="no CloudTrail events were given: control-plane activity is unknown",
                since=None,
            )
        )
    else:
        if since and since < start:
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=f"the CloudTrail given starts at {start}, after the window's start: earlier activity is unknown",
                    since=since,
                )
            )
        if until and end and until > end:
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=f"the CloudTrail given ends at {end}, before the window's end: later activity is unknown",
                    since=end,
                )
            )
        if subject_event_count == 0:
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=f"the subject {tree.subject} makes no call in the CloudTrail given ({start} to {end}) inside the window",
                    since=None,
                )
            )
    gaps += logging_changes(store, tree, since, until)
    gaps += invocation_log_gaps(store, runtime_regions, invocation_logs_given)
    if ambiguous_invocations:
        gaps.append(
            Gap(
                source="bedrock-invocation-logs",
                detail=(
                    f"{ambiguous_invocations} invocation-log record(s) name a session ARN that the subject and another credential "
                    "both held at that time; they are not attributed (ARN and time cannot tell them apart)"
                ),
                since=None,
            )
        )
    if "cloudtrail-query" in store.source_kinds():
        # a pull filtered to the subject: silence in it says nothing about delivery or data events
        gaps.append(
            Gap(
                source="cloudtrail",
                detail=(
                    "events were pulled from Athena/CloudTrail Lake filtered to the subject's keys and sessions: "
                    "missing delivery hours and absent data-event families cannot be judged from them "
                    "(give --snapshot for the trails' configuration)"
                ),
                since=None,
            )
        )
    else:
        gaps += data_event_gaps(store)
        gaps += hour_gaps(store, since, until)
    gaps += parse_gaps(store)
    others = [
        u
        for u in tree.unattributed
        if (since is None or u.last_seen >= since) and (until is None or u.first_seen <= until)
    ]
    if others:
        calls = sum(u.count for u in others)
        keys = sorted({u.access_key_id or "" for u in others})
        principal = sorted({u.principal or "" for u in others})
        gaps.append(
            Gap(
                source="session-resolution",
                detail=(
                    f"{len(keys)} other credential(s) of {', '.join(principal)} made {calls} call(s) that no logged call links to the "
                    f"subject (console sign-ins, service-forwarded or earlier sessions): not included; run with --principal to include "
                    f"them. Keys: {', '.join(keys[:10])}{' ...' if len(keys) > 10 else ''}"
                ),
                since=min(u.first_seen for u in others),
            )
        )
    for g in tree.grants:
        if g.mode == "bearer":
            gaps.append(
                Gap(
                    source="session-resolution",
                    detail=(
                        f"calls with a Bedrock API key of {g.principal} after {g.since} are attributed to the key the "
                        f"subject minted then ({g.via} called CreateServiceSpecificCredential): CloudTrail does not "
                        "name the API key, so another API key of the same user would be indistinguishable"
                        + (
                            f"; API keys minted for that user by others: {', '.join(tree.other_api_keys[g.principal])}"
                            if tree.other_api_keys.get(g.principal)
                            else ""
                        )
                    ),
                    since=g.since,
                )
            )
    if unclassified:
        listed = ", ".join(
            f"{s.split('.', 1)[0]}:{n} ({c})" for (s, n), c in unclassified.most_common(15)
        )
        gaps.append(
            Gap(
                source="element-mapping",
                detail=(
                    f"{sum(unclassified.values())} call(s) of {len(unclassified)} event name(s) are not in graphscope/data/elements.toml "
                    f"and are listed under Access: {listed}"
                ),
                since=None,
            )
        )
    return gaps


# --- inventory-derived gaps ------------------------------------------------------------------
# A snapshot says how logging was configured when it was collected: which trails exist, whether
# they log, what their event selectors record, and where model-invocation logging is on. Events
# cannot show what was never recorded; the configuration can.

NONE, SOME, ALL = 0, 1, 2
"""How much of a kind of event a selector records for one target: nothing, part, everything."""
_MAX_LISTED = 10
_S3_ALL = frozenset({"arn:aws:s3", "arn:aws:s3:", "arn:aws:s3::", "arn:aws:s3:::"})
_BEDROCK_KINDS = (
    "agent",
    "agent_alias",
    "knowledge_base",
    "custom_model",
    "imported_model",
    "provisioned_throughput",
    "guardrail",
    "inference_profile",
)


@dataclass(frozen=True, slots=True)
class Selection:
    """What a trail (or a set of trails) records for one target, and why not everything."""

    level: int
    why: tuple[str, ...] = ()

    @staticmethod
    def best(options: Iterable[Selection]) -> Selection:
        """OR: the widest option (selectors and trails add up)."""
        opts = list(options)
        if not opts:
            return Selection(NONE)
        top = max(o.level for o in opts)
        return Selection(top, tuple(w for o in opts if o.level == top for w in o.why))

    @staticmethod
    def all_of(options: Iterable[Selection]) -> Selection:
        """AND: the narrowest condition (field selectors of one selector must all match)."""
        opts = list(options)
        if not opts:
            return Selection(ALL)
        low = min(o.level for o in opts)
        return Selection(low, tuple(w for o in opts if o.level != ALL for w in o.why))


@dataclass(frozen=True, slots=True)
class DataFamily:
    """A data-event family a trail records only when its selectors select the resource."""

    source: str  # Gap.source
    resource_type: str  # resources.type in advanced selectors, DataResources.Type in basic
    node_kinds: tuple[str, ...]
    hides: str


DATA_FAMILIES = (
    DataFamily(
        "cloudtrail-data-events:s3",
        "AWS::S3::Object",
        ("s3_bucket",),
        "object reads and writes (GetObject, PutObject, DeleteObject, CopyObject ...)",
    ),
    DataFamily(
        "cloudtrail-data-events:lambda",
        "AWS::Lambda::Function",
        ("lambda_function",),
        "Invoke calls (e.g. by agent action groups)",
    ),
    DataFamily(
        "cloudtrail-data-events:bedrock",
        "AWS::Bedrock::KnowledgeBase",
        ("knowledge_base",),
        "knowledge-base queries (Retrieve, RetrieveAndGenerate)",
    ),
    DataFamily(
        "cloudtrail-data-events:bedrock",
        "AWS::Bedrock::AgentAlias",
        ("agent_alias",),
        "agent invocations (InvokeAgent)",
    ),
)


def _value_matches(x: str, fs: dict[str, Any]) -> bool:
    """One event-field value against one advanced field selector (positive ops OR, negative AND)."""
    pos = [
        *((v == x) for v in fs.get("Equals") or ()),
        *(x.startswith(v) for v in fs.get("StartsWith") or ()),
        *(x.endswith(v) for v in fs.get("EndsWith") or ()),
    ]
    if pos and not any(pos):
        return False
    return not (
        any(v == x for v in fs.get("NotEquals") or ())
        or any(x.startswith(v) for v in fs.get("NotStartsWith") or ())
        or any(x.endswith(v) for v in fs.get("NotEndsWith") or ())
    )


def _prefix_level(prefix: str, fs: dict[str, Any]) -> Selection:
    """Every ARN starting with `prefix` (an S3 bucket's objects) against resources.ARN."""
    pos: list[Selection] = []
    for v in fs.get("Equals") or ():
        if v.startswith(prefix):
            pos.append(Selection(SOME, (f"only the objects {v}",)))
    for v in fs.get("StartsWith") or ():
        if prefix.startswith(v):
            pos.append(Selection(ALL))
        elif v.startswith(prefix):
            pos.append(Selection(SOME, (f"only objects under {v}",)))
    for v in fs.get("EndsWith") or ():
        pos.append(Selection(SOME, (f"only object keys ending in {v!r}",)))
    has_pos = any(fs.get(k) for k in ("Equals", "StartsWith", "EndsWith"))
    level = Selection.best(pos) if has_pos else Selection(ALL)
    neg: list[Selection] = [level]
    for v in fs.get("NotStartsWith") or ():
        if prefix.startswith(v):
            neg.append(Selection(NONE))
        elif v.startswith(prefix):
            neg.append(Selection(SOME, (f"objects under {v} excluded",)))
    for v in fs.get("NotEquals") or ():
        if v.startswith(prefix):
            neg.append(Selection(SOME, (f"object {v} excluded",)))
    for v in fs.get("NotEndsWith") or ():
        neg.append(Selection(SOME, (f"object keys ending in {v!r} excluded",)))
    return Selection.all_of(neg)


def _field_level(
    fs: dict[str, Any], category: str, family: DataFamily | None, target: str
) -> Selection:
    field_name = fs.get("Field") or ""
    if field_name == "eventCategory":
        return Selection(ALL if _value_matches(category, fs) else NONE)
    if field_name == "resources.type":
        if (
            family is None
        ):  # a management selector naming resource types records no management event
            return Selection(NONE)
        return Selection(ALL if _value_matches(family.resource_type, fs) else NONE)
    if field_name == "readOnly":
        reads, writes = _value_matches("true", fs), _value_matches("false", fs)
        if reads and writes:
            return Selection(ALL)
        if reads or writes:
            return Selection(SOME, ("read-only calls only" if reads else "write calls only",))
        return Selection(NONE)
    if field_name == "resources.ARN" and family is not None:
        if family.resource_type == "AWS::S3::Object":
            return _prefix_level(target + "/", fs)
        return Selection(ALL if _value_matches(target, fs) else NONE)
    ops = {k: v for k, v in fs.items() if k != "Field" and v}
    return Selection(SOME, (f"only events where {field_name} {ops}",))


def _advanced(
    selectors: list[Any], category: str, family: DataFamily | None, target: str
) -> Selection:
    out = []
    for sel in selectors:
        if not isinstance(sel, dict):
            continue
        fields = [fs for fs in sel.get("FieldSelectors") or () if isinstance(fs, dict)]
        if not any(fs.get("Field") == "eventCategory" for fs in fields):
            continue  # CloudTrail requires eventCategory; a selector without it selects nothing
        out.append(Selection.all_of(_field_level(fs, category, family, target) for fs in fields))
    return Selection.best(out)


def _basic_value(family: DataFamily, value: str, target: str) -> Selection:
    if family.resource_type == "AWS::S3::Object":
        if value in _S3_ALL or value.rstrip("/") == target:
            return Selection(ALL)
        if value.startswith(target + "/"):
            return Selection(SOME, (f"only objects under {value}",))
        return Selection(NONE)
    if family.resource_type == "AWS::Lambda::Function":
        if value in ("arn:aws:lambda", "arn:aws:lambda:") or value == target:
            return Selection(ALL)
        if value.startswith(target + ":"):
            return Selection(SOME, (f"only the qualified function {value}",))
    return Selection(NONE)


def _basic(selectors: list[Any], family: DataFamily | None, target: str) -> Selection:
    out = []
    for sel in selectors:
        if not isinstance(sel, dict):
            continue
        rw = sel.get("ReadWriteType") or "All"
        limit = () if rw == "All" else (f"{rw} calls only",)
        if family is None:
            if sel.get("IncludeManagementEvents", True):
                excluded = sel.get("ExcludeManagementEventSources") or []
                why = limit + ((f"events of {', '.join(excluded)} excluded",) if excluded else ())
                out.append(Selection(SOME if why else ALL, why))
            continue
        for res in sel.get("DataResources") or ():
            if not isinstance(res, dict) or res.get("Type") != family.resource_type:
                continue
            for v in res.get("Values") or ():
                got = _basic_value(family, v, target)
                if got.level and limit:
                    got = Selection(SOME, got.why + limit)
                out.append(got)
    return Selection.best(out)


def trail_selection(
    props: dict[str, Any], family: DataFamily | None, target: str = ""
) -> Selection | None:
    """What one trail's selectors record: management events (family None) or one data target.
    None when the selectors were not collected."""
    if "event_selectors" not in props and "advanced_event_selectors" not in props:
        return None
    adv = props.get("advanced_event_selectors")
    if adv:
        return _advanced(adv, "Data" if family else "Management", family, target)
    return _basic(props.get("event_selectors") or [], family, target)


@dataclass(frozen=True, slots=True)
class Trail:
    arn: str
    account: str | None
    home_region: str | None
    multi_region: bool
    organization: bool
    logging: bool | None  # None: GetTrailStatus not collected
    props: dict[str, Any]

    def covers(self, account: str | None, region: str | None, org_members: set[str]) -> bool:
        in_account = account == self.account or (self.organization and account in org_members)
        return in_account and (self.multi_region or region is None or region == self.home_region)

    def label(self) -> str:
        scope = "organisation, " if self.organization else ""
        scope += "multi-region" if self.multi_region else f"single-region {self.home_region}"
        return f"{self.arn} ({scope})"


def _trails(inventory: Inventory) -> list[Trail]:
    out = []
    for node in inventory.store.nodes({"trail"}):
        p = node.props
        out.append(
            Trail(
                node.id,
                node.account or (node.id.split(":")[4] if node.id.count(":") >= 5 else None),
                node.region,
                bool(p.get("multi_region")),
                bool(p.get("organization_trail")),
                p.get("is_logging") if isinstance(p.get("is_logging"), bool) else None,
                p,
            )
        )
    return sorted(out, key=lambda t: t.arn)


def _org_members(inventory: Inventory, trails: list[Trail]) -> set[str]:
    """Accounts an organisation trail of the snapshot applies to."""
    members = set()
    for a in inventory.accounts:
        org = inventory.org_policies(a)
        if org is not None and org.in_organization:
            members.add(a)
    for t in trails:
        members.update(t.props.get("seen_from") or ())
    return members


def _collected(
    inventory: Inventory, account: str | None, region: str | None, service: str, operation: str
) -> bool:
    """False when the snapshot records that it could not read this operation there."""
    return not any(
        g.account == account
        and g.region == region
        and g.service == service
        and g.operation == operation
        for g in inventory.gaps
    )


def _since(value: Any) -> str | None:
    try:
        return normalise_time(value) if value is not None else None
    except RecordError:
        return None


def _why(sel: Selection) -> str:
    return "; ".join(dict.fromkeys(sel.why)) or "no selector matches"


def _activity_note(agg: Agg | None) -> str:
    if agg is None:
        return "activity there would not be recorded"
    return f"the subject made {agg.count} call(s) there from {agg.first_seen} to {agg.last_seen}"


def _trail_state_gaps(trails: list[Trail]) -> list[Gap]:
    gaps = []
    for t in trails:
        if t.logging is False:
            stopped = _since(t.props.get("stop_logging_time"))
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=(
                        f"trail {t.label()} was not logging when the snapshot was collected (GetTrailStatus "
                        f"IsLogging false{', stopped at ' + stopped if stopped else ', stop time unknown'}): "
                        "the management and data events it selects are not recorded"
                    ),
                    since=stopped,
                )
            )
        elif t.logging is None:
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=f"trail {t.label()}: its status (GetTrailStatus) was not collected, so whether it was logging is unknown",
                    since=None,
                )
            )
        if t.props.get("latest_delivery_error"):
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=(
                        f"trail {t.label()} reports a delivery error ({t.props['latest_delivery_error']}): "
                        "log files may be missing from its bucket"
                    ),
                    since=_since(t.props.get("latest_delivery")),
                )
            )
    return gaps


def _region_gaps(
    inventory: Inventory,
    trails: list[Trail],
    members: set[str],
    places: dict[tuple[str | None, str | None], Agg | None],
) -> list[Gap]:
    """Places (account, region) where no logging trail records every management event."""
    gaps = []
    for (account, region), agg in sorted(
        places.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
    ):
        where = f"account {account or '?'} region {region or '?'}"
        if account not in inventory.accounts:
            if agg is None:
                continue
            gaps.append(
                Gap(
                    source="inventory",
                    detail=f"the snapshot does not cover {where}: its trails and logging settings are unknown ({_activity_note(agg)})",
                    since=None,
                )
            )
            continue
        covering = [t for t in trails if t.covers(account, region, members)]
        if not covering and not _collected(
            inventory, account, region, "cloudtrail", "DescribeTrails"
        ):
            gaps.append(
                Gap(
                    source="cloudtrail",
                    detail=f"trails of {where} unknown (DescribeTrails was not collected there); {_activity_note(agg)}",
                    since=None,
                )
            )
            continue
        options = []
        for t in covering:
            if t.logging is False:
                continue
            sel = trail_selection(t.props, None)
            options.append(
                sel
                if sel is not None
                else Selection(SOME, (f"selectors of {t.arn} not collected",))
            )
        best = Selection.best(options)
        if best.level == ALL:
            continue
        if not covering:
            what = "no trail (multi-region or homed there) covers it as of the snapshot"
        elif best.level == NONE:
            what = (
                "the trails covering it ("
                + ", ".join(t.arn for t in covering)
                + ") are not logging or select no management events"
            )
        else:
            what = "the trails covering it record management events only partly: " + _why(best)
        gaps.append(
            Gap(
                source="cloudtrail",
                detail=f"management events of {where} are not fully recorded: {what}; {_activity_note(agg)}",
                since=None,
            )
        )
    return gaps


def _bucket_of(arn: str) -> str | None:
    if not arn.startswith("arn:aws:s3:::"):
        return None
    return "arn:aws:s3:::" + arn[len("arn:aws:s3:::") :].split("/", 1)[0]


def _function_of(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return ":".join(parts[:7])
    return None


def _targets(
    inventory: Inventory, named: set[str], accounts: set[str | None]
) -> dict[DataFamily, dict[str, tuple[str | None, str | None, bool]]]:
    """Per family: target ARN -> (owner account, region, named by the subject)."""
    out: dict[DataFamily, dict[str, tuple[str | None, str | None, bool]]] = {
        f: {} for f in DATA_FAMILIES
    }
    for fam in DATA_FAMILIES:
        for node in inventory.store.nodes(set(fam.node_kinds)):
            if node.account in accounts:
                out[fam][node.id] = (node.account, node.region, False)
    for arn in named:
        s3, fn = _bucket_of(arn), _function_of(arn)
        for fam in DATA_FAMILIES:
            target = (
                s3
                if fam.resource_type == "AWS::S3::Object"
                else fn
                if fam.resource_type == "AWS::Lambda::Function"
                else None
            )
            if fam.resource_type.startswith("AWS::Bedrock::"):
                kind = (
                    "knowledge-base/"
                    if fam.resource_type.endswith("KnowledgeBase")
                    else "agent-alias/"
                )
                target = arn if ":bedrock:" in arn and kind in arn else None
            if target is None:
                continue
            node = inventory.node(target)
            acct = node.account if node else (target.split(":")[4] or None)
            region = node.region if node else (target.split(":")[3] or None)
            out[fam][target] = (acct, region, True)
    return out


def _data_gaps(
    inventory: Inventory,
    trails: list[Trail],
    members: set[str],
    named: set[str],
    accounts: set[str | None],
) -> list[Gap]:
    """Resources whose data events no logging trail of the caller's or the owner's account records."""
    gaps = []
    for fam, targets in _targets(inventory, named, accounts).items():
        missing: list[tuple[bool, str]] = []
        partial: list[tuple[bool, str, str]] = []
        unknown: list[str] = []
        for target, (owner, region, is_named) in sorted(targets.items()):
            owners = {owner} | accounts if owner else set(accounts)
            covering = [
                t
                for t in trails
                if t.logging is not False and any(t.covers(a, region, members) for a in owners)
            ]
            sels = [trail_selection(t.props, fam, target) for t in covering]
            if any(s is None for s in sels) and not any(s and s.level == ALL for s in sels):
                unknown.append(target)
                continue
            best = Selection.best(s for s in sels if s is not None)
            if best.level == NONE:
                missing.append((not is_named, target))
            elif best.level == SOME:
                partial.append((not is_named, target, _why(best)))
        if missing:
            missing.sort()
            shown = [t for _, t in missing[:_MAX_LISTED]]
            named_n = sum(1 for other, _ in missing if not other)
            gaps.append(
                Gap(
                    source=fam.source,
                    detail=(
                        f"no logging trail records {fam.resource_type} data events for {len(missing)} resource(s) "
                        f"({named_n} named by the subject's calls), as of the snapshot: {fam.hides} on them are invisible: "
                        + ", ".join(shown)
                        + (
                            f" and {len(missing) - _MAX_LISTED} more"
                            if len(missing) > _MAX_LISTED
                            else ""
                        )
                    ),
                    since=None,
                )
            )
        for _, target, why in sorted(partial)[:_MAX_LISTED]:
            gaps.append(
                Gap(
                    source=fam.source,
                    detail=f"{fam.resource_type} data events for {target} are recorded only partly ({why}): other {fam.hides} are invisible",
                    since=None,
                )
            )
        if unknown:
            gaps.append(
                Gap(
                    source=fam.source,
                    detail=(
                        f"event selectors of the trails covering {len(unknown)} resource(s) were not collected: whether their "
                        f"{fam.resource_type} data events are recorded is unknown: "
                        + ", ".join(unknown[:_MAX_LISTED])
                    ),
                    since=None,
                )
            )
    return gaps


def _invocation_logging_gaps(
    inventory: Inventory, result: ActivityResult, accounts: set[str | None]
) -> list[Gap]:
    """Regions where the subject called Bedrock runtime APIs, or the inventory has Bedrock
    resources, and model-invocation logging is off or leaves prompts out."""
    places: dict[tuple[str | None, str | None], str] = {}
    for node in inventory.store.nodes(set(_BEDROCK_KINDS)):
        if node.account and node.region:
            places.setdefault(
                (node.account, node.region),
                f"the inventory has Bedrock {node.kind.replace('_', ' ')}s there",
            )
    for place in result.runtime_regions:
        agg = result.regions.get(place)
        places[place] = "the subject called Bedrock runtime APIs there" + (
            f" ({agg.first_seen} to {agg.last_seen})" if agg else ""
        )
    gaps = []
    for (account, region), why in sorted(
        places.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
    ):
        where = f"account {account or '?'} region {region or '?'}"
        if account not in inventory.accounts:
            continue  # reported once by the region check (snapshot does not cover the account)
        node = inventory.node(f"invocation-logging/{account}/{region}")
        if node is None:
            gaps.append(
                Gap(
                    source="bedrock-invocation-logs",
                    detail=f"model-invocation logging settings of {where} were not collected: unknown whether prompts and tokens are logged ({why})",
                    since=None,
                )
            )
            continue
        config = node.props.get("config") or {}
        if not node.props.get("enabled"):
            gaps.append(
                Gap(
                    source="bedrock-invocation-logs",
                    detail=(
                        f"model-invocation logging is not enabled in {where} (GetModelInvocationLoggingConfiguration "
                        f"empty as of the snapshot; since when is unknown from the snapshot, changes in the logs are listed "
                        f"separately): prompts, completions and token counts there are not recorded; {why}"
                    ),
                    since=None,
                )
            )
        elif config.get("textDataDeliveryEnabled") is False:
            gaps.append(
                Gap(
                    source="bedrock-invocation-logs",
                    detail=(
                        f"model-invocation logging in {where} has text delivery off: prompts and completions are not "
                        f"recorded (token counts are); {why}"
                    ),
                    since=None,
                )
            )
    return gaps


def inventory_gaps(
    inventory: Inventory, result: ActivityResult, extra_resources: Iterable[str] = ()
) -> list[Gap]:
    """Coverage gaps the snapshot's logging configuration shows for one subject's activity.

    Pure: reads the inventory graph (trail, invocation_logging nodes and their props) and the
    activity result (where the subject acted, what it named). `extra_resources` adds ARNs a
    caller cares about (the scope command passes the potentially reachable ones)."""
    trails = _trails(inventory)
    members = _org_members(inventory, trails)
    places: dict[tuple[str | None, str | None], Agg | None] = dict(result.regions)
    accounts = {a for a, _ in places if a} or set(inventory.accounts)
    for node in inventory.store.nodes({"invocation_logging", "trail"}):  # regions collected
        if node.account in accounts:
            places.setdefault((node.account, node.region), None)
    for g in inventory.gaps:  # regions the collector tried but could not read trails in
        if g.account in accounts and g.service == "cloudtrail" and g.operation == "DescribeTrails":
            places.setdefault((g.account, g.region), None)
    named = set(result.report.observed.resources) | set(extra_resources)
    for items in result.report.observed.elements.values():
        for item in items:
            named.update(item.resources)
    subject_trails = [
        t for t in trails if any(t.covers(a, None, members) or t.account == a for a in accounts)
    ]
    return [
        *_trail_state_gaps(subject_trails),
        *_region_gaps(inventory, trails, members, places),
        *_data_gaps(inventory, trails, members, named, set(accounts)),
        *_invocation_logging_gaps(inventory, result, set(accounts)),
    ]
