"""The policy pack: every rule holds over every stack, and every rule catches what it is for."""

from __future__ import annotations

import copy
import json
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from config import validate
from policy.rules import (
    RULES,
    RULES_BY_NAME,
    WRITABLE_ROOT_ANNOTATION,
    ResourceCheck,
    RuleContext,
    StackCheck,
    StackResource,
    check_resource,
    check_stack,
    pack_config,
    unwrap,
)
from tests.harness import STACKS, run_stack, stack_input
from tests.test_assistant import DEV as ASSISTANT_DEV
from tests.test_assistant import DEV_EMBEDDED as ASSISTANT_EMBEDDED
from tests.test_assistant import PROD as ASSISTANT_PROD


def resource_check(name: str) -> ResourceCheck:
    """The check of a per-resource rule (Rule.check is typed as either kind)."""
    rule = RULES_BY_NAME[name]
    assert rule.kind == "resource"
    return cast(ResourceCheck, rule.check)


def stack_check(name: str) -> StackCheck:
    """The check of a whole-stack rule."""
    rule = RULES_BY_NAME[name]
    assert rule.kind == "stack"
    return cast(StackCheck, rule.check)


ROOT = Path(__file__).resolve().parent.parent
CTX = RuleContext()
PROD = RuleContext(prod=True, topology_spread=True)


# Every stack file, and the architecture and modes the stack files do not use.
VARIANTS = [
    *((stack,) for stack in STACKS),
    ("dev", "studio.version=1.17.0", "modelService.architecture=embedded"),
    ("prod", "studio.version=1.17.0", "modelService.architecture=embedded"),
    # The in-cluster database's backup CronJob and a restore Job.
    ("dev", "database.backup.restoreFrom=20261204T030000Z"),
    # The in-cluster backing services under prod settings (protected, spread, three brokers).
    ("dev", "environment=prod", "kafka.brokers=3", "acknowledgeUnsafeProd=[tls]"),
    # The assistant next to Studio: dev with an action server and two replicas, embedded on a
    # host of its own, prod autoscaled behind the ALB (the runs of tests/test_assistant.py).
    ("dev", *ASSISTANT_DEV),
    ("dev", *ASSISTANT_EMBEDDED),
    ("prod", *ASSISTANT_PROD),
    # A Gateway in Studio's namespace: its proxies' policy selects pods the controller starts.
    (
        "dev",
        "studio.gateway.controller=generic",
        "studio.gateway.create.gatewayClassName=istio",
        "studio.gateway.controlPlaneNamespace=istio-system",
    ),
]


def stack_resources(stack: str, *sets: str) -> list[StackResource]:
    return [
        StackResource(r.type, r.inputs, r.urn, r.name, r.protect, tuple(r.depends_on))
        for r in run_stack(stack, *sets).registrations
        if r.custom
    ]


def stack_context(stack: str, *sets: str) -> RuleContext:
    config, problems = validate(stack_input(stack, *sets).plain)
    assert config is not None, problems
    return RuleContext.from_config(config)


# --- every stack is clean ----------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS, ids=[" ".join(v) for v in VARIANTS])
def test_every_rule_holds_over_every_resource_of_every_stack(variant: tuple[str, ...]) -> None:
    resources = stack_resources(*variant)
    assert resources
    assert check_stack(resources, stack_context(*variant)) == {}


def test_the_prod_stack_is_checked_as_prod() -> None:
    ctx = stack_context("prod")
    assert ctx.prod and ctx.topology_spread and not ctx.allow_load_balancer


def test_the_embedded_architecture_mounts_no_tokens() -> None:
    config, _ = validate(
        {
            **stack_input("dev").plain,
            "studio": {"host": "s.example.com", "version": "1.17.0"},
            "modelService": {"architecture": "embedded"},
        }
    )
    assert config is not None
    assert RuleContext.from_config(config).automount_components == frozenset()


def test_the_rules_cover_every_concern_of_the_issue() -> None:
    concerns = {
        "non-root",
        "privilege-escalation",
        "capabilities",
        "seccomp",
        "read-only-root",
        "requests-and-limits",
        "probes",
        "service-account-token",
        "pod-labels",
        "images-pinned",
        "external-service-types",
        "plaintext-secret",
        "s3-encrypted-and-private",
        "rds-encrypted",
        "disruption-budget",
        "topology-spread",
        "rolling-update",
        "network-policies-select-pods",
        "eks-cluster",
        "imdsv2",
    }
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert [c for c in concerns if not any(c in n for n in names)] == []
    assert all(r.description and r.enforcement == "mandatory" for r in RULES)


