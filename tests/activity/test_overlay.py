"""Observed edges on a GraphStore: keys, sessions, performed and invoked, idempotent on rerun."""

from __future__ import annotations

from graphscope.eventstore import EventStore
from graphscope.queries.activity import build_activity, overlay_activity
from graphscope.schema import EdgeFamily
from graphscope.store import MemoryGraphStore

from .conftest import ATTACKER_KEY, HAIKU, INCIDENT, A, B


def test_overlay_edges(incident_store: EventStore) -> None:
    result = build_activity(incident_store, access_key=ATTACKER_KEY)
    graph = MemoryGraphStore()
    overlay_activity(graph, result)
    key = graph.node(ATTACKER_KEY)
    assert (
        key is not None
        and key.kind == "access_key"
        and key.props["principal_arn"] == f"arn:aws:iam::{A}:user/dev-alice"
    )
    assert graph.node("ACCAZZBEDROCKKEY0001").kind == "service_credential"
    issued = {(e.src, e.dst) for e in graph.edges(["issued_session"])}
    assert (ATTACKER_KEY, "ASIAZZATTACKSESS0001") in issued
    assert ("ASIAZZATTACKSESS0001", "ASIAZZCROSSHOP000001") in issued
    assert ("ASIAZZATTACKSESS0001", f"arn:aws:sts::{B}:assumed-role/cross-admin/hop") in issued
    assert graph.node(f"arn:aws:sts::{B}:assumed-role/cross-admin/hop").kind == "role_session"
    assert not any("LEGIT" in s or "LEGIT" in d for s, d in issued)

    get = next(
        e
        for e in graph.out_edges("ASIAZZCROSSHOP000001", ["performed"])
        if e.dst == "arn:aws:s3:::training-data-444/customers.csv"
    )
    assert get.key == "s3:GetObject" and get.family is EdgeFamily.OBSERVED
    assert get.props == {
        "count": 1,
        "error_count": 0,
        "first_seen": "2026-03-01T10:02:00Z",
        "last_seen": "2026-03-01T10:02:00Z",
        "source_ips": ["203.0.113.66"],
        "user_agents": ["Boto3/1.34.0 Python/3.11.4 Linux/6.1 Botocore/1.34.0"],
    }
    assert graph.node("arn:aws:s3:::training-data-444/customers.csv").kind == "s3_object"
    denied = next(
        e
        for e in graph.out_edges("ASIAZZCROSSHOP000001", ["performed"])
        if e.dst.endswith("payroll.csv")
    )
    assert denied.props["error_count"] == 1
    # calls naming no resource hang off the account
    who = next(
        e for e in graph.out_edges(ATTACKER_KEY, ["performed"]) if e.key == "sts:GetCallerIdentity"
    )
    assert who.dst == A and graph.node(A).kind == "account"

    invoked = {(e.src, e.dst, e.key): e.props for e in graph.edges(["invoked"])}
    model = f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"  # the region the calls ran in
    logged = invoked[("ASIAZZATTACKSESS0001", model, "invocation-log")]
    assert (logged["count"], logged["input_tokens"], logged["output_tokens"]) == (2, 1300, 350)
    assert graph.node(model).kind == "foundation_model"
    assert not [k for k in invoked if ":::foundation-model/" in k[1]]  # no region-less copies
    # a bearer call hangs off the API key the subject minted, not off the user
    bearer = [k for k in invoked if k[0] == "ACCAZZBEDROCKKEY0001"]
    assert bearer and bearer[0][2] == "cloudtrail"
    assert not [k for k in invoked if k[0] == f"arn:aws:iam::{A}:user/BedrockAPIKey-zz"]


def test_overlay_is_idempotent(incident_store: EventStore) -> None:
    graph = MemoryGraphStore()
    overlay_activity(graph, build_activity(incident_store, access_key=ATTACKER_KEY))
    before = graph.counts()
    props = {e.ident: dict(e.props) for e in graph.edges(["performed", "invoked"])}
    incident_store.ingest_cloudtrail([INCIDENT])  # the same logs again change nothing
    incident_store.ingest_invocation_logs([INCIDENT])
    overlay_activity(graph, build_activity(incident_store, access_key=ATTACKER_KEY))
    assert graph.counts() == before
    assert {e.ident: dict(e.props) for e in graph.edges(["performed", "invoked"])} == props
