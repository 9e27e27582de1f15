"""Observed activity of a subject: its session tree's events, grouped by the seven elements,
joined with model-invocation logs, and overlaid on a GraphStore as observed edges.

Decisions (tested in tests/activity/):
* an event counts only when the subject's SessionTree owns it (never by role alone);
* element items group by (element, eventSource, eventName); count includes failed calls,
  error_count counts them; `resources` lists every resource the calls named, while
  observed.resources holds only resources touched by successful calls;
* invocation-log records appear in observed.invocations (source "invocation-log"), not as
  element items, so one model call logged twice (CloudTrail + invocation log) is not counted
  twice in an element; CloudTrail runtime calls appear with source "cloudtrail";
* an invocation-log record is attributed by requestId when a CloudTrail event carries the same
  id, else by its session ARN and time, and only when no credential outside the tree could have
  made it (otherwise it is counted as ambiguous in coverage).
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import orjson

from graphscope.arn import kind_for_arn, parse_arn
from graphscope.elements import classify
from graphscope.eventstore import EventStore
from graphscope.ingest.cloudtrail import Event
from graphscope.ingest.invocation_logs import Invocation
from graphscope.model import Edge, Node
from graphscope.queries.contract import (
    ActivityReport,
    Coverage,
    CreatedResource,
    ElementItem,
    Gap,
    InvocationSummary,
    Observed,
    ObservedSession,
    Subject,
    Window,
)
from graphscope.queries.coverage import coverage_gaps, inventory_gaps
from graphscope.queries.sessions import (
    SessionTree,
    issued_credential,
    resolve_tree,
    role_session_prefix,
    session_end,
)
from graphscope.schema import ELEMENTS
from graphscope.store.base import GraphStore
from graphscope.window import window_bound

if TYPE_CHECKING:
    from graphscope.ingest.inventory import Inventory

RUNTIME_CALLS = frozenset(
    {
        "InvokeModel",
        "InvokeModelWithResponseStream",
        "Converse",
        "ConverseStream",
        "CountTokens",
        "ApplyGuardrail",
        "StartAsyncInvoke",
    }
)
"""Bedrock runtime calls whose CloudTrail record names a model (requestParameters.modelId)."""


@dataclass(slots=True)
class Agg:
    """Counts for one group of events (an element item, a session, a performed edge)."""

    count: int = 0
    error_count: int = 0
    first_seen: str = ""
    last_seen: str = ""
    resources: set[str] = field(default_factory=set)
    source_ips: set[str] = field(default_factory=set)
    user_agents: set[str] = field(default_factory=set)

    def add(self, e: Event) -> None:
        self.count += 1
        if e.error_code:
            self.error_count += 1
        if not self.first_seen or e.time < self.first_seen:
            self.first_seen = e.time
        if e.time > self.last_seen:
            self.last_seen = e.time
        self.resources.update(e.resources)
        if e.source_ip:
            self.source_ips.add(e.source_ip)
        if e.user_agent:
            self.user_agents.add(e.user_agent)


@dataclass(slots=True)
class TokenAgg:
    count: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    first_seen: str = ""
    last_seen: str = ""

    def add(self, inv: Invocation | None, time: str) -> None:
        self.count += 1
        if inv is not None:
            if inv.input_tokens is not None:
                self.input_tokens = (self.input_tokens or 0) + inv.input_tokens
            if inv.output_tokens is not None:
                self.output_tokens = (self.output_tokens or 0) + inv.output_tokens
        self.first_seen = min(self.first_seen or time, time)
        self.last_seen = max(self.last_seen, time)


@dataclass(slots=True)
class ActivityResult:
    """The report plus what the overlay and the table view need."""

    report: ActivityReport
    tree: SessionTree
    performed: dict[tuple[str, str, str], Agg]  # (actor key/principal, resource, source:name)
    invoked: dict[tuple[str, str, str, str | None], TokenAgg]  # (actor, model id, source, region)
    unclassified: Counter[tuple[str, str]]
    ambiguous_invocations: int
    event_count: int
    # where the subject acted, per (account, region), and where it called Bedrock runtime APIs:
    # inventory-derived coverage (queries/coverage.inventory_gaps) checks those places' logging
    regions: dict[tuple[str | None, str | None], Agg] = field(default_factory=dict)
    runtime_regions: set[tuple[str | None, str | None]] = field(default_factory=set)
    # (application ARN, resource, action) -> calls its role made right after the subject's
    # invocations (attributed by time proximity; see proxy_activity)
    proxied: dict[tuple[str, str, str], Agg] = field(default_factory=dict)


ATTRIBUTION_FIELD = "attribution" in ElementItem.model_fields
"""Whether the contract's ElementItem carries an attribution marker (an additive extension)."""