# --- each rule against a bad and a good resource -----------------------------------------

DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def container(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "app",
        "image": "registry.example.com/team/app:1.2.3",
        "ports": [{"name": "http", "containerPort": 8080}],
        "livenessProbe": {"httpGet": {"path": "/", "port": 8080}},
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
        "env": [
            {"name": "DB_PASS", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
            {"name": "RASA_PRO_LICENSE_SECRET_NAME", "value": "studio-secrets"},
        ],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    return merge(base, changes)


def merge(base: Any, changes: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(changes, Mapping):
        out = dict(base)
        for k, v in changes.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return copy.deepcopy(changes)


def deployment(
    *,
    replicas: int = 1,
    component: str = "backend",
    spec: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    strategy: dict[str, Any] | None = None,
    containers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    labels = {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": "t",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "rasa-studio",
    }
    pod = merge({"automountServiceAccountToken": False, "containers": containers or [container()]}, spec or {})
    return {
        "metadata": {"name": component, "labels": labels},
        "spec": {
            "replicas": replicas,
            "strategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels, "annotations": annotations or {}}, "spec": pod},
        },
    }


POD_LABELS = {
    "app.kubernetes.io/name": "backend",
    "app.kubernetes.io/instance": "t",
    "app.kubernetes.io/part-of": "rasa-studio",
}

# (rule, resource type, bad props, good props, context)
EKS_CLUSTER = {
    "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]},
    "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:eu-central-1:1:key/k"}},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    "accessConfig": {"authenticationMode": "API"},
}
LAUNCH_TEMPLATE = {
    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}],
}

