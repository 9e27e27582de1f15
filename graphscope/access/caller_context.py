"""Condition keys the caller chooses when it makes a request.

A bucket policy that denies requests without TLS, or an Allow limited to one region, does not
stop an attacker who controls the request: such conditions are met by shaping the request, so
the blast radius counts the access and records the assumption instead of reporting it as
conditional. Keys that constrain the attacker (source IP, VPC, MFA, time, principal tags) stay
conditional.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphscope.iam import ConditionRequirement, Decision, Evaluation, Polarity

CALLER_KEYS: frozenset[str] = frozenset(
    {
        "aws:securetransport",
        "aws:requestedregion",
        "aws:tagkeys",
        "s3:prefix",
        "s3:delimiter",
        "s3:max-keys",
        "s3:x-amz-acl",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-content-sha256",
        "s3:signatureversion",
        "s3:tlsversion",
        "s3:authtype",
        "kms:encryptioncontextkeys",
        "kms:encryptionalgorithm",
        "bedrock:inferenceprofilearn",
    }
)
CALLER_KEY_PREFIXES: tuple[str, ...] = ("aws:requesttag/", "kms:encryptioncontext:")


def caller_controls(key: str) -> bool:
    low = key.lower()
    return low in CALLER_KEYS or low.startswith(CALLER_KEY_PREFIXES)


@dataclass(frozen=True, slots=True)
class Outcome:
    """An evaluation read for a blast radius: reachable or not, and on what it hangs."""

    decision: Decision
    conditions: tuple[ConditionRequirement, ...] = ()  # still open: reported as conditional
    assumptions: tuple[ConditionRequirement, ...] = ()  # met by shaping the request


def as_caller(ev: Evaluation) -> Outcome:
    """Treat conditions on caller-chosen keys as met; keep the others open.

    Requirements are grouped by statement. An Allow statement's group is met when every key in it
    is the caller's; a Deny statement's group is avoided when any key in it is (the caller picks
    a value that fails it). What is left stays conditional: never a silent grant.
    """
    if ev.decision is not Decision.CONDITIONAL:
        return Outcome(ev.decision)
    groups: dict[tuple[object, Polarity], list[ConditionRequirement]] = {}
    for c in ev.conditions:
        groups.setdefault((c.statement, c.polarity), []).append(c)
    open_: list[ConditionRequirement] = []
    chosen: list[ConditionRequirement] = []
    for (_, polarity), reqs in groups.items():
        mine = [caller_controls(c.key) for c in reqs]
        met = all(mine) if polarity is Polarity.MUST_HOLD else any(mine)
        (chosen if met else open_).extend(reqs)
    return Outcome(Decision.CONDITIONAL if open_ else Decision.ALLOW, tuple(open_), tuple(chosen))
