"""Who is really behind an event: a subject's tree of credentials, resolved from the events.

Pure functions over issuance events and key usage. A credential joins the subject's tree only
through evidence that it was derived from a credential already in the tree:
* STS calls made with a tree key (AssumeRole*, GetSessionToken, GetFederationToken): the key in
  responseElements.credentials; recursively, so role chains and cross-account hops follow;
* a session's other keys: console and service-forwarded calls of one session rotate key ids but
  keep the session ARN and sessionContext.creationDate, so (ARN, creationDate) groups join;
* keys the tree created (iam:CreateAccessKey: its secret is returned only to the creator) and
  Bedrock API keys it minted (iam:CreateServiceSpecificCredential: later calls of that user with
  additionalEventData.callWithBearerToken);
* console passwords it set (iam:CreateLoginProfile/UpdateLoginProfile): that user's console
  sessions created afterwards.
A role is never attributed as a whole: two sessions of one role are two credentials.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from graphscope.arn import parse_arn
from graphscope.eventstore import KeyUse
from graphscope.ingest.cloudtrail import Event

SESSION_MATCH_SECONDS = 5
"""A session's creationDate and the issuing call's eventTime may differ by a few seconds."""
DEFAULT_SESSION_HOURS = 12
"""When an issuance gives no expiry, a session is assumed to live at most this long (AssumeRole max)."""

_ISSUE_KIND = {
    "AssumeRole": "assumed-role",
    "AssumeRoleWithWebIdentity": "web-identity",
    "AssumeRoleWithSAML": "saml",
    "AssumeRoot": "assumed-root",
    "GetSessionToken": "session-token",
    "GetFederationToken": "federation-token",
    "CreateAccessKey": "access-key-created",
    "CreateServiceSpecificCredential": "bedrock-api-key",
}


@dataclass(slots=True)
class Credential:
    """One credential in a subject's tree."""

    key_id: str | None
    principal: str | None  # the ARN it acts as
    kind: str  # subject | assumed-role | session-token | ... | console | same-session
    issued_by: str | None  # the key (or caller id) that obtained it; None for the subject
    issued_event: str | None = None  # event key of the issuing call
    created: str | None = None
    expires: str | None = None
    role_arn: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Grant:
    """Calls of `principal` from `since` on, of one mode, belong to the tree."""

    principal: str
    since: str
    mode: str  # "bearer" (Bedrock API key) | "console" (password the tree set)
    via: str  # the key that created the grant


@dataclass(slots=True)
class SessionTree:
    """The credentials derived from one subject, and the rules that decide event ownership."""

    subject: str
    root_principal: str | None
    credentials: dict[str, Credential] = field(default_factory=dict)  # by key id
    sessions: set[tuple[str, str]] = field(default_factory=set)  # (principal, creationDate)
    grants: list[Grant] = field(default_factory=list)
    whole_principals: set[str] = field(default_factory=set)  # subject given as a principal
    ancestry: list[Credential] = field(default_factory=list)  # how the subject itself was issued
    unattributed: list[KeyUse] = field(default_factory=list)  # same principal, not derived
    other_api_keys: dict[str, list[str]] = field(
        default_factory=dict
    )  # user -> API keys minted outside the tree

    @property
    def key_ids(self) -> set[str]:
        return set(self.credentials)

    def owns(self, e: Event) -> bool:
        """Whether an event was made by a credential of this tree."""
        if e.access_key_id and e.access_key_id in self.credentials:
            return True
        if e.principal is None:
            return False
        if e.principal in self.whole_principals:
            return True
        if e.session_created and (e.principal, e.session_created) in self.sessions:
            return True
        return any(_grant_covers(g, e) for g in self.grants)

    def owns_key(self, u: KeyUse) -> bool:
        """Whether a key's use (key id, or session ARN + creation time) belongs to this tree."""
        if u.access_key_id in self.credentials:
            return True
        return bool(
            u.principal and u.session_created and (u.principal, u.session_created) in self.sessions
        )

    def principals(self) -> set[str]:
        out = {c.principal for c in self.credentials.values() if c.principal}
        out |= {p for p, _ in self.sessions}
        out |= {g.principal for g in self.grants}
        return out | self.whole_principals


def _grant_covers(g: Grant, e: Event) -> bool:
    if e.principal != g.principal or e.time < g.since:
        return False
    if g.mode == "bearer":
        return e.bearer
    # console: sign-in events carry no key; console calls use temporary keys of a new session
    is_console = e.access_key_id is None and e.source == "signin.amazonaws.com"
    temporary = bool(
        e.access_key_id
        and e.access_key_id.startswith("ASIA")
        and (e.session_created or "") >= g.since
    )
    return is_console or temporary


