"""The synthetic organisation's profiles: "realistic" has far fewer administrators than the
default "dense", and the default output does not depend on the profile machinery (the
benchmark's earlier numbers stay comparable)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import unquote

from .helpers import synth_org


def _admin_share(out: Path) -> float:
    """The share of users and roles holding `*` on `*` in an inline or attached policy."""
    admins = total = 0
    for f in sorted((out / "iam-auth-details").glob("*.json")):
        auth = json.loads(f.read_text())
        policies = {
            p["Arn"]: json.loads(unquote(p["PolicyVersionList"][0]["Document"]))
            for p in auth["Policies"]
        }
        for who in (*auth["UserDetailList"], *auth["RoleDetailList"]):
            docs = [json.loads(unquote(p["PolicyDocument"])) for p in who.get("UserPolicyList", [])]
            docs += [
                json.loads(unquote(p["PolicyDocument"])) for p in who.get("RolePolicyList", [])
            ]
            docs += [policies[a["PolicyArn"]] for a in who["AttachedManagedPolicies"]]
            total += 1
            admins += any(
                st.get("Action") == "*" and st.get("Resource") == "*"
                for d in docs
                for st in d["Statement"]
            )
    return admins / total


def _digest(out: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in out.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(out)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def test_realistic_profile_has_few_administrators(tmp_path: Path) -> None:
    synth = synth_org()
    synth.generate(tmp_path / "dense", 7, scale=0.05)
    synth.generate(tmp_path / "realistic", 7, scale=0.05, profile="realistic")
    dense, realistic = _admin_share(tmp_path / "dense"), _admin_share(tmp_path / "realistic")
    assert dense > 0.03 and realistic < dense / 3
    # the default is the dense profile, byte for byte
    synth.generate(tmp_path / "default", 7, scale=0.05)
    assert _digest(tmp_path / "default") == _digest(tmp_path / "dense")
