"""Identity paths in the database: `graphscope path --backend neo4j`, and chain searches.

`path_report` answers `path` exactly as the networkx engine does; on a Neo4j store holding the
hops `neo4j push` wrote, the identity walk behind it runs in Cypher (see the section below).
`identity_paths` lists chains of assume/pass-role hops to a set of identities, as one bounded
variable-length Cypher pattern per length on Neo4j, or by walking out_edges elsewhere; both give
the same paths in the same order. The last hop, identity -> resource, is always the
ReachEngine's to evaluate.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from graphscope.access.identity_edges import ANY_ACTION, hop_edge, identity_hop
from graphscope.access.reach import MAX_DEPTH as REACH_MAX_DEPTH
from graphscope.access.reach import ReachEngine
from graphscope.access.resource_actions import KIND_TARGETS
from graphscope.access.walk import MAX_PATHS as ENGINE_MAX_PATHS
from graphscope.access.walk import NO_LIMIT, Hop, Limit, Reached, Walker
from graphscope.model import Edge
from graphscope.queries.contract import PathReport
from graphscope.queries.potential import path_out, paths_between
from graphscope.schema import EDGE_KINDS, EdgeFamily
from graphscope.store.base import GraphStore
from graphscope.store.cypher import BASE_LABEL, LISTS, META_LABEL, edge_from, rel_type
from graphscope.store.neo4j import Neo4jGraphStore

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
        for r in rows:
            props = store.with_lists([h["p"] for h in r["hops"]])
            out.append(
                [
                    edge_from(h["src"], h["dst"], h["t"], p)
                    for h, p in zip(r["hops"], props, strict=True)
                ]
            )
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


# --- `path` on Neo4j: the reach engine's identity walk, run as a breadth-first search in Cypher --
#
# `neo4j push` writes every identity hop of the organisation (graphscope.access.identity_edges)
# with what the walk needs to replay it exactly: the hop's full steps with their statements, its
# position among its source's moves and what the engine records as reached on the way. The
# search expands one level of identities per Cypher statement (every potential-family edge kind
# that carries an `identity`, read from the schema), keeping the engine's breadth-first order and
# its first-path-per-(identity, limit) rule; only the last hop, identity -> target, is evaluated
# by the policy engine, for the target alone.

HOPS_META_ID = "identity_hops"
HOPS_FORMAT = 2  # 2: long lists stored once (cypher.LIST_LABEL), which format-1 readers misread
_READABLE_FORMATS = (1, 2)  # a format-1 database (all lists in place) reads the same
MOVE = "move"  # the hop's index among its source's moves (the walk's expansion order)
# what the engine records as reached on the way: positions in its record list, the number of
# steps each covers, and the node each reaches (parallel lists)
RECORD_AT, RECORD_LEN, RECORD_NODE = "record_at", "record_len", "record_node"
STEP_SRC, STEP_DST, STEP_EDGE, STEP_GRANTED_BY = "step_src", "step_dst", "step_edge", "step_by"
LIMIT_ANYWHERE = "limit_anywhere"  # the limit's resources are None (anywhere), not a list


def hop_kinds() -> tuple[str, ...]:
    """Every potential-family edge kind: the ones a materialised identity hop may use."""
    return tuple(k for k, ek in EDGE_KINDS.items() if ek.family is EdgeFamily.POTENTIAL)


def walkable_hop_edges(engine: ReachEngine, identity: str) -> list[Edge]:
    """One identity's hops as edges carrying the walk's data (see the section comment).

    graphscope.access.identity_edges.hop_edge gives each hop's edge; two different moves that
    share its (src, dst, kind, key) (two statements taking over the same user) get the move's
    index appended to the key, so every move the walk takes is its own relationship. What the
    engine records (a role assumed, a function taken over and its role ...) is a prefix of some
    move's steps, kept on that move's edge with its position; a record no move starts with gets
    an edge of its own that the walk does not expand."""
    moves = engine.moves(identity)
    out: dict[tuple[str, str, str, str], Edge] = {}
    done: set[tuple[tuple[Hop, ...], Limit]] = set()
    prefix: dict[tuple[Hop, ...], Edge] = {}
    for i, move in enumerate(moves.moves):
        if (move.hops, move.limit) in done:
            continue
        done.add((move.hops, move.limit))
        edge = hop_edge(identity_hop(identity, move))
        if edge.ident in out:
            edge.key = f"{edge.key}#{i}"
        edge.props.update(_steps(move.hops))
        edge.props.update({MOVE: i, LIMIT_ANYWHERE: move.limit.resources is None})
        out[edge.ident] = edge
        for k in range(1, len(move.hops) + 1):
            prefix.setdefault(move.hops[:k], edge)
    recorded: set[tuple[str, tuple[Hop, ...]]] = set()
    for pos, (node, _, rel) in enumerate(moves.records):
        if (node.id, rel) in recorded or not rel:
            continue
        recorded.add((node.id, rel))
        edge = prefix.get(rel)
        if edge is None:  # recorded, but no move continues from it
            first = rel[0]
            if EDGE_KINDS[first.edge].family is not EdgeFamily.POTENTIAL:
                continue  # never: an identity's own hops start with a potential edge
            edge = Edge(first.src, first.dst, first.edge, f"record|{node.id}|{pos}")
            edge.props.update(_steps(rel))
            edge.props[MOVE] = -1
            out[edge.ident] = edge
        edge.props[RECORD_AT].append(pos)
        edge.props[RECORD_LEN].append(len(rel))
        edge.props[RECORD_NODE].append(node.id)
    return list(out.values())


def _steps(hops: tuple[Hop, ...]) -> dict[str, Any]:
    return {
        STEP_SRC: [h.src for h in hops],
        STEP_DST: [h.dst for h in hops],
        STEP_EDGE: [h.edge for h in hops],
        STEP_GRANTED_BY: [h.granted_by for h in hops],
        RECORD_AT: [],
        RECORD_LEN: [],
        RECORD_NODE: [],
    }


def walkable_hops(engine: ReachEngine) -> Iterator[Edge]:
    """Every identity's hops, one identity at a time (a permissive org has millions)."""
    for node in sorted(engine.inputs.principals(), key=lambda n: n.id):
        yield from walkable_hop_edges(engine, node.id)


