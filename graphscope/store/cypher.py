"""How graphscope's schema and values map onto Neo4j: labels, relationship types, properties.

Labels and relationship types are the only names that enter Cypher text, and they come from the
schema tables alone (checked against a strict identifier pattern); every value, including
property keys and attacker-controlled ids, travels as a parameter.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from graphscope.model import Edge, Node
from graphscope.schema import EDGE_KINDS, NODE_KINDS, Component, EdgeFamily

BASE_LABEL = "GsNode"
"""Every graphscope node carries it: the one label its unique id constraint hangs on."""

META_LABEL = "GsMeta"
"""Bookkeeping nodes (what `neo4j push` materialised): not GsNodes, so no query sees them."""

LIST_LABEL = "GsList"
"""Long lists that many identity hops share (`limit`: up to hundreds of actions, one of a
handful of distinct lists) are stored once, in a node of this label keyed by a
hash of their content; the relationship holds the key. Not a GsNode: no graph query sees it."""

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

NODE_CORE = ("id", "kind", "name", "account", "region", "component")
EDGE_CORE = ("key",)
JSON_KEYS = "_json"  # names of the properties stored as JSON text (nested values, None)
ORDER = "_keys"  # data property names in their original order (Neo4j does not keep it)
SEQ = "_seq"  # insertion order, so iteration order matches the embedded store
OBSERVED_ONLY = "_observed"  # true on nodes known only from logs (the activity overlay)
OBSERVED_KEYS = "_observed_keys"  # data properties the logs, not the inventory, gave a node
PAIR = "_pair"  # _seq of the first edge between the same two nodes (networkx's adjacency order)
LISTS = "_lists"  # names of a relationship's properties that hold a LIST_LABEL key
SHARED_MIN = 16  # lists of this many items or more are stored once (LIST_LABEL)
_NODE_RESERVED = frozenset({*NODE_CORE, JSON_KEYS, ORDER, SEQ, OBSERVED_ONLY, OBSERVED_KEYS})
_EDGE_RESERVED = frozenset({*EDGE_CORE, JSON_KEYS, ORDER, SEQ, PAIR, LISTS})
_ESCAPE = "p:"  # prefix for a data property whose name collides with a reserved one
_INT64 = (-(2**63), 2**63 - 1)


def _ident(name: str) -> str:
    """Refuse anything but a plain identifier: these names are spliced into Cypher text."""
    if not _IDENT.fullmatch(name):
        raise ValueError(f"{name!r} is not a safe Neo4j label or relationship type")
    return name


def component_label(component: Component) -> str:
    """'AI/ML application' -> 'AiMlApplicationComponent' (suffixed: 'Organization' is also a kind)."""
    words = re.split(r"[^A-Za-z0-9]+", component.value)
    return _ident("".join(w[:1].upper() + w[1:].lower() for w in words if w) + "Component")


def node_label(kind: str) -> str:
    return _ident(NODE_KINDS[kind].label)


def node_labels(kind: str) -> str:
    """':Label:ComponentLabel' for a SET or REMOVE clause."""
    nk = NODE_KINDS[kind]
    return f":{node_label(kind)}:{component_label(nk.component)}"


def rel_type(kind: str) -> str:
    return _ident(EDGE_KINDS[kind].rel_type)


KIND_OF_REL: dict[str, str] = {k.rel_type: k.name for k in EDGE_KINDS.values()}
COMPONENT_LABELS: frozenset[str] = frozenset(component_label(c) for c in Component)


# --- values --------------------------------------------------------------------------------------
def _native(value: Any) -> bool:
    """True when Neo4j stores the value as it is and gives back an equal Python value."""
    if isinstance(value, bool | float):
        return True
    if isinstance(value, int):
        return _INT64[0] <= value <= _INT64[1]
    if isinstance(value, str):
        return _utf8(value)
    if isinstance(value, list):
        if not value:
            return True
        first = type(value[0])
        if first not in (str, bool, int, float) or any(type(v) is not first for v in value):
            return False
        if first is str:  # one encode for the whole list: the push checks millions of them
            return _utf8("".join(value))
        return first is not int or all(_INT64[0] <= v <= _INT64[1] for v in value)
    return False  # None (Neo4j drops null properties), dicts, tuples, mixed lists


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from JSON input
        return False
    return True


def _stored_key(key: str, reserved: frozenset[str]) -> str:
    """Data keys pass as they are, except those Neo4j or we reserve: '' and NUL are not valid
    property names, and reserved or escape-like names would collide; those are JSON-quoted."""
    if key in reserved or key.startswith(_ESCAPE) or not key or "\x00" in key:
        return _ESCAPE + json.dumps(key)
    return key


def _data_key(key: str) -> str:
    return json.loads(key[len(_ESCAPE) :]) if key.startswith(_ESCAPE) else key


def encode_props(props: dict[str, Any], reserved: frozenset[str], owner: str) -> dict[str, Any]:
    """Data properties as Neo4j values: nested or null values become JSON text, listed in _json."""
    out: dict[str, Any] = {}
    as_json: list[str] = []
    for key, value in props.items():
        sk = _stored_key(key, reserved)
        if _native(value):
            out[sk] = value
        else:
            try:
                out[sk] = json.dumps(value)
            except (TypeError, ValueError) as e:
                raise ValueError(f"{owner}: property {key!r} cannot be stored: {e}") from None
            as_json.append(sk)
    order = list(out)
    out[JSON_KEYS] = as_json
    out[ORDER] = order
    return out


def decode_props(stored: dict[str, Any], reserved: frozenset[str]) -> dict[str, Any]:
    as_json = set(stored.get(JSON_KEYS) or ())
    out: dict[str, Any] = {}
    for sk in stored.get(ORDER) or ():
        value = stored[sk]
        out[_data_key(sk)] = json.loads(value) if sk in as_json else value
    return out


def node_row(
    node: Node, seq: int, observed_only: bool = False, observed_keys: Iterable[str] = ()
) -> dict[str, Any]:
    """The full property map of one node (SET n = row replaces what was there)."""
    row = encode_props(node.props, _NODE_RESERVED, node.id)
    row.update(
        id=node.id,
        kind=node.kind,
        name=node.name,
        account=node.account,
        region=node.region,
        component=NODE_KINDS[node.kind].component.value,
        _seq=seq,
        _observed=True if observed_only else None,
        _observed_keys=sorted(set(observed_keys)) or None,
    )
    return {k: v for k, v in row.items() if v is not None}


def node_from(stored: dict[str, Any], inventory_view: bool = False) -> Node:
    """`inventory_view`: without the properties only the logs gave the node."""
    props = decode_props(stored, _NODE_RESERVED)
    if inventory_view:
        for key in stored.get(OBSERVED_KEYS) or ():
            props.pop(key, None)
    return Node(
        stored["id"],
        stored["kind"],
        name=stored.get("name", ""),
        account=stored.get("account"),
        region=stored.get("region"),
        props=props,
    )


def edge_row(
    edge: Edge, seq: int, pair: int, shared: dict[str, list[Any]] | None = None
) -> dict[str, Any]:
    """The full property map of one relationship. On derived identity hops (the potential
    family: millions of them repeat a handful of `limit` lists), long lists (data, or the
    property order) are replaced by their LIST_LABEL key and added to `shared` (key -> items)
    for the caller to store; the same content always gets the same key, so an unchanged edge
    compares equal. Structural and observed relationships keep every value in place."""
    row = encode_props(edge.props, _EDGE_RESERVED, f"{edge.kind} {edge.src} -> {edge.dst}")
    row.update(key=edge.key, _seq=seq, _pair=pair)
    if EDGE_KINDS[edge.kind].family is not EdgeFamily.POTENTIAL:
        return row
    refs: list[str] = []
    for name, value in row.items():
        if isinstance(value, list) and len(value) >= SHARED_MIN:
            key = list_key(value)
            if shared is not None:
                shared[key] = value
            row[name] = key
            refs.append(name)
    if refs:
        row[LISTS] = refs
    return row


def list_key(items: list[Any]) -> str:
    """Content key of a shared list: JSON keeps 1, 1.0, "1" and true apart."""
    return "list:" + hashlib.sha256(json.dumps(items).encode()).hexdigest()[:40]


def list_refs(stored: Mapping[str, Any]) -> list[str]:
    """The LIST_LABEL keys a stored relationship map (or a projection of it) refers to."""
    return [stored[name] for name in stored.get(LISTS) or () if name in stored]


def with_lists(stored: Mapping[str, Any], lists: Mapping[str, list[Any]]) -> dict[str, Any]:
    """A stored relationship map with its shared lists put back in place (`lists`: key ->
    items); raises KeyError naming the key when one is missing from the database."""
    names = stored.get(LISTS)
    if not names:
        return dict(stored)
    out = {k: v for k, v in stored.items() if k != LISTS}
    for name in names:
        if name not in stored:  # a projection that left it out
            continue
        try:
            out[name] = lists[stored[name]]
        except KeyError:
            raise KeyError(f"shared list {stored[name]!r} ({name}) is missing") from None
    return out


def edge_from(src: str, dst: str, rel: str, stored: dict[str, Any]) -> Edge:
    return Edge(
        src, dst, KIND_OF_REL[rel], stored.get("key", ""), decode_props(stored, _EDGE_RESERVED)
    )


def same_node_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from insertion order: an unchanged node needs no write."""
    return {k: v for k, v in a.items() if k not in (SEQ, PAIR)} == {
        k: v for k, v in b.items() if k not in (SEQ, PAIR)
    }
