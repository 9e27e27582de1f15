"""CloudTrail records -> one compact, typed Event.

Accepts delivery files, JSON Lines (CloudTrail Lake, SIEM exports with renamed fields such as a
Logstash `@timestamp`), `aws cloudtrail lookup-events` output and EventBridge wrappers (see
ingest/logfiles.py for containers). A record whose identity or time cannot be trusted is skipped
with a reason rather than guessed at: a wrong attribution is worse than a gap.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from graphscope.ingest.logfiles import ReadStats, iter_log_files, iter_raw_records

TIME_FIELDS = (
    "eventTime",
    "@timestamp",
    "EventTime",
    "event_time",
    "eventtime",
    "timestamp",
    "time",
)
"""Where exporters put the event time, in order of preference; the one used is counted."""
OTHER_LOG_DIRS = ("BedrockModelInvocationLogs", "vpcflowlogs", "elasticloadbalancing", "Config")
"""AWSLogs folders of other log kinds, skipped when a folder is walked for CloudTrail."""
MAX_REQUEST_BYTES = 16 * 1024
"""requestParameters kept for drill-down are cut at this size."""


@dataclass(slots=True)
class Event:
    """One CloudTrail event, normalised. Times are ISO-8601 UTC strings 'YYYY-MM-DDTHH:MM:SSZ'."""

    key: str  # deduplication key (see event_key)
    event_id: str | None
    time: str
    source: str
    name: str
    region: str | None
    account: str | None  # recipientAccountId
    principal_type: str | None
    principal: str | None  # ARN, or a synthetic id for web-identity/SAML/service callers
    principal_account: str | None
    access_key_id: str | None
    session_issuer: str | None  # role ARN behind an assumed-role session
    session_created: str | None  # sessionContext.attributes.creationDate
    source_identity: str | None
    invoked_by: str | None
    source_ip: str | None
    user_agent: str | None
    error_code: str | None
    request_id: str | None
    event_type: str | None
    read_only: bool | None
    bearer: bool  # additionalEventData.callWithBearerToken: a Bedrock API key was used
    resources: tuple[str, ...]
    issued_key: str | None  # responseElements.credentials.accessKeyId
    issued_principal: str | None  # the session/federated-user ARN those credentials act as
    issued_role: str | None
    issued_session_name: str | None
    issued_expiry: str | None
    created_key: str | None  # CreateAccessKey / CreateServiceSpecificCredential
    created_for: str | None  # the user that key belongs to (ARN)
    created_arn: str | None  # what a successful Create*/Run*/... call made (eradication list)
    created_name: str | None
    model_id: str | None
    request: str | None  # requestParameters as compact JSON, cut at MAX_REQUEST_BYTES
    file: str
    index: int
    time_field: str


class RecordError(ValueError):
    """A record that cannot be used, with the reason shown to the responder."""


_TIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,]\d+)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?$"
)


def normalise_time(value: Any) -> str:
    """ISO-8601 UTC at second precision from the shapes exporters produce; no zone means UTC."""
    if isinstance(value, str):
        if len(value) == 20 and value[10] == "T" and value[19] == "Z":
            return value
        m = _TIME_RE.match(value.strip())
        if m is None:
            raise RecordError(f"unreadable time {value[:40]!r}")
        day, clock, zone = m.groups()
        if zone and zone not in ("Z", "z", "UTC"):
            try:
                stamp = datetime.fromisoformat(f"{day}T{clock}{zone[:3]}:{zone[-2:]}")
                return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            except (ValueError, OverflowError) as exc:  # month 13, zone +99:99, year 9999+1
                raise RecordError(f"unreadable time {value[:40]!r}: {exc}") from exc
        return f"{day}T{clock}Z"
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = (
            value / 1000 if value > 1e11 else value
        )  # epoch milliseconds (CloudWatch) or seconds
        try:
            return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (ValueError, OverflowError, OSError) as exc:  # beyond what a date can hold
            raise RecordError(f"time {value!r} is out of range") from exc
    raise RecordError(f"time is {type(value).__name__}, expected a string")


def find_time(rec: dict[str, Any], fields: Iterable[str] = TIME_FIELDS) -> tuple[str, str]:
    """(normalised time, field used)."""
    for f in fields:
        v = rec.get(f)
        if v is not None:
            return normalise_time(v), f
    raise RecordError("no event time (looked for " + ", ".join(fields) + ")")


def _canonical(rec: dict[str, Any]) -> dict[str, Any]:
    """Map renamed top-level keys (EventName, event_name, eventname) back to CloudTrail's names."""
    if "eventName" in rec:
        return rec
    lowered = {k.replace("_", "").lower(): k for k in rec}
    out = dict(rec)
    for want in (
        "eventName",
        "eventSource",
        "eventID",
        "awsRegion",
        "recipientAccountId",
        "userIdentity",
        "sourceIPAddress",
        "userAgent",
        "errorCode",
        "errorMessage",
        "requestParameters",
        "responseElements",
        "resources",
        "requestID",
        "eventType",
        "readOnly",
        "additionalEventData",
        "vpcEndpointId",
        "sharedEventID",
    ):
        if want not in out and want.lower() in lowered:
            out[want] = rec[lowered[want.lower()]]
    return out


