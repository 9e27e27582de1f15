"""The schema is the single source of kinds, and the networkx store honours the boundary."""

from __future__ import annotations

import pytest

from graphscope.arn import account_of, kind_for_arn, parse_arn, session_role_arn
from graphscope.model import Edge, Node
from graphscope.schema import (
    EDGE_KINDS,
    ELEMENTS,
    NODE_KINDS,
    Component,
    EdgeFamily,
    canonical_element,
    edge_kinds_of,
)
from graphscope.store import GraphStore, MemoryGraphStore


def test_every_kind_has_a_component_family_and_unique_neo4j_name() -> None:
    assert {k.component for k in NODE_KINDS.values()} == set(Component)
    assert {k.family for k in EDGE_KINDS.values()} == set(EdgeFamily)
    labels = [k.label for k in NODE_KINDS.values()]
    rels = [k.rel_type for k in EDGE_KINDS.values()]
    assert len(labels) == len(set(labels)) and len(rels) == len(set(rels))


def test_the_three_edge_families_are_disjoint() -> None:
    s, p, o = (edge_kinds_of(f) for f in EdgeFamily)
    assert not (s & p or p & o or s & o)
    assert {"can_assume", "can_pass_role_to", "can_access"} <= p
    assert {"issued_session", "performed"} <= o


def test_elements_and_their_aliases() -> None:
    assert len(ELEMENTS) == 7
    assert canonical_element("Agency") == "Proxy"
    assert canonical_element("Infrastructure changes") == "Computing changes"
    with pytest.raises(KeyError):
        canonical_element("Exfiltration")


@pytest.mark.parametrize(
    ("arn", "kind"),
    [
        ("arn:aws:iam::111122223333:role/service-role/kb-role", "role"),
        ("arn:aws:iam::111122223333:root", "root_user"),
        ("arn:aws:sts::111122223333:assumed-role/kb-role/sess", "role_session"),
        ("arn:aws:s3:::training-data", "s3_bucket"),
        ("arn:aws:s3:::training-data/prefix/a.csv", "s3_object"),
        ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3", "foundation_model"),
        ("arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB123", "knowledge_base"),
        ("arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb", "sagemaker_notebook"),
        ("arn:aws:aoss:us-east-1:111122223333:collection/abc", "aoss_collection"),
        ("arn:aws:glue:us-east-1:111122223333:job/x", "resource"),
        ("not-an-arn", "resource"),
    ],
)
def test_kind_for_arn(arn: str, kind: str) -> None:
    assert kind_for_arn(arn) == kind
    assert kind in NODE_KINDS


def test_arn_parts() -> None:
    arn = parse_arn("arn:aws:lambda:eu-west-1:123456789012:function:tool:1")
    assert arn is not None
    assert (arn.service, arn.region, arn.account, arn.resource_type) == (
        "lambda",
        "eu-west-1",
        "123456789012",
        "function",
    )
    assert arn.resource_id == "tool:1"
    assert str(arn) == "arn:aws:lambda:eu-west-1:123456789012:function:tool:1"
    assert account_of("arn:aws:s3:::bucket") is None
    assert (
        account_of("arn:aws:iam::12345678901:user/masked") == "12345678901"
    )  # 11 digits: masked data
    assert session_role_arn("arn:aws:sts::1:assumed-role/r/s") == "arn:aws:iam::1:role/r"
    assert session_role_arn("arn:aws:iam::1:role/r") is None


def test_nodes_reject_undeclared_kinds() -> None:
    with pytest.raises(KeyError):
        Node("x", "spaceship")
    with pytest.raises(KeyError):
        Edge("a", "b", "teleports_to")


def _store() -> MemoryGraphStore:
    st = MemoryGraphStore()
    st.upsert_nodes(
        [
            Node("arn:aws:iam::1:user/alice", "user", account="1"),
            Node("arn:aws:iam::1:role/kb", "role", account="1"),
            Node("arn:aws:s3:::docs", "resource"),
        ]
    )
    return st


def test_memory_store_is_a_graph_store_and_merges_upserts() -> None:
    st = _store()
    assert isinstance(st, GraphStore)
    assert st.node("arn:aws:iam::1:user/alice").name == "alice"
    # a placeholder learnt from a policy is refined by the inventory, props merge
    st.upsert_nodes([Node("arn:aws:s3:::docs", "s3_bucket", props={"public": False})])
    bucket = st.node("arn:aws:s3:::docs")
    assert bucket.kind == "s3_bucket" and bucket.props == {"public": False}
    assert bucket.component is Component.PRIVATE_DATA
    # a specific kind is never silently overwritten by another specific kind
    with pytest.raises(ValueError, match="already a user"):
        st.upsert_nodes([Node("arn:aws:iam::1:user/alice", "role")])


def test_memory_store_edges_by_kind_and_direction() -> None:
    st = _store()
    st.upsert_edges(
        [
            Edge(
                "arn:aws:iam::1:user/alice",
                "arn:aws:iam::1:role/kb",
                "can_assume",
                props={"granted_by": "p#0"},
            ),
            Edge("arn:aws:iam::1:role/kb", "arn:aws:s3:::docs", "can_access", key="s3:GetObject"),
            Edge("arn:aws:iam::1:role/kb", "arn:aws:s3:::docs", "can_access", key="s3:ListBucket"),
        ]
    )
    # same identity: props update, no duplicate
    st.upsert_edges(
        [
            Edge(
                "arn:aws:iam::1:role/kb",
                "arn:aws:s3:::docs",
                "can_access",
                key="s3:GetObject",
                props={"x": 1},
            )
        ]
    )
    out = list(st.out_edges("arn:aws:iam::1:role/kb"))
    assert sorted(e.key for e in out) == ["s3:GetObject", "s3:ListBucket"]
    assert [e.kind for e in st.in_edges("arn:aws:iam::1:role/kb", kinds={"can_assume"})] == [
        "can_assume"
    ]
    assert list(st.in_edges("arn:aws:iam::1:role/kb", kinds={"trusts"})) == []
    assert st.counts() == {
        "edge:can_access": 2,
        "edge:can_assume": 1,
        "node:resource": 1,
        "node:role": 1,
        "node:user": 1,
    }
    with pytest.raises(KeyError, match="unknown node"):
        st.upsert_edges(
            [Edge("arn:aws:iam::1:user/alice", "arn:aws:iam::1:role/ghost", "can_assume")]
        )
    assert list(st.out_edges("nope")) == []
