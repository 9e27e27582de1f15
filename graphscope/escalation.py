"""Privilege-escalation paths into compute and AI services, loaded from data.

The paths live in graphscope/data/escalation_paths.toml so that a new path is one entry; this
module only gives them a type and checks them against the schema.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from graphscope.schema import NODE_KINDS


class EscalationMode(StrEnum):
    PASS_ROLE = "pass_role"  # hand a role to a new resource
    EXISTING = "existing"  # take over an existing resource and its role
    EXISTING_PASS_ROLE = "existing_pass_role"  # swap the role of an existing resource


@dataclass(frozen=True, slots=True)
class EscalationPath:
    id: str
    name: str
    mode: EscalationMode
    actions: tuple[str, ...]  # all must be allowed
    service: str | None = None  # the service principal a passed role must trust
    creates: str | None = None  # node kind created (pass_role)
    target_kinds: tuple[str, ...] = ()  # node kinds taken over (existing*)
    yields_actions: tuple[str, ...] | None = None  # None: the whole role
    pathfinding_id: str | None = None

    @property
    def needs_pass_role(self) -> bool:
        return self.mode in (EscalationMode.PASS_ROLE, EscalationMode.EXISTING_PASS_ROLE)


def _parse(entry: dict[str, object]) -> EscalationPath:
    path = EscalationPath(
        id=str(entry["id"]),
        name=str(entry["name"]),
        mode=EscalationMode(str(entry["mode"])),
        actions=tuple(entry["actions"]),  # type: ignore[arg-type]
        service=entry.get("service"),  # type: ignore[arg-type]
        creates=entry.get("creates"),  # type: ignore[arg-type]
        target_kinds=tuple(entry.get("target_kinds", ())),  # type: ignore[arg-type]
        yields_actions=tuple(entry["yields_actions"]) if "yields_actions" in entry else None,  # type: ignore[arg-type]
        pathfinding_id=entry.get("pathfinding_id"),  # type: ignore[arg-type]
    )
    problems = []
    if path.needs_pass_role and ("iam:PassRole" not in path.actions or not path.service):
        problems.append("a pass-role path needs iam:PassRole among its actions and a service")
    if path.mode is EscalationMode.PASS_ROLE and path.creates not in NODE_KINDS:
        problems.append(f"creates names no node kind: {path.creates!r}")
    if path.mode is not EscalationMode.PASS_ROLE and not path.target_kinds:
        problems.append("a path on existing resources needs target_kinds")
    problems += [f"unknown node kind {k!r}" for k in path.target_kinds if k not in NODE_KINDS]
    if problems:
        raise ValueError(f"escalation path {path.id}: " + "; ".join(problems))
    return path


@cache
def escalation_paths() -> tuple[EscalationPath, ...]:
    """Every declared path, validated once."""
    text = resources.files("graphscope.data").joinpath("escalation_paths.toml").read_text()
    entries = tomllib.loads(text)["path"]
    paths = tuple(_parse(e) for e in entries)
    ids = [p.id for p in paths]
    if len(ids) != len(set(ids)):
        raise ValueError("escalation path ids must be unique")
    return paths
