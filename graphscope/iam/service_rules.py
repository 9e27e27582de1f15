"""Refusals AWS enforces outside any policy: resources that no policy can let you change.

AWS managed policies, IAM Identity Center's reserved roles (path /aws-reserved/) and AWS managed
KMS aliases (alias/aws/...) are read-only to customers, whatever an Allow says.
"""

from __future__ import annotations

from graphscope.iam.actions import access_level

_READ_ONLY_LEVELS = {"Read", "List"}
_KMS_ALIAS_WRITES = {"kms:createalias", "kms:deletealias", "kms:updatealias"}


def refusal(action: str, resource: str) -> str | None:
    """Why AWS refuses this action on this resource regardless of policies, or None."""
    low = action.lower()
    if low.startswith("iam:"):
        level = access_level(action)
        writes = level is not None and level not in _READ_ONLY_LEVELS
        if writes and resource.startswith("arn:") and ":iam::aws:policy/" in resource:
            return "AWS managed policies cannot be changed"
        if writes and ":role/aws-reserved/" in resource:
            return "reserved roles (path /aws-reserved/) cannot be changed"
    if low in _KMS_ALIAS_WRITES and ":alias/aws/" in resource:
        return "AWS managed KMS aliases (alias/aws/...) cannot be changed"
    return None


def may_refuse(action: str) -> bool:
    """False when `refusal(action, r)` is None for every resource r (callers may skip it)."""
    low = action.lower()
    return low.startswith("iam:") or low in _KMS_ALIAS_WRITES
