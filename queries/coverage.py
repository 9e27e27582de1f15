"""Coverage gaps: what the logs given cannot show, so "nothing seen" is never read as
"nothing happened". Each gap names its source, what it hides, and since when.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from graphscope.elements import element_map
from graphscope.eventstore import EventStore
from graphscope.queries.contract import Gap
from graphscope.queries.sessions import SessionTree

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
            source = "cloudtrail" if kind == "cloudtrail" else "bedrock-invocation-logs"
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


def snapshot_gap(paths: Iterable[str]) -> Gap:
    return Gap(
        source="inventory",
        detail=(
            f"--snapshot {' '.join(paths)} was not loaded: the inventory loader is not available in this build, so trails' "
            "event selectors and invocation-logging settings are judged from the events alone"
        ),
        since=None,
    )
