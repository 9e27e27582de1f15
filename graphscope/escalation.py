"""Privilege-escalation paths into compute, AI services and other users, loaded from data.

The paths live in graphscope/data/escalation_paths.toml (compute and AI services) and
graphscope/data/credential_paths.toml (credentials minted for another user) so that a new path
is one entry; this module only gives them a type and checks them against the schema.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from graphscope.iam import expand_actions
from graphscope.schema import NODE_KINDS

PATH_FILES = ("escalation_paths.toml", "credential_paths.toml")
CREDENTIAL_KINDS = frozenset({"user"})  # identities another principal can mint credentials for


class EscalationMode(StrEnum):
    PASS_ROLE = "pass_role"  # hand a role to a new resource
    EXISTING = "existing"  # take over an existing resource and its role
    EXISTING_PASS_ROLE = "existing_pass_role"  # swap the role of an existing resource
    CREDENTIALS = "credentials"  # mint credentials for an existing user and act as that user


@dataclass(frozen=True, slots=True)
class EscalationPath:
    id: str
    name: str
    mode: EscalationMode
    actions: tuple[str, ...]  # all must be allowed
    service: str | None = None  # the service principal a passed role must trust
    creates: str | None = None  # node kind created (pass_role)
    target_kinds: tuple[str, ...] = ()  # node kinds taken over (existing*)
    yields_actions: tuple[str, ...] | None = None  # None: the whole role (or user)
    pathfinding_id: str | None = None

    @property
    def needs_pass_role(self) -> bool:
        return self.mode in (EscalationMode.PASS_ROLE, EscalationMode.EXISTING_PASS_ROLE)

    @property
    def takes_over(self) -> bool:
        """Whether the path acts on existing resources: their own role, or the user itself."""
        return self.mode in (EscalationMode.EXISTING, EscalationMode.CREDENTIALS)


def _parse(entry: dict[str, object]) -> EscalationPath:
    path = EscalationPath(
        id=str(entry["id"]),
        name=str(entry["name"]),
        mode=EscalationMode(str(entry["mode"])),
        actions=tuple(entry["actions"]),  # type: ignore[arg-type]
        service=entry.get("service"),  # type: ignore[arg-type]
        creates=entry.get("creates"),  # type: ignore[arg-type]
        target_kinds=tuple(entry.get("target_kinds", ())),  # type: ignore[arg-type]
        yields_actions=_expanded(entry["yields_actions"]) if "yields_actions" in entry else None,  # type: ignore[arg-type]
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
    if path.mode is EscalationMode.CREDENTIALS:
        problems += [
            f"credentials are minted for users, not {k!r}"
            for k in path.target_kinds
            if k in NODE_KINDS and k not in CREDENTIAL_KINDS
        ]
    if problems:
        raise ValueError(f"escalation path {path.id}: " + "; ".join(problems))
    return path


def _expanded(patterns: list[str]) -> tuple[str, ...]:
    """`yields_actions` may use wildcards ("bedrock:*", for a Bedrock API key): expanded here,
    once, into the action names the reach walk's limits compare with."""
    out: dict[str, None] = {}
    for pattern in patterns:
        if "*" in pattern or "?" in pattern:
            names = [a.name for a in expand_actions(pattern)]
            if not names:
                raise ValueError(f"yields_actions pattern {pattern!r} matches no IAM action")
            out.update(dict.fromkeys(names))
        else:
            out[pattern] = None
    return tuple(out)


@cache
def escalation_paths() -> tuple[EscalationPath, ...]:
    """Every declared path, validated once."""
    entries = []
    for name in PATH_FILES:
        text = resources.files("graphscope.data").joinpath(name).read_text()
        entries += tomllib.loads(text)["path"]
    paths = tuple(_parse(e) for e in entries)
    ids = [p.id for p in paths]
    if len(ids) != len(set(ids)):
        raise ValueError("escalation path ids must be unique")
    return paths
