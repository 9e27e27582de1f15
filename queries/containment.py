"""Containment steps correct for one subject: AWS CLI commands a responder can paste.

Every value in a command comes from logs or a snapshot an attacker may have shaped (names of
users, roles, notebooks...), so each argument is shell-quoted (shlex.quote). Commands name the
account they must run in with `--profile <account id>`: a hint to pick that account's
credentials, not a profile graphscope creates. Previous states (a bucket policy, a trust policy,
the invocation-logging configuration, trail selectors) come from the snapshot when it has them;
otherwise the step says what is unknown instead of guessing.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from graphscope.arn import parse_arn, session_role_arn
from graphscope.elements import base_event_name, coverage_signal
from graphscope.ingest.cloudtrail import Event
from graphscope.queries.contract import ContainmentStep, Subject
from graphscope.queries.sessions import SessionTree

if TYPE_CHECKING:
    from graphscope.ingest.inventory import Inventory

REVOKE_POLICY_NAME = "graphscope-revoke-older-sessions"


def aws(
    service: str, operation: str, *args: str, region: str | None = None, account: str | None = None
) -> str:
    """One `aws` command line with every argument quoted for a POSIX shell."""
    parts = ["aws", service, operation, *args]
    if region:
        parts += ["--region", region]
    if account:
        parts += ["--profile", account]
    return shlex.join(parts)


def revoke_policy(now: str) -> dict[str, Any]:
    """Deny everything to credentials issued before `now`: revokes live sessions, not new ones."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RevokeSessionsIssuedBefore",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": now}},
            }
        ],
    }


def _name(arn: str | None) -> str | None:
    """The last path segment of an IAM ARN (user/path/name -> name)."""
    if not arn:
        return None
    parsed = parse_arn(arn)
    if parsed is None:
        return None
    return parsed.resource.rsplit("/", 1)[-1]


def _account(arn: str | None) -> str | None:
    parsed = parse_arn(arn) if arn else None
    return parsed.account or None if parsed else None


def _is_user(arn: str | None) -> bool:
    parsed = parse_arn(arn) if arn else None
    return bool(parsed and parsed.service == "iam" and parsed.resource_type == "user")


