"""Loading the hand-built example organisation, auth-details files, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphscope.cli import app
from graphscope.ingest.base_graph import LoadError
from graphscope.ingest.inventory import load_inventory
from graphscope.ingest.snapshot import SnapshotError, verify
from graphscope.store.memory import MemoryGraphStore

DATA = Path(__file__).resolve().parent / "data"
SNAP = DATA / "org-snapshot"
AUTH = DATA / "iam-auth-details-222222222222.json"
MGMT, PROD = "111111111111", "222222222222"
R = "us-east-1"


def iam(account: str, rest: str) -> str:
    return f"arn:aws:iam::{account}:{rest}"


@pytest.fixture
def snap_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "snap"
    shutil.copytree(SNAP, dst)
    return dst


def _rewrite_manifest(root: Path, rel: str) -> None:
    """Re-hash one file, so only the loader (not verify) sees the change."""
    import hashlib

    manifest = json.loads((root / "manifest.json").read_text())
    manifest["files"][rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_fixture_is_intact() -> None:
    assert verify(SNAP).ok


def test_example_organisation_graph() -> None:
    inv = load_inventory(snapshots=[SNAP])
    assert inv.accounts == [MGMT, PROD]
    # the one deliberate gap, and nothing the table expects is missing
    assert [(g.account, g.operation, g.reason) for g in inv.gaps] == [
        (MGMT, "ListDomains", "denied")
    ]
    c = inv.store.counts()
    assert (c["node:user"], c["node:role"], c["node:group"], c["node:access_key"]) == (3, 8, 1, 2)
    assert (c["node:scp"], c["node:rcp"], c["edge:policy_applies_to"], c["edge:trusts"]) == (
        2,
        1,
        6,
        8,
    )
    assert (
        c["node:agent"],
        c["node:knowledge_base"],
        c["node:data_source"],
        c["node:aoss_collection"],
    ) == (1, 1, 1, 1)
    s = inv.store

    def edge(src: str, dst: str, kind: str) -> bool:
        return any(e.dst == dst for e in s.out_edges(src, {kind}))

    agent = f"arn:aws:bedrock:{R}:{PROD}:agent/AGENT00001"
    kb = f"arn:aws:bedrock:{R}:{PROD}:knowledge-base/KBASE00001"
    assert edge(agent, iam(PROD, "role/BedrockAgentRole"), "runs_as")
    assert edge(agent, f"arn:aws:bedrock:{R}:{PROD}:guardrail/grd0000001", "uses_guardrail")
    assert edge(
        agent,
        f"arn:aws:bedrock:{R}::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "uses_model",
    )
    assert edge(agent, kb, "uses_knowledge_base")
    assert edge(kb, iam(PROD, "role/BedrockKbRole"), "runs_as")
    assert edge(kb, f"arn:aws:aoss:{R}:{PROD}:collection/coll0000001", "stored_in")
    assert edge(f"{kb}/data-source/DSRC000001", "arn:aws:s3:::acme-kb-docs", "stored_in")
    assert edge(
        f"{agent}/version/1/action-group/ACTGRP0001",
        f"arn:aws:lambda:{R}:{PROD}:function:order-lookup",
        "invokes_function",
    )
    assert edge(
        f"arn:aws:sagemaker:{R}:{PROD}:notebook-instance/research-nb",
        iam(PROD, "role/NotebookRole"),
        "runs_as",
    )
    assert edge(iam(PROD, "role/OrganizationAccountAccessRole"), iam(MGMT, "root"), "trusts")
    assert edge(iam(MGMT, "role/AuditReader"), iam(PROD, "role/analyst"), "trusts")
    assert edge(iam(PROD, "user/dev-alice"), "AKIAPRODALICE0000001", "has_access_key")
    assert edge(
        f"arn:aws:cloudtrail:{R}:{MGMT}:trail/org-trail", "arn:aws:s3:::acme-org-trail", "logs_to"
    )
    trail = s.node(f"arn:aws:cloudtrail:{R}:{MGMT}:trail/org-trail")
    assert (
        trail.props["is_logging"] is True
        and trail.props["event_selectors"][0]["ReadWriteType"] == "All"
    )
    assert s.node(f"invocation-logging/{MGMT}/{R}").props["enabled"] is False
    assert s.node(f"invocation-logging/{PROD}/{R}").props["enabled"] is True

    # policy documents, as the IAM engine will read them
    assert (
        inv.boundary(iam(PROD, "role/NotebookRole")).document["Statement"][0]["Action"][0]
        == "s3:GetObject"
    )
    assert inv.boundary(iam(PROD, "user/ci-bot")).name == "ci-boundary"
    alice = {d.name: d for d in inv.identity_policies(iam(PROD, "user/dev-alice"))}
    assert alice["ml-engineer-access"].via == iam(PROD, "group/ml-engineers")
    assert alice["self-service"].kind == "inline"
    assert (
        inv.trust_policy(iam(MGMT, "role/AuditReader"))["Statement"][0]["Sid"] == "FromProdAnalyst"
    )
    assert inv.resource_policy("arn:aws:s3:::acme-kb-docs")["Statement"][0]["Effect"] == "Deny"
    assert inv.resource_policy_known("arn:aws:s3:::acme-model-artifacts")
    assert inv.resource_policy("arn:aws:s3:::acme-model-artifacts") is None
    col = s.node(f"arn:aws:aoss:{R}:{PROD}:collection/coll0000001")
    assert col.props["access_policies"][0]["policy"][0]["Principal"] == [
        iam(PROD, "role/BedrockKbRole")
    ]
    prod = inv.org_policies(PROD)
    assert not prod.management and [lvl.kind for lvl in prod.scp_levels] == [
        "org_root",
        "org_unit",
        "account",
    ]
    assert {d.name for d in prod.scp_levels[1].policies} == {"FullAWSAccess", "DenyAIDestruction"}
    assert [d.name for d in prod.rcp_levels[0].policies] == ["RCPFullAWSAccess"]
    assert inv.org_policies(MGMT).management
    assert inv.key_owner("AKIAPRODALICE0000001") == iam(PROD, "user/dev-alice")
    assert {d.kind for d in inv.policy_documents()} == {"managed", "inline", "scp", "rcp"}
    assert all(d.document is not None for d in inv.policy_documents())


def test_auth_details_on_its_own() -> None:
    inv = load_inventory(iam_auth_details=[AUTH])
    assert inv.accounts == [PROD]
    c = inv.store.counts()
    assert (c["node:user"], c["node:role"], c["node:group"], c["edge:trusts"]) == (2, 7, 1, 7)
    assert "node:access_key" not in c and "node:s3_bucket" not in c
    assert (
        inv.identity_policies(iam(PROD, "role/NotebookRole"))[0].document["Statement"][0]["Action"]
        == "*"
    )
    reasons = {(g.service, g.reason) for g in inv.gaps}
    assert ("*", "not-collected") in reasons  # only IAM: the rest of the account is unknown
    assert ("organizations", "not-collected") in reasons and inv.org_policies(PROD) is None


def test_auth_details_url_encoded_documents(tmp_path: Path) -> None:
    from urllib.parse import quote

    details = json.loads(AUTH.read_text())
    role = details["RoleDetailList"][0]
    role["AssumeRolePolicyDocument"] = quote(json.dumps(role["AssumeRolePolicyDocument"]))
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(details))
    inv = load_inventory(iam_auth_details=[path])
    assert inv.trust_policy(role["Arn"])["Statement"][0]["Principal"] == {"AWS": iam(MGMT, "root")}


def test_snapshot_and_auth_details_merge_into_one_store() -> None:
    store = MemoryGraphStore()
    inv = load_inventory(snapshots=[SNAP], iam_auth_details=[AUTH], store=store)
    assert inv.store is store and store.counts()["node:role"] == 8
    assert [g.reason for g in inv.gaps] == ["denied"]


def test_tampered_file_is_reported(snap_copy: Path) -> None:
    rel = f"{PROD}/global/s3/GetBucketPolicy/acme-kb-docs.json"
    body = json.loads((snap_copy / rel).read_text())
    body["response"]["Policy"] = json.dumps({"Version": "2012-10-17", "Statement": []})
    (snap_copy / rel).write_text(json.dumps(body))
    (snap_copy / f"{PROD}/global/s3/GetBucketAcl/acme-kb-docs.json").unlink()
    (snap_copy / "planted.json").write_text("{}")
    result = verify(snap_copy)
    assert result.tampered == [rel]
    assert result.missing == [f"{PROD}/global/s3/GetBucketAcl/acme-kb-docs.json"]
    assert result.extra == ["planted.json"]
    res = CliRunner().invoke(app, ["snapshot", "verify", str(snap_copy)])
    assert res.exit_code == 1 and f"tampered (sha256 mismatch): {rel}" in res.output
    inv = load_inventory(snapshots=[snap_copy])
    assert any(g.reason == "missing-file" and g.operation == "GetBucketAcl" for g in inv.gaps)


def test_truncated_json_names_the_file(snap_copy: Path) -> None:
    rel = f"{PROD}/{R}/bedrock-agent/GetKnowledgeBase/KBASE00001.json"
    data = (snap_copy / rel).read_bytes()
    (snap_copy / rel).write_bytes(data[: len(data) // 2])
    with pytest.raises(SnapshotError, match=r"GetKnowledgeBase/KBASE00001\.json: invalid JSON"):
        load_inventory(snapshots=[snap_copy])


@pytest.mark.parametrize(
    ("rel", "mutate", "message"),
    [
        (
            f"{PROD}/global/s3/ListBuckets/all.json",
            lambda b: b["response"].update(Buckets="oops"),
            "list at 'Buckets', found str",
        ),
        (
            f"{PROD}/{R}/bedrock-agent/GetAgent/AGENT00001.json",
            lambda b: b["response"].update(agent=[1]),
            "'agent' should be an object",
        ),
        (
            f"{PROD}/{R}/lambda/ListFunctions/all.json",
            lambda b: b["response"]["Functions"][0].pop("FunctionArn"),
            "KeyError",
        ),
        (
            f"{PROD}/{R}/kms/GetKeyPolicy/{'1234abcd-12ab-34cd-56ef-1234567890ab'}.json",
            lambda b: b["response"].update(Policy="{not json"),
            "policy document is not JSON",
        ),
        (
            f"{PROD}/global/iam/ListAccessKeys/dev-alice.json",
            lambda b: b.update(request=[]),
            "'request' must be an object",
        ),
    ],
)
def test_wrong_shapes_name_the_file(snap_copy: Path, rel: str, mutate, message: str) -> None:
    body = json.loads((snap_copy / rel).read_text())
    mutate(body)
    (snap_copy / rel).write_text(json.dumps(body))
    _rewrite_manifest(snap_copy, rel)
    with pytest.raises(SnapshotError) as err:
        load_inventory(snapshots=[snap_copy])
    assert rel in str(err.value) and message in str(err.value)


def test_bad_manifest_and_auth_details(tmp_path: Path, snap_copy: Path) -> None:
    manifest = json.loads((snap_copy / "manifest.json").read_text())
    manifest["format"] = "something-else/2"
    (snap_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match=r"manifest\.json: format is 'something-else/2'"):
        load_inventory(snapshots=[snap_copy])
    bad = tmp_path / "auth.json"
    bad.write_text(json.dumps({"Users": []}))
    with pytest.raises(
        LoadError, match=r"auth\.json: not get-account-authorization-details output"
    ):
        load_inventory(iam_auth_details=[bad])
    bad.write_text(json.dumps({"RoleDetailList": [{"RoleName": "x"}]}))
    with pytest.raises(LoadError, match=r"auth\.json: no user, group, role or customer policy ARN"):
        load_inventory(iam_auth_details=[bad])
    with pytest.raises(LoadError, match="nothing to load"):
        load_inventory()


def test_unknown_service_is_ignored_with_a_note(snap_copy: Path) -> None:
    rel = f"{PROD}/{R}/dynamodb/ListTables/all.json"
    (snap_copy / rel).parent.mkdir(parents=True)
    (snap_copy / rel).write_text(
        json.dumps({"request": {}, "response": {"TableNames": ["orders"]}})
    )
    _rewrite_manifest(snap_copy, rel)
    inv = load_inventory(snapshots=[snap_copy])
    assert any("ignored dynamodb" in n for n in inv.notes)
    assert [g.reason for g in inv.gaps] == ["denied"]


def test_missing_part_of_a_snapshot_is_a_gap(snap_copy: Path) -> None:
    """A response file removed from disk and manifest alike: the loader still notices."""
    rel = f"{PROD}/{R}/bedrock-agent/GetDataSource/KBASE00001__DSRC000001.json"
    (snap_copy / rel).unlink()
    manifest = json.loads((snap_copy / "manifest.json").read_text())
    del manifest["files"][rel]
    (snap_copy / "manifest.json").write_text(json.dumps(manifest))
    inv = load_inventory(snapshots=[snap_copy])
    gap = next(g for g in inv.gaps if g.operation == "GetDataSource")
    assert gap.reason == "not-collected" and gap.request == {
        "knowledgeBaseId": "KBASE00001",
        "dataSourceId": "DSRC000001",
    }
    # the data source is still known from ListDataSources, but not where its data lives
    ds = f"arn:aws:bedrock:{R}:{PROD}:knowledge-base/KBASE00001/data-source/DSRC000001"
    assert inv.store.node(ds) is not None
    assert not list(inv.store.out_edges(ds, {"stored_in"}))
