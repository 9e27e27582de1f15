"""The IAM policy evaluation engine: compile policies once, evaluate requests, explain decisions.

from graphscope.iam import PolicyKind as K, PolicySet, Request, compile_policy as c, evaluate, parse_principal
pols = PolicySet(identity=(c(doc, "arn:aws:iam::1:policy/ml", K.IDENTITY),), boundary=(c(pb, "boundary", K.BOUNDARY),),
                 scps=((c(scp, "scp[0]", K.SCP),),), resource=(c(bucket_policy, "s3:bucket-policy", K.RESOURCE),))
ev = evaluate(Request(parse_principal(role_arn), "s3:GetObject", object_arn, "444455556666", assume_unknown=True), pols)
ev.decision, ev.allowed_by, ev.denied_by, [str(x) for x in ev.conditions]  # Decision.CONDITIONAL, ...
"""

from graphscope.iam.actions import ActionInfo, access_level, expand_actions
from graphscope.iam.context import Context
from graphscope.iam.evaluate import (
    ConditionRequirement,
    Decision,
    Evaluation,
    Polarity,
    PolicySet,
    Request,
    action_sensitive,
    evaluate,
    resource_policy_required,
)
from graphscope.iam.policy import (
    MAX_POLICY_BYTES,
    MAX_STATEMENTS,
    CompiledPolicy,
    PolicyError,
    PolicyKind,
    StatementRef,
    compile_policy,
)
from graphscope.iam.principals import Principal, PrincipalKind, principal_context
from graphscope.iam.principals import parse as parse_principal
from graphscope.iam.service_rules import refusal

__all__ = [
    "MAX_POLICY_BYTES",
    "MAX_STATEMENTS",
    "ActionInfo",
    "CompiledPolicy",
    "ConditionRequirement",
    "Context",
    "Decision",
    "Evaluation",
    "Polarity",
    "PolicyError",
    "PolicyKind",
    "PolicySet",
    "Principal",
    "PrincipalKind",
    "Request",
    "StatementRef",
    "access_level",
    "action_sensitive",
    "compile_policy",
    "evaluate",
    "expand_actions",
    "parse_principal",
    "principal_context",
    "refusal",
    "resource_policy_required",
]
