"""Who is asking, and whether a resource policy's Principal / NotPrincipal names them.

How a statement names the caller matters: naming the user or session itself grants directly,
naming the role grants to all its sessions (still bounded by the boundary), naming the account
only delegates to the account's identity policies.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from graphscope.arn import parse_arn


class PrincipalKind(enum.Enum):
    USER = "user"
    ROLE = "role"
    SESSION = "assumed-role session"
    FEDERATED_USER = "federated-user session"
    ROOT = "root"
    SERVICE = "service"
    FEDERATED = "federated (web identity / SAML)"
    CANONICAL_USER = "canonical user"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller. For sessions, `role_path` is known only if the role ARN was given."""

    kind: PrincipalKind
    arn: str  # the ARN, service name, provider, canonical id, or "" for anonymous
    account: str | None = None
    partition: str = "aws"
    role_name: str | None = None  # roles and sessions
    role_path: str | None = None  # "/" or "/aws-service-role/..." when known
    session_name: str | None = None
    canonical_id: str | None = None

    @property
    def is_service_linked_role(self) -> bool:
        """Service-linked roles (path /aws-service-role/) are outside SCPs."""
        return bool(self.role_path and self.role_path.startswith("/aws-service-role/"))

    @property
    def role_arn(self) -> str | None:
        if self.role_name is None or self.account is None:
            return None
        path = self.role_path or "/"
        return f"arn:{self.partition}:iam::{self.account}:role{path}{self.role_name}"

    def __str__(self) -> str:
        return self.arn or self.kind.value

    @staticmethod
    def anonymous() -> Principal:
        return Principal(PrincipalKind.ANONYMOUS, "")

    @staticmethod
    def service(name: str) -> Principal:
        return Principal(PrincipalKind.SERVICE, name)

    @staticmethod
    def federated(provider: str) -> Principal:
        arn = parse_arn(provider)
        return Principal(PrincipalKind.FEDERATED, provider, account=arn.account if arn else None)

    @staticmethod
    def session(role_arn: str, session_name: str) -> Principal:
        """A session of a role whose full ARN (with path) is known."""
        role = parse(role_arn)
        if role.kind is not PrincipalKind.ROLE:
            raise ValueError(f"not a role ARN: {role_arn!r}")
        arn = (
            f"arn:{role.partition}:sts::{role.account}:assumed-role/{role.role_name}/{session_name}"
        )
        return Principal(
            PrincipalKind.SESSION,
            arn,
            role.account,
            role.partition,
            role.role_name,
            role.role_path,
            session_name,
        )


def parse(text: str | dict[str, Any]) -> Principal:
    """A Principal from an ARN, a service name, a 12-digit account, or {"type": "Anonymous"}."""
    if isinstance(text, dict):
        kind = str(text.get("type", "")).lower()
        if kind == "anonymous":
            return Principal.anonymous()
        if kind == "service":
            return Principal.service(str(text["name"]))
        if kind == "federated":
            return Principal.federated(str(text["name"]))
        if kind == "canonicaluser":
            cid = str(text["id"])
            return Principal(PrincipalKind.CANONICAL_USER, cid, canonical_id=cid)
        raise ValueError(f"unknown principal type {text.get('type')!r}")
    if not isinstance(text, str) or not text:
        raise ValueError(f"not a principal: {text!r}")
    if text.isdigit() and len(text) == 12:
        return Principal(PrincipalKind.ROOT, f"arn:aws:iam::{text}:root", text)
    arn = parse_arn(text)
    if arn is None:
        if "." in text and " " not in text:
            return Principal.service(text)
        raise ValueError(f"not a principal ARN or service name: {text!r}")
    res = arn.resource
    if arn.service == "iam" and res == "root":
        return Principal(PrincipalKind.ROOT, text, arn.account, arn.partition)
    if arn.service == "iam" and res.startswith("user/"):
        return Principal(PrincipalKind.USER, text, arn.account, arn.partition)
    if arn.service == "iam" and res.startswith("role/"):
        body = res[len("role") :]  # "/path/name"
        path, _, name = body.rpartition("/")
        return Principal(PrincipalKind.ROLE, text, arn.account, arn.partition, name, path + "/")
    if arn.service == "sts" and res.startswith("assumed-role/"):
        parts = res.split("/")
        if len(parts) < 3:
            raise ValueError(f"assumed-role ARN without a session name: {text!r}")
        return Principal(
            PrincipalKind.SESSION,
            text,
            arn.account,
            arn.partition,
            parts[1],
            None,
            "/".join(parts[2:]),
        )
    if arn.service == "sts" and res.startswith("federated-user/"):
        return Principal(PrincipalKind.FEDERATED_USER, text, arn.account, arn.partition)
    if arn.service == "iam" and (
        res.startswith("oidc-provider/") or res.startswith("saml-provider/")
    ):
        return Principal.federated(text)
    raise ValueError(f"not a principal ARN: {text!r}")


