"""Copy a loaded investigation into another store (Neo4j): inventory, identity hops, activity.

Observed edges are recomputed from the whole event store and written as absolute values (counts,
first/last seen); the target store writes only edges whose values changed. Re-reading the same
logs therefore changes nothing, and new events touch only the edges they add to.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field

from graphscope.eventstore import EventStore
from graphscope.queries.activity import build_activity, overlay_activity
from graphscope.store.base import GraphStore
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.workspace import Workspace


@dataclass
class PushResult:
    nodes: int = 0  # nodes sent
    edges: int = 0  # edges sent
    nodes_written: int = 0  # created or changed in the target (0 on an unchanged re-push)
    edges_written: int = 0
    observed_subjects: int = 0
    identity_edges: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return (self.nodes + self.edges) / self.seconds if self.seconds else 0.0


def overlay_all_activity(events: EventStore, graph: GraphStore) -> int:
    """Overlay what every credential chain in the logs did; returns the number of chains.

    Each long-term key (AKIA) roots one chain, walked with the same session resolution as
    `graphscope activity`; temporary keys not reached from one (federated, console, service
    sessions) root chains of their own. Calls made with no access key are not overlaid.
    """
    keys = sorted({u.access_key_id for u in events.key_uses() if u.access_key_id})
    keys.sort(key=lambda k: (not k.startswith("AKIA"), k))
    covered: set[str] = set()
    chains = 0
    for key in keys:
        if key in covered:
            continue
        result = build_activity(events, access_key=key)
        covered |= result.tree.key_ids
        covered.add(key)
        overlay_activity(graph, result)
        chains += 1
    return chains


def add_identity_edges(ws: Workspace) -> int | None:
    """Materialise identity hops (assume, pass-role, proxies) so paths can run in Cypher.

    Returns None when this build has no identity-edge module (graphscope.access.identity_edges)."""
    try:
        mod = importlib.import_module("graphscope.access.identity_edges")
    except ModuleNotFoundError:
        return None
    if ws.engine is None:
        return 0
    return int(mod.materialise_identity_edges(ws.engine, ws.store) or 0)


def push(ws: Workspace, target: GraphStore) -> PushResult:
    """Write the workspace graph (after overlaying activity and identity hops) into `target`."""
    res = PushResult()
    inventory_ids = {n.id for n in ws.store.nodes()}
    if ws.events.event_count() or ws.events.invocation_count():
        res.observed_subjects = overlay_all_activity(ws.events, ws.store)
    ids = add_identity_edges(ws)
    if ids is None:
        res.notes.append("identity hops not materialised: graphscope.access.identity_edges missing")
    else:
        res.identity_edges = ids
    before = dict(getattr(target, "written", {}))
    start = time.perf_counter()
    nodes = list(ws.store.nodes())
    if isinstance(target, Neo4jGraphStore):  # mark what only the logs know, for hide_observed
        res.nodes = target.upsert_nodes([n for n in nodes if n.id in inventory_ids])
        res.nodes += target.upsert_nodes(
            [n for n in nodes if n.id not in inventory_ids], observed_only=True
        )
    else:
        res.nodes = target.upsert_nodes(nodes)
    res.edges = target.upsert_edges(ws.store.edges())
    res.seconds = time.perf_counter() - start
    after = dict(getattr(target, "written", {}))
    res.nodes_written = after.get("nodes", 0) - before.get("nodes", 0)
    res.edges_written = after.get("edges", 0) - before.get("edges", 0)
    return res
