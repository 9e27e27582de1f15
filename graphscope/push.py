"""Copy a loaded investigation into another store (Neo4j): inventory, identity hops, activity.

Observed edges are recomputed from the whole event store and written as absolute values (counts,
first/last seen); the target store writes only edges whose values changed. Re-reading the same
logs therefore changes nothing, and new events touch only the edges they add to.

Identity hops are derived one identity at a time and streamed to the target in batches, never
held whole in memory: a permissive organisation has millions of them.

It lives beside workspace.py, not in store/, because it orchestrates: it runs the activity
queries to overlay observed edges before writing, and the stores stay free of queries.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from graphscope.eventstore import EventStore
from graphscope.model import Edge
from graphscope.queries.activity import build_activity, overlay_activity
from graphscope.store.base import GraphStore
from graphscope.store.cypher import rel_type
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.store.paths import (
    any_hops_stored,
    drop_stale_hops,
    mark_hops_written,
    walkable_hop_edges,
)
from graphscope.workspace import Workspace

_STALE_BATCH = 200  # identities whose earlier hops are checked per statement


@dataclass
class PushResult:
    nodes: int = 0  # nodes sent
    edges: int = 0  # edges sent
    nodes_written: int = 0  # created or changed in the target (0 on an unchanged re-push)
    edges_written: int = 0
    observed_subjects: int = 0
    identity_edges: int = 0
    seconds: float = 0.0
    hop_seconds: float = 0.0  # of `seconds`: deriving identity hops with the policy engine
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


def identity_hop_edges(
    ws: Workspace, counted: list[int], timed: list[float], target: GraphStore
) -> Iterator[Edge]:
    """Every identity hop of the inventory as a walkable edge (graphscope.store.paths), one
    identity at a time; `counted[0]` counts them as they stream, `timed[0]` adds up the seconds
    spent deriving them. On Neo4j, hops an earlier push wrote that the inventory no longer
    gives are deleted as the stream passes their identity (a batch of identities at a time);
    a database holding no hops yet (a first push) has none to check."""
    if ws.engine is None:
        return
    stored = target if isinstance(target, Neo4jGraphStore) and any_hops_stored(target) else None
    keep: dict[str, set[tuple[str, str, str]]] = {}
    for node in sorted(ws.engine.inputs.principals(), key=lambda n: n.id):
        t0 = time.perf_counter()
        edges = walkable_hop_edges(ws.engine, node.id)
        timed[0] += time.perf_counter() - t0
        counted[0] += len(edges)
        if stored is not None:
            keep[node.id] = {(rel_type(e.kind), e.dst, e.key) for e in edges}
            if len(keep) >= _STALE_BATCH:
                drop_stale_hops(stored, keep)
                keep = {}
        yield from edges
    if stored is not None and keep:
        drop_stale_hops(stored, keep)


def push(ws: Workspace, target: GraphStore) -> PushResult:
    """Write the workspace graph (after overlaying activity and identity hops) into `target`."""
    res = PushResult()
    inventory_keys = {n.id: set(n.props) for n in ws.store.nodes()}
    if ws.events.event_count() or ws.events.invocation_count():
        res.observed_subjects = overlay_all_activity(ws.events, ws.store)
    inventory_ids = inventory_keys.keys()
    before = dict(getattr(target, "written", {}))
    start = time.perf_counter()
    nodes = list(ws.store.nodes())
    if isinstance(target, Neo4jGraphStore):  # mark what only the logs know, for hide_observed
        # what the overlay added to inventory nodes (a key's issuer ...) stays out of the
        # inventory view, as it is out of the embedded store the query commands build
        added = {
            n.id: keys
            for n in nodes
            if n.id in inventory_keys and (keys := set(n.props) - inventory_keys[n.id])
        }
        res.nodes = target.upsert_nodes(
            [n for n in nodes if n.id in inventory_ids], observed_keys=added
        )
        res.nodes += target.upsert_nodes(
            [n for n in nodes if n.id not in inventory_ids], observed_only=True
        )
    else:
        res.nodes = target.upsert_nodes(nodes)
    res.edges = target.upsert_edges(ws.store.edges())
    counted, timed = [0], [0.0]
    res.edges += target.upsert_edges(identity_hop_edges(ws, counted, timed, target))
    res.identity_edges, res.hop_seconds = counted[0], timed[0]
    if isinstance(target, Neo4jGraphStore) and ws.engine is not None:
        mark_hops_written(target, counted[0])  # `path` may now search them in Cypher
    res.seconds = time.perf_counter() - start
    after = dict(getattr(target, "written", {}))
    res.nodes_written = after.get("nodes", 0) - before.get("nodes", 0)
    res.edges_written = after.get("edges", 0) - before.get("edges", 0)
    return res
