"""`graphscope policy simulate` end to end, through a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "policy" / "cases.jsonl"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("graphscope")
    cmd = [exe] if exe else [sys.executable, "-c", "from graphscope.cli import main; main()"]
    return subprocess.run(
        [*cmd, "policy", "simulate", *args], capture_output=True, text=True, timeout=120
    )


def test_json_output_is_pure_jsonl_in_input_order(shared_dir: Path) -> None:
    path = shared_dir / "iam-cases" / "cases.jsonl"
    res = _cli("--cases", str(path), "--format", "json")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    rows = [json.loads(line) for line in lines]  # every stdout line is JSON
    ids = [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]
    assert [r["id"] for r in rows] == ids
    assert all(set(r) == {"id", "decision"} for r in rows)
    assert {r["decision"] for r in rows} <= {"Allow", "ImplicitDeny", "ExplicitDeny", "Conditional"}
    assert "cases" in res.stderr and "evals/s" in res.stderr and "matched expected" in res.stderr


def test_text_output_and_summary_on_example() -> None:
    res = _cli("--cases", str(EXAMPLE), "--format", "text", "--check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "example/01\tAllow" in res.stdout
    assert "11 cases, 11/11 matched expected" in res.stdout


def test_check_fails_on_mismatch(tmp_path: Path) -> None:
    case = json.loads(EXAMPLE.read_text().splitlines()[0])
    case["expected"] = "ExplicitDeny"
    bad = tmp_path / "one.jsonl"
    bad.write_text(json.dumps(case) + "\n")
    res = _cli("--cases", str(bad), "--format", "text", "--check")
    assert res.returncode == 1
    assert "(expected ExplicitDeny)" in res.stdout


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"id": "x"}\n{"broken\n', ":2: invalid JSON"),
        ('{"id": "x"}\n', ":1: not a case: request"),
    ],
)
def test_bad_case_files_name_file_and_line(tmp_path: Path, content: str, needle: str) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(content)
    res = _cli("--cases", str(f))
    assert res.returncode == 2
    assert str(f) in res.stderr and needle in res.stderr
    assert "Traceback" not in res.stderr


def test_case_with_invalid_policy_names_case(tmp_path: Path) -> None:
    case = json.loads(EXAMPLE.read_text().splitlines()[0])
    case["identity_policies"] = [{"Statement": [{"Effect": "Maybe", "Action": "s3:*"}]}]
    f = tmp_path / "c.jsonl"
    f.write_text("\n" + json.dumps(case) + "\n")
    res = _cli("--cases", str(f))
    assert res.returncode == 2
    assert f"{f}:2" in res.stderr and "example/01" in res.stderr and "Effect" in res.stderr
    assert "Traceback" not in res.stderr


def _write(tmp_path: Path, name: str, doc) -> str:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def test_single_request_explains_decision(tmp_path: Path) -> None:
    ident = _write(
        tmp_path,
        "ml.json",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Invoke",
                    "Effect": "Allow",
                    "Action": "bedrock:Invoke*",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                }
            ],
        },
    )
    scp = _write(
        tmp_path,
        "scp.json",
        [
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ],
    )
    base = [
        "--principal", "arn:aws:sts::111122223333:assumed-role/ml/leak",
        "--action", "bedrock:InvokeModel",
        "--resource", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
        "--identity-policy", ident, "--scp", scp,
    ]  # fmt: skip
    res = _cli(*base, "--context", "aws:SourceIp=10.1.2.3", "--format", "text")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Allow:")
    assert "granted_by: identity:ml.json#Invoke" in res.stdout
    res = _cli(*base, "--assume-unknown", "--format", "json")
    out = json.loads(res.stdout)
    assert out["decision"] == "Conditional"
    assert out["conditions"] == [
        {
            "polarity": "must hold",
            "condition": '"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}',
            "statement": "identity:ml.json#Invoke",
        }
    ]
    res = _cli(*base, "--context", "aws:SourceIp=8.8.8.8", "--format", "json")
    assert json.loads(res.stdout)["decision"] == "ImplicitDeny"


def test_single_request_bad_policy_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Statement": [}')
    res = _cli(
        "--principal",
        "arn:aws:iam::111122223333:user/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--identity-policy",
        str(bad),
    )
    assert res.returncode == 2 and str(bad) in res.stderr and "invalid JSON" in res.stderr
    notpolicy = _write(tmp_path, "np.json", {"hello": "world"})
    res = _cli(
        "--principal",
        "arn:aws:iam::111122223333:user/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--boundary",
        notpolicy,
    )
    assert res.returncode == 2 and "np.json" in res.stderr and "no Statement" in res.stderr
    assert "Traceback" not in res.stderr
    res = _cli("--action", "s3:GetObject")
    assert res.returncode == 2 and "--principal" in res.stderr
