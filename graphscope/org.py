"""An account's place in its organisation: the path of root, OUs and account that SCPs bind."""

from __future__ import annotations

from graphscope.store.base import GraphStore

ORG_LEVEL_KINDS = frozenset({"org_root", "org_unit", "account"})


def org_path(store: GraphStore, account_node: str) -> list[str] | None:
    """Node ids from the root down to the account, or None when the graph cannot place it
    under a root (not collected, or not in an organisation): callers report that, never guess."""
    if store.node(account_node) is None:
        return None
    path, seen = [account_node], {account_node}
    while True:
        parent = next(
            (
                e.dst
                for e in store.out_edges(path[-1], {"member_of"})
                if e.dst not in seen
                and (n := store.node(e.dst)) is not None
                and n.kind in ORG_LEVEL_KINDS - {"account"}
            ),
            None,
        )
        if parent is None:
            break
        seen.add(parent)
        path.append(parent)
    last = store.node(path[-1])
    if last is None or last.kind != "org_root":
        return None
    return path[::-1]