def _proxy_marker(chain: ProxyChain) -> str:
    return (
        f"attributed by time proximity: made by {chain.app}'s role within "
        f"{PROXY_WINDOW_SECONDS} s after the subject invoked it"
    )


def _element_item(source: str, name: str, agg: Agg, attribution: str | None = None) -> ElementItem:
    values = {
        "event_source": source,
        "event_name": name,
        "count": agg.count,
        "error_count": agg.error_count,
        "resources": sorted(agg.resources),
        "first_seen": agg.first_seen,
        "last_seen": agg.last_seen,
    }
    if attribution is not None and ATTRIBUTION_FIELD:
        values["attribution"] = attribution
    return ElementItem(**values)


def _bearer_key(tree: SessionTree, e: Event) -> str | None:
    """A call made with a Bedrock API key names no key: the tree's API key for that user minted
    last before the call is the credential it used (the coverage note says why)."""
    if not e.bearer or e.access_key_id:
        return None
    minted = [
        c
        for c in tree.credentials.values()
        if c.kind == "bedrock-api-key"
        and c.principal == e.principal
        and (c.created or "") <= e.time
    ]
    return max(minted, key=lambda c: c.created or "").key_id if minted else None


def subject_scope(
    store: EventStore, access_key: str | None, principal: str | None
) -> tuple[set[str], set[str]]:
    """The key ids and principal ARNs of the subject's tree as the store resolves it now: what a
    filtered pull (ingest/athena.py) asks for next."""
    tree = resolve_tree(
        access_key, principal, store.issuances(), store.key_uses(), store.login_profile_changes()
    )
    principals = tree.principals() | ({tree.root_principal} if tree.root_principal else set())
    return set(tree.key_ids), {p for p in principals if p.startswith("arn:")}


def subject_events(store: EventStore, tree: SessionTree) -> Iterable[Event]:
    """Every event the tree owns, fetched through the indexes (keys, then principals; not in time order)."""
    seen: set[str] = set()
    for e in store.events_by_keys(tree.key_ids):
        if e.key not in seen and tree.owns(e):
            seen.add(e.key)
            yield e
    for p in sorted(tree.principals()):
        for e in store.events_by_principal(p):
            if e.key not in seen and tree.owns(e):
                seen.add(e.key)
                yield e


def _covers_principal(tree: SessionTree, arn: str) -> bool:
    if arn in tree.whole_principals:
        return True
    prefix = (
        role_session_prefix(tree.root_principal or "")
        if tree.root_principal in tree.whole_principals
        else None
    )
    return bool(prefix and arn.startswith(prefix))


def _attribute(
    inv: Invocation,
    tree: SessionTree,
    tree_windows: dict[str, list[tuple[str, str | None, str | None]]],
    foreign_windows: dict[str, list[tuple[str | None, str | None]]],
    by_request: dict[str, Event],
) -> tuple[str | None, bool]:
    """(actor key or principal, ambiguous) for one invocation-log record."""
    if inv.request_id and inv.request_id in by_request:
        e = by_request[inv.request_id]
        if tree.owns(e):
            return e.access_key_id or e.principal, False
        return None, False
    if _covers_principal(tree, inv.identity_arn):
        return inv.identity_arn, False
    t = inv.time
    mine = [
        k
        for k, start, end in tree_windows.get(inv.identity_arn, [])
        if (start is None or start <= t) and (end is None or t <= end)
    ]
    if not mine:
        return None, False
    others = [
        w
        for w in foreign_windows.get(inv.identity_arn, [])
        if (w[0] is None or w[0] <= t) and (w[1] is None or t <= w[1])
    ]
    if others:
        return None, True
    return mine[-1], False


