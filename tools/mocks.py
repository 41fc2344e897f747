"""Pulumi's mock runtime, set up to stand in for the engine and the providers.

The mocks return what a provider would compute for the outputs the program reads (generated
names, ARNs, endpoints, passwords), deterministically, so that the same config always gives
the same resources. The monitor records each registration request with its options
(protect, retainOnDelete, dependsOn ...), which mocks alone do not expose.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import source_pb2

ACCOUNT_ID = "123456789012"
# What the mocks hand out as the value of a secret the CLI would decrypt.
SECRET_PLACEHOLDER = "[secret]"


def _digest(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _aws_region(inputs: dict[str, Any]) -> str:
    return str(inputs.get("region") or "eu-central-1")


def _computed(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs a real provider computes and the program reads."""
    if typ.startswith("kubernetes:") and not typ.startswith("kubernetes:helm"):
        metadata = dict(inputs.get("metadata") or {})
        if "name" not in metadata:
            # Pulumi auto-names: logical name plus a random suffix (here a stable digest).
            metadata["name"] = f"{name}-{_digest(typ, name)}"
        return {"metadata": metadata}
    if typ == "random:index/randomPassword:RandomPassword":
        # As the provider does: a new value when the keepers change (a rotation counter).
        keepers = inputs.get("keepers")
        kept = [json.dumps(keepers, sort_keys=True)] if keepers else []
        return {"result": f"mock-{_digest('password', name, *kept, length=24)}"}
    if typ == "random:index/randomId:RandomId":
        return {"hex": _digest("id", name, length=int(inputs.get("byteLength", 4)) * 2)}
    if typ.startswith("aws:"):
        service = typ.split(":")[1].split("/")[0]
        physical = (
            inputs.get("name")
            or inputs.get("bucket")
            or inputs.get("clusterName")
            or inputs.get("identifier")
            or (f"{inputs['bucketPrefix']}{_digest(typ, name, length=12)}" if inputs.get("bucketPrefix") else None)
            or f"{name}-{_digest(typ, name)}"
        )
        state: dict[str, Any] = {
            "arn": f"arn:aws:{service}:eu-central-1:{ACCOUNT_ID}:{physical}",
            "name": physical,
        }
        if typ == "aws:iam/role:Role":
            state["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:role/{physical}"
        if typ == "aws:s3/bucket:Bucket":
            state.update(bucket=physical, arn=f"arn:aws:s3:::{physical}", region=_aws_region(inputs))
        if typ == "aws:rds/instance:Instance":
            address = f"{inputs.get('identifier') or physical}.abcdefghijkl.eu-central-1.rds.amazonaws.com"
            state.update(address=address, endpoint=f"{address}:5432", port=5432)
        if typ == "aws:msk/cluster:Cluster":
            brokers = int(inputs.get("numberOfBrokerNodes", 2))
            hosts = [f"b-{i}.{physical}.abc123.c2.kafka.eu-central-1.amazonaws.com" for i in range(1, brokers + 1)]
            state.update(
                bootstrapBrokersSaslScram=",".join(f"{h}:9096" for h in hosts),
                bootstrapBrokersTls=",".join(f"{h}:9094" for h in hosts),
            )
        if typ == "aws:elasticache/replicationGroup:ReplicationGroup":
            group = inputs.get("replicationGroupId") or physical
            state.update(primaryEndpointAddress=f"master.{group}.abc123.euc1.cache.amazonaws.com")
        if typ == "aws:msk/configuration:Configuration":
            state.update(latestRevision=1)
        if typ == "aws:secretsmanager/secret:Secret":
            state.update(
                arn=f"arn:aws:secretsmanager:eu-central-1:{ACCOUNT_ID}:secret:{physical}-{_digest('sm', name, length=6)}"
            )
        if typ == "aws:kms/key:Key":
            key_id = _digest("kms", name, length=32)
            state.update(keyId=key_id, arn=f"arn:aws:kms:eu-central-1:{ACCOUNT_ID}:key/{key_id}")
        if typ == "aws:ec2/securityGroup:SecurityGroup":
            state.update(id=f"sg-{_digest('sg', name, length=17)}")
        if typ == "aws:ec2/vpc:Vpc":
            state.update(id=f"vpc-{_digest('vpc', name, length=17)}")
        if typ == "aws:ec2/subnet:Subnet":
            state.update(id=f"subnet-{_digest('subnet', name, length=17)}")
        if typ == "aws:ec2/launchTemplate:LaunchTemplate":
            state.update(latestVersion=1)
        if typ == "aws:efs/fileSystem:FileSystem":
            state.update(id=f"fs-{_digest('efs', name, length=17)}")
        if typ == "aws:eks/cluster:Cluster":
            cluster_id = _digest("eks", name, length=32).upper()
            issuer = f"https://oidc.eks.eu-central-1.amazonaws.com/id/{cluster_id}"
            state.update(
                endpoint=f"https://{cluster_id}.gr7.eu-central-1.eks.amazonaws.com",
                certificateAuthority={"data": "bW9jay1jYQ=="},
                identities=[{"oidcs": [{"issuer": issuer}]}],
                vpcConfig={
                    **dict(inputs.get("vpcConfig") or {}),
                    "clusterSecurityGroupId": f"sg-{_digest('eks-sg', name, length=17)}",
                },
            )
        if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            url = str(inputs.get("url", "")).removeprefix("https://")
            state.update(arn=f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{url}", url=url)
        return state
    return {}


class StudioMocks(Mocks):
    def __init__(self, previous_outputs: dict[str, Any] | None = None) -> None:
        # The inputs of the registration this thread is serving: the monitor runs each
        # registration on one executor thread and reads them back (see RecordingMonitor).
        self.seen = threading.local()
        # The stack's outputs as the backend would return them: those of the last update.
        self.previous_outputs = previous_outputs or {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.seen.inputs = args.inputs
        state = {**args.inputs, **_computed(args.typ, args.name, args.inputs)}
        return str(state.get("id") or f"{args.name}-id"), state

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # (outputs, check failures): the runtime iterates the failures, so none is [] rather than None.
        if args.token == "pulumi:pulumi:readStackOutputs":
            # The engine's built-in provider (pkg/resource/deploy/builtins.go readStackReference).
            return {"name": args.args["name"], "outputs": self.previous_outputs, "secretOutputNames": []}, []
        return _invoke(args.token), []


def _invoke(token: str) -> dict[str, Any]:
    """Outputs of the provider functions the program calls."""
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock", "userId": "mock"}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com"}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {"names": [f"eu-central-1{zone}" for zone in "abc"], "zoneIds": [f"euc1-az{i}" for i in (2, 3, 1)]}
    if token == "aws:index/getRegion:getRegion":
        return {"name": "eu-central-1", "region": "eu-central-1"}
    return {}


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    depends_on: list[str]
    delete_before_replace: bool
    ignore_changes: list[str]
    replace_on_changes: list[str]
    state: dict[str, Any] = field(default_factory=dict)
    # customTimeouts as given (create/update/delete, e.g. "10m"); unset ones left out.
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    # Input property -> the URNs its value came from: what the engine's dependent-replacement
    # walk reads (tools/plan), where `depends_on` is the union with the dependsOn edges.
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    deleted_with: str = ""


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps every registration request in the order it arrived."""

    def __init__(self, mocks: StudioMocks) -> None:
        super().__init__(mocks)
        self.studio_mocks = mocks
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        self.studio_mocks.seen.inputs = None
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        # The inputs as the mock monitor decoded them for new_resource: decoding the request a
        # second time here cost a tenth of every run. (Mocks run with preview off, so no input
        # is unknown and keeping unknowns would change nothing.)
        inputs = self.studio_mocks.seen.inputs
        assert inputs is not None, f"{request.type} {request.name}: the mocks did not see its inputs"
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                provider=request.provider,
                inputs=inputs,
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                depends_on=sorted(request.dependencies),
                delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=sorted(request.ignoreChanges),
                replace_on_changes=sorted(request.replaceOnChanges),
                state=self.resources[response.urn].state if response.urn in self.resources else {},
                custom_timeouts={
                    k: v
                    for k in ("create", "update", "delete")
                    if (v := getattr(request.customTimeouts, k, "")) and isinstance(v, str)
                },
                property_dependencies={
                    key: sorted(deps.urns) for key, deps in sorted(request.propertyDependencies.items()) if deps.urns
                },
                deleted_with=request.deletedWith,
            )
        )
        return response


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


# What pulumi.get_organization() gives on a self-managed backend (the engine's default).
ORGANIZATION = "organization"


def install(project: str, stack: str, previous_outputs: dict[str, Any] | None = None) -> RecordingMonitor:
    """Point the Pulumi runtime at fresh mocks; every call starts from an empty state."""
    # The SDK walks and encodes the caller's stack for every resource so that the engine can
    # point its diagnostics at the program's source; the mocks have no engine to tell, and the
    # walk was an eighth of a run. The SDK reads it through this module attribute, so an SDK
    # that renames it only loses the saving.
    if hasattr(runtime_resource, "_get_stack_trace"):
        runtime_resource._get_stack_trace = _no_stack_trace
    pulumi.runtime.settings.ROOT.set(None)
    mocks = StudioMocks(previous_outputs)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=False, monitor=monitor, organization=ORGANIZATION
    )
    return monitor