def _obj(rec: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object; JSON strings (CloudTrail Lake exports) are parsed; wrong types are errors."""
    v = rec.get(key)
    if v is None:
        return {}
    if isinstance(v, dict):
        return v
    if isinstance(v, str):
        try:
            parsed = orjson.loads(v)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
        if key == "userIdentity":  # the caller must be known or the event cannot be attributed
            raise RecordError("userIdentity is str, expected an object")
        return {}  # some services log a plain string here; it names nothing we use
    if key == "userIdentity":
        raise RecordError(f"userIdentity is {type(v).__name__}, expected an object")
    return {}


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def event_key(
    event_id: str | None,
    time: str,
    source: str,
    name: str,
    account: str | None,
    access_key_id: str | None,
    principal: str | None,
    error_code: str | None,
) -> str:
    """eventID is unique per event and per account copy; the rest guards against exports that
    reuse or drop ids (test data, hand edits), so two different events never collapse."""
    return key_digest(
        event_id, time, source, name, account, access_key_id, principal, error_code
    ).hex()


def key_digest(
    event_id: str | None,
    time: str,
    source: str,
    name: str,
    account: str | None,
    access_key_id: str | None,
    principal: str | None,
    error_code: str | None,
) -> bytes:
    """event_key as its 12 raw bytes: what the event store keeps and deduplicates on."""
    raw = "|".join(
        (
            event_id or "",
            time,
            source,
            name,
            account or "",
            access_key_id or "",
            principal or "",
            error_code or "",
        )
    )
    return hashlib.blake2b(raw.encode(), digest_size=12).digest()


# requestParameters key -> ARN template; {v} is the value, used as-is when it already is an ARN.
_PARAM_ARNS: dict[str, tuple[str | None, str]] = {
    "roleArn": (None, "{v}"),
    "policyArn": (None, "{v}"),
    "functionName": ("lambda", "arn:{p}:lambda:{r}:{a}:function:{v}"),
    "secretId": ("secretsmanager", "arn:{p}:secretsmanager:{r}:{a}:secret:{v}"),
    "keyId": ("kms", "arn:{p}:kms:{r}:{a}:key/{v}"),
    "userName": ("iam", "arn:{p}:iam::{a}:user/{v}"),
    "roleName": ("iam", "arn:{p}:iam::{a}:role/{v}"),
    "modelId": ("bedrock", "arn:{p}:bedrock:{r}::foundation-model/{v}"),
    "modelIdentifier": ("bedrock", "arn:{p}:bedrock:{r}::foundation-model/{v}"),
    "knowledgeBaseId": ("bedrock", "arn:{p}:bedrock:{r}:{a}:knowledge-base/{v}"),
    "agentId": ("bedrock", "arn:{p}:bedrock:{r}:{a}:agent/{v}"),
    "guardrailIdentifier": ("bedrock", "arn:{p}:bedrock:{r}:{a}:guardrail/{v}"),
    "notebookInstanceName": ("sagemaker", "arn:{p}:sagemaker:{r}:{a}:notebook-instance/{v}"),
    "endpointName": ("sagemaker", "arn:{p}:sagemaker:{r}:{a}:endpoint/{v}"),
    "trainingJobName": ("sagemaker", "arn:{p}:sagemaker:{r}:{a}:training-job/{v}"),
    "dBInstanceIdentifier": ("rds", "arn:{p}:rds:{r}:{a}:db:{v}"),
    "dBSnapshotIdentifier": ("rds", "arn:{p}:rds:{r}:{a}:snapshot:{v}"),
    "snapshotId": ("ec2", "arn:{p}:ec2:{r}:{a}:snapshot/{v}"),
    "imageId": ("ec2", "arn:{p}:ec2:{r}::image/{v}"),
    "instanceId": ("ec2", "arn:{p}:ec2:{r}:{a}:instance/{v}"),
    "logGroupName": ("logs", "arn:{p}:logs:{r}:{a}:log-group:{v}"),
    "tableName": ("dynamodb", "arn:{p}:dynamodb:{r}:{a}:table/{v}"),
    "trailName": ("cloudtrail", "arn:{p}:cloudtrail:{r}:{a}:trail/{v}"),
}


_RESOURCE_PARAMS = frozenset({*_PARAM_ARNS, "bucketName", "name", "instancesSet"})
"""Every requestParameters key _param_resources reads: a request naming none of them (most
reads and lists) names no resource, decided with one set operation."""


def _param_resources(source: str, region: str, account: str, params: dict[str, Any]) -> list[str]:
    if params.keys().isdisjoint(_RESOURCE_PARAMS):
        return []
    service = source.split(".", 1)[0]
    out: list[str] = []
    bucket = params.get("bucketName")
    if isinstance(bucket, str) and bucket:
        key = params.get("key")
        out.append(
            f"arn:aws:s3:::{bucket}/{key}"
            if isinstance(key, str) and key
            else f"arn:aws:s3:::{bucket}"
        )
    for pkey, v in params.items():  # requests hold few keys: walk them, not the table
        spec = _PARAM_ARNS.get(pkey)
        if spec is None or not isinstance(v, str) or not v:
            continue
        svc, template = spec
        if v.startswith("arn:"):
            out.append(v)
        elif svc == service:
            out.append(
                template.format(
                    p="aws", r=region, a=account, v=v.lstrip("/") if svc == "ssm" else v
                )
            )
    if service == "ssm":
        name = params.get("name")
        if isinstance(name, str) and name:
            out.append(
                name
                if name.startswith("arn:")
                else f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
            )
    elif service == "cloudtrail":
        name = params.get("name") or params.get("trailName")
        if isinstance(name, str) and name:
            out.append(
                name
                if name.startswith("arn:")
                else f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"
            )
    elif service == "ec2":
        items = (
            (params.get("instancesSet") or {}).get("items")
            if isinstance(params.get("instancesSet"), dict)
            else None
        ) or []
        for item in items if isinstance(items, list) else []:
            iid = item.get("instanceId") if isinstance(item, dict) else None
            if isinstance(iid, str):
                out.append(f"arn:aws:ec2:{region}:{account}:instance/{iid}")
    return out


_CREATE_VERBS = (
    "Create",
    "Run",
    "Register",
    "Allocate",
    "Import",
    "Copy",
    "Publish",
    "Request",
    "Upload",
)
_NOT_CREATIONS = frozenset(
    {
        "CreateTags",
        "CreateLogStream",
        "CreateMultipartUpload",
        "CreatePresignedNotebookInstanceUrl",
        "CreatePresignedDomainUrl",
        "CreateToken",
        "RequestSpotFleet",
    }
)
_NAME_PARAMS = (
    "userName",
    "roleName",
    "bucketName",
    "functionName",
    "name",
    "policyName",
    "instanceProfileName",
    "groupName",
    "dBInstanceIdentifier",
    "dBSnapshotIdentifier",
    "notebookInstanceName",
    "agentName",
    "knowledgeBaseName",
    "guardrailName",
    "jobName",
    "trailName",
    "secretId",
    "keyId",
    "groupId",
)


def _find_arn(obj: Any, depth: int = 0) -> str | None:
    """The first '*Arn'/'arn' string in a response, looking two levels down."""
    if not isinstance(obj, dict) or depth > 2:
        return None
    for k, v in obj.items():
        if isinstance(v, str) and v.startswith("arn:") and k.lower().endswith("arn"):
            return v
    for v in obj.values():
        found = _find_arn(v, depth + 1)
        if found:
            return found
    return None


_NOT_IDS = frozenset({"requestId", "ownerId", "clientToken", "accountId", "keyId", "regionId"})


def _find_id(obj: Any, depth: int = 0) -> str | None:
    """The first '*Id' string in a response (EC2 answers vpc.vpcId, not an ARN)."""
    if not isinstance(obj, dict) or depth > 2:
        return None
    for k, v in obj.items():
        if isinstance(v, str) and v and k.endswith("Id") and k not in _NOT_IDS:
            return v
    for v in obj.values():
        found = _find_id(v, depth + 1)
        if found:
            return found
    return None


def _created(
    name: str, resp: dict[str, Any], params: dict[str, Any], resources: list[str]
) -> tuple[str | None, str | None]:
    """(ARN, name) of what a successful creating call made, from its response or request."""
    if not name.startswith(_CREATE_VERBS):  # most calls: decided without further work
        return None, None
    base = name.rstrip("0123456789v") if name[-1:].isdigit() else name
    if not base.startswith(_CREATE_VERBS) or base in _NOT_CREATIONS:
        return None, None
    arn = _find_arn(resp)
    items = (
        (resp.get("instancesSet") or {}).get("items")
        if isinstance(resp.get("instancesSet"), dict)
        else None
    )
    if arn is None and isinstance(items, list) and items and isinstance(items[0], dict):
        ids = [
            i.get("instanceId")
            for i in items
            if isinstance(i, dict) and isinstance(i.get("instanceId"), str)
        ]
        return None, ",".join(ids) or None
    if arn is None:
        found = _find_id(resp)
        if found:
            return None, found
    label = next(
        (params[k] for k in _NAME_PARAMS if isinstance(params.get(k), str) and params[k]), None
    )
    if arn is None and resources:
        arn = resources[0]
    if label is None and arn:
        label = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return arn, label or base


def _principal(ui: dict[str, Any]) -> str | None:
    """The caller's ARN, or a stable synthetic id when CloudTrail gives none."""
    arn = _str(ui.get("arn"))
    if arn:
        return arn
    kind = ui.get("type")
    if kind in ("WebIdentityUser", "SAMLUser"):
        return f"{'web-identity' if kind == 'WebIdentityUser' else 'saml'}:{ui.get('identityProvider') or ''}:{ui.get('userName') or ui.get('principalId') or ''}"
    if kind == "AWSService" or (kind is None and ui.get("invokedBy")):
        return f"service:{ui.get('invokedBy') or 'unknown'}"
    if kind == "AWSAccount":
        return f"account:{ui.get('accountId') or ''}:{ui.get('principalId') or ''}"
    return None


def normalise_event(
    rec: Any, file: str, index: int, time_fields: Iterable[str] = TIME_FIELDS
) -> Event:
    """One raw record -> Event, or RecordError with the reason it cannot be used."""
    if not isinstance(rec, dict):
        raise RecordError(f"record is {type(rec).__name__}, expected a JSON object")
    rec = _canonical(rec)
    name, source = rec.get("eventName"), rec.get("eventSource")
    if name is None or source is None:
        if "schemaType" in rec or "modelId" in rec:
            raise RecordError(
                "a Bedrock model-invocation log record, not a CloudTrail event (give it with --invocation-logs)"
            )
        raise RecordError("not a CloudTrail event: no eventName/eventSource")
    if not isinstance(name, str) or not isinstance(source, str) or not name or not source:
        raise RecordError(
            f"eventName/eventSource have wrong types ({type(name).__name__}, {type(source).__name__})"
        )
    time, time_field = find_time(rec, time_fields)
    ui = _obj(rec, "userIdentity")
    params = _obj(rec, "requestParameters")
    resp = _obj(rec, "responseElements")
    extra = _obj(rec, "additionalEventData")
    ctx = ui.get("sessionContext") if isinstance(ui.get("sessionContext"), dict) else {}
    attrs = ctx.get("attributes") if isinstance(ctx.get("attributes"), dict) else {}
    issuer = ctx.get("sessionIssuer") if isinstance(ctx.get("sessionIssuer"), dict) else {}
    region = _str(rec.get("awsRegion"))
    account = _str(rec.get("recipientAccountId")) or _str(ui.get("accountId"))
    principal = _principal(ui)
    access_key = _str(ui.get("accessKeyId"))
    error = _str(rec.get("errorCode"))
    event_id = _str(rec.get("eventID"))

    resources: list[str] = []
    raw_res = rec.get("resources")
    if isinstance(raw_res, list):
        for r in raw_res:
            if isinstance(r, dict):
                arn = r.get("ARN") or r.get("arn")
                if isinstance(arn, str) and arn.startswith("arn:"):
                    resources.append(arn)
    resources.extend(_param_resources(source, region or "", account or "", params))

    creds = resp.get("credentials") if isinstance(resp.get("credentials"), dict) else {}
    issued_key = _str(creds.get("accessKeyId"))
    issued_principal = issued_role = issued_name = None
    if issued_key:
        aru = resp.get("assumedRoleUser") or resp.get("federatedUser") or {}
        issued_principal = _str(aru.get("arn")) if isinstance(aru, dict) else None
        if issued_principal is None and name == "GetSessionToken":
            issued_principal = principal
        issued_role = _str(params.get("roleArn"))
        issued_name = _str(params.get("roleSessionName")) or _str(params.get("name"))
        expiry = creds.get("expiration")
    else:
        expiry = None
    created_key = created_for = None
    if source == "iam.amazonaws.com" and name in (
        "CreateAccessKey",
        "CreateServiceSpecificCredential",
    ):
        obj = resp.get("accessKey") or resp.get("serviceSpecificCredential") or {}
        if isinstance(obj, dict):
            created_key = _str(obj.get("accessKeyId")) or _str(
                obj.get("serviceSpecificCredentialId")
            )
            user = _str(obj.get("userName")) or _str(params.get("userName"))
            if user is None and ui.get("type") == "IAMUser":
                created_for = principal  # no userName: the caller's own key
            elif user and account:
                created_for = f"arn:aws:iam::{account}:user/{user}"
    model_id = _str(params.get("modelId")) if source == "bedrock.amazonaws.com" else None
    created_arn, created_name = (
        _created(name, resp, params, resources) if error is None else (None, None)
    )
    if created_key:
        created_arn, created_name = (
            created_for,
            created_key,
        )  # the key id is what a responder deactivates
    request = (
        orjson.dumps(params)[:MAX_REQUEST_BYTES].decode("utf-8", "replace") if params else None
    )
    read_only = rec.get("readOnly")
    if isinstance(read_only, str):
        read_only = read_only.lower() == "true"
    bearer = extra.get("callWithBearerToken")
    invoked_by = _str(ui.get("invokedBy"))
    source_identity = (
        _str(ctx.get("sourceIdentity")) or _str(params.get("sourceIdentity"))
        if issued_key
        else _str(ctx.get("sourceIdentity"))
    )

    return Event(
        key=event_key(event_id, time, source, name, account, access_key, principal, error),
        event_id=event_id,
        time=time,
        source=source,
        name=name,
        region=region,
        account=account,
        principal_type=_str(ui.get("type")),
        principal=principal,
        principal_account=_str(ui.get("accountId")),
        access_key_id=access_key,
        session_issuer=_str(issuer.get("arn")),
        session_created=_safe_time(attrs.get("creationDate")),
        source_identity=source_identity,
        invoked_by=invoked_by,
        source_ip=_str(rec.get("sourceIPAddress")),
        user_agent=_str(rec.get("userAgent")),
        error_code=error,
        request_id=_str(rec.get("requestID")),
        event_type=_str(rec.get("eventType")),
        read_only=read_only if isinstance(read_only, bool) else None,
        bearer=bearer is True or bearer == "true",
        resources=tuple(dict.fromkeys(resources)),
        issued_key=issued_key,
        issued_principal=issued_principal,
        issued_role=issued_role,
        issued_session_name=issued_name,
        issued_expiry=_safe_time(expiry),
        created_key=created_key,
        created_for=created_for,
        created_arn=created_arn,
        created_name=created_name,
        model_id=model_id,
        request=request,
        file=file,
        index=index,
        time_field=time_field,
    )


def _safe_time(value: Any) -> str | None:
    """Times inside a record (creationDate, expiration) in their several shapes, or None."""
    if value is None:
        return None
    try:
        return normalise_time(value)
    except RecordError:
        pass
    if isinstance(value, str):  # "Jul 10, 2023, 12:09:47 PM" (IAM/STS response style, UTC)
        for fmt in ("%b %d, %Y, %I:%M:%S %p", "%b %d, %Y %I:%M:%S %p"):
            try:
                return datetime.strptime(value, fmt).strftime("%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                continue
    return None


UNUSABLE = (RecordError, TypeError, AttributeError, ValueError)
"""What normalising a record may raise: RecordError with a reason, the others for a shape
nobody anticipated. Either way the record is skipped and counted, never fatal."""


def unusable_reason(exc: Exception) -> str:
    """The reason a skipped record is reported with."""
    if isinstance(exc, RecordError):
        return str(exc)
    return f"malformed record: {type(exc).__name__}: {exc}"


def events_from(name: str, raw: Iterable[tuple[int, Any]], stats: ReadStats) -> Iterator[Event]:
    """Normalise the raw records of one source; unusable ones are counted in `stats`."""
    for index, rec in raw:
        try:
            event = normalise_event(rec, name, index)
        except UNUSABLE as exc:
            stats.skip(name, index, unusable_reason(exc))
            continue
        stats.records += 1
        stats.time_fields[event.time_field] += 1
        yield event


def read_cloudtrail(paths: Iterable[str | Path], stats: ReadStats | None = None) -> Iterator[Event]:
    """Stream Events from files/folders; unusable records are counted in `stats` with reasons."""
    stats = stats if stats is not None else ReadStats()
    for path in iter_log_files(paths, skip_dirs=OTHER_LOG_DIRS):
        yield from events_from(str(path), iter_raw_records(path, stats), stats)