def _windows(store: EventStore, tree: SessionTree) -> tuple[dict, dict]:
    """When each credential of the tree, and each other credential of the same ARNs, was live."""
    uses = store.key_uses()
    last_use: dict[str, str] = {}
    for u in uses:
        if u.access_key_id:
            last_use[u.access_key_id] = max(last_use.get(u.access_key_id, ""), u.last_seen)
    principals = tree.principals()
    tree_w: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
    for c in tree.credentials.values():
        if not c.principal or not c.key_id:
            continue
        if c.key_id.startswith("ASIA"):
            end = session_end(c) or last_use.get(c.key_id)
            tree_w[c.principal].append((c.key_id, c.created, end))
        else:
            tree_w[c.principal].append((c.key_id, None, None))  # long-term key or API key
    foreign: dict[str, list[tuple[str | None, str | None]]] = defaultdict(list)
    for e in store.issuances():
        if (
            e.issued_key
            and e.issued_principal in principals
            and e.issued_key not in tree.credentials
        ):
            c = issued_credential(e, e.access_key_id, 0)
            foreign[e.issued_principal].append((c.created or e.time, session_end(c)))
    for u in uses:
        if u.principal in principals and u.access_key_id and not tree.owns_key(u):
            if u.access_key_id.startswith("ASIA"):
                foreign[u.principal].append((u.session_created or u.first_seen, u.last_seen))
            else:
                foreign[u.principal].append((None, None))
    return tree_w, foreign


PROXY_CALLS = frozenset(
    {
        "InvokeAgent",
        "InvokeInlineAgent",
        "Retrieve",
        "RetrieveAndGenerate",
        "RetrieveAndGenerateStream",
        "InvokeFlow",
    }
)
"""Subject calls that make an AI application act with its own role (elements.md: Proxy)."""
PROXY_WINDOW_SECONDS = 120
"""Calls of the application's role this long after the subject's call are attributed to it by
time proximity (an agent's turn or a knowledge-base query finishes within seconds; longer
agent runs are cut off, which the coverage note says)."""
_APP_ROLE_EVENTS = {
    "CreateAgent": "agentResourceRoleArn",
    "UpdateAgent": "agentResourceRoleArn",
    "CreateKnowledgeBase": "roleArn",
    "UpdateKnowledgeBase": "roleArn",
}
_APP_KINDS = (":agent/", ":knowledge-base/", ":flow/")


@dataclass(slots=True)
class ProxyChain:
    """What one AI application's role did right after the subject invoked it."""

    app: str  # agent / knowledge-base ARN
    roles: dict[str, str]  # role ARN -> where the mapping came from
    calls: list[str] = field(default_factory=list)  # times of the subject's calls
    items: dict[tuple[str, str], Agg] = field(default_factory=dict)  # (source, name)
    performed: dict[tuple[str, str], Agg] = field(default_factory=dict)  # (resource, action)
    ambiguous: int = 0
    other_callers: set[str] = field(default_factory=set)


