"""EC2 instances and Lambda functions, and the roles they run as."""

from __future__ import annotations

from graphscope.ingest.base_graph import (
    GraphBuilder,
    Sources,
    each_record,
    encrypted_by,
    in_account,
    items,
    obj,
    policy_document,
)
from graphscope.ingest.snapshot import Record


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(src.of("ec2", "DescribeInstances"), lambda r: _instances(b, r))
    each_record(
        src.of("ec2", "DescribeIamInstanceProfileAssociations"), lambda r: _associations(b, r)
    )
    each_record(src.of("lambda", "ListFunctions"), lambda r: _functions(b, r))
    each_record(src.of("lambda", "GetPolicy"), lambda r: _function_policy(b, r))


def instance_arn(account: str, region: str, instance_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:instance/{instance_id}"


def _profile(b: GraphBuilder, instance: str, profile_arn: str, **props: object) -> None:
    """Instance -> profile, and instance -runs_as-> each role the profile wraps (from IAM)."""
    b.ref(profile_arn, "instance_profile")
    b.edge(instance, profile_arn, "has_instance_profile", **props)
    for role in b.targets(profile_arn, "profile_role"):
        b.edge(instance, role, "runs_as", via=profile_arn)


def _instances(b: GraphBuilder, rec: Record) -> None:
    for res in items(rec.response, "Reservations"):
        account = res.get("OwnerId") or rec.account
        for inst in items(res, "Instances"):
            arn = instance_arn(account, rec.region, inst["InstanceId"])
            b.node(
                arn,
                "ec2_instance",
                inst["InstanceId"],
                account,
                rec.region,
                state=obj(inst, "State").get("Name"),
                image_id=inst.get("ImageId"),
                public_ip=inst.get("PublicIpAddress"),
                launch_time=inst.get("LaunchTime"),
                metadata_options=inst.get("MetadataOptions"),
            )
            in_account(b, arn, account)
            profile = obj(inst, "IamInstanceProfile").get("Arn")
            if profile:
                _profile(b, arn, profile)


def _associations(b: GraphBuilder, rec: Record) -> None:
    for assoc in items(rec.response, "IamInstanceProfileAssociations"):
        profile = obj(assoc, "IamInstanceProfile").get("Arn")
        if profile and assoc.get("State") in ("associated", "associating", None):
            arn = b.ref(instance_arn(rec.account, rec.region, assoc["InstanceId"]), "ec2_instance")
            _profile(b, arn, profile, association_id=assoc.get("AssociationId"))


def _functions(b: GraphBuilder, rec: Record) -> None:
    for fn in items(rec.response, "Functions"):
        arn = fn["FunctionArn"]
        b.node(
            arn,
            "lambda_function",
            fn.get("FunctionName", ""),
            rec.account,
            rec.region,
            runtime=fn.get("Runtime"),
            handler=fn.get("Handler"),
            last_modified=fn.get("LastModified"),
            package_type=fn.get("PackageType"),
        )
        in_account(b, arn, rec.account)
        if fn.get("Role"):
            b.ref(fn["Role"], "role")
            b.edge(arn, fn["Role"], "runs_as")
        encrypted_by(b, arn, fn.get("KMSKeyArn"), rec.account, rec.region)


def _function_policy(b: GraphBuilder, rec: Record) -> None:
    name = rec.request["FunctionName"]
    arn = (
        name
        if name.startswith("arn:")
        else b.find("lambda_function", rec.account, rec.region, name)
        or f"arn:aws:lambda:{rec.region}:{rec.account}:function:{name}"
    )
    b.ref(arn, "lambda_function")
    # ResourceNotFoundException (no policy) is a fact: no resource policy
    b.nodes[arn].props["resource_policy"] = (
        policy_document(rec.response.get("Policy")) if rec.response else None
    )
