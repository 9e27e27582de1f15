"""Live collection with boto3 into an `aws-api-responses/1` snapshot.

Read-only calls from the operation table; a refused or unreachable call becomes a coverage gap
and collection goes on, because responders often hold only a partial read-only role.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore import xform_name
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    ParamValidationError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from graphscope.ingest.collect_ops import (
    GLOBAL,
    GLOBAL_CALL_REGION,
    OPERATIONS,
    OPERATIONS_BY_ID,
    Operation,
    base_requests,
    derived_requests,
    file_key,
)
from graphscope.ingest.snapshot import Gap, Manifest, SnapshotWriter
from graphscope.progress import track

RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=10, read_timeout=60
)

DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "AuthorizationError",
        "AuthFailure",
        "Forbidden",
        "403",
    }
)
UNAVAILABLE_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "OptInRequired",
        "SubscriptionRequiredException",
        "UnsupportedOperation",
        "InvalidAction",
        "AWSOrganizationsNotInUseException",
        "NotImplemented",
        "404",
        "UnknownOperationException",
    }
)
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "RequestThrottled",
    }
)

ClientHook = Callable[[BaseClient, str, str, str], None]
"""Called with (client, account, region, service) after each client is made (tests stub here)."""


@dataclass
class AccountTarget:
    account: str
    session: boto3.Session
    management: bool  # the calling account: the one that reads Organizations


@dataclass
class CollectResult:
    manifest: Manifest
    out: Path
    counts: dict[str, int] = field(default_factory=dict)  # files per service


def classify(code: str) -> str:
    if code in DENIED_CODES:
        return "denied"
    if code in THROTTLE_CODES:
        return "throttled"
    if code in UNAVAILABLE_CODES:
        return "unavailable"
    return "error"


def call(client: BaseClient, op: Operation, request: dict[str, Any]) -> dict[str, Any]:
    """One logical call: every page merged into one response."""
    method = xform_name(op.name)
    if client.can_paginate(method):
        return client.get_paginator(method).paginate(**request).build_full_result()
    response = getattr(client, method)(**request)
    in_tok, out_tok = op.page_token
    if not in_tok:
        return response
    merged = dict(response)
    while response.get(out_tok):
        response = getattr(client, method)(**request, **{in_tok: response[out_tok]})
        for k, v in response.items():
            if isinstance(v, list) and isinstance(merged.get(k), list):
                merged[k] = merged[k] + v
    merged.pop(out_tok, None)
    return merged


class _Collector:
    def __init__(
        self, writer: SnapshotWriter, hook: ClientHook | None, config: Config = RETRY_CONFIG
    ) -> None:
        self.writer = writer
        self.hook = hook
        self.config = config
        self.gaps: list[Gap] = []
        self.counts: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def gap(
        self,
        account: str,
        region: str,
        op: Operation,
        request: dict[str, Any],
        reason: str,
        code: str = "",
        message: str = "",
    ) -> None:
        g = Gap(
            account=account,
            region=region,
            service=op.service,
            operation=op.name,
            request=request,
            reason=reason,
            error_code=code,
            message=message[:500],
        )
        with self._lock:
            self.gaps.append(g)

    def client(self, target: AccountTarget, service: str, region: str) -> BaseClient:
        call_region = GLOBAL_CALL_REGION if region == GLOBAL else region
        with self._lock:  # boto3 sessions are not thread-safe; clients are
            client = target.session.client(service, region_name=call_region, config=self.config)
        if self.hook is not None:
            self.hook(client, target.account, region, service)
        return client

    def run_service(
        self, target: AccountTarget, region: str, service: str, ops: list[Operation]
    ) -> None:
        """Call one service's operations in table order, feeding per-item calls from earlier ones."""
        client = self.client(target, service, region)
        account = target.account
        done: dict[str, list[tuple[dict[str, Any], Any]]] = defaultdict(list)
        for op in ops:
            seen: set[str] = set()
            while True:
                if op.each:
                    requests = derived_requests(op, done, account, region)
                else:
                    requests = base_requests(op, account, region)
                todo = [r for r in requests if file_key(op, r) not in seen]
                if not todo:
                    break
                for request in todo:
                    seen.add(file_key(op, request))
                    response = self.one(client, target, region, op, request)
                    done[op.name].append((request, response))
                if not any(src.operation == op.name for src in op.each):
                    break  # only recursive operations (OUs under OUs) go round again

    def one(
        self,
        client: BaseClient,
        target: AccountTarget,
        region: str,
        op: Operation,
        request: dict[str, Any],
    ) -> dict[str, Any] | None:
        account, key = target.account, file_key(op, request)
        try:
            response = call(client, op, request)
        except ClientError as e:
            err = e.response.get("Error", {})
            code = str(err.get("Code", "")) or str(
                e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
            )
            if code in op.absent:
                self.writer.write(
                    account,
                    region,
                    op.service,
                    op.name,
                    key,
                    request,
                    None,
                    {"Code": code, "Message": err.get("Message", "")},
                )
                self._count(op)
                return None
            self.gap(account, region, op, request, classify(code), code, str(err.get("Message", e)))
            return None
        except (EndpointConnectionError, BotoConnectionError) as e:
            self.gap(account, region, op, request, "unavailable", type(e).__name__, str(e))
            return None
        except (ParamValidationError, BotoCoreError) as e:
            self.gap(account, region, op, request, "error", type(e).__name__, str(e))
            return None
        self.writer.write(account, region, op.service, op.name, key, request, response)
        self._count(op)
        return response

    def _count(self, op: Operation) -> None:
        with self._lock:
            self.counts[op.service] += 1