def _shift(t: str, seconds: int) -> str:
    stamp = datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=seconds)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _walk_ids(obj: object, out: dict[str, str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("agentId", "knowledgeBaseId", "flowIdentifier") and isinstance(v, str):
                out.setdefault(k, v)
            else:
                _walk_ids(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _walk_ids(v, out)


def proxy_apps(e: Event) -> list[str]:
    """The AI applications one call invokes: ARNs it names, or ids nested in its request
    (RetrieveAndGenerate keeps knowledgeBaseId two levels down)."""
    apps = [r for r in e.resources if any(k in r for k in _APP_KINDS)]
    ids: dict[str, str] = {}
    if e.request:
        # a request cut at MAX_REQUEST_BYTES is not JSON: the resources named above still count
        with contextlib.suppress(orjson.JSONDecodeError):
            _walk_ids(orjson.loads(e.request), ids)
    region, account = e.region or "", e.account or ""
    for key, kind in (
        ("agentId", "agent"),
        ("knowledgeBaseId", "knowledge-base"),
        ("flowIdentifier", "flow"),
    ):
        v = ids.get(key)
        if v:
            apps.append(
                v if v.startswith("arn:") else f"arn:aws:bedrock:{region}:{account}:{kind}/{v}"
            )
    return list(dict.fromkeys(apps))


def _app_roles_from_logs(store: EventStore) -> dict[str, list[tuple[str, str]]]:
    """app ARN -> [(time, role ARN)] from successful Create/Update Agent/KnowledgeBase calls."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    pairs = [("bedrock.amazonaws.com", n) for n in _APP_ROLE_EVENTS]
    for e in store.events_named(pairs):
        if e.error_code or not e.request:
            continue
        try:
            params = orjson.loads(e.request)
        except orjson.JSONDecodeError:
            continue
        role = params.get(_APP_ROLE_EVENTS[e.name]) if isinstance(params, dict) else None
        apps = [a for a in proxy_apps(e) if any(k in a for k in _APP_KINDS)]
        if e.created_arn and any(k in e.created_arn for k in _APP_KINDS):
            apps.append(e.created_arn)
        if isinstance(role, str) and role.startswith("arn:"):
            for app in apps:
                out[app].append((e.time, role))
    return out


def _app_roles(
    app: str, at: str, from_logs: dict[str, list[tuple[str, str]]], inventory: Inventory | None
) -> dict[str, str]:
    """Roles the application acts with at time `at`: the latest logged Create/Update before it,
    else the snapshot's runs_as (an agent also acts through the knowledge bases it uses)."""
    logged = [r for t, r in sorted(from_logs.get(app, [])) if t <= at]
    if logged:
        return {logged[-1]: "the last Create/Update call in the logs before the invocation"}
    roles: dict[str, str] = {}
    if inventory is not None:
        for role in inventory.runs_as(app):
            roles[role] = "the snapshot (runs_as)"
        for edge in inventory.store.out_edges(app, {"uses_knowledge_base", "has_action_group"}):
            if edge.kind == "uses_knowledge_base":
                for role in inventory.runs_as(edge.dst):
                    roles.setdefault(role, f"the snapshot (its knowledge base {edge.dst})")
                continue
            for fn in inventory.store.out_edges(edge.dst, {"invokes_function"}):
                for role in inventory.runs_as(fn.dst):
                    roles.setdefault(role, f"the snapshot (its action-group function {fn.dst})")
    return roles


def proxy_activity(
    store: EventStore,
    tree: SessionTree,
    events: Iterable[Event],
    inventory: Inventory | None = None,
) -> tuple[list[ProxyChain], list[str]]:
    """Calls of AI applications' roles right after the subject invoked them, never the subject's
    own. Returns the chains and the applications whose role is unknown."""
    from_logs = _app_roles_from_logs(store)
    chains: dict[str, ProxyChain] = {}
    unknown: list[str] = []
    for e in events:
        if e.source != "bedrock.amazonaws.com" or e.name not in PROXY_CALLS or e.error_code:
            continue
        for app in proxy_apps(e):
            roles = _app_roles(app, e.time, from_logs, inventory)
            if not roles:
                unknown.append(f"{app} ({e.name} at {e.time})")
                continue
            chain = chains.setdefault(app, ProxyChain(app, {}))
            chain.roles.update(roles)
            chain.calls.append(e.time)
    if not chains:
        return [], unknown
    others = [
        o
        for o in store.events_named(
            [("bedrock.amazonaws.com", n) for n in (*PROXY_CALLS, "StartIngestionJob")]
        )
        if not tree.owns(o) and o.error_code is None
    ]
    for chain in chains.values():
        windows = [(t, _shift(t, PROXY_WINDOW_SECONDS)) for t in sorted(chain.calls)]
        foreign = [
            (o.time, _shift(o.time, PROXY_WINDOW_SECONDS), o.principal or o.access_key_id or "?")
            for o in others
            if chain.app in proxy_apps(o)
        ]
        seen: set[str] = set()
        for role in sorted(chain.roles):
            prefix = role_session_prefix(role)
            if prefix is None:
                continue
            for lo, hi in windows:
                for ev in store.events_by_principal_prefix(prefix, lo, hi):
                    if ev.key in seen or tree.owns(ev) or ev.session_issuer not in (role, None):
                        continue
                    seen.add(ev.key)
                    rivals = {who for a, b, who in foreign if a <= ev.time <= b}
                    if rivals:
                        chain.ambiguous += 1
                        chain.other_callers |= rivals
                        continue
                    chain.items.setdefault((ev.source, ev.name), Agg()).add(ev)
                    action = f"{ev.source.split('.', 1)[0]}:{ev.name}"
                    for r in ev.resources or (ev.account or "unknown-account",):
                        chain.performed.setdefault((r, action), Agg()).add(ev)
    return sorted(chains.values(), key=lambda c: c.app), unknown


def _proxy_gaps(chains: list[ProxyChain], unknown: list[str]) -> list[Gap]:
    gaps = []
    for c in chains:
        roles = ", ".join(f"{r} (from {via})" for r, via in sorted(c.roles.items()))
        did = ", ".join(
            f"{s.split('.', 1)[0]}:{n} x{a.count}" for (s, n), a in sorted(c.items.items())
        )
        detail = (
            f"attributed by time proximity: calls of {c.app}'s role {roles} within "
            f"{PROXY_WINDOW_SECONDS} s after the subject's {len(c.calls)} invocation(s) "
            f"({c.calls[0]} to {c.calls[-1]}) are listed under Proxy as acting for the subject"
            f"{': ' + did if did else ' (none seen)'}; CloudTrail does not link them, the role may also act for others, "
            "and longer agent runs may be cut off"
        )
        if c.ambiguous:
            detail += (
                f". {c.ambiguous} call(s) of that role are left out because others also invoked it then: "
                + ", ".join(sorted(c.other_callers)[:5])
            )
        gaps.append(Gap(source="proxy-attribution", detail=detail, since=c.calls[0]))
    if unknown:
        gaps.append(
            Gap(
                source="proxy-attribution",
                detail=(
                    "the subject invoked AI applications whose role is unknown (no Create/Update call in the logs and "
                    "no --snapshot naming it), so what they did for it cannot be attributed: "
                    + "; ".join(unknown[:10])
                ),
                since=None,
            )
        )
    return gaps


def build_activity(
    store: EventStore,
    access_key: str | None = None,
    principal: str | None = None,
    since: str | None = None,
    until: str | None = None,
    invocation_logs_given: bool | None = None,
    extra_gaps: Iterable[Gap] = (),
    inventory: Inventory | None = None,
    inventory_coverage: bool = True,
) -> ActivityResult:
    """Resolve the subject's tree and summarise what it did inside the window. With an
    inventory, AI applications' roles come from it too (Proxy) and, unless
    `inventory_coverage` is False (a caller adding its own resources to
    coverage.inventory_gaps), its logging configuration adds coverage gaps."""
    since, until = window_bound(since), window_bound(until, end=True)
    tree = resolve_tree(
        access_key, principal, store.issuances(), store.key_uses(), store.login_profile_changes()
    )

    items: dict[tuple[str, str, str], Agg] = {}
    sessions: dict[str, Agg] = {}
    performed: dict[tuple[str, str, str], Agg] = {}
    invoked: dict[tuple[str, str, str, str | None], TokenAgg] = {}
    unclassified: Counter[tuple[str, str]] = Counter()
    resources: set[str] = set()
    created: list[CreatedResource] = []
    ips: set[str] = set()
    agents: set[str] = set()
    ct_models: dict[str, TokenAgg] = {}
    regions_with_runtime: set[tuple[str | None, str | None]] = set()
    acted_in: dict[tuple[str | None, str | None], Agg] = {}
    proxy_calls: list[Event] = []
    n = 0
    for e in subject_events(store, tree):
        if (since and e.time < since) or (until and e.time > until):
            continue
        n += 1
        acted_in.setdefault((e.account, e.region), Agg()).add(e)
        cls = classify(e.source, e.name, e.error_code)
        if cls.unclassified:
            unclassified[(e.source, e.name)] += 1
        for element in cls.elements:
            items.setdefault((element, e.source, e.name), Agg()).add(e)
        key_id = e.access_key_id or _bearer_key(tree, e)
        actor = key_id or e.principal or "unknown"
        if key_id:
            sessions.setdefault(key_id, Agg()).add(e)
        action = f"{e.source.split('.', 1)[0]}:{e.name}"
        for r in e.resources or (e.account or "unknown-account",):
            performed.setdefault((actor, r, action), Agg()).add(e)
        if e.error_code is None:
            resources.update(e.resources)
            if e.created_name:
                created.append(
                    CreatedResource(
                        arn=e.created_arn, name=e.created_name, event_name=e.name, event_time=e.time
                    )
                )
        if e.source == "bedrock.amazonaws.com" and e.name in PROXY_CALLS:
            proxy_calls.append(e)
        if e.source_ip:
            ips.add(e.source_ip)
        if e.user_agent:
            agents.add(e.user_agent)
        if (  # a failed call invoked no model (it stays in the Invocation element as an error)
            e.source == "bedrock.amazonaws.com"
            and e.name in RUNTIME_CALLS
            and e.model_id
            and e.error_code is None
        ):
            ct_models.setdefault(e.model_id, TokenAgg()).add(None, e.time)
            invoked.setdefault((actor, e.model_id, "cloudtrail", e.region), TokenAgg()).add(
                None, e.time
            )
            regions_with_runtime.add((e.account, e.region))

    # invocation logs, joined by requestId or by session ARN and time
    tree_w, foreign_w = _windows(store, tree)
    candidates = [
        i
        for i in store.invocations(tree.principals() | set(tree_w))
        if not (since and i.time < since) and not (until and i.time > until)
    ]
    by_request = store.events_by_request_ids(i.request_id for i in candidates if i.request_id)
    log_models: dict[str, TokenAgg] = {}
    ambiguous = 0
    for inv in candidates:
        actor, unsure = _attribute(inv, tree, tree_w, foreign_w, by_request)
        ambiguous += unsure
        if actor is None:
            continue
        log_models.setdefault(inv.model_id, TokenAgg()).add(inv, inv.time)
        invoked.setdefault((actor, inv.model_id, "invocation-log", inv.region), TokenAgg()).add(
            inv, inv.time
        )
        for ref in inv.s3_refs:  # large bodies and documents read into the model
            bucket_key = ref[len("s3://") :]
            resources.add(f"arn:aws:s3:::{bucket_key}")

    elements: dict[str, list[ElementItem]] = {el: [] for el in ELEMENTS}
    for (element, source, name), agg in sorted(
        items.items(), key=lambda kv: (kv[1].first_seen, kv[0])
    ):
        elements[element].append(_element_item(source, name, agg))
    chains, unknown_apps = proxy_activity(store, tree, proxy_calls, inventory)
    for chain in chains:  # after the subject's own Proxy calls, what the applications did
        for (source, name), agg in sorted(
            chain.items.items(), key=lambda kv: (kv[1].first_seen, kv[0])
        ):
            elements["Proxy"].append(_element_item(source, name, agg, _proxy_marker(chain)))
    observed_sessions = []
    for key_id, cred in tree.credentials.items():
        agg = sessions.get(key_id)
        if agg is None and not (
            cred.created
            and (not since or cred.created >= since)
            and (not until or cred.created <= until)
        ):
            continue  # neither used nor issued inside the window
        issued_by = (
            cred.issued_by
            if cred.kind != "subject"
            else (tree.ancestry[0].issued_by if tree.ancestry else None)
        )
        observed_sessions.append(
            ObservedSession(
                access_key_id=key_id,
                principal_arn=cred.principal or "",
                issued_by=issued_by,
                first_seen=agg.first_seen if agg else cred.created or "",
                last_seen=agg.last_seen if agg else cred.created or "",
                source_ips=sorted(agg.source_ips) if agg else [],
                user_agents=sorted(agg.user_agents) if agg else [],
            )
        )
    invocations = [
        InvocationSummary(
            model_id=m,
            source="invocation-log",
            count=a.count,
            input_tokens=a.input_tokens,
            output_tokens=a.output_tokens,
            estimated_cost_usd=None,
        )
        for m, a in sorted(log_models.items())
    ] + [
        InvocationSummary(
            model_id=m,
            source="cloudtrail",
            count=a.count,
            input_tokens=None,
            output_tokens=None,
            estimated_cost_usd=None,
        )
        for m, a in sorted(ct_models.items())
    ]
    observed = Observed(
        sessions=observed_sessions,
        elements=elements,
        resources=sorted(resources),
        created_resources=sorted(created, key=lambda c: (c.event_time, c.name)),
        invocations=invocations,
        source_ips=sorted(ips),
        user_agents=sorted(agents),
    )
    gaps = coverage_gaps(
        store,
        tree,
        since,
        until,
        subject_event_count=n,
        unclassified=unclassified,
        ambiguous_invocations=ambiguous,
        runtime_regions=regions_with_runtime,
        invocation_logs_given=invocation_logs_given,
    )
    gaps += _proxy_gaps(chains, unknown_apps)
    report = ActivityReport(
        subject=Subject(
            input=access_key or principal or "",
            access_key_id=access_key if access_key else None,
            principal_arn=tree.root_principal,
        ),
        window=Window(since=since, until=until),
        observed=observed,
        coverage=Coverage(gaps=[*extra_gaps, *gaps]),
    )
    result = ActivityResult(
        report,
        tree,
        performed,
        invoked,
        unclassified,
        ambiguous,
        n,
        regions=acted_in,
        runtime_regions=regions_with_runtime,
        proxied={
            (c.app, r, action): agg for c in chains for (r, action), agg in c.performed.items()
        },
    )
    if inventory is not None and inventory_coverage:
        report.coverage.gaps[:0] = inventory_gaps(inventory, result)
    return result


def overlay_activity(graph: GraphStore, result: ActivityResult) -> tuple[int, int]:
    """Add the subject's credentials and observed edges to a graph; returns (nodes, edges) upserted.

    access_key nodes are keyed by key id; role_session nodes by session ARN (shared by sessions
    that reuse a name, so edges hang off the key, which is unique); performed and invoked edges
    carry the aggregates; a rerun replaces them instead of adding to them.
    """
    nodes: dict[str, Node] = {}

    def node(node_id: str, kind: str | None = None, **props: object) -> str:
        if node_id not in nodes:
            k = kind or _node_kind(node_id)
            arn = parse_arn(node_id)
            nodes[node_id] = Node(
                node_id,
                k,
                account=arn.account or None if arn else None,
                region=arn.region or None if arn else None,
                props=dict(props),
            )
        return node_id

    edges: list[Edge] = []
    tree = result.tree
    for c in tree.credentials.values():
        if not c.key_id:
            continue
        kind = "service_credential" if c.kind == "bedrock-api-key" else "access_key"
        node(c.key_id, kind, principal_arn=c.principal, issued_kind=c.kind, created=c.created)
        if c.issued_by:
            parent_kind = "access_key" if c.issued_by[:4] in ("AKIA", "ASIA") else None
            node(c.issued_by, parent_kind)
            edges.append(
                Edge(
                    c.issued_by,
                    c.key_id,
                    "issued_session",
                    key=c.kind,
                    props={
                        "event_time": c.created,
                        "role_arn": c.role_arn,
                        "session_name": c.session_name,
                        "principal_arn": c.principal,
                        "source_identity": c.source_identity,
                    },
                )
            )
            if c.principal and kind_for_arn(c.principal) == "role_session":
                node(c.principal, "role_session")
                edges.append(
                    Edge(
                        c.issued_by,
                        c.principal,
                        "issued_session",
                        key=c.key_id,
                        props={"event_time": c.created, "role_arn": c.role_arn},
                    )
                )
    for (actor, resource, action), agg in result.performed.items():
        node(actor, "access_key" if actor[:4] in ("AKIA", "ASIA") else None)
        node(resource, "account" if resource.isdigit() else None)
        edges.append(
            Edge(
                actor,
                resource,
                "performed",
                key=action,
                props={
                    "count": agg.count,
                    "error_count": agg.error_count,
                    "first_seen": agg.first_seen,
                    "last_seen": agg.last_seen,
                    "source_ips": sorted(agg.source_ips),
                    "user_agents": sorted(agg.user_agents),
                },
            )
        )
    for (app, resource, action), agg in result.proxied.items():
        node(app, None)
        node(resource, "account" if resource.isdigit() else None)
        edges.append(
            Edge(
                app,
                resource,
                "performed",
                key=action,
                props={
                    "count": agg.count,
                    "error_count": agg.error_count,
                    "first_seen": agg.first_seen,
                    "last_seen": agg.last_seen,
                    "attribution": "time proximity",
                    "on_behalf_of": tree.subject,
                },
            )
        )
    for (actor, model, source, region), tok in result.invoked.items():
        node(actor, "access_key" if actor[:4] in ("AKIA", "ASIA") else None)
        target = (  # the region the call ran in: the inventory lists models per region
            model
            if model.startswith("arn:")
            else f"arn:aws:bedrock:{region or ''}::foundation-model/{model}"
        )
        node(target, None)
        edges.append(
            Edge(
                actor,
                target,
                "invoked",
                key=source,
                props={
                    "count": tok.count,
                    "input_tokens": tok.input_tokens,
                    "output_tokens": tok.output_tokens,
                    "first_seen": tok.first_seen,
                    "last_seen": tok.last_seen,
                },
            )
        )
    n_nodes = graph.upsert_nodes(nodes.values())
    n_edges = graph.upsert_edges(edges)
    return n_nodes, n_edges


def _node_kind(node_id: str) -> str:
    if node_id.startswith("arn:"):
        kind = kind_for_arn(node_id)
        return "external_principal" if kind == "resource" and ":sts:" in node_id else kind
    return "external_principal"
