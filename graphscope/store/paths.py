"""Identity paths (assume, pass-role, runs-as ... hops) from a principal to a set of identities.

On Neo4j the search is one bounded variable-length Cypher pattern run in the database; on any
other store the same search walks out_edges in Python. Both return the same paths in the same
order (shortest first, then by hop targets), so `path` answers agree across backends. The last
hop, identity -> resource, is the ReachEngine's to evaluate, not this module's.
"""

from __future__ import annotations

from collections.abc import Collection

from graphscope.model import Edge
from graphscope.schema import EDGE_KINDS
from graphscope.store.base import GraphStore
from graphscope.store.cypher import BASE_LABEL, edge_from, rel_type

IDENTITY_HOP_KINDS: tuple[str, ...] = ("can_assume", "can_pass_role_to")
"""Edge kinds whose materialised hops (graphscope.access.identity_edges) end at the identity they
yield. A hop is followed only when it ends at its `identity` (proxy hops through AI applications
or taken-over compute end at the application: the ReachEngine's walk covers those), and the walk
goes on from an identity only when its hop carries no `limit` (as in the ReachEngine)."""
MAX_PATHS = 50
LIMIT_DEPTH = 16  # hard cap: a variable-length pattern must stay bounded


def _sort_key(path: list[Edge]) -> tuple[int, list[tuple[str, str, str]]]:
    return (len(path), [(e.dst, EDGE_KINDS[e.kind].rel_type, e.key) for e in path])


def identity_paths(
    store: GraphStore,
    src: str,
    dst_identities: Collection[str],
    max_depth: int,
    *,
    kinds: Collection[str] = IDENTITY_HOP_KINDS,
    max_paths: int = MAX_PATHS,
) -> list[list[Edge]]:
    """Simple paths (no node twice) of 1..max_depth identity hops from src to any target."""
    if not 1 <= max_depth <= LIMIT_DEPTH:
        raise ValueError(f"max_depth must be between 1 and {LIMIT_DEPTH}, not {max_depth}")
    from graphscope.store.neo4j import Neo4jGraphStore

    if isinstance(store, Neo4jGraphStore):
        return neo4j_paths(store, src, dst_identities, max_depth, kinds=kinds, max_paths=max_paths)
    return _walk_paths(store, src, set(dst_identities), max_depth, kinds, max_paths)


def neo4j_paths(
    store: object,
    src: str,
    dst_identities: Collection[str],
    max_depth: int,
    *,
    kinds: Collection[str] = IDENTITY_HOP_KINDS,
    max_paths: int = MAX_PATHS,
) -> list[list[Edge]]:
    """The search as one Cypher query: ids travel as parameters, only schema types and the
    validated integer depth are query text."""
    from graphscope.store.neo4j import Neo4jGraphStore

    assert isinstance(store, Neo4jGraphStore)
    depth = int(max_depth)
    if not 1 <= depth <= LIMIT_DEPTH:
        raise ValueError(f"max_depth must be between 1 and {LIMIT_DEPTH}, not {max_depth}")
    types = sorted({rel_type(k) for k in kinds})
    if not types or not dst_identities:
        return []
    out: list[list[Edge]] = []
    for length in range(1, depth + 1):  # shortest first: stop once enough paths are found
        query = (
            f"MATCH p = (s:{BASE_LABEL} {{id: $src}})-[:{'|'.join(types)}*{length}]->"
            f"(t:{BASE_LABEL}) WHERE t.id IN $dst AND t.id <> $src "
            "AND all(n IN nodes(p) WHERE single(x IN nodes(p) WHERE x = n)) "
            "AND all(r IN relationships(p) "
            "WHERE coalesce(r.identity, endNode(r).id) = endNode(r).id) "
            "AND all(r IN relationships(p)[..-1] WHERE coalesce(r.limit, []) = []) "
            "WITH p, [r IN relationships(p) | [endNode(r).id, type(r), r.key]] AS order "
            "RETURN [r IN relationships(p) | "
            "{src: startNode(r).id, dst: endNode(r).id, t: type(r), p: properties(r)}] AS hops "
            "ORDER BY order LIMIT $limit"
        )
        rows = store._read(
            query, src=src, dst=sorted(set(dst_identities)), limit=max_paths - len(out)
        )
        out += [[edge_from(h["src"], h["dst"], h["t"], h["p"]) for h in r["hops"]] for r in rows]
        if len(out) >= max_paths:
            break
    return out


def _walk_paths(
    store: GraphStore,
    src: str,
    targets: set[str],
    max_depth: int,
    kinds: Collection[str],
    max_paths: int,
) -> list[list[Edge]]:
    found: list[list[Edge]] = []
    kind_set = set(kinds)

    def walk(node: str, path: list[Edge], seen: set[str], length: int, level: list) -> None:
        for edge in store.out_edges(node, kind_set):
            if edge.dst in seen or edge.props.get("identity", edge.dst) != edge.dst:
                continue
            nxt = [*path, edge]
            if len(nxt) == length:
                if edge.dst in targets:
                    level.append(nxt)
            elif not edge.props.get("limit"):
                walk(edge.dst, nxt, seen | {edge.dst}, length, level)

    if not targets - {src}:
        return []
    for length in range(1, max_depth + 1):  # shortest first, as the Cypher search
        level: list[list[Edge]] = []
        walk(src, [], {src}, length, level)
        found += sorted(level, key=_sort_key)
        if len(found) >= max_paths:
            break
    return found[:max_paths]