def drop_stale_hops(store: Neo4jGraphStore, keep: dict[str, set[tuple[str, str, str]]]) -> int:
    """Delete the hop relationships out of these identities that the inventory no longer gives
    (a trust removed since the last push); `keep`: identity -> (type, end id, key) to keep.
    Returns how many were deleted (none on an unchanged re-push)."""
    types = sorted({rel_type(k) for k in hop_kinds()})
    stale = [
        r["eid"]
        for r in store._read(
            f"UNWIND $ids AS id MATCH (a:{BASE_LABEL} {{id: id}})-[r:{'|'.join(types)}]->(b) "
            f"WHERE r.{MOVE} IS NOT NULL "
            "RETURN id, type(r) AS t, b.id AS dst, r.key AS key, elementId(r) AS eid",
            ids=sorted(keep),
        )
        if (r["t"], r["dst"], r["key"]) not in keep[r["id"]]
    ]
    if stale:
        store.driver.execute_query(
            "UNWIND $eids AS eid MATCH ()-[r]->() WHERE elementId(r) = eid DELETE r",
            {"eids": stale},
            database_=store.database,
        )
        store.written["edges"] += len(stale)
        store.refresh()
    return len(stale)


def any_hops_stored(store: Neo4jGraphStore) -> bool:
    """Whether the database holds any materialised hop (a first push into an empty database
    has none to check for staleness)."""
    types = sorted({rel_type(k) for k in hop_kinds()})
    rows = store._read(
        f"MATCH (:{BASE_LABEL})-[r:{'|'.join(types)}]->() WHERE r.{MOVE} IS NOT NULL "
        "RETURN 1 AS x LIMIT 1"
    )
    return bool(rows)


def mark_hops_written(store: Neo4jGraphStore, count: int) -> None:
    store.driver.execute_query(
        f"MERGE (m:{META_LABEL} {{id: $id}}) SET m.format = $format, m.edges = $count",
        {"id": HOPS_META_ID, "format": HOPS_FORMAT, "count": count},
        database_=store.database,
    )


def hops_written(store: Neo4jGraphStore) -> bool:
    """Whether `neo4j push` materialised the identity hops in a format this code reads."""
    rows = store._read(f"MATCH (m:{META_LABEL} {{id: $id}}) RETURN m.format AS f", id=HOPS_META_ID)
    return bool(rows) and rows[0]["f"] in _READABLE_FORMATS


@dataclass(frozen=True, slots=True)
class _Found:
    walker: Walker
    records: tuple[tuple[Hop, ...], ...]  # the walker's recorded entry steps into the target


def _limit(props: dict[str, Any]) -> Limit:
    actions = props.get("limit") or []
    if not actions:
        return NO_LIMIT
    return Limit(
        None if actions == [ANY_ACTION] else frozenset(actions),
        None if props.get(LIMIT_ANYWHERE, True) else frozenset(props.get("limit_resources") or ()),
        props.get("limit_note") or "",
    )