RESOURCE_CASES = [
    (
        "pods-run-as-non-root",
        DEPLOYMENT,
        deployment(containers=[container(securityContext={"runAsNonRoot": False})]),
        deployment(),
        CTX,
    ),
    (
        "pods-run-as-non-root",
        "kubernetes:batch/v1:Job",
        {"spec": {"template": {"spec": {"containers": [container(securityContext={"runAsUser": 0})]}}}},
        {
            "spec": {
                "template": {
                    "metadata": {"labels": POD_LABELS},
                    "spec": {"automountServiceAccountToken": False, "containers": [container()]},
                }
            }
        },
        CTX,
    ),
    (
        "no-privilege-escalation",
        DEPLOYMENT,
        deployment(containers=[container(securityContext={"allowPrivilegeEscalation": True})]),
        deployment(),
        CTX,
    ),
    (
        "no-privilege-escalation",
        DEPLOYMENT,
        deployment(containers=[container(securityContext={"privileged": True})]),
        deployment(),
        CTX,
    ),
    (
        "drop-all-capabilities",
        DEPLOYMENT,
        deployment(containers=[container(securityContext={"capabilities": {"drop": ["NET_RAW"]}})]),
        deployment(),
        CTX,
    ),
    (
        "drop-all-capabilities",
        DEPLOYMENT,
        deployment(containers=[container(securityContext={"capabilities": {"add": ["NET_ADMIN"]}})]),
        deployment(),
        CTX,
    ),
    (
        "runtime-default-seccomp",
        DEPLOYMENT,
        deployment(containers=[container(securityContext={"seccompProfile": {"type": "Unconfined"}})]),
        deployment(),
        CTX,
    ),
    (
        "read-only-root-filesystem",
        DEPLOYMENT,
        deployment(containers=[container(securityContext={"readOnlyRootFilesystem": False})]),
        deployment(
            containers=[container(securityContext={"readOnlyRootFilesystem": False})],
            annotations={WRITABLE_ROOT_ANNOTATION: "app: the image unpacks plugins into its install directory"},
        ),
        CTX,
    ),
    (
        "resource-requests-and-limits",
        DEPLOYMENT,
        deployment(containers=[container(resources={"limits": {"cpu": None}})]),
        deployment(),
        CTX,
    ),
    (
        "probes-where-there-is-an-endpoint",
        DEPLOYMENT,
        deployment(containers=[container(readinessProbe=None)]),
        deployment(containers=[container(ports=None, livenessProbe=None, readinessProbe=None)]),
        CTX,
    ),
    (
        "service-account-token-only-for-api-clients",
        DEPLOYMENT,
        deployment(spec={"automountServiceAccountToken": True}),
        deployment(component="model-training-consumer", spec={"automountServiceAccountToken": True}),
        CTX,
    ),
    (
        "service-account-token-only-for-api-clients",
        DEPLOYMENT,
        deployment(spec={"automountServiceAccountToken": None}),
        deployment(),
        CTX,
    ),
    (
        "images-pinned",
        DEPLOYMENT,
        deployment(containers=[container(image="postgres:latest")]),
        deployment(containers=[container(image="postgres:17.2")]),
        CTX,
    ),
    (
        "images-pinned",
        "kubernetes:batch/v1:CronJob",
        {
            "spec": {
                "jobTemplate": {
                    "spec": {"template": {"spec": {"containers": [container(image="registry:5000/team/app")]}}}
                }
            }
        },
        {
            "spec": {
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "metadata": {"labels": POD_LABELS},
                            "spec": {
                                "automountServiceAccountToken": False,
                                "containers": [container(image="registry:5000/team/app@sha256:" + "a" * 64)],
                            },
                        }
                    }
                }
            }
        },
        CTX,
    ),
    (
        "no-plaintext-secret-env",
        DEPLOYMENT,
        deployment(containers=[container(env=[{"name": "KC_DB_PASSWORD", "value": "hunter2"}])]),
        deployment(),
        CTX,
    ),
    (
        "no-plaintext-secret-env",
        DEPLOYMENT,
        deployment(containers=[container(env=[{"name": "DB_PASS", "value": "hunter2"}])]),
        deployment(),
        CTX,
    ),
    (
        "no-plaintext-secret-env",
        DEPLOYMENT,
        deployment(
            containers=[
                container(
                    env=[
                        {
                            "name": "OPTIONS",
                            "value": {
                                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                "value": "x",
                            },
                        }
                    ]
                )
            ]
        ),
        deployment(containers=[container(env=[{"name": "OPENAI_API_KEY_SECRET_KEY", "value": "OPENAI_API_KEY"}])]),
        CTX,
    ),
    (
        "pod-labels-for-network-policies",
        DEPLOYMENT,
        merge(deployment(), {"spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/part-of": None}}}}}),
        deployment(),
        CTX,
    ),
    (
        "rolling-update-keeps-capacity",
        DEPLOYMENT,
        deployment(replicas=3, strategy={"type": "RollingUpdate"}),
        deployment(replicas=3),
        CTX,
    ),
    (
        "rolling-update-keeps-capacity",
        DEPLOYMENT,
        deployment(strategy={"type": "Recreate"}),
        deployment(
            strategy={"type": "Recreate"},
            spec={"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "d"}}]},
        ),
        CTX,
    ),
    (
        "topology-spread",
        DEPLOYMENT,
        deployment(replicas=2),
        deployment(
            replicas=2,
            spec={
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}
                ]
            },
        ),
        PROD,
    ),
    (
        "no-external-service-types",
        "kubernetes:core/v1:Service",
        {"spec": {"type": "LoadBalancer"}},
        {"spec": {"type": "ClusterIP"}},
        CTX,
    ),
    ("no-external-service-types", "kubernetes:core/v1:Service", {"spec": {"type": "NodePort"}}, {"spec": {}}, CTX),
    (
        "rds-encrypted-private-protected",
        "aws:rds/instance:Instance",
        {"storageEncrypted": False},
        {"storageEncrypted": True, "publiclyAccessible": False},
        CTX,
    ),
    (
        "rds-encrypted-private-protected",
        "aws:rds/instance:Instance",
        {"storageEncrypted": True, "publiclyAccessible": True},
        {"storageEncrypted": True},
        CTX,
    ),
    (
        "rds-encrypted-private-protected",
        "aws:rds/instance:Instance",
        {"storageEncrypted": True, "deletionProtection": False},
        {"storageEncrypted": True, "deletionProtection": True},
        PROD,
    ),
    *[
        ("eks-cluster-private-encrypted-logged", "aws:eks/cluster:Cluster", {**EKS_CLUSTER, **bad}, EKS_CLUSTER, CTX)
        for bad in (
            {"vpcConfig": {"endpointPrivateAccess": False, "endpointPublicAccess": False}},
            {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": True}},
            {"encryptionConfig": {"resources": ["secrets"]}},
            {"enabledClusterLogTypes": ["api", "audit"]},
            {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}},
        )
    ],
    *[
        ("eks-nodes-imdsv2", "aws:ec2/launchTemplate:LaunchTemplate", {**LAUNCH_TEMPLATE, **bad}, LAUNCH_TEMPLATE, CTX)
        for bad in (
            {"metadataOptions": {"httpTokens": "optional", "httpPutResponseHopLimit": 1}},
            {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 3}},
            {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
        )
    ],
]