def resolve_regions(
    session: boto3.Session,
    regions: Iterable[str] | None,
    all_regions: bool,
    hook: ClientHook | None = None,
) -> list[str]:
    if regions:
        return list(dict.fromkeys(r.strip() for r in regions if r.strip()))
    if all_regions:
        ec2 = session.client(
            "ec2", region_name=session.region_name or GLOBAL_CALL_REGION, config=RETRY_CONFIG
        )
        if hook:
            hook(ec2, "", session.region_name or GLOBAL_CALL_REGION, "ec2")
        found = ec2.describe_regions(AllRegions=False)["Regions"]
        return sorted(r["RegionName"] for r in found)
    return [session.region_name or GLOBAL_CALL_REGION]


def org_targets(
    session: boto3.Session,
    caller_account: str,
    member_role: str,
    partition: str,
    collector: _Collector,
) -> list[AccountTarget]:
    """Member accounts from Organizations, each with a session for `member_role`."""
    op = OPERATIONS_BY_ID["organizations:ListAccounts"]
    org = collector.client(AccountTarget(caller_account, session, True), "organizations", GLOBAL)
    try:
        accounts = call(org, op, {})["Accounts"]
    except ClientError as e:
        err = e.response.get("Error", {})
        collector.gap(
            caller_account,
            GLOBAL,
            op,
            {},
            classify(str(err.get("Code"))),
            str(err.get("Code")),
            str(err.get("Message", "")),
        )
        return []
    sts = collector.client(AccountTarget(caller_account, session, True), "sts", GLOBAL)
    out = []
    for acct in accounts:
        if acct["Id"] == caller_account or acct.get("Status", "ACTIVE") != "ACTIVE":
            continue
        role_arn = f"arn:{partition}:iam::{acct['Id']}:role/{member_role}"
        try:
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="graphscope-collect")[
                "Credentials"
            ]
        except ClientError as e:
            err = e.response.get("Error", {})
            collector.gap(
                acct["Id"],
                GLOBAL,
                Operation("sts", "AssumeRole", "global"),
                {"RoleArn": role_arn},
                classify(str(err.get("Code"))),
                str(err.get("Code")),
                str(err.get("Message", "")),
            )
            continue
        member = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=session.region_name,
        )
        out.append(AccountTarget(acct["Id"], member, False))
    return out


def collect(
    out: Path,
    session: boto3.Session,
    *,
    regions: Iterable[str] | None = None,
    all_regions: bool = False,
    org: bool = False,
    member_role: str | None = None,
    operations: Iterable[Operation] = OPERATIONS,
    client_hook: ClientHook | None = None,
    client_config: Config | None = None,
    workers: int = 4,
) -> CollectResult:
    """Collect every operation for every account and region into `out` (which must be empty)."""
    if org and not member_role:
        raise ValueError("--org needs --member-role")
    writer = SnapshotWriter(out)
    # client_config is merged over the adaptive-retry defaults (tests turn host prefixes off)
    collector = _Collector(
        writer, client_hook, RETRY_CONFIG.merge(client_config) if client_config else RETRY_CONFIG
    )
    ops = list(operations)

    sts = session.client(
        "sts", region_name=session.region_name or GLOBAL_CALL_REGION, config=RETRY_CONFIG
    )
    if client_hook:
        client_hook(sts, "", GLOBAL, "sts")
    ident = sts.get_caller_identity()  # no credentials or a dead key: fatal, nothing to collect
    caller_account, caller_arn = ident["Account"], ident["Arn"]
    partition = caller_arn.split(":")[1]
    region_list = resolve_regions(session, regions, all_regions, client_hook)

    targets = [AccountTarget(caller_account, session, True)]
    if org:
        targets += org_targets(session, caller_account, member_role or "", partition, collector)

    by_scope: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for op in ops:
        by_scope[(op.scope, op.service)].append(op)
    jobs: list[tuple[AccountTarget, str, str, list[Operation]]] = []
    for target in targets:
        for (scope, service), service_ops in by_scope.items():
            if service == "organizations" and org and not target.management:
                continue  # member accounts cannot read the organisation; the management account did
            for region in [GLOBAL] if scope == "global" else region_list:
                jobs.append((target, region, service, service_ops))

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(collector.run_service, *job) for job in jobs]
        for fut in track(as_completed(futures), "collecting", total=len(futures)):
            fut.result()

    gaps = sorted(
        collector.gaps, key=lambda g: (g.account, g.region, g.service, g.operation, str(g.request))
    )
    manifest = writer.finish(
        collected_by=caller_arn,
        accounts=[t.account for t in targets],
        regions=region_list,
        gaps=gaps,
    )
    return CollectResult(manifest, Path(out), dict(sorted(collector.counts.items())))
