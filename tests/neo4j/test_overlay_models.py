"""The activity overlay puts model calls on the inventory's regional model nodes, not on
region-less duplicates, in Neo4j exactly as in the embedded store."""

from __future__ import annotations

from graphscope.push import push
from graphscope.store import MemoryGraphStore
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.workspace import Sources, Workspace

from .conftest import EXAMPLE_SOURCES

SOURCES = EXAMPLE_SOURCES
MODELS = ("foundation_model",)


def _invoked(store) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return sorted((e.src, e.dst, e.key) for e in store.edges({"invoked"}))


def test_invocations_land_on_regional_models(neo: Neo4jGraphStore) -> None:
    inventory = Workspace.load(Sources(snapshots=SOURCES.snapshots))
    regional = sorted(n.id for n in inventory.store.nodes(MODELS))
    inventory.close()
    ws = Workspace.load(SOURCES)
    push(ws, neo)
    mem = MemoryGraphStore()
    push(Workspace.load(SOURCES), mem)
    on_neo = sorted(n.id for n in neo.nodes(MODELS))  # this store shows the observed nodes too
    assert on_neo == regional, "no model node beyond the inventory's (no region-less copies)"
    assert sorted(n.id for n in mem.nodes(MODELS)) == regional
    calls = _invoked(neo)
    assert calls, "the example's key invoked models"
    assert all(":::foundation-model/" not in dst for _, dst, _ in calls)
    assert calls == _invoked(mem)
    ws.close()


def test_overlay_properties_stay_out_of_the_inventory_view(
    neo: Neo4jGraphStore, neo4j_uri: str
) -> None:
    """Properties the overlay adds to inventory nodes (a key's issuer ...) are in the database
    for Browser, and out of the inventory view the query commands and `serve` read."""
    inventory = Workspace.load(Sources(snapshots=SOURCES.snapshots))
    ws = Workspace.load(SOURCES)
    push(ws, neo)
    view = Neo4jGraphStore(neo4j_uri, ensure_schema=False, hide_observed=True)
    widened = 0
    for node in inventory.store.nodes():
        seen = view.node(node.id)
        assert seen is not None and seen.props == node.props, node.id
        widened += neo.node(node.id).props != node.props  # type: ignore[union-attr]
    assert widened, "the overlay adds properties to some inventory node"
    assert [n.id for n in view.nodes()] == [n.id for n in inventory.store.nodes()]
    view.close()
    ws.close()
    inventory.close()