def _expand(
    store: Neo4jGraphStore, frontier: list[str], types: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The hops out of every frontier identity, in the engine's move order: one statement."""
    query = (
        f"UNWIND $ids AS id MATCH (a:{BASE_LABEL} {{id: id}})-[r:{'|'.join(types)}]->() "
        f"WHERE r.{MOVE} IS NOT NULL "
        f"RETURN id, r {{.identity, .limit, .limit_resources, .limit_note, .{MOVE}, "
        f".conditional, .conditions, "
        f".{LIMIT_ANYWHERE}, .{STEP_SRC}, .{STEP_DST}, .{STEP_EDGE}, .{STEP_GRANTED_BY}, "
        f".{RECORD_AT}, .{RECORD_LEN}, .{RECORD_NODE}, .{LISTS}}} AS p "
        f"ORDER BY id, p.{MOVE}"
    )
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in frontier}
    rows = store._read(query, ids=frontier)
    for row, p in zip(rows, store.with_lists([r["p"] for r in rows]), strict=True):
        out[row["id"]].append(p)
    return out


def cypher_walk(store: Neo4jGraphStore, subject: str, target: str) -> Iterator[_Found]:
    """The identities `subject` can become, in the reach engine's order, each with its first
    path and limit, and (for identities acting on their own) the entry steps into `target` the
    engine records. One Cypher statement per level of the breadth-first search.

    Like ReachEngine.walk, an identity may be walked twice per limit: first under a condition
    (some hop on the path has open conditions), then again by the first unconditional path."""
    types = sorted({rel_type(k) for k in hop_kinds()})
    seen: set[tuple[str, Limit, bool]] = {(subject, NO_LIMIT, False)}
    level = [(Walker(subject, (), NO_LIMIT), False)]
    while level:
        expand = [w.arn for w, _ in level if w.limit is NO_LIMIT]
        hops = _expand(store, sorted(set(expand)), types) if expand else {}
        nxt: list[tuple[Walker, bool]] = []
        for walker, before in level:
            if walker.limit is not NO_LIMIT:
                yield _Found(walker, ())
                continue
            records: list[tuple[int, tuple[Hop, ...]]] = []
            for p in hops.get(walker.arn, ()):
                steps = tuple(
                    Hop(s, d, e, g)
                    for s, d, e, g in zip(
                        p[STEP_SRC], p[STEP_DST], p[STEP_EDGE], p[STEP_GRANTED_BY], strict=True
                    )
                )
                for at, n, node in zip(p[RECORD_AT], p[RECORD_LEN], p[RECORD_NODE], strict=True):
                    if node == target:
                        records.append((at, steps[:n]))
                if p.get("identity") is None:
                    continue  # a record only
                limit = _limit(p)
                if p["identity"] == subject or (p["identity"], limit, False) in seen:
                    continue  # reached unconditionally already: nothing to add
                opens = bool(p.get("conditional") and p.get("conditions"))
                key = (p["identity"], limit, before or opens)
                if key in seen:
                    continue
                seen.add(key)
                nxt.append((Walker(p["identity"], (*walker.path, *steps), limit), before or opens))
            yield _Found(walker, tuple(rel for _, rel in sorted(records, key=lambda r: r[0])))
        level = [(w, c) for w, c in nxt if len(w.path) < REACH_MAX_DEPTH]


def neo4j_path_report(engine: ReachEngine, src: str, dst: str) -> PathReport:
    """`paths_between(engine, src, dst)` with the identity walk run in Cypher: the same paths in
    the same order. The engine evaluates only the last hop of each walker, on `dst` alone."""
    store = engine.store
    assert isinstance(store, Neo4jGraphStore)
    if src == dst:
        return PathReport(paths=[])
    node = store.node(dst)
    nodes = [node] if node is not None and node.kind in KIND_TARGETS else []
    paths: list[tuple[Hop, ...]] = []
    out: dict[str, Reached] = {}  # the engine's own record of what the walkers reach on dst

    def add(path: tuple[Hop, ...]) -> None:
        if path not in paths and len(paths) < ENGINE_MAX_PATHS:
            paths.append(path)

    for found in cypher_walk(store, src, dst):
        walker = found.walker
        for rel in found.records:
            add((*walker.path, *rel))
        before = len(out[dst].paths) if dst in out else 0
        engine.record_access(walker, out, nodes)
        if dst in out:
            for path in out[dst].paths[before:]:
                add(path)
        if len(paths) >= ENGINE_MAX_PATHS:
            break  # the engine keeps no more per target: nothing later can change the answer
    return PathReport(paths=[path_out(p) for p in sorted(paths, key=len)])


def path_report(engine: ReachEngine, src: str, dst: str) -> PathReport:
    """The `path` answer: in Cypher over a Neo4j store holding pushed identity hops, else the
    reach engine's own walk (an embedded store, a database `neo4j push` has not filled, or one
    the inputs just changed, whose hops may be stale until the next push)."""
    store = engine.store
    if isinstance(store, Neo4jGraphStore) and not store.written and hops_written(store):
        return neo4j_path_report(engine, src, dst)
    return paths_between(engine, src, dst)