@pytest.mark.parametrize(
    ("rule", "typ", "bad", "good", "ctx"), RESOURCE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(RESOURCE_CASES)]
)
def test_resource_rule_catches_a_bad_resource_and_passes_a_good_one(
    rule: str, typ: str, bad: dict, good: dict, ctx: RuleContext
) -> None:
    check = resource_check(rule)
    assert check(typ, unwrap(bad), ctx), f"{rule} missed {bad}"
    assert check(typ, unwrap(good), ctx) == []
    # The good resource breaks no other rule either, so the cases stay honest.
    assert check_resource(typ, good, ctx) == {}


def test_load_balancers_pass_where_the_config_allows_them() -> None:
    assert (
        resource_check("no-external-service-types")(
            "kubernetes:core/v1:Service",
            {"spec": {"type": "LoadBalancer"}},
            RuleContext(allow_load_balancer=True),
        )
        == []
    )


def test_a_protected_rds_instance_is_prod_even_without_the_flag() -> None:
    found = check_stack(
        [StackResource("aws:rds/instance:Instance", {"storageEncrypted": True}, "urn:db", "db", protect=True)], CTX
    )
    assert "deletionProtection" in " ".join(found["rds-encrypted-private-protected"])


BUCKET = StackResource("aws:s3/bucket:Bucket", {"bucket": "models"}, "urn:bucket", "models")
SSE = StackResource(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    {"bucket": "models-id", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
    "urn:sse",
    "models-sse",
    dependencies=("urn:bucket",),
)
BLOCK_ALL = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
PAB = StackResource(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {"bucket": "models", **BLOCK_ALL}, "urn:pab", "models-pab"
)
PDB = StackResource(
    "kubernetes:policy/v1:PodDisruptionBudget",
    {
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "backend", "app.kubernetes.io/instance": "t"}},
        }
    },
)
REPLICATED = StackResource(DEPLOYMENT, deployment(replicas=2), "urn:backend", "backend")
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def network_policy(name: str, selector: dict[str, Any]) -> StackResource:
    return StackResource(NETWORK_POLICY, {"metadata": {"name": name}, "spec": {"podSelector": selector}})


def job(name_label: str) -> StackResource:
    labels = {"app.kubernetes.io/name": name_label, "app.kubernetes.io/instance": "t"}
    return StackResource(
        "kubernetes:batch/v1:Job",
        {"metadata": {"name": "init"}, "spec": {"template": {"metadata": {"labels": labels}}}},
    )


DEFAULT_DENY = network_policy("default-deny", {})
INIT_POLICY = network_policy("database-init", {"matchLabels": {"app.kubernetes.io/name": "database-init"}})
# The started Rasa Pro Jobs' policy selects pods no stack registers.
RASA_JOBS_POLICY = network_policy(
    "rasa-pro-jobs", {"matchExpressions": [{"key": "app.kubernetes.io/part-of", "operator": "DoesNotExist"}]}
)