def _params(e: Event) -> dict[str, Any]:
    """requestParameters as a dict; {} when absent or cut short in the store."""
    if not e.request:
        return {}
    try:
        value = orjson.loads(e.request)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _compact(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


class _Steps:
    """Ordered, de-duplicated steps."""

    def __init__(self) -> None:
        self.steps: list[ContainmentStep] = []
        self._seen: set[str] = set()

    def add(self, action: str, command: str, why: str, account: str | None) -> None:
        if command in self._seen:
            return
        self._seen.add(command)
        self.steps.append(ContainmentStep(action=action, command=command, why=why, account=account))


def containment_steps(
    *,
    subject: Subject,
    tree: SessionTree,
    events: Iterable[Event],
    inventory: Inventory | None,
    now: str,
    later_restores: Iterable[Event] = (),
    key_owners: dict[str, str] | None = None,
) -> list[ContainmentStep]:
    """Deactivate the subject's keys, revoke its sessions, undo what it turned off, changed or
    created, in that order (stop the bleeding first)."""
    evs = [e for e in events if e.error_code is None]
    out = _Steps()
    _deactivate_subject(out, subject, tree, key_owners or {})
    _revoke_sessions(out, subject, tree, now)
    _created_credentials(out, evs)
    _restore_logging(out, evs, inventory, list(later_restores))
    _undo_permission_changes(out, evs, inventory)
    _remove_created(out, evs)
    return out.steps


def _deactivate_subject(
    out: _Steps, subject: Subject, tree: SessionTree, key_owners: dict[str, str]
) -> None:
    keys = [subject.access_key_id] if subject.access_key_id else []
    if not keys:  # a principal given by ARN: every long-term key of it seen in the logs
        keys = sorted(
            c.key_id
            for c in tree.credentials.values()
            if c.kind == "subject" and c.key_id and c.key_id.startswith("AKIA")
        )
    for key in keys:
        _deactivate_key(out, subject, key)
    _deactivate_upstream(out, tree, key_owners)


def _deactivate_key(out: _Steps, subject: Subject, key: str) -> None:
    if not key.startswith("ASIA"):
        user = _name(subject.principal_arn) if _is_user(subject.principal_arn) else None
        account = _account(subject.principal_arn)
        out.add(
            f"Deactivate the leaked access key {key}",
            aws(
                "iam",
                "update-access-key",
                "--user-name",
                user or "USER_NAME_UNKNOWN",
                "--access-key-id",
                key,
                "--status",
                "Inactive",
                account=account,
            ),
            "stops every new call made with it; keep it (inactive) as evidence instead of deleting it"
            + ("" if user else "; its user is unknown from the inputs: fill in the user name"),
            account,
        )


def _deactivate_upstream(out: _Steps, tree: SessionTree, key_owners: dict[str, str]) -> None:
    for cred in tree.ancestry:  # an ASIA subject: the long-term key upstream issued it
        parent = cred.issued_by
        if parent and parent.startswith("AKIA"):
            owner = key_owners.get(parent)
            account = _account(owner) or _account(cred.principal)
            out.add(
                f"Deactivate {parent}, the long-term key upstream of this session",
                aws(
                    "iam",
                    "update-access-key",
                    "--user-name",
                    _name(owner) or "USER_NAME_OF_" + parent,
                    "--access-key-id",
                    parent,
                    "--status",
                    "Inactive",
                    account=account,
                ),
                f"{parent} obtained the chain that leads to {tree.subject}; if it is compromised too, new sessions follow",
                account,
            )


def _revoke_sessions(out: _Steps, subject: Subject, tree: SessionTree, now: str) -> None:
    roles: dict[str, str] = {}  # role name+account -> role ARN
    users: set[str] = set()
    for cred in tree.credentials.values():
        role = cred.role_arn or (session_role_arn(cred.principal) if cred.principal else None)
        if role:
            roles.setdefault(role.rsplit("/", 1)[-1] + "@" + (_account(role) or ""), role)
        elif cred.key_id and cred.key_id.startswith("ASIA") and _is_user(cred.principal):
            users.add(cred.principal or "")
    start = subject.principal_arn
    if start and ":role/" in start and parse_arn(start) is not None:
        roles.setdefault(start.rsplit("/", 1)[-1] + "@" + (_account(start) or ""), start)
    doc = _compact(revoke_policy(now))
    for _, role in sorted(roles.items()):
        account = _account(role)
        out.add(
            f"Revoke active sessions of role {_name(role)}",
            aws(
                "iam",
                "put-role-policy",
                "--role-name",
                _name(role) or role,
                "--policy-name",
                REVOKE_POLICY_NAME,
                "--policy-document",
                doc,
                account=account,
            ),
            f"denies every call made with credentials of {role} issued before {now}; legitimate "
            "jobs sharing the role must assume it again (their new sessions keep working)",
            account,
        )
    for user in sorted(users):
        account = _account(user)
        out.add(
            f"Revoke temporary credentials of user {_name(user)}",
            aws(
                "iam",
                "put-user-policy",
                "--user-name",
                _name(user) or user,
                "--policy-name",
                REVOKE_POLICY_NAME,
                "--policy-document",
                doc,
                account=account,
            ),
            f"the subject used temporary credentials of {user} (console or session tokens); this denies those issued before {now}",
            account,
        )


def _created_credentials(out: _Steps, evs: list[Event]) -> None:
    for e in evs:
        if e.source != "iam.amazonaws.com":
            continue
        user = _name(e.created_for) or _params(e).get("userName")
        account = e.account
        if e.name == "CreateAccessKey" and e.created_key:
            out.add(
                f"Deactivate and delete access key {e.created_key} the attacker created",
                aws(
                    "iam",
                    "update-access-key",
                    "--user-name",
                    str(user or "USER_NAME_UNKNOWN"),
                    "--access-key-id",
                    e.created_key,
                    "--status",
                    "Inactive",
                    account=account,
                )
                + " && "
                + aws(
                    "iam",
                    "delete-access-key",
                    "--user-name",
                    str(user or "USER_NAME_UNKNOWN"),
                    "--access-key-id",
                    e.created_key,
                    account=account,
                ),
                f"created at {e.time}; its secret was returned only to the attacker",
                account,
            )
        elif e.name == "CreateServiceSpecificCredential" and e.created_key:
            out.add(
                f"Delete the Bedrock API key {e.created_key} the attacker minted",
                aws(
                    "iam",
                    "delete-service-specific-credential",
                    "--user-name",
                    str(user or "USER_NAME_UNKNOWN"),
                    "--service-specific-credential-id",
                    e.created_key,
                    account=account,
                ),
                f"created at {e.time}; calls made with it carry only the user's name in CloudTrail",
                account,
            )
        elif e.name in ("CreateLoginProfile", "UpdateLoginProfile"):
            name = _params(e).get("userName") or _name(next(iter(e.resources), None))
            if isinstance(name, str) and name:
                out.add(
                    f"Remove the console password the attacker set for {name}",
                    aws("iam", "delete-login-profile", "--user-name", name, account=account),
                    f"{e.name} at {e.time}: the attacker knows this password",
                    account,
                )


def _restored(e: Event, restores: list[Event], name: str) -> str:
    """A note when someone turned the same logging back on after `e` (check before rerunning)."""
    later = [
        r
        for r in restores
        if r.name == name and r.time > e.time and r.account == e.account and r.region == e.region
    ]
    if not later:
        return ""
    r = later[0]
    return f"; already re-enabled by {r.principal or 'someone'} at {r.time} ({name}): check the current configuration first"


def _restore_logging(
    out: _Steps, evs: list[Event], inventory: Inventory | None, restores: list[Event]
) -> None:
    for e in evs:
        if coverage_signal(e.source, e.name) is None:
            continue
        account, region = e.account, e.region
        p = _params(e)
        if e.source == "bedrock.amazonaws.com" and e.name in (
            "DeleteModelInvocationLoggingConfiguration",
            "PutModelInvocationLoggingConfiguration",
        ):
            config = _logging_config(inventory, account, region)
            arg = _compact(config) if config else "file://invocation-logging-config.json"
            why = (
                f"{e.name} at {e.time}; the configuration below is the one the snapshot recorded"
                if config
                else f"{e.name} at {e.time}; the configuration before it is unknown (no snapshot of "
                f"{account}/{region}): write it to invocation-logging-config.json first"
            )
            out.add(
                f"Restore Bedrock model-invocation logging in {account}/{region}",
                aws(
                    "bedrock",
                    "put-model-invocation-logging-configuration",
                    "--logging-config",
                    arg,
                    region=region,
                    account=account,
                ),
                why + _restored(e, restores, "PutModelInvocationLoggingConfiguration"),
                account,
            )
        elif e.source == "cloudtrail.amazonaws.com":
            trail = p.get("name") or p.get("trailName") or next(iter(e.resources), None)
            if not isinstance(trail, str) or not trail:
                continue
            if e.name in ("StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"):
                _restore_trail(out, e, trail, inventory, _restored(e, restores, "StartLogging"))
        elif e.source == "guardduty.amazonaws.com" and e.name == "DeleteDetector":
            out.add(
                f"Re-enable GuardDuty in {account}/{region}",
                aws("guardduty", "create-detector", "--enable", region=region, account=account),
                f"DeleteDetector at {e.time}",
                account,
            )
        elif e.source == "config.amazonaws.com" and e.name == "StopConfigurationRecorder":
            name = p.get("configurationRecorderName")
            if isinstance(name, str):
                out.add(
                    f"Restart the AWS Config recorder {name}",
                    aws(
                        "configservice",
                        "start-configuration-recorder",
                        "--configuration-recorder-name",
                        name,
                        region=region,
                        account=account,
                    ),
                    f"StopConfigurationRecorder at {e.time}",
                    account,
                )


def _logging_config(
    inventory: Inventory | None, account: str | None, region: str | None
) -> dict[str, Any] | None:
    if inventory is None or not account or not region:
        return None
    node = inventory.node(f"invocation-logging/{account}/{region}")
    config = node.props.get("config") if node else None
    return config if isinstance(config, dict) and config else None


def _restore_trail(
    out: _Steps, e: Event, trail: str, inventory: Inventory | None, restored: str
) -> None:
    account, region = e.account, e.region
    name = trail.rsplit("/", 1)[-1] if trail.startswith("arn:") else trail
    node = None
    if inventory is not None:
        arn = (
            trail
            if trail.startswith("arn:")
            else f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"
        )
        node = inventory.node(arn)
    if e.name == "DeleteTrail":
        bucket = None
        if node is not None and inventory is not None:
            bucket = next(
                (
                    x.dst.removeprefix("arn:aws:s3:::")
                    for x in inventory.store.out_edges(node.id, {"logs_to"})
                    if x.dst.startswith("arn:aws:s3:::")
                ),
                None,
            )
        args = ["--name", name, "--s3-bucket-name", bucket or "TRAIL_BUCKET_UNKNOWN"]
        if node is not None and node.props.get("multi_region"):
            args.append("--is-multi-region-trail")
        out.add(
            f"Recreate the deleted trail {name} and start it",
            aws("cloudtrail", "create-trail", *args, region=region, account=account)
            + " && "
            + aws("cloudtrail", "start-logging", "--name", name, region=region, account=account),
            f"DeleteTrail at {e.time}"
            + ("" if bucket else "; its bucket is unknown from the inputs: fill it in"),
            account,
        )
        return
    out.add(
        f"Restart logging of trail {name}",
        aws("cloudtrail", "start-logging", "--name", trail, region=region, account=account),
        f"{e.name} at {e.time}" + restored,
        account,
    )
    if e.name == "PutEventSelectors" and node is not None:
        adv = node.props.get("advanced_event_selectors")
        basic = node.props.get("event_selectors")
        if adv or basic:
            flag, value = (
                ("--advanced-event-selectors", adv) if adv else ("--event-selectors", basic)
            )
            out.add(
                f"Restore the event selectors of trail {name} from the snapshot",
                aws(
                    "cloudtrail",
                    "put-event-selectors",
                    "--trail-name",
                    trail,
                    flag,
                    _compact(value),
                    region=region,
                    account=account,
                ),
                f"PutEventSelectors at {e.time} may have dropped data events; these are the selectors the snapshot recorded",
                account,
            )


_DETACH = {
    "AttachUserPolicy": ("detach-user-policy", "--user-name", "userName"),
    "AttachRolePolicy": ("detach-role-policy", "--role-name", "roleName"),
    "AttachGroupPolicy": ("detach-group-policy", "--group-name", "groupName"),
}
_DELETE_INLINE = {
    "PutUserPolicy": ("delete-user-policy", "--user-name", "userName"),
    "PutRolePolicy": ("delete-role-policy", "--role-name", "roleName"),
    "PutGroupPolicy": ("delete-group-policy", "--group-name", "groupName"),
}


def _undo_permission_changes(out: _Steps, evs: list[Event], inventory: Inventory | None) -> None:
    for e in evs:
        p = _params(e)
        account, region = e.account, e.region
        if e.source == "iam.amazonaws.com" and e.name in _DETACH:
            op, flag, key = _DETACH[e.name]
            target, policy = p.get(key), p.get("policyArn")
            if isinstance(target, str) and isinstance(policy, str):
                out.add(
                    f"Detach {policy} the attacker attached to {target}",
                    aws("iam", op, flag, target, "--policy-arn", policy, account=account),
                    f"{e.name} at {e.time}: a privilege escalation",
                    account,
                )
        elif e.source == "iam.amazonaws.com" and e.name in _DELETE_INLINE:
            op, flag, key = _DELETE_INLINE[e.name]
            target, policy = p.get(key), p.get("policyName")
            if isinstance(target, str) and isinstance(policy, str):
                out.add(
                    f"Delete inline policy {policy} the attacker put on {target}",
                    aws("iam", op, flag, target, "--policy-name", policy, account=account),
                    f"{e.name} at {e.time}: a privilege escalation (check the snapshot for an earlier policy of that name)",
                    account,
                )
        elif e.source == "iam.amazonaws.com" and e.name == "AddUserToGroup":
            user, group = p.get("userName"), p.get("groupName")
            if isinstance(user, str) and isinstance(group, str):
                out.add(
                    f"Remove {user} from group {group}",
                    aws(
                        "iam",
                        "remove-user-from-group",
                        "--user-name",
                        user,
                        "--group-name",
                        group,
                        account=account,
                    ),
                    f"AddUserToGroup at {e.time}",
                    account,
                )
        elif e.source == "iam.amazonaws.com" and e.name == "UpdateAssumeRolePolicy":
            role = p.get("roleName")
            if not isinstance(role, str):
                continue
            before = _role_trust(inventory, account, role)
            out.add(
                f"Restore the trust policy of role {role}",
                aws(
                    "iam",
                    "update-assume-role-policy",
                    "--role-name",
                    role,
                    "--policy-document",
                    _compact(before) if before else "file://trust-policy-before.json",
                    account=account,
                ),
                f"UpdateAssumeRolePolicy at {e.time} may let outsiders assume it"
                + (
                    "; the document is the snapshot's"
                    if before
                    else "; the earlier document is unknown: write it to trust-policy-before.json"
                ),
                account,
            )
        elif e.source == "s3.amazonaws.com" and e.name == "PutBucketPolicy":
            bucket = p.get("bucketName")
            if not isinstance(bucket, str):
                continue
            arn = f"arn:aws:s3:::{bucket}"
            known = inventory is not None and inventory.resource_policy_known(arn)
            before = inventory.resource_policy(arn) if inventory is not None and known else None
            if known and before is None:
                cmd = aws("s3api", "delete-bucket-policy", "--bucket", bucket, account=account)
                why = "the snapshot shows the bucket had no policy before"
            else:
                doc = before if isinstance(before, (dict, list)) else None
                if isinstance(before, str):
                    try:
                        doc = json.loads(before)
                    except ValueError:
                        doc = None
                cmd = aws(
                    "s3api",
                    "put-bucket-policy",
                    "--bucket",
                    bucket,
                    "--policy",
                    _compact(doc) if doc else "file://bucket-policy-before.json",
                    account=account,
                )
                why = (
                    "the policy below is the one the snapshot recorded"
                    if doc
                    else "the earlier policy is unknown (bucket not in a snapshot): write it to bucket-policy-before.json"
                )
            out.add(
                f"Restore the bucket policy of {bucket}",
                cmd,
                f"PutBucketPolicy at {e.time} ({region or '?'}): the new policy may open the data to the attacker; {why}",
                account,
            )


def _role_trust(inventory: Inventory | None, account: str | None, role: str) -> Any:
    if inventory is None:
        return None
    for node in inventory.principals(["role"]):
        if node.account == account and node.id.rsplit("/", 1)[-1] == role:
            return inventory.trust_policy(node.id)
    return None


# created resource -> (what to do, how): one entry per creating call; credentials and policy
# changes are handled above
_REMOVE: dict[str, tuple[str, str, str, str]] = {
    # event name: (action verb, service, operation, identifying flag)
    "RunInstances": ("Terminate", "ec2", "terminate-instances", "--instance-ids"),
    "CreateNotebookInstance": (
        "Stop and delete",
        "sagemaker",
        "stop-notebook-instance",
        "--notebook-instance-name",
    ),
    "CreateNotebookInstanceLifecycleConfig": (
        "Delete",
        "sagemaker",
        "delete-notebook-instance-lifecycle-config",
        "--notebook-instance-lifecycle-config-name",
    ),
    "CreateTrainingJob": ("Stop", "sagemaker", "stop-training-job", "--training-job-name"),
    "CreateProcessingJob": ("Stop", "sagemaker", "stop-processing-job", "--processing-job-name"),
    "CreateEndpoint": ("Delete", "sagemaker", "delete-endpoint", "--endpoint-name"),
    "CreateFunction": ("Delete", "lambda", "delete-function", "--function-name"),
    "CreateModelCustomizationJob": (
        "Stop",
        "bedrock",
        "stop-model-customization-job",
        "--job-identifier",
    ),
    "CreateProvisionedModelThroughput": (
        "Delete",
        "bedrock",
        "delete-provisioned-model-throughput",
        "--provisioned-model-id",
    ),
    "CreateAgent": ("Delete", "bedrock-agent", "delete-agent", "--agent-id"),
    "CreateKnowledgeBase": (
        "Delete",
        "bedrock-agent",
        "delete-knowledge-base",
        "--knowledge-base-id",
    ),
    "CreateUser": ("Delete", "iam", "delete-user", "--user-name"),
    "CreateRole": ("Delete", "iam", "delete-role", "--role-name"),
    "CreatePolicy": ("Delete", "iam", "delete-policy", "--policy-arn"),
}
_IAM_FIRST = " (after deleting its keys, login profile and policies)"


def _identifier(e: Event, flag: str) -> list[str]:
    """The values the command needs: ids from the response or the request."""
    name = e.created_name or ""
    if flag == "--instance-ids":
        return [i for i in name.split(",") if i]
    if flag == "--policy-arn":
        return [e.created_arn] if e.created_arn else []
    if flag in ("--agent-id", "--knowledge-base-id", "--provisioned-model-id"):
        value = (e.created_arn or name).rsplit("/", 1)[-1]
        return [value] if value else []
    return [name] if name else []


def _remove_created(out: _Steps, evs: list[Event]) -> None:
    for e in evs:
        name = base_event_name(e.name)  # CreateFunction20150331 -> CreateFunction
        if not e.created_name or name not in _REMOVE:
            continue
        verb, service, op, flag = _REMOVE[name]
        ids = _identifier(e, flag)
        if not ids:
            continue
        account, region = e.account, e.region
        global_iam = service == "iam"
        cmd = aws(service, op, flag, *ids, region=None if global_iam else region, account=account)
        if e.name == "CreateNotebookInstance":
            cmd += " && " + aws(
                "sagemaker",
                "delete-notebook-instance",
                flag,
                *ids,
                region=region,
                account=account,
            )
        why = f"{e.name} at {e.time} in {account or '?'}/{region or '?'}"
        if e.name == "RunInstances":
            why += "; snapshot the volumes first if you need them as evidence"
        if global_iam:
            why += _IAM_FIRST
        out.add(f"{verb} {', '.join(ids)} the attacker created ({e.name})", cmd, why, account)