class Via(enum.IntEnum):
    """How a statement's Principal matched the caller (higher = more direct)."""

    NONE = 0
    ACCOUNT = 1  # account id or :root: delegates to the account's identity policies
    ROLE = 2  # the role ARN, matching the role or one of its sessions
    DIRECT = 3  # the user, the session, "*", a service, a provider, a canonical user


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A compiled Principal / NotPrincipal element."""

    everyone: bool
    aws: frozenset[str]
    accounts: frozenset[str]
    services: frozenset[str]
    federated: frozenset[str]
    canonical: frozenset[str]
    roles: frozenset[tuple[str, str]]  # (account, role name) from role ARNs
    sessions: frozenset[tuple[str, str, str]]  # (account, role name, session name)

    def match(self, p: Principal, *, sessions_free: bool = False, negated: bool = False) -> Via:
        """How this element names `p`. `sessions_free`: session names are the caller's choice.

        For NotPrincipal (`negated`), only exact names exclude: a role ARN does not exclude
        its sessions, as AWS documents.
        """
        if self.everyone:
            return Via.DIRECT
        kind = p.kind
        if kind is PrincipalKind.ANONYMOUS:
            return Via.NONE
        if kind is PrincipalKind.SERVICE:
            return Via.DIRECT if p.arn.lower() in self.services else Via.NONE
        if kind is PrincipalKind.FEDERATED:
            return Via.DIRECT if p.arn in self.federated else Via.NONE
        if kind is PrincipalKind.CANONICAL_USER or p.canonical_id:
            if p.canonical_id in self.canonical:
                return Via.DIRECT
            if kind is PrincipalKind.CANONICAL_USER:
                return Via.NONE
        if p.arn in self.aws:
            return Via.ROLE if kind is PrincipalKind.ROLE else Via.DIRECT
        acct = p.account
        if kind in (PrincipalKind.ROLE, PrincipalKind.SESSION) and acct is not None and p.role_name:
            if not negated and (acct, p.role_name) in self.roles:
                return Via.ROLE
            if (
                sessions_free
                and not negated
                and any(a == acct and r == p.role_name for a, r, _ in self.sessions)
            ):
                return Via.DIRECT
        # In NotPrincipal an account excludes only the account itself, not its users/roles.
        if (
            acct is not None
            and acct in self.accounts
            and (not negated or kind is PrincipalKind.ROOT)
        ):
            return Via.ACCOUNT
        return Via.NONE


def compile_principal(element: Any) -> PrincipalSpec:
    """Compile a Principal element: "*", or {"AWS"|"Service"|"Federated"|"CanonicalUser": ...}."""
    if element == "*":
        return PrincipalSpec(True, *(frozenset() for _ in range(7)))
    if isinstance(element, str):
        element = {"AWS": element}
    if not isinstance(element, dict):
        raise ValueError('Principal must be "*" or an object such as {"AWS": [...]}')
    aws: set[str] = set()
    accounts: set[str] = set()
    services: set[str] = set()
    federated: set[str] = set()
    canonical: set[str] = set()
    roles: set[tuple[str, str]] = set()
    sessions: set[tuple[str, str, str]] = set()
    everyone = False
    for key, raw in element.items():
        vals = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(v, str) for v in vals):
            raise ValueError(f"Principal {key}: values must be strings")
        kind = key.lower()
        if kind == "aws":
            for v in vals:
                if v == "*":
                    everyone = True
                elif v.isdigit():
                    accounts.add(v)
                else:
                    arn = parse_arn(v)
                    if arn is None:
                        raise ValueError(
                            f"Principal AWS value {v!r} is not an ARN, account id or *"
                        )
                    if arn.service == "iam" and arn.resource == "root":
                        accounts.add(arn.account)
                        continue
                    aws.add(v)
                    if arn.service == "iam" and arn.resource.startswith("role/"):
                        roles.add((arn.account, arn.resource.rsplit("/", 1)[1]))
                    elif arn.service == "sts" and arn.resource.startswith("assumed-role/"):
                        parts = arn.resource.split("/")
                        if len(parts) >= 3:
                            sessions.add((arn.account, parts[1], "/".join(parts[2:])))
        elif kind == "service":
            services.update(v.lower() for v in vals)
        elif kind == "federated":
            federated.update(vals)
        elif kind == "canonicaluser":
            canonical.update(vals)
        else:
            raise ValueError(f"unknown principal type {key!r}")
    return PrincipalSpec(
        everyone,
        frozenset(aws),
        frozenset(accounts),
        frozenset(services),
        frozenset(federated),
        frozenset(canonical),
        frozenset(roles),
        frozenset(sessions),
    )


def principal_context(p: Principal) -> dict[str, str]:
    """Global condition keys AWS derives from the caller, for callers that want them filled in."""
    out: dict[str, str] = {}
    if p.kind in (PrincipalKind.ANONYMOUS, PrincipalKind.SERVICE, PrincipalKind.FEDERATED):
        if p.kind is PrincipalKind.SERVICE:
            out["aws:PrincipalServiceName"] = p.arn
        return out
    if p.account:
        out["aws:PrincipalAccount"] = p.account
    if p.kind is PrincipalKind.SESSION:
        if p.role_path:  # the role ARN; unknown without the role's path
            out["aws:PrincipalArn"] = p.role_arn or ""
        out["aws:PrincipalType"] = "AssumedRole"
    elif p.kind is PrincipalKind.ROLE:
        out["aws:PrincipalArn"] = p.arn
        out["aws:PrincipalType"] = "AssumedRole"
    elif p.kind is PrincipalKind.USER:
        out["aws:PrincipalArn"] = p.arn
        out["aws:PrincipalType"] = "User"
        out["aws:username"] = p.arn.rsplit("/", 1)[1]
    elif p.kind is PrincipalKind.ROOT:
        out["aws:PrincipalArn"] = p.arn
        out["aws:PrincipalType"] = "Account"
    elif p.kind is PrincipalKind.FEDERATED_USER:
        out["aws:PrincipalArn"] = p.arn
        out["aws:PrincipalType"] = "FederatedUser"
    return out