def _seconds_apart(a: str, b: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return abs((datetime.strptime(a, fmt) - datetime.strptime(b, fmt)).total_seconds())


def session_end(c: Credential) -> str | None:
    """When a session's credentials stop working (expiry, or creation + DEFAULT_SESSION_HOURS)."""
    if c.expires:
        return c.expires
    if c.created and c.key_id and c.key_id.startswith("ASIA"):
        start = datetime.strptime(c.created, "%Y-%m-%dT%H:%M:%SZ")
        return (start + timedelta(hours=DEFAULT_SESSION_HOURS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def issued_credential(e: Event, parent: str | None, depth: int) -> Credential:
    assert e.issued_key or e.created_key
    if e.issued_key:
        return Credential(
            key_id=e.issued_key,
            principal=e.issued_principal,
            kind=_ISSUE_KIND.get(e.name, e.name),
            issued_by=parent,
            issued_event=e.key,
            created=e.time,
            expires=e.issued_expiry,
            role_arn=e.issued_role,
            session_name=e.issued_session_name,
            source_identity=e.source_identity,
            depth=depth,
        )
    return Credential(
        key_id=e.created_key,
        principal=e.created_for,
        kind=_ISSUE_KIND.get(e.name, e.name),
        issued_by=parent,
        issued_event=e.key,
        created=e.time,
        depth=depth,
    )


def resolve_tree(
    subject_key: str | None,
    subject_principal: str | None,
    issuances: Iterable[Event],
    key_uses: Iterable[KeyUse],
    login_profile_changes: Iterable[Event] = (),
) -> SessionTree:
    """The tree of credentials derived from an access key id or a principal ARN/id."""
    if not subject_key and not subject_principal:
        raise ValueError("give an access key id or a principal")
    issued = list(issuances)
    uses = list(key_uses)
    logins = list(login_profile_changes)

    by_issued_key: dict[str, Event] = {}
    children_by_key: dict[str, list[Event]] = defaultdict(list)
    children_by_caller: dict[str, list[Event]] = defaultdict(
        list
    )  # key-less callers (web identity)
    children_by_session: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in issued:
        new_key = e.issued_key or e.created_key
        if new_key and e.issued_key:
            # a cross-account AssumeRole is logged in both accounts: prefer the copy naming the caller's key
            prev = by_issued_key.get(new_key)
            if prev is None or (prev.access_key_id is None and e.access_key_id):
                by_issued_key[new_key] = e
        if e.access_key_id:
            children_by_key[e.access_key_id].append(e)
        elif e.principal:
            children_by_caller[e.principal].append(e)
        if e.principal and e.session_created:
            children_by_session[(e.principal, e.session_created)].append(e)
    logins_by_key: dict[str, list[Event]] = defaultdict(list)
    for e in logins:
        if e.access_key_id:
            logins_by_key[e.access_key_id].append(e)

    groups: dict[tuple[str, str], set[str]] = defaultdict(set)  # (principal, created) -> keys
    key_principal: dict[str, str | None] = {}
    key_session: dict[str, tuple[str, str]] = {}
    for u in uses:
        if u.access_key_id:
            key_principal.setdefault(u.access_key_id, u.principal)
            if u.principal and u.session_created:
                groups[(u.principal, u.session_created)].add(u.access_key_id)
                key_session.setdefault(u.access_key_id, (u.principal, u.session_created))

    tree = SessionTree(
        subject=subject_key or subject_principal or "", root_principal=subject_principal
    )
    queue: list[str] = []

    def add(cred: Credential) -> None:
        if cred.key_id is None or cred.key_id in tree.credentials:
            return
        tree.credentials[cred.key_id] = cred
        queue.append(cred.key_id)

    if subject_key:
        principal = key_principal.get(subject_key)
        origin = by_issued_key.get(subject_key)
        if principal is None and origin is not None:
            principal = origin.issued_principal
        tree.root_principal = principal
        add(
            Credential(
                subject_key,
                principal,
                "subject",
                None,
                created=origin.time if origin else None,
                expires=origin.issued_expiry if origin else None,
                role_arn=origin.issued_role if origin else None,
                session_name=origin.issued_session_name if origin else None,
            )
        )
        # ancestry: how the subject itself was obtained (shown, not included)
        seen = {subject_key}
        while origin is not None:
            tree.ancestry.append(
                issued_credential(origin, origin.access_key_id or origin.principal, 0)
            )
            parent = origin.access_key_id
            if not parent or parent in seen:
                break
            seen.add(parent)
            origin = by_issued_key.get(parent)
    else:
        assert subject_principal is not None
        tree.whole_principals.add(subject_principal)
        role_prefix = role_session_prefix(subject_principal)
        for u in uses:
            p = u.principal or ""
            if u.access_key_id and (
                p == subject_principal or (role_prefix and p.startswith(role_prefix))
            ):
                add(Credential(u.access_key_id, p, "subject", None, created=u.session_created))
                if role_prefix:
                    tree.whole_principals.add(p)
        for e in issued:  # sessions handed to this principal, used or not
            if e.issued_principal == subject_principal or (
                role_prefix and (e.issued_principal or "").startswith(role_prefix)
            ):
                add(issued_credential(e, e.access_key_id or e.principal, 0))
        for e in children_by_caller.get(subject_principal, []):
            add(issued_credential(e, subject_principal, 1))

    while queue:
        k = queue.pop(0)
        cred = tree.credentials[k]
        children = list(children_by_key.get(k, []))
        session = key_session.get(k)
        if session is not None:
            tree.sessions.add(session)
            children += children_by_session.get(session, [])
            for other in sorted(groups.get(session, ())):  # the same session's other keys
                add(
                    Credential(
                        other, session[0], "same-session", k, created=session[1], depth=cred.depth
                    )
                )
        for e in children:
            add(issued_credential(e, k, cred.depth + 1))
            if e.created_key and e.name == "CreateServiceSpecificCredential" and e.created_for:
                grant = Grant(e.created_for, e.time, "bearer", k)
                if grant not in tree.grants:  # reached by key and by session: one grant
                    tree.grants.append(grant)
        for e in logins_by_key.get(k, []):
            user = _login_user(e)
            if user:
                grant = Grant(user, e.time, "console", k)
                if grant not in tree.grants:
                    tree.grants.append(grant)
                for u in uses:  # console sessions of that user created afterwards
                    if (
                        u.access_key_id
                        and u.principal == user
                        and (u.session_created or "") >= e.time
                    ):
                        add(
                            Credential(
                                u.access_key_id,
                                user,
                                "console",
                                k,
                                created=u.session_created,
                                depth=cred.depth + 1,
                            )
                        )
        if cred.created and cred.principal and cred.key_id and cred.key_id.startswith("ASIA"):
            # console/forwarded keys of an issued session: same ARN, creationDate at issue time
            for (p, created), keys in groups.items():
                near = (
                    p == cred.principal
                    and _seconds_apart(created, cred.created) <= SESSION_MATCH_SECONDS
                )
                if near and _unique_issuer(p, created, issued):
                    tree.sessions.add((p, created))
                    for other in sorted(keys):
                        add(
                            Credential(
                                other, p, "same-session", k, created=created, depth=cred.depth
                            )
                        )

    bearer_users = {g.principal for g in tree.grants if g.mode == "bearer"}
    for e in (
        issued
    ):  # API keys for the same users that the tree did not mint make bearer calls ambiguous
        if (
            e.name == "CreateServiceSpecificCredential"
            and e.created_for in bearer_users
            and e.created_key not in tree.credentials
        ):
            tree.other_api_keys.setdefault(e.created_for, []).append(e.created_key or "?")
    roots = {tree.root_principal} if tree.root_principal else set()
    roots |= tree.whole_principals
    for u in uses:
        if u.access_key_id and u.principal in roots and not tree.owns_key(u):
            tree.unattributed.append(u)
    return tree


def _unique_issuer(principal: str, created: str, issued: list[Event]) -> bool:
    """Only one issuance of this session ARN lies within the matching tolerance."""
    n = sum(
        1
        for e in issued
        if e.issued_principal == principal
        and e.issued_key
        and _seconds_apart(e.time, created) <= SESSION_MATCH_SECONDS
    )
    return n <= 1


def _login_user(e: Event) -> str | None:
    for r in e.resources:
        if r.startswith("arn:") and ":user/" in r:
            return r
    return None


def role_session_prefix(principal: str) -> str | None:
    """For a role ARN subject: the prefix of its session ARNs (arn:aws:sts::A:assumed-role/R/)."""
    arn = parse_arn(principal)
    if arn is None or arn.service != "iam" or arn.resource_type != "role":
        return None
    name = arn.resource.rsplit("/", 1)[-1]
    return f"arn:{arn.partition}:sts::{arn.account}:assumed-role/{name}/"