STACK_CASES = [
    ("s3-encrypted-and-private", [BUCKET, PAB], [BUCKET, SSE, PAB]),
    ("s3-encrypted-and-private", [BUCKET, SSE], [BUCKET, SSE, PAB]),
    (
        "s3-encrypted-and-private",
        [BUCKET, SSE, StackResource(PAB.type, {**PAB.props, "restrictPublicBuckets": False}, "urn:p", "p")],
        [BUCKET, SSE, PAB],
    ),
    (
        "s3-encrypted-and-private",
        [StackResource(BUCKET.type, {"bucket": "models", "acl": "public-read"}, "urn:bucket", "models"), SSE, PAB],
        [BUCKET, SSE, PAB],
    ),
    ("disruption-budget-for-replicas", [REPLICATED], [REPLICATED, PDB]),
    (
        "disruption-budget-for-replicas",
        [
            REPLICATED,
            StackResource(PDB.type, {"spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "keycloak"}}}}),
        ],
        [StackResource(DEPLOYMENT, deployment(replicas=1))],
    ),
    # A Job labelled apart from the policy meant for it: the policy selects nothing and the
    # Job's pods get default-deny only.
    (
        "network-policies-select-pods",
        [DEFAULT_DENY, INIT_POLICY, job("database-init-job")],
        [DEFAULT_DENY, INIT_POLICY, RASA_JOBS_POLICY, job("database-init")],
    ),
    (
        "network-policies-select-pods",
        [DEFAULT_DENY, job("database-init")],
        [DEFAULT_DENY, INIT_POLICY, job("database-init")],
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), STACK_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(STACK_CASES)])
def test_stack_rule_catches_a_bad_stack_and_passes_a_good_one(
    rule: str, bad: list[StackResource], good: list[StackResource]
) -> None:
    check = stack_check(rule)
    assert check(bad, CTX), f"{rule} missed {bad}"
    assert check(good, CTX) == []


# --- the CrossGuard adapters -------------------------------------------------------------


class _Opts:
    def __init__(self, protect: bool) -> None:
        self.protect = protect


class _ResourceArgs:
    def __init__(
        self, resource_type: str, props: dict[str, Any], protect: bool = False, config: dict | None = None
    ) -> None:
        self.resource_type, self.props, self.urn, self.name = resource_type, props, "urn:test", "test"
        self.opts = _Opts(protect)
        self._config = config or {}

    def get_config(self) -> dict[str, Any]:
        return self._config


class _Urn:
    def __init__(self, urn: str) -> None:
        self.urn = urn


class _PolicyResource:
    def __init__(self, r: StackResource) -> None:
        self.resource_type, self.props, self.urn, self.name = r.type, dict(r.props), r.urn, r.name
        self.opts = _Opts(r.protect)
        self.dependencies = [_Urn(urn) for urn in r.dependencies]


class _StackArgs:
    def __init__(self, resources: list[StackResource]) -> None:
        self.resources = [_PolicyResource(r) for r in resources]

    def get_config(self) -> dict[str, Any]:
        return {}


def _policies() -> dict[str, Any]:
    from policy.pack import build_policies

    return {p.name: p for p in build_policies()}


def test_the_pack_has_one_policy_per_rule() -> None:
    assert sorted(_policies()) == sorted(r.name for r in RULES)


def _validate(policy: Any, args: Any) -> list[str]:
    reported: list[str] = []
    policy.validate(args, lambda message, urn=None: reported.append(message))
    return reported


def test_resource_policy_adapter_reports_what_the_rule_finds() -> None:
    policies = _policies()
    bad = deployment(containers=[container(image="app")])
    assert _validate(policies["images-pinned"], _ResourceArgs(DEPLOYMENT, bad))
    assert _validate(policies["images-pinned"], _ResourceArgs(DEPLOYMENT, deployment())) == []
    # Other resource types are not its business.
    assert _validate(policies["images-pinned"], _ResourceArgs("kubernetes:core/v1:Service", {"spec": {}})) == []


def test_resource_policy_adapter_reads_protect_and_pack_config() -> None:
    policies = _policies()
    rds = {"storageEncrypted": True}
    assert _validate(policies["rds-encrypted-private-protected"], _ResourceArgs("aws:rds/instance:Instance", rds)) == []
    assert _validate(
        policies["rds-encrypted-private-protected"], _ResourceArgs("aws:rds/instance:Instance", rds, protect=True)
    )
    assert _validate(
        policies["rds-encrypted-private-protected"],
        _ResourceArgs("aws:rds/instance:Instance", rds, config={"prod": True}),
    )
    lb = {"spec": {"type": "LoadBalancer"}}
    assert _validate(policies["no-external-service-types"], _ResourceArgs("kubernetes:core/v1:Service", lb))
    assert (
        _validate(
            policies["no-external-service-types"],
            _ResourceArgs("kubernetes:core/v1:Service", lb, config={"allowExternalServices": True}),
        )
        == []
    )


def test_stack_policy_adapter_reports_what_the_rule_finds() -> None:
    policies = _policies()
    assert _validate(policies["s3-encrypted-and-private"], _StackArgs([BUCKET, PAB]))
    assert _validate(policies["s3-encrypted-and-private"], _StackArgs([BUCKET, SSE, PAB])) == []


def test_pack_config_round_trips_the_stack_context() -> None:
    from policy.pack import context

    for stack in STACKS:
        ctx = stack_context(stack)
        config = pack_config(ctx)
        assert sorted(config) == sorted(r.name for r in RULES)
        assert {context(values) for values in config.values()} == {ctx}


def test_policy_config_tool_prints_the_pack_config(capsys: pytest.CaptureFixture[str]) -> None:
    from tools.policy_config import main

    assert main(["prod"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["rds-encrypted-private-protected"]["prod"] is True
    assert main(["nope"]) == 2


def test_the_pack_entry_point_builds_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    import pulumi_policy

    built: list[dict[str, Any]] = []
    # The real PolicyPack serves the engine over gRPC; record what the entry point hands it.
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.append(kwargs))
    runpy.run_path(str(ROOT / "policy" / "__main__.py"), run_name="__main__")
    assert built[0]["name"] == "rasa-studio"
    assert sorted(p.name for p in built[0]["policies"]) == sorted(r.name for r in RULES)


def test_the_pack_declares_its_runtime_and_pins() -> None:
    assert yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())["runtime"] == "python"
    pins = (ROOT / "policy" / "requirements.txt").read_text()
    assert "pulumi-policy==1.21.0" in pins and "pulumi==" in pins


def test_the_builder_and_the_policy_agree_on_the_writable_root_annotation() -> None:
    from components.workload import WRITABLE_ROOT_ANNOTATION as builder_annotation

    assert builder_annotation == WRITABLE_ROOT_ANNOTATION


def test_a_container_run_as_the_chart_runs_it_passes_only_where_the_pod_says_so() -> None:
    from components.workload import CHART_SECURITY_ANNOTATION as builder_annotation
    from policy.rules import CHART_SECURITY_ANNOTATION

    assert builder_annotation == CHART_SECURITY_ANNOTATION
    bare = {k: v for k, v in container(name="database-migration").items() if k != "securityContext"}
    security_rules = (
        "pods-run-as-non-root",
        "no-privilege-escalation",
        "drop-all-capabilities",
        "runtime-default-seccomp",
    )
    unsaid = deployment(containers=[bare])
    for rule in security_rules:
        assert resource_check(rule)(DEPLOYMENT, unsaid, RuleContext()), rule
    said = deployment(
        containers=[bare],
        annotations={
            CHART_SECURITY_ANNOTATION: "database-migration: as Rasa's chart runs it",
            WRITABLE_ROOT_ANNOTATION: "database-migration: as Rasa's chart runs it",
        },
    )
    assert check_resource(DEPLOYMENT, said, RuleContext()) == {}
    # The annotation names one container: another without settings still fails, and privileged never passes.
    other = deployment(
        containers=[bare, {**bare, "name": "other"}], annotations=said["spec"]["template"]["metadata"]["annotations"]
    )
    assert resource_check("pods-run-as-non-root")(DEPLOYMENT, other, RuleContext())
    privileged = deployment(
        containers=[{**bare, "securityContext": {"privileged": True}}],
        annotations=said["spec"]["template"]["metadata"]["annotations"],
    )
    assert resource_check("no-privilege-escalation")(DEPLOYMENT, privileged, RuleContext())


def _database_url_deployment(url_env: dict[str, Any], with_secret_pass: bool) -> dict[str, Any]:
    env = [url_env]
    if with_secret_pass:
        env.insert(0, {"name": "DB_PASS", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}})
    return deployment(containers=[{**container(), "env": env}])


