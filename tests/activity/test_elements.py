"""The element mapping is data; these tests pin how it is interpreted."""

from __future__ import annotations

import pytest

from graphscope.elements import base_event_name, classify, coverage_signal, element_map, is_denied
from graphscope.schema import ELEMENTS


def test_mapping_loads_and_names_only_the_seven_elements() -> None:
    emap = element_map()
    assert {r.element for r in emap.rules} == set(ELEMENTS)
    assert emap.fallback in ELEMENTS


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("sts.amazonaws.com", "GetCallerIdentity", ("Access",)),
        ("iam.amazonaws.com", "CreateServiceSpecificCredential", ("Access",)),
        ("lambda.amazonaws.com", "CreateFunction20150331", ("Computing changes",)),
        ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", ("Computing changes",)),
        ("sagemaker.amazonaws.com", "CreatePresignedNotebookInstanceUrl", ("Computing changes",)),
        ("bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration", ("AI changes",)),
        ("bedrock.amazonaws.com", "CreateAgent", ("AI changes",)),
        ("bedrock.amazonaws.com", "UpdateAgent", ("AI changes", "Proxy")),
        ("s3.amazonaws.com", "PutBucketPolicy", ("Data store changes",)),
        ("bedrock.amazonaws.com", "StartIngestionJob", ("Data store changes",)),
        ("bedrock.amazonaws.com", "InvokeModel", ("Invocation",)),
        ("bedrock.amazonaws.com", "Converse", ("Invocation",)),
        ("sagemaker.amazonaws.com", "InvokeEndpoint", ("Invocation",)),
        ("bedrock.amazonaws.com", "Retrieve", ("Invocation", "Private data", "Proxy")),
        ("bedrock.amazonaws.com", "RetrieveAndGenerate", ("Invocation", "Private data", "Proxy")),
        ("bedrock.amazonaws.com", "InvokeAgent", ("Invocation", "Proxy")),
        ("s3.amazonaws.com", "GetObject", ("Private data",)),
        ("secretsmanager.amazonaws.com", "GetSecretValue", ("Private data",)),
        ("kms.amazonaws.com", "GenerateDataKeyWithoutPlaintext", ("Private data",)),
        # tier 2: generic verbs apply only when no specific rule matched
        ("ec2.amazonaws.com", "CreateVpc", ("Computing changes",)),
        ("ec2.amazonaws.com", "DescribeRouteTables", ("Access",)),
        ("bedrock.amazonaws.com", "CreateEvaluationJob", ("AI changes",)),
        ("ec2.amazonaws.com", "ModifySnapshotAttribute", ("Data store changes",)),
    ],
)
def test_classify(source: str, name: str, expected: tuple[str, ...]) -> None:
    c = classify(source, name)
    assert c.elements == expected
    assert not c.unclassified


def test_denied_calls_also_land_in_access() -> None:
    c = classify("bedrock.amazonaws.com", "InvokeModel", "AccessDeniedException")
    assert c.denied and c.elements == ("Access", "Invocation")
    # a validation error is not a denial (LLMjacking recon answered without cost)
    c = classify("bedrock.amazonaws.com", "InvokeModel", "ValidationException")
    assert not c.denied and c.elements == ("Invocation",)
    assert is_denied("Client.UnauthorizedOperation") and is_denied("AccessDenied")
    assert not is_denied(None) and not is_denied("ThrottlingException")


def test_unmapped_events_fall_back_visibly() -> None:
    c = classify("example.amazonaws.com", "FrobnicateWidget")
    assert c.unclassified and c.elements == (element_map().fallback,)


def test_version_suffix_and_coverage_signals() -> None:
    assert base_event_name("CreateFunction20150331") == "CreateFunction"
    assert base_event_name("UpdateFunctionConfiguration20150331v2") == "UpdateFunctionConfiguration"
    assert base_event_name("GetObject") == "GetObject"
    assert coverage_signal("cloudtrail.amazonaws.com", "StopLogging")
    assert coverage_signal("bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration")
    assert coverage_signal("cloudtrail.amazonaws.com", "LookupEvents") is None
