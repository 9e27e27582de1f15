"""Identity hops as data agree with the reach walk, both ways, on the org fixture and a synthetic org.

The hops come from a default engine; the identity walk they are checked against is the
exhaustive reference engine's (its proxy hops come from evaluating every action on its own), and
every path of the default engine's reach splits into them.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import pytest

from graphscope.access.identity_edges import (
    IdentityHop,
    hop_edge,
    hops_of,
    identity_hops,
    materialise_identity_edges,
)
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import MAX_DEPTH, Hop, ReachEngine
from graphscope.ingest.inventory import load_inventory
from graphscope.schema import EdgeFamily, edge_kind
from graphscope.store import MemoryGraphStore

ROOT = Path(__file__).resolve().parents[2]
SNAP = ROOT / "tests" / "inventory" / "data" / "org-snapshot"
PROD = "222222222222"
ALICE = f"arn:aws:iam::{PROD}:user/dev-alice"


@pytest.fixture(scope="module", params=["org-fixture", "synth-1", "synth-5"])
def store(request: pytest.FixtureRequest, synth_inventory: Any):
    if request.param == "org-fixture":
        return load_inventory([SNAP]).store
    seed = int(request.param.split("-")[1])
    return synth_inventory(seed, 0.01)


def _closure(hops: list[IdentityHop], subject: str) -> set[tuple[str, tuple[str, ...]]]:
    """(identity, limit) pairs the hops reach from the subject: breadth first over hops, within
    the walk's depth in hops, limited identities going no further."""
    by_src: dict[str, list[IdentityHop]] = {}
    for h in hops:
        by_src.setdefault(h.src, []).append(h)
    seen = {(subject, ())}
    found = set()
    queue: deque[tuple[str, int, tuple[str, ...]]] = deque([(subject, 0, ())])
    while queue:
        node, depth, limit = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        if node != subject:
            found.add((node, limit))
        if limit:
            continue
        for h in by_src.get(node, []):
            key = (h.dst, h.limit)
            if h.dst != subject and key not in seen:
                seen.add(key)
                queue.append((h.dst, depth + len(h.steps), h.limit))
    return found


def _consume(path: tuple[Hop, ...], subject: str, index: dict[tuple[Hop, ...], IdentityHop]):
    """Split a walk path into identity hops from the subject; return what is left over."""
    pos, cur = 0, subject
    while pos < len(path):
        step = next(
            (
                index[path[pos : pos + n]]
                for n in range(1, 5)
                if path[pos : pos + n] in index and index[path[pos : pos + n]].src == cur
            ),
            None,
        )
        if step is None:
            break
        pos += len(step.steps)
        cur = step.dst
    return cur, path[pos:]


def test_every_walk_hop_is_an_identity_hop_and_every_hop_is_walked(store) -> None:
    engine = ReachEngine(AccessInputs(store))
    hops = identity_hops(engine)
    assert hops, "the organisation has identity hops"
    in_walk_order = [h for p in sorted({h.src for h in hops}) for h in hops_of(engine, p)]
    assert sorted(in_walk_order, key=_key) == sorted(hops, key=_key)
    index = {h.steps: h for h in hops}
    reference = ReachEngine(AccessInputs(store), exhaustive=True)
    principals = sorted(n.id for n in store.nodes({"user", "role"}))
    # subjects: every principal of the fixture; on the synthetic orgs, the 12 with most hops
    out_degree = {p: sum(1 for h in hops if h.src == p) for p in principals}
    subjects = (
        principals
        if len(principals) < 40
        else sorted(principals, key=lambda p: (-out_degree[p], p))[:6]
    )
    checked_paths = 0
    for subject in subjects:
        walkers = reference.walk(subject)
        walked = {(w.arn, _lim(w.limit)) for w in walkers[1:]}
        # vice versa: what the hops reach from the subject is exactly what the walk reaches
        assert walked == _closure(in_walk_order, subject), subject
        for w in walkers[1:]:
            cur, rest = _consume(w.path, subject, index)
            assert rest == () and cur == w.arn, (subject, w.path)
        for node_id, reached in engine.reach(subject).items():
            for path in reached.paths:
                cur, rest = _consume(path, subject, index)
                # what is left is at most the last hop: the identity's access to the resource
                assert len(rest) <= 1, (subject, node_id, path)
                if rest:
                    assert rest[0].src == cur and rest[0].edge == "can_access", (subject, path)
                else:
                    assert cur == node_id, (subject, path)
                checked_paths += 1
    assert checked_paths > 0


def _key(h: IdentityHop) -> tuple[str, ...]:
    return (h.src, h.dst, h.edge, h.granted_by, *h.via, *h.limit)


def _lim(limit) -> tuple[str, ...]:
    from graphscope.access.identity_edges import _limit_actions

    return _limit_actions(limit)


def test_fixture_hops_carry_statements_conditions_and_limits() -> None:
    store = load_inventory([SNAP]).store
    hops = identity_hops(ReachEngine(AccessInputs(store)))
    kinds = {h.edge for h in hops}
    assert {"can_assume", "can_pass_role_to"} <= kinds
    audit = [h for h in hops if h.src.endswith(":role/analyst") and h.dst.endswith("AuditReader")]
    assert audit and audit[0].conditional
    assert any("MultiFactorAuthPresent" in c for c in audit[0].conditions)
    notebook = [h for h in hops if h.src == ALICE and h.edge == "can_pass_role_to"]
    assert notebook and all(h.granted_by.split(" ")[0] for h in notebook)
    assert any("sagemaker" in h.granted_by for h in notebook)
    ai_apps = {n.id for n in store.nodes({"knowledge_base", "agent", "agent_alias"})}
    proxies = [h for h in hops if h.via and h.via[0] in ai_apps]
    entered = {store.node(h.via[0]).kind for h in proxies}
    assert "knowledge_base" in entered and entered & {"agent", "agent_alias"}
    for h in proxies:
        assert h.edge == "can_access" and h.limit, h
        assert "#" in h.granted_by or "[" in h.granted_by, h.granted_by  # a statement


def test_materialised_edges_are_potential_and_plain(tmp_path: Path) -> None:
    store = load_inventory([SNAP]).store
    engine = ReachEngine(AccessInputs(store))
    hops = identity_hops(engine)
    target = MemoryGraphStore()
    target.upsert_nodes(store.nodes())
    n = materialise_identity_edges(engine, target)
    edges = list(target.edges())
    assert n == len(edges) == len({hop_edge(h).ident for h in hops}) > 0
    for e in edges:
        assert edge_kind(e.kind).family is EdgeFamily.POTENTIAL
        for value in e.props.values():
            assert isinstance(value, str | bool) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ), (e.kind, value)
    # a proxy edge ends at the AI application and names the role it yields
    proxy = next(e for e in edges if e.props["via"])
    assert proxy.dst == proxy.props["via"][0] and proxy.props["identity"] != proxy.dst