def test_a_url_assembled_from_secret_backed_variables_is_not_a_literal_secret() -> None:
    check = resource_check("no-plaintext-secret-env")
    ctx = RuleContext()
    assembled = {"name": "DATABASE_URL", "value": "postgresql://$(DB_USER):$(DB_PASS)@db:5432/studio"}
    literal = {"name": "DATABASE_URL", "value": "postgresql://studio:hunter2@db:5432/studio"}
    typ = "kubernetes:apps/v1:Deployment"
    assert check(typ, _database_url_deployment(assembled, with_secret_pass=True), ctx) == []
    assert check(typ, _database_url_deployment(literal, with_secret_pass=True), ctx)
    # A reference to a variable that is not Secret-backed does not make the value safe.
    assert check(typ, _database_url_deployment(assembled, with_secret_pass=False), ctx)


def test_the_selection_rule_catches_the_label_mismatch_on_a_real_stack() -> None:
    resources = stack_resources("staging")
    broken = []
    for r in resources:
        labels = ((r.props.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
        if r.type == "kubernetes:batch/v1:Job" and labels.get("app.kubernetes.io/name") == "database-init":
            # The original bug: the Job's pods named after the component its policy does not select.
            props = copy.deepcopy(dict(r.props))
            props["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] = "postgresql"
            r = StackResource(r.type, props, r.urn, r.name, r.protect, r.dependencies)
        broken.append(r)
    assert broken != resources
    found = check_stack(broken, stack_context("staging"))["network-policies-select-pods"]
    assert any("rasa-studio-database-init selects no pod" in f for f in found), found
