"""Writes logging-snapshot/: a hand-designed aws-api-responses/1 snapshot of the incident's two
accounts, holding only what coverage reads (trails, selectors, status, invocation logging,
buckets, functions, a guardrail). Rerun after editing: `python3 tests/activity/data/make_logging_snapshot.py`.

Designed facts (tests/activity/test_inventory_coverage.py checks each):
* 111122223333: `mgmt-trail`, multi-region, logging; basic selectors: all management events,
  S3 data events for ml-models-111 (whole bucket) and kb-docs-111/public/ (a prefix only);
* 111122223333: `lambda-trail`, us-east-1 only, logging; advanced selectors: Lambda data events
  for functions named agent-* (so agent-action is covered, billing is not);
* 111122223333: `audit-west`, us-west-2 only, stopped 2026-02-27T08:00:00Z; it alone selected
  web-site-111's objects;
* 444455556666: no trail at all in us-east-1 (where the hop acted); us-west-2 not collected;
* invocation logging: 111122223333 us-east-1 never configured; us-west-2 on with text delivery
  off (a guardrail lives there); 444455556666 us-east-1 on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from graphscope.ingest.collect_ops import file_key, operation
from graphscope.ingest.snapshot import Gap, SnapshotWriter

A, B = "111122223333", "444455556666"
OUT = Path(__file__).resolve().parent / "logging-snapshot"
MGMT = f"arn:aws:cloudtrail:us-east-1:{A}:trail/mgmt-trail"
LAMBDA = f"arn:aws:cloudtrail:us-east-1:{A}:trail/lambda-trail"
WEST = f"arn:aws:cloudtrail:us-west-2:{A}:trail/audit-west"


def trail(arn: str, home: str, multi: bool) -> dict:
    return {
        "Name": arn.rsplit("/", 1)[-1],
        "TrailARN": arn,
        "HomeRegion": home,
        "IsMultiRegionTrail": multi,
        "IsOrganizationTrail": False,
        "IncludeGlobalServiceEvents": multi,
        "LogFileValidationEnabled": True,
        "S3BucketName": "trail-logs-111",
        "HasCustomEventSelectors": True,
        "HasInsightSelectors": False,
    }


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    w = SnapshotWriter(OUT)

    def put(
        account: str, region: str, service: str, op: str, request: dict, response: dict
    ) -> None:
        key = file_key(operation(service, op), request)
        w.write(account, region, service, op, key, request, response)

    put(
        A,
        "us-east-1",
        "cloudtrail",
        "DescribeTrails",
        {},
        {"trailList": [trail(MGMT, "us-east-1", True), trail(LAMBDA, "us-east-1", False)]},
    )
    put(
        A,
        "us-west-2",
        "cloudtrail",
        "DescribeTrails",
        {},
        {"trailList": [trail(MGMT, "us-east-1", True), trail(WEST, "us-west-2", False)]},
    )
    put(
        A,
        "us-east-1",
        "cloudtrail",
        "GetEventSelectors",
        {"TrailName": MGMT},
        {
            "TrailARN": MGMT,
            "EventSelectors": [
                {
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": True,
                    "DataResources": [
                        {
                            "Type": "AWS::S3::Object",
                            "Values": [
                                "arn:aws:s3:::ml-models-111/",
                                "arn:aws:s3:::kb-docs-111/public/",
                            ],
                        }
                    ],
                    "ExcludeManagementEventSources": [],
                }
            ],
        },
    )
    put(
        A,
        "us-east-1",
        "cloudtrail",
        "GetEventSelectors",
        {"TrailName": LAMBDA},
        {
            "TrailARN": LAMBDA,
            "AdvancedEventSelectors": [
                {
                    "Name": "agent functions",
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
                        {
                            "Field": "resources.ARN",
                            "StartsWith": [f"arn:aws:lambda:us-east-1:{A}:function:agent-"],
                        },
                    ],
                }
            ],
        },
    )
    put(
        A,
        "us-west-2",
        "cloudtrail",
        "GetEventSelectors",
        {"TrailName": WEST},
        {
            "TrailARN": WEST,
            "AdvancedEventSelectors": [
                {
                    "Name": "management",
                    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
                },
                {
                    "Name": "site objects",
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                        {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::web-site-111/"]},
                    ],
                },
            ],
        },
    )
    for arn, region in ((MGMT, "us-east-1"), (LAMBDA, "us-east-1")):
        put(
            A,
            region,
            "cloudtrail",
            "GetTrailStatus",
            {"Name": arn},
            {"IsLogging": True, "LatestDeliveryTime": "2026-03-01T13:05:00+00:00"},
        )
    put(
        A,
        "us-west-2",
        "cloudtrail",
        "GetTrailStatus",
        {"Name": WEST},
        {
            "IsLogging": False,
            "StopLoggingTime": "2026-02-27T08:00:00+00:00",
            "LatestDeliveryTime": "2026-02-27T08:04:00+00:00",
        },
    )
    put(B, "us-east-1", "cloudtrail", "DescribeTrails", {}, {"trailList": []})

    put(A, "us-east-1", "bedrock", "GetModelInvocationLoggingConfiguration", {}, {})
    put(
        A,
        "us-west-2",
        "bedrock",
        "GetModelInvocationLoggingConfiguration",
        {},
        {
            "loggingConfig": {
                "s3Config": {"bucketName": "inv-logs-111", "keyPrefix": "west"},
                "textDataDeliveryEnabled": False,
                "imageDataDeliveryEnabled": False,
                "embeddingDataDeliveryEnabled": False,
            }
        },
    )
    put(
        B,
        "us-east-1",
        "bedrock",
        "GetModelInvocationLoggingConfiguration",
        {},
        {
            "loggingConfig": {
                "s3Config": {"bucketName": "inv-logs-444"},
                "textDataDeliveryEnabled": True,
                "imageDataDeliveryEnabled": True,
                "embeddingDataDeliveryEnabled": True,
            }
        },
    )
    put(
        A,
        "us-west-2",
        "bedrock",
        "ListGuardrails",
        {},
        {
            "guardrails": [
                {
                    "id": "gr0000west",
                    "arn": f"arn:aws:bedrock:us-west-2:{A}:guardrail/gr0000west",
                    "name": "west-guard",
                    "status": "READY",
                    "version": "DRAFT",
                }
            ]
        },
    )

    def bucket(name: str, region: str) -> dict:
        return {"Name": name, "CreationDate": "2025-01-01T00:00:00+00:00", "BucketRegion": region}

    put(
        A,
        "global",
        "s3",
        "ListBuckets",
        {},
        {
            "Buckets": [
                bucket("ml-models-111", "us-east-1"),
                bucket("kb-docs-111", "us-east-1"),
                bucket("web-site-111", "us-west-2"),
            ],
            "Owner": {"ID": "a" * 64},
        },
    )
    put(
        B,
        "global",
        "s3",
        "ListBuckets",
        {},
        {"Buckets": [bucket("training-data-444", "us-east-1")], "Owner": {"ID": "b" * 64}},
    )

    def function(name: str) -> dict:
        return {
            "FunctionName": name,
            "FunctionArn": f"arn:aws:lambda:us-east-1:{A}:function:{name}",
            "Role": f"arn:aws:iam::{A}:role/{name}-role",
            "Runtime": "python3.12",
        }

    put(
        A,
        "us-east-1",
        "lambda",
        "ListFunctions",
        {},
        {"Functions": [function("agent-action"), function("billing")]},
    )

    gap = Gap(
        account=B,
        region="us-west-2",
        service="cloudtrail",
        operation="DescribeTrails",
        reason="denied",
        error_code="AccessDenied",
        message="not authorised to call cloudtrail:DescribeTrails",
    )
    w.finish(
        collected_by=f"arn:aws:iam::{A}:user/responder",
        accounts=[A, B],
        regions=["us-east-1", "us-west-2"],
        gaps=[gap],
        collected_at="2026-03-02T09:00:00+00:00",
    )


if __name__ == "__main__":
    main()
