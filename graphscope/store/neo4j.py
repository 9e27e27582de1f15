"""The Neo4j implementation of GraphStore, for organisations that outgrow one machine.

Writes are batched `UNWIND $rows ...` statements, one transaction per batch. Each batch first
reads what is stored, merges in Python with the embedded store's rules (so both backends agree),
then CREATEs what is new (the unique-id constraint refuses a concurrent duplicate node) and SETs
what changed: pushing twice writes nothing. One writer at a time per database.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction

from graphscope.model import Edge, Node
from graphscope.schema import EDGE_KINDS, NODE_KINDS, EdgeFamily
from graphscope.store.cypher import (
    BASE_LABEL,
    COMPONENT_LABELS,
    KIND_OF_REL,
    LIST_LABEL,
    META_LABEL,
    OBSERVED_KEYS,
    OBSERVED_ONLY,
    PAIR,
    SEQ,
    edge_from,
    edge_row,
    list_refs,
    node_from,
    node_label,
    node_labels,
    node_row,
    rel_type,
    same_node_state,
    with_lists,
)
from graphscope.store.memory import merge_node

BATCH = 2000
# networkx's iteration order: nodes as inserted; per node, neighbours by their first edge; then keys
_ADJ_ORDER = "e._pair, e._seq"
_ALL_ORDER = "a._seq, e._pair, e._seq"
# what the embedded load builds: derived edges (observed overlay, materialised identity hops)
# are written by `neo4j push` for Browser and Cypher path search, not for the GraphStore view
_INVENTORY_KINDS = frozenset(
    k for k, ek in EDGE_KINDS.items() if ek.family is EdgeFamily.STRUCTURAL
)
T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def schema_statements() -> list[str]:
    """Constraints and indexes, created before the first write (each IF NOT EXISTS)."""
    out = [
        f"CREATE CONSTRAINT gs_node_id IF NOT EXISTS FOR (n:{BASE_LABEL}) REQUIRE n.id IS UNIQUE",
        f"CREATE INDEX gs_node_kind IF NOT EXISTS FOR (n:{BASE_LABEL}) ON (n.kind)",
        f"CREATE INDEX gs_node_name IF NOT EXISTS FOR (n:{BASE_LABEL}) ON (n.name)",
        f"CREATE CONSTRAINT gs_list_id IF NOT EXISTS FOR (l:{LIST_LABEL}) REQUIRE l.id IS UNIQUE",
    ]
    for kind in NODE_KINDS:
        label = node_label(kind)
        out.append(
            f"CREATE CONSTRAINT gs_{kind}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        )
    for kind in EDGE_KINDS:
        out.append(
            f"CREATE INDEX gs_{kind}_key IF NOT EXISTS FOR ()-[r:{rel_type(kind)}]-() ON (r.key)"
        )
    return out


class Neo4jGraphStore:
    """GraphStore over a Neo4j database reached through the official driver."""

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
        *,
        driver: Driver | None = None,
        ensure_schema: bool = True,
        cache: bool = True,
        hide_observed: bool = False,
    ) -> None:
        """`cache`: remember what reads returned until the next write through this store (a
        query asks for the same nodes and adjacency many times); `refresh()` drops it when
        another writer may have changed the database. `hide_observed`: read the graph as the
        inventory alone built it (structural edges only, no nodes known only from logs), so
        potential-access queries answer exactly as they do over the embedded store."""
        self.driver = driver or GraphDatabase.driver(
            uri, auth=auth, notifications_min_severity="OFF"
        )
        self.database = database
        self.driver.verify_connectivity()  # fail fast: queries would retry for 30 s first
        self.written = Counter[str]()  # nodes/edges actually created or changed, for reports
        self.cache = cache
        self.hide_observed = hide_observed
        self._n_where = f"n.{OBSERVED_ONLY} IS NULL" if hide_observed else "true"
        self._e_where = (
            f"a.{OBSERVED_ONLY} IS NULL AND b.{OBSERVED_ONLY} IS NULL" if hide_observed else "true"
        )
        self._nodes: dict[str, Node | None] = {}
        self._by_kinds: dict[frozenset[str] | None, list[Node]] = {}
        self._adj: dict[tuple[str, str], list[Edge]] = {}
        # shared lists read or written (content-addressed: a key's items never change)
        self._lists: dict[str, list[Any]] = {}
        if ensure_schema:
            self.ensure_schema()
        self._seq: int | None = None  # read on the first write that creates something
        self._eseq: int | None = None

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Neo4jGraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # plumbing ------------------------------------------------------------------------------------
    def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(
            query, params, database_=self.database, routing_="r"
        )
        return [r.data() for r in records]

    def _read_one(self, query: str, **params: Any) -> dict[str, Any]:
        return self._read(query, **params)[0]

    def _write(self, work: Callable[[ManagedTransaction], None]) -> None:
        """Shares execute_query's bookmarks: on a cluster, the next batch's read (routed to
        any member) sees this write (causal consistency)."""
        with self.driver.session(
            database=self.database,
            bookmark_manager=self.driver.execute_query_bookmark_manager,
        ) as session:
            session.execute_write(work)

    def ensure_schema(self) -> None:
        for stmt in schema_statements():
            self.driver.execute_query(stmt, database_=self.database)
        self.driver.execute_query("CALL db.awaitIndexes(300)", database_=self.database)

    def _next_node_seq(self) -> int:
        if self._seq is None:
            self._seq = self._read_one(f"MATCH (n:{BASE_LABEL}) RETURN max(n._seq) AS s")["s"] or 0
        self._seq += 1
        return self._seq

    def _next_edge_seq(self) -> int:
        if self._eseq is None:
            self._eseq = (
                self._read_one(f"MATCH (:{BASE_LABEL})-[r]->() RETURN max(r._seq) AS s")["s"] or 0
            )
        self._eseq += 1
        return self._eseq

    def with_lists(self, stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored relationship maps with their shared lists (LIST_LABEL) put back, reading the
        ones not seen before in one statement."""
        missing = sorted({k for m in stored for k in list_refs(m) if k not in self._lists})
        if missing:
            for r in self._read(
                f"UNWIND $ids AS id MATCH (l:{LIST_LABEL} {{id: id}}) RETURN id, l.items AS items",
                ids=missing,
            ):
                self._lists[r["id"]] = r["items"]
        return [with_lists(m, self._lists) for m in stored]

    def refresh(self) -> None:
        """Forget cached reads."""
        self._nodes.clear()
        self._by_kinds.clear()
        self._adj.clear()

    def clear(self) -> None:
        """Delete every graphscope node, relationship and bookkeeping node (nothing else), in batches."""
        # relationships first: one node may hold millions (an administrator's identity hops),
        # more than one transaction's memory when detached along with its node
        for stmt in (
            f"MATCH (:{BASE_LABEL})-[r]-() WITH DISTINCT r LIMIT 10000 DELETE r RETURN count(*) AS c",
            f"MATCH (n:{BASE_LABEL}) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c",
        ):
            while True:
                records, _, _ = self.driver.execute_query(stmt, database_=self.database)
                if not records or records[0]["c"] == 0:
                    break
        for label in (META_LABEL, LIST_LABEL):
            self.driver.execute_query(f"MATCH (m:{label}) DELETE m", database_=self.database)
        self._lists.clear()
        self._seq = self._eseq = None
        self.refresh()

    # writes --------------------------------------------------------------------------------------
    def upsert_nodes(
        self,
        nodes: Iterable[Node],
        *,
        observed_only: bool = False,
        observed_keys: Mapping[str, Collection[str]] | None = None,
    ) -> int:
        """`observed_only`: these nodes come from logs alone (the activity overlay); they stay
        marked until an inventory upsert of the same id, and `hide_observed` readers skip them.
        `observed_keys`: per node id, the properties the overlay added to an inventory node;
        `hide_observed` readers do not see them either."""
        self.refresh()
        n = 0
        for chunk in _chunks(nodes, BATCH):
            n += len(chunk)
            self._upsert_node_batch(chunk, observed_only, observed_keys or {})
        return n

    def _upsert_node_batch(
        self, chunk: list[Node], observed_only: bool, observed_keys: Mapping[str, Collection[str]]
    ) -> None:
        incoming: dict[str, Node] = {}
        for node in chunk:  # fold repeats inside the batch first, in order
            if node.id in incoming:
                merge_node(incoming[node.id], node)
            else:
                incoming[node.id] = copy.deepcopy(node)
        stored = {
            r["p"]["id"]: r["p"]
            for r in self._read(
                f"UNWIND $ids AS id MATCH (n:{BASE_LABEL} {{id: id}}) RETURN n {{.*}} AS p",
                ids=list(incoming),
            )
        }
        rows_by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        created: dict[str, list[dict[str, Any]]] = defaultdict(list)
        relabel: dict[str, list[str]] = defaultdict(list)
        for node_id, new in incoming.items():
            old = stored.get(node_id)
            added = observed_keys.get(node_id, ())
            if old is None:
                seq = self._next_node_seq()
                created[new.kind].append(node_row(new, seq, observed_only, added))
                continue
            merged = node_from(old)
            merge_node(merged, new)  # raises on contradictory kinds, before any write
            still_observed = observed_only and bool(old.get(OBSERVED_ONLY))
            keys = {*(old.get(OBSERVED_KEYS) or ()), *added}
            row = node_row(merged, old["_seq"], still_observed, keys)
            if same_node_state(row, old):
                continue
            if merged.kind != old["kind"]:
                relabel[old["kind"]].append(node_id)
            rows_by_kind[merged.kind].append(row)

        def work(tx: ManagedTransaction) -> None:
            for old_kind, ids in relabel.items():
                tx.run(
                    f"UNWIND $ids AS id MATCH (n:{BASE_LABEL} {{id: id}}) "
                    f"REMOVE n{node_labels(old_kind)}",
                    ids=ids,
                ).consume()
            for kind, rows in created.items():  # new: the unique constraint refuses a race
                tx.run(
                    f"UNWIND $rows AS r CREATE (n:{BASE_LABEL}{node_labels(kind)}) SET n = r",
                    rows=rows,
                ).consume()
            for kind, rows in rows_by_kind.items():
                tx.run(
                    f"UNWIND $rows AS r MATCH (n:{BASE_LABEL} {{id: r.id}}) "
                    f"SET n = r SET n{node_labels(kind)}",
                    rows=rows,
                ).consume()

        if rows_by_kind or created:
            self._write(work)
            self.written["nodes"] += sum(
                len(r) for r in (*rows_by_kind.values(), *created.values())
            )

    def upsert_edges(self, edges: Iterable[Edge]) -> int:
        self.refresh()
        n = 0
        for chunk in _chunks(edges, BATCH):
            n += len(chunk)
            self._upsert_edge_batch(chunk)
        return n

    def _upsert_edge_batch(self, chunk: list[Edge]) -> None:
        incoming: dict[tuple[str, str, str, str], Edge] = {}
        for edge in chunk:  # props are only ever replaced key by key: a shallow copy will do
            if edge.ident in incoming:
                incoming[edge.ident].props.update(edge.props)
            else:
                incoming[edge.ident] = Edge(edge.src, edge.dst, edge.kind, edge.key, {**edge.props})
        ends = list(dict.fromkeys(x for e in incoming.values() for x in (e.src, e.dst)))
        present = {
            r["id"]
            for r in self._read(
                f"UNWIND $ids AS id MATCH (n:{BASE_LABEL} {{id: id}}) RETURN id", ids=ends
            )
        }
        for edge in incoming.values():
            for end in (edge.src, edge.dst):
                if end not in present:
                    raise KeyError(f"edge {edge.kind} refers to unknown node {end!r}")
        # everything already between the batch's node pairs: stored state and adjacency order
        pairs = list(dict.fromkeys((e.src, e.dst) for e in incoming.values()))
        first_of_pair: dict[tuple[str, str], int] = {}
        stored: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        eids: dict[tuple[str, str, str, str], str] = {}
        rows = self._read(
            f"UNWIND $pairs AS r MATCH (a:{BASE_LABEL} {{id: r[0]}})-[e]->"
            f"(b:{BASE_LABEL} {{id: r[1]}}) "
            "RETURN r[0] AS s, r[1] AS d, type(e) AS t, elementId(e) AS eid, e {.*} AS p",
            pairs=[list(p) for p in pairs],
        )
        for r in rows:
            pair = (r["s"], r["d"])
            if r["p"].get(PAIR) is not None:
                first_of_pair[pair] = min(first_of_pair.get(pair, r["p"][PAIR]), r["p"][PAIR])
            kind = KIND_OF_REL.get(r["t"])
            if kind is not None:
                ident = (r["s"], r["d"], kind, r["p"].get("key", ""))
                stored[ident], eids[ident] = r["p"], r["eid"]
        full = dict(zip(stored, self.with_lists(list(stored.values())), strict=True))
        created: dict[str, list[dict[str, Any]]] = defaultdict(list)
        changed: list[dict[str, Any]] = []
        shared: dict[str, list[Any]] = {}
        for edge in incoming.values():  # in the caller's order: it becomes the iteration order
            old = stored.get(edge.ident)
            if old is None:
                seq = self._next_edge_seq()
                pair = first_of_pair.setdefault((edge.src, edge.dst), seq)
                row = edge_row(edge, seq, pair, shared)
                created[edge.kind].append({"src": edge.src, "dst": edge.dst, "props": row})
                continue
            merged = edge_from(edge.src, edge.dst, rel_type(edge.kind), full[edge.ident])
            merged.props.update(edge.props)
            row = edge_row(merged, old[SEQ], old.get(PAIR, old[SEQ]), shared)
            if not same_node_state(row, old):
                changed.append({"eid": eids[edge.ident], "props": row})

        # every list a written row refers to, MERGEd in the same transaction: cheap (a handful
        # per batch) and safe when another writer cleared the database since it was cached
        sent = [x["props"] for rs in created.values() for x in rs] + [x["props"] for x in changed]
        used = sorted({k for r in sent for k in list_refs(r)})
        new_lists = [{"id": k, "items": shared[k]} for k in used]

        def work(tx: ManagedTransaction) -> None:
            if new_lists:  # MERGE: another batch or push may have stored the same list
                tx.run(
                    f"UNWIND $lists AS l MERGE (x:{LIST_LABEL} {{id: l.id}}) "
                    "ON CREATE SET x.items = l.items",
                    lists=new_lists,
                ).consume()
            for kind, rows in created.items():
                tx.run(
                    f"UNWIND $rows AS r MATCH (a:{BASE_LABEL} {{id: r.src}}) "
                    f"MATCH (b:{BASE_LABEL} {{id: r.dst}}) "
                    f"CREATE (a)-[e:{rel_type(kind)}]->(b) SET e = r.props",
                    rows=rows,
                ).consume()
            if changed:
                tx.run(
                    "UNWIND $rows AS r MATCH ()-[e]->() WHERE elementId(e) = r.eid SET e = r.props",
                    rows=changed,
                ).consume()

        if created or changed:
            self._write(work)
            self.written["edges"] += sum(len(r) for r in created.values()) + len(changed)
            self._lists.update((x["id"], x["items"]) for x in new_lists)

    # reads ---------------------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        if self.cache and node_id in self._nodes:
            return self._nodes[node_id]
        rows = self._read(
            f"MATCH (n:{BASE_LABEL} {{id: $id}}) WHERE {self._n_where} RETURN n {{.*}} AS p",
            id=node_id,
        )
        node = node_from(rows[0]["p"], self.hide_observed) if rows else None
        if self.cache:
            self._nodes[node_id] = node
        return node

    def nodes(self, kinds: Collection[str] | None = None) -> Iterator[Node]:
        key = None if kinds is None else frozenset(kinds)
        if self.cache and key in self._by_kinds:
            yield from self._by_kinds[key]
            return
        if kinds is None:
            query = (
                f"MATCH (n:{BASE_LABEL}) WHERE {self._n_where} RETURN n {{.*}} AS p ORDER BY n._seq"
            )
        else:
            labels = sorted({node_label(k) for k in kinds if k in NODE_KINDS})
            if not labels:
                return
            query = (
                f"MATCH (n:{BASE_LABEL}) WHERE n:{'|'.join(labels)} AND {self._n_where} "
                "RETURN n {.*} AS p ORDER BY n._seq"
            )
        found = [node_from(r["p"], self.hide_observed) for r in self._read(query)]
        if self.cache:
            found = [self._nodes.setdefault(n.id, n) or n for n in found]
            self._by_kinds[key] = found
        yield from found

    def _rels(self, kinds: Collection[str] | None) -> str | None:
        """':A|B' for a relationship pattern; '' for any; None when no kind is known."""
        if kinds is None and not self.hide_observed:
            return ""
        visible = _INVENTORY_KINDS if self.hide_observed else EDGE_KINDS
        types = sorted({rel_type(k) for k in (visible if kinds is None else kinds) if k in visible})
        return ":" + "|".join(types) if types else None

    def _edges(
        self, pattern: str, kinds: Collection[str] | None, order: str, **params: Any
    ) -> Iterator[Edge]:
        rels = self._rels(kinds)
        if rels is None:
            return
        query = (
            pattern.replace("<RELS>", rels)
            + f" WHERE {self._e_where}"
            + f" RETURN a.id AS src, b.id AS dst, type(e) AS t, e {{.*}} AS p ORDER BY {order}"
        )
        rows = self._read(query, **params)
        for r, props in zip(rows, self.with_lists([r["p"] for r in rows]), strict=True):
            yield edge_from(r["src"], r["dst"], r["t"], props)

    def edges(self, kinds: Collection[str] | None = None) -> Iterator[Edge]:
        return self._edges(f"MATCH (a:{BASE_LABEL})-[e<RELS>]->(b:{BASE_LABEL})", kinds, _ALL_ORDER)

    def out_edges(self, node_id: str, kinds: Collection[str] | None = None) -> Iterator[Edge]:
        pattern = f"MATCH (a:{BASE_LABEL} {{id: $id}})-[e<RELS>]->(b:{BASE_LABEL})"
        return self._adjacent("out", pattern, node_id, kinds)

    def in_edges(self, node_id: str, kinds: Collection[str] | None = None) -> Iterator[Edge]:
        pattern = f"MATCH (a:{BASE_LABEL})-[e<RELS>]->(b:{BASE_LABEL} {{id: $id}})"
        return self._adjacent("in", pattern, node_id, kinds)

    def _adjacent(
        self, side: str, pattern: str, node_id: str, kinds: Collection[str] | None
    ) -> Iterator[Edge]:
        if not self.cache:
            return self._edges(pattern, kinds, _ADJ_ORDER, id=node_id)
        edges = self._adj.get((side, node_id))
        if edges is None:
            edges = self._adj[(side, node_id)] = list(
                self._edges(pattern, None, _ADJ_ORDER, id=node_id)
            )
        return iter(edges if kinds is None else [e for e in edges if e.kind in kinds])

    def counts(self) -> dict[str, int]:
        c: dict[str, int] = {}
        for r in self._read(
            f"MATCH (n:{BASE_LABEL}) WHERE {self._n_where} RETURN n.kind AS k, count(*) AS c"
        ):
            c[f"node:{r['k']}"] = r["c"]
        rels = self._rels(None)
        for r in self._read(
            f"MATCH (a:{BASE_LABEL})-[e{rels}]->(b:{BASE_LABEL}) WHERE {self._e_where} "
            "RETURN type(e) AS t, count(*) AS c"
        ):
            c[f"edge:{KIND_OF_REL[r['t']]}"] = r["c"]
        return dict(sorted(c.items()))

    def label_counts(self) -> dict[str, int]:
        """Nodes per Neo4j label, for checking that labels follow the schema."""
        rows = self._read(f"MATCH (n:{BASE_LABEL}) UNWIND labels(n) AS l RETURN l, count(*) AS c")
        return {r["l"]: r["c"] for r in rows}


__all__ = ["COMPONENT_LABELS", "Neo4jGraphStore", "schema_statements"]
