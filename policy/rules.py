"""The policy rules, as plain functions over Pulumi wire-format properties.

A resource rule is `(resource_type, props, ctx) -> [violation message]`; a stack rule gets every
resource of the stack at once, for checks that span resources (a bucket and its encryption
configuration, a Deployment and its PodDisruptionBudget). `props` are the camelCase dicts the
engine hands a policy pack and the mock monitor records as inputs, so the same functions run in
CrossGuard (`pulumi preview --policy-pack policy`) and in the tests over every stack.

This module imports nothing of Pulumi, so tests and tools import it cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

# --- Context -----------------------------------------------------------------------------

# Model-service pods that run with the RBAC-bound account and its token, as Rasa's chart runs them
# (RasaHQ/rasa-helm-charts@f7ef5c9 charts/studio/templates/model-service: the consumers start the
# Rasa Pro Jobs, the orchestrators run with RUNS_IN_CLUSTER=true). Everything else runs without.
ORCHESTRATED_API_CLIENTS = frozenset(
    {
        "model-training-orchestrator",
        "model-training-consumer",
        "model-running-orchestrator",
        "model-running-consumer",
    }
)

COMPONENT_LABEL = "app.kubernetes.io/component"
# A pod template annotation stating why a container cannot have a read-only root filesystem:
# `<container>: <reason>` (one line per container).
WRITABLE_ROOT_ANNOTATION = "rasa-studio/writable-root-filesystem"
# A pod template annotation naming a container of Rasa's image that runs, as Rasa's chart runs it,
# with no securityContext at all (the migration Job), and why: `<container>: <reason>`.
CHART_SECURITY_ANNOTATION = "rasa-studio/chart-security-context"


@dataclass(frozen=True)
class RuleContext:
    """What the rules need to know about the stack beyond one resource's properties."""

    # A prod stack (config `environment: prod`): RDS must have deletion protection. The one way out
    # is the stack's deliberate `acknowledgeUnsafeProd: [protectData]` (docs/prod-safety.md).
    prod: bool = False
    # Services of type LoadBalancer or NodePort are acceptable (config `kubernetes.allowExternalServices`).
    allow_load_balancer: bool = False
    # Replicated workloads must spread over zones and nodes (config `kubernetes.topologySpread`).
    topology_spread: bool = False
    # Components whose pods may mount a service account token: they talk to the Kubernetes API.
    automount_components: frozenset[str] = ORCHESTRATED_API_CLIENTS
    # The resource's own `protect` option, where the caller knows it.
    protected: bool | None = None

    @classmethod
    def from_config(cls, config: Any) -> RuleContext:
        """The context of a validated `config.StackConfig` (duck-typed: the pack has no pydantic)."""
        orchestrated = config.model_service.architecture == "orchestrated"
        return cls(
            prod=config.environment == "prod" and "protectData" not in getattr(config, "acknowledge_unsafe_prod", ()),
            allow_load_balancer=bool(getattr(config.kubernetes, "allow_external_services", False)),
            topology_spread=bool(config.kubernetes.topology_spread),
            automount_components=ORCHESTRATED_API_CLIENTS if orchestrated else frozenset(),
        )


def pack_config(ctx: RuleContext) -> dict[str, dict[str, Any]]:
    """The policy pack's configuration for a stack (`--policy-pack-config`): CrossGuard configures
    each policy on its own, so every policy gets the same context."""
    values = {
        "prod": ctx.prod,
        "allowExternalServices": ctx.allow_load_balancer,
        "topologySpread": ctx.topology_spread,
        "automountComponents": sorted(ctx.automount_components),
    }
    return {rule.name: dict(values) for rule in RULES}


def context_from_pack_config(values: Mapping[str, Any]) -> RuleContext:
    """The inverse of pack_config for one policy's configuration; missing values take defaults."""
    return RuleContext(
        prod=bool(values.get("prod", False)),
        allow_load_balancer=bool(values.get("allowExternalServices", False)),
        topology_spread=bool(values.get("topologySpread", False)),
        automount_components=frozenset(values.get("automountComponents", ORCHESTRATED_API_CLIENTS)),
    )


@dataclass(frozen=True)
class StackResource:
    """One resource as a stack rule sees it (CrossGuard's PolicyResource, or a mock registration)."""

    type: str
    props: Mapping[str, Any]
    urn: str = ""
    name: str = ""
    protect: bool = False
    dependencies: tuple[str, ...] = ()


ResourceCheck = Callable[[str, Mapping[str, Any], RuleContext], list[str]]
StackCheck = Callable[[Sequence[StackResource], RuleContext], list[str]]


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    check: ResourceCheck | StackCheck
    kind: Literal["resource", "stack"] = "resource"
    enforcement: Literal["mandatory", "advisory"] = "mandatory"
    # Resource types the rule looks at; empty: all.
    types: frozenset[str] = field(default_factory=frozenset)


# --- Helpers over wire-format props ------------------------------------------------------

# Pulumi's wire envelope of a secret value ({sig: secret-sig, value: ...}), as the mock
# monitor records it; CrossGuard hands policies the value already unwrapped.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


class SecretText(str):
    """A string that was a Pulumi secret: still a secret when a rule finds it in plain sight."""


def unwrap(value: Any) -> Any:
    """Props with Pulumi secret envelopes removed (as CrossGuard presents them); secret strings
    stay recognisable as SecretText."""
    if isinstance(value, Mapping):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            inner = unwrap(value.get("value"))
            return SecretText(inner) if isinstance(inner, str) else inner
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def _is_secret(value: Any) -> bool:
    return isinstance(value, SecretText) or (isinstance(value, Mapping) and value.get(_SIG_KEY) == _SECRET_SIG)


WORKLOAD_TYPES = frozenset(
    {
        "kubernetes:core/v1:Pod",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:apps/v1:ReplicaSet",
        "kubernetes:batch/v1:Job",
        "kubernetes:batch/v1:CronJob",
    }
)
SERVICE = "kubernetes:core/v1:Service"
RDS_INSTANCE = "aws:rds/instance:Instance"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
S3_BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
S3_ENCRYPTION = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def pod_template(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod template (metadata + spec) of a workload, or None for anything else."""
    if resource_type not in WORKLOAD_TYPES:
        return None
    if resource_type == "kubernetes:core/v1:Pod":
        return {"metadata": props.get("metadata") or {}, "spec": props.get("spec") or {}}
    if resource_type == "kubernetes:batch/v1:CronJob":
        return _get(props, "spec", "jobTemplate", "spec", "template") or {}
    return _get(props, "spec", "template") or {}


def _containers(pod_spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for kind in ("initContainers", "containers"):
        for c in pod_spec.get(kind) or []:
            yield kind, c


def _component(resource_type: str, props: Mapping[str, Any]) -> str | None:
    template = pod_template(resource_type, props) or {}
    return _get(template, "metadata", "labels", COMPONENT_LABEL) or _get(props, "metadata", "labels", COMPONENT_LABEL)


def _per_container(
    check: Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str | None],
) -> ResourceCheck:
    """A resource check from a check of one container (container, pod spec, pod template)."""

    def run(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
        template = pod_template(resource_type, props)
        if template is None:
            return []
        spec = template.get("spec") or {}
        found = []
        for _, c in _containers(spec):
            problem = check(c, spec, template)
            if problem:
                found.append(f"container '{c.get('name')}' {problem}")
        return found

    return run


def _effective(c: Mapping[str, Any], spec: Mapping[str, Any], *path: str) -> Any:
    """A container security setting, falling back to the pod's where Kubernetes does."""
    own = _get(c, "securityContext", *path)
    return own if own is not None else _get(spec, "securityContext", *path)


# --- Pod rules ---------------------------------------------------------------------------


def _reasons(template: Mapping[str, Any], annotation: str) -> dict[str, str]:
    text = _get(template, "metadata", "annotations", annotation) or ""
    reasons = {}
    for line in str(text).replace("; ", "\n").splitlines():
        name, _, reason = line.partition(":")
        if reason.strip():
            reasons[name.strip()] = reason.strip()
    return reasons


def _as_the_chart_runs_it(
    check: Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str | None],
) -> Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str | None]:
    """A security check that accepts a container the pod names, with a reason, as run the way Rasa's
    chart runs it (no restricted securityContext); one made privileged is refused all the same."""

    def run(c: Mapping[str, Any], spec: Mapping[str, Any], template: Mapping[str, Any]) -> str | None:
        if c.get("name") in _reasons(template, CHART_SECURITY_ANNOTATION):
            if _get(c, "securityContext", "privileged") is True:
                return "must not be privileged"
            return None
        return check(c, spec, template)

    return run


def _non_root(c: Mapping[str, Any], spec: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    if _effective(c, spec, "runAsNonRoot") is not True:
        return "must set runAsNonRoot: true"
    if _effective(c, spec, "runAsUser") == 0:
        return "must not run as user 0"
    return None


def _no_escalation(c: Mapping[str, Any], _: Mapping[str, Any], __: Mapping[str, Any]) -> str | None:
    if _get(c, "securityContext", "privileged") is True:
        return "must not be privileged"
    if _get(c, "securityContext", "allowPrivilegeEscalation") is not False:
        return "must set allowPrivilegeEscalation: false"
    return None


def _drop_all(c: Mapping[str, Any], _: Mapping[str, Any], __: Mapping[str, Any]) -> str | None:
    caps = _get(c, "securityContext", "capabilities") or {}
    if "ALL" not in (caps.get("drop") or []):
        return "must drop ALL capabilities"
    if caps.get("add"):
        return f"must not add capabilities {caps['add']}"
    return None


def _seccomp(c: Mapping[str, Any], spec: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    if _effective(c, spec, "seccompProfile", "type") != "RuntimeDefault":
        return "must use the RuntimeDefault seccomp profile"
    return None


def _writable_root_reasons(template: Mapping[str, Any]) -> dict[str, str]:
    text = _get(template, "metadata", "annotations", WRITABLE_ROOT_ANNOTATION) or ""
    reasons = {}
    for line in str(text).splitlines():
        name, _, reason = line.partition(":")
        if reason.strip():
            reasons[name.strip()] = reason.strip()
    return reasons


def _read_only_root(c: Mapping[str, Any], _: Mapping[str, Any], template: Mapping[str, Any]) -> str | None:
    if _get(c, "securityContext", "readOnlyRootFilesystem") is True:
        return None
    if c.get("name") in _writable_root_reasons(template):
        return None
    return f"must set readOnlyRootFilesystem: true, or say why not in the annotation {WRITABLE_ROOT_ANNOTATION}"


def _requests_limits(c: Mapping[str, Any], _: Mapping[str, Any], __: Mapping[str, Any]) -> str | None:
    res = c.get("resources") or {}
    missing = [
        f"{kind}.{name}" for kind in ("requests", "limits") for name in ("cpu", "memory") if not _get(res, kind, name)
    ]
    return f"must set resources {', '.join(missing)}" if missing else None


def _probes(c: Mapping[str, Any], spec: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    # A container that serves a port is a service with an endpoint; init containers run to completion.
    if c in (spec.get("initContainers") or []) or not c.get("ports"):
        return None
    missing = [p for p in ("livenessProbe", "readinessProbe") if not c.get(p)]
    return f"serves a port and must have {' and '.join(missing)}" if missing else None


def check_token_automount(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    template = pod_template(resource_type, props)
    if template is None:
        return []
    component = _component(resource_type, props)
    if component in ctx.automount_components:
        return []
    if _get(template, "spec", "automountServiceAccountToken") is not False:
        return [f"component '{component}' does not talk to the Kubernetes API: set automountServiceAccountToken: false"]
    return []


def check_image_pinned(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    template = pod_template(resource_type, props)
    if template is None:
        return []
    found = []
    for _, c in _containers(template.get("spec") or {}):
        image = str(c.get("image") or "")
        if "@sha256:" in image:
            continue
        last = image.rsplit("/", 1)[-1]
        tag = last.partition(":")[2]
        if not tag:
            found.append(f"container '{c.get('name')}' image '{image}' has no tag: pin a version")
        elif tag == "latest":
            found.append(f"container '{c.get('name')}' image '{image}' uses 'latest': pin a version")
    return found


# Env var names that carry a credential. Literal values for them belong in a Secret.
_SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|LICENSE|API_KEY|ACCESS_KEY|_PASS$|^DATABASE_URL$)")
# ... except names that point at where the credential is (a Secret's name or key, a file).
_ENV_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_SECRET_POINTER = re.compile(r"(_SECRET_NAME|_SECRET_KEY|_FILE|_PATH|_LOCATION|_MOUNT)$")


def check_plaintext_secret_env(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    template = pod_template(resource_type, props)
    if template is None:
        return []
    found = []
    for _, c in _containers(template.get("spec") or {}):
        from_secrets = {
            str(e.get("name")) for e in c.get("env") or [] if _get(e, "valueFrom", "secretKeyRef") is not None
        }
        for env in c.get("env") or []:
            name = str(env.get("name", ""))
            if "value" not in env or env.get("value") in (None, ""):
                continue
            value = str(env["value"])
            # A value the kubelet assembles from Secret-backed variables ($(DB_PASS) in a
            # DATABASE_URL) holds no credential in the manifest.
            assembled = any(ref in from_secrets for ref in _ENV_REFERENCE.findall(value))
            named_secret = _SECRET_NAME.search(name) and not _SECRET_POINTER.search(name)
            if _is_secret(env["value"]) or (named_secret and not assembled):
                found.append(f"container '{c.get('name')}' env {name} has a literal value: use valueFrom.secretKeyRef")
    return found


# Labels NetworkPolicies select pods by; a pod without part-of counts as a started Rasa Pro Job.
POD_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/part-of")


def check_pod_labels(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    template = pod_template(resource_type, props)
    if template is None:
        return []
    labels = _get(template, "metadata", "labels") or {}
    missing = [k for k in POD_LABELS if not labels.get(k)]
    return [f"pod template lacks the labels {', '.join(missing)} its NetworkPolicy selects by"] if missing else []


NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PART_OF_LABEL = "app.kubernetes.io/part-of"


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, Any]) -> bool:
    """Whether a Kubernetes label selector (matchLabels, matchExpressions) matches `labels`."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


# The policy of an entry point's proxies in the Studio namespace (components/network.py): a
# Gateway controller starts those pods, no stack registers them.
ENTRY_PROXIES_POLICY = "rasa-studio-entry-proxies"


def _for_started_pods(selector: Mapping[str, Any], name: object = None) -> bool:
    # The Rasa Pro Jobs' policy selects the pods the consumers start at run time (no part-of
    # label), which no stack registers.
    return name == ENTRY_PROXIES_POLICY or any(
        e.get("key") == PART_OF_LABEL and e.get("operator") == "DoesNotExist"
        for e in selector.get("matchExpressions") or []
    )


def _namespace(props: Mapping[str, Any]) -> str | None:
    value = _get(props, "metadata", "namespace")
    return value if isinstance(value, str) else None


def check_network_policy_selection(resources: Sequence[StackResource], ctx: RuleContext) -> list[str]:
    """Every NetworkPolicy selects a pod of the stack, every pod an allow policy selects: a label
    that drifts from its selector leaves a pod with default-deny only, or a policy with nothing."""
    policies = [r for r in resources if r.type == NETWORK_POLICY]
    if not policies:
        return []
    pods = []
    for r in resources:
        template = pod_template(r.type, r.props)
        if template is not None:
            pods.append((r, _get(template, "metadata", "labels") or {}))

    def same_namespace(a: StackResource, b: StackResource) -> bool:
        return None in (_namespace(a.props), _namespace(b.props)) or _namespace(a.props) == _namespace(b.props)

    found = []
    for policy in policies:
        selector = _get(policy.props, "spec", "podSelector") or {}
        if _for_started_pods(selector, _get(policy.props, "metadata", "name")):
            continue
        if not any(same_namespace(policy, r) and selects(selector, labels) for r, labels in pods):
            found.append(f"NetworkPolicy {_get(policy.props, 'metadata', 'name')} selects no pod of the stack")
    for r, labels in pods:
        # Namespace-wide policies (default deny, DNS) select every pod; an allow policy names it.
        allowing = [
            p
            for p in policies
            if same_namespace(p, r)
            and (_get(p.props, "spec", "podSelector") or {})
            and selects(_get(p.props, "spec", "podSelector"), labels)
        ]
        if not allowing:
            found.append(
                f"{r.type.rsplit(':', 1)[-1]} {_get(r.props, 'metadata', 'name')}: its pods are selected by no allow NetworkPolicy"
            )
    return found


# --- Workload availability ---------------------------------------------------------------


def _replicas(props: Mapping[str, Any]) -> int:
    value = _get(props, "spec", "replicas")
    return int(value) if isinstance(value, (int, float)) else 1


def check_rollout(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    if resource_type != "kubernetes:apps/v1:Deployment":
        return []
    strategy = _get(props, "spec", "strategy") or {}
    volumes = _get(props, "spec", "template", "spec", "volumes") or []
    if strategy.get("type") == "Recreate":
        if not any(v.get("persistentVolumeClaim") for v in volumes):
            return ["uses the Recreate strategy without a volume that demands it: use RollingUpdate"]
        return []
    unavailable = _get(strategy, "rollingUpdate", "maxUnavailable")
    if _replicas(props) > 1 and unavailable not in (0, "0", "0%"):
        return ["runs several replicas: set rollingUpdate.maxUnavailable: 0 so a rollout keeps capacity"]
    return []


def check_topology_spread(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    if not ctx.topology_spread or resource_type not in (
        "kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:StatefulSet",
    ):
        return []
    if _replicas(props) > 1 and not _get(props, "spec", "template", "spec", "topologySpreadConstraints"):
        return ["runs several replicas: spread them with topologySpreadConstraints (kubernetes.topologySpread)"]
    return []


def check_disruption_budgets(resources: Sequence[StackResource], ctx: RuleContext) -> list[str]:
    budgets = [
        _get(r.props, "spec", "selector", "matchLabels") or {}
        for r in resources
        if r.type in ("kubernetes:policy/v1:PodDisruptionBudget",)
    ]
    found = []
    for r in resources:
        if r.type not in ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet") or _replicas(r.props) <= 1:
            continue
        labels = _get(r.props, "spec", "template", "metadata", "labels") or {}
        if not any(sel and all(labels.get(k) == v for k, v in sel.items()) for sel in budgets):
            found.append(
                f"{r.type.rsplit(':', 1)[-1]} {_get(r.props, 'metadata', 'name')} runs several replicas without a PodDisruptionBudget"
            )
    return found


# --- Services ------------------------------------------------------------------------------


def check_service_type(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    if resource_type != SERVICE or ctx.allow_load_balancer:
        return []
    kind = _get(props, "spec", "type") or "ClusterIP"
    if kind in ("LoadBalancer", "NodePort"):
        return [
            f"Service type {kind} exposes the pods outside the cluster: use the ingress (or set kubernetes.allowExternalServices)"
        ]
    return []


# --- AWS -----------------------------------------------------------------------------------


def check_rds(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    if resource_type != RDS_INSTANCE:
        return []
    found = []
    if props.get("storageEncrypted") is not True:
        found.append("must set storageEncrypted: true")
    if props.get("publiclyAccessible") is True:
        found.append("must not be publicly accessible")
    if ctx.prod and props.get("deletionProtection") is not True:
        found.append("holds protected data: set deletionProtection: true")
    if ctx.prod and ctx.protected is False:
        found.append("holds protected data: register it with protect=True")
    return found


# docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
EKS_LOG_TYPES = frozenset({"api", "audit", "authenticator", "controllerManager", "scheduler"})


def check_eks_cluster(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    if resource_type != EKS_CLUSTER:
        return []
    found = []
    vpc = props.get("vpcConfig") or {}
    if vpc.get("endpointPrivateAccess") is not True:
        found.append("must turn on the private API endpoint (vpcConfig.endpointPrivateAccess)")
    if vpc.get("endpointPublicAccess") is not False and "0.0.0.0/0" in (vpc.get("publicAccessCidrs") or ["0.0.0.0/0"]):
        found.append("must not open the public API endpoint to 0.0.0.0/0: limit publicAccessCidrs or turn it off")
    encryption = props.get("encryptionConfig") or {}
    if "secrets" not in (encryption.get("resources") or []) or not (encryption.get("provider") or {}).get("keyArn"):
        found.append("must encrypt Secrets with a KMS key (encryptionConfig)")
    missing = EKS_LOG_TYPES - set(props.get("enabledClusterLogTypes") or [])
    if missing:
        found.append(f"must send every control-plane log type, missing {', '.join(sorted(missing))}")
    if (props.get("accessConfig") or {}).get("authenticationMode") != "API":
        found.append("must authenticate through access entries only (accessConfig.authenticationMode: API)")
    if ctx.prod and ctx.protected is False:
        found.append("runs protected data: register it with protect=True")
    return found


def check_node_metadata(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
    """Node launch templates require IMDSv2 with a hop limit of at most 2 (EKS best practices)."""
    if resource_type != LAUNCH_TEMPLATE:
        return []
    options = props.get("metadataOptions") or {}
    found = []
    if options.get("httpTokens") != "required":
        found.append("must require IMDSv2 (metadataOptions.httpTokens: required)")
    if not 1 <= int(options.get("httpPutResponseHopLimit") or 0) <= 2:
        found.append("must set metadataOptions.httpPutResponseHopLimit to 1 (or 2, documented)")
    for device in props.get("blockDeviceMappings") or []:
        if str((device.get("ebs") or {}).get("encrypted")).lower() != "true":
            found.append(f"must encrypt the volume {device.get('deviceName')}")
    return found


_PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
_BLOCK_ALL = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _refers_to(r: StackResource, bucket: StackResource) -> bool:
    names = {bucket.props.get("bucket"), bucket.name}
    return bucket.urn in r.dependencies or r.props.get("bucket") in names - {None, ""}


def check_s3(resources: Sequence[StackResource], ctx: RuleContext) -> list[str]:
    found = []
    for bucket in (r for r in resources if r.type in S3_BUCKETS):
        label = f"bucket {bucket.props.get('bucket') or bucket.name}"
        inline = bucket.props.get("serverSideEncryptionConfiguration")
        if not inline and not any(r.type in S3_ENCRYPTION and _refers_to(r, bucket) for r in resources):
            found.append(f"{label} has no server-side encryption configuration")
        if bucket.props.get("acl") in _PUBLIC_ACLS:
            found.append(f"{label} has the public ACL {bucket.props['acl']}")
        blocks = [r for r in resources if r.type == S3_PUBLIC_ACCESS_BLOCK and _refers_to(r, bucket)]
        if not any(all(b.props.get(k) is True for k in _BLOCK_ALL) for b in blocks):
            found.append(f"{label} needs a public access block with {', '.join(_BLOCK_ALL)} all true")
    return found


# --- Registry ------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        "pods-run-as-non-root",
        "Containers run as a non-root user.",
        _per_container(_as_the_chart_runs_it(_non_root)),
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "no-privilege-escalation",
        "Containers are unprivileged and set allowPrivilegeEscalation: false.",
        _per_container(_as_the_chart_runs_it(_no_escalation)),
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "drop-all-capabilities",
        "Containers drop ALL Linux capabilities and add none.",
        _per_container(_as_the_chart_runs_it(_drop_all)),
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "runtime-default-seccomp",
        "Containers run under the RuntimeDefault seccomp profile.",
        _per_container(_as_the_chart_runs_it(_seccomp)),
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "read-only-root-filesystem",
        "Root filesystems are read-only unless the pod says why the image needs it.",
        _per_container(_read_only_root),
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "resource-requests-and-limits",
        "Containers set cpu and memory requests and limits.",
        _per_container(_requests_limits),
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "probes-where-there-is-an-endpoint",
        "Containers that serve a port have liveness and readiness probes.",
        _per_container(_probes),
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "service-account-token-only-for-api-clients",
        "Only pods that talk to the Kubernetes API mount a service account token.",
        check_token_automount,
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "images-pinned",
        "Images are pinned to a tag or digest, never 'latest' or untagged.",
        check_image_pinned,
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "no-plaintext-secret-env",
        "Credentials reach containers through Secret references, never literal env values.",
        check_plaintext_secret_env,
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "pod-labels-for-network-policies",
        "Pod templates carry the labels their NetworkPolicies select by.",
        check_pod_labels,
        types=WORKLOAD_TYPES,
    ),
    Rule(
        "network-policies-select-pods",
        "Every NetworkPolicy selects a pod of the stack, and every pod is selected by an allow policy.",
        check_network_policy_selection,
        kind="stack",
    ),
    Rule(
        "rolling-update-keeps-capacity",
        "Deployments roll without losing capacity; Recreate only where a volume demands it.",
        check_rollout,
        types=frozenset({"kubernetes:apps/v1:Deployment"}),
    ),
    Rule(
        "topology-spread",
        "Replicated workloads spread over zones and nodes where the stack asks for it.",
        check_topology_spread,
        types=frozenset({"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"}),
    ),
    Rule(
        "disruption-budget-for-replicas",
        "Workloads with more than one replica have a PodDisruptionBudget.",
        check_disruption_budgets,
        kind="stack",
    ),
    Rule(
        "no-external-service-types",
        "No Service of type LoadBalancer or NodePort unless the config allows it.",
        check_service_type,
        types=frozenset({SERVICE}),
    ),
    Rule(
        "rds-encrypted-private-protected",
        "RDS instances are encrypted and private, and deletion-protected where data is protected.",
        check_rds,
        types=frozenset({RDS_INSTANCE}),
    ),
    Rule(
        "eks-cluster-private-encrypted-logged",
        "EKS clusters have the private endpoint, no world-open public one, KMS-encrypted Secrets, every "
        "control-plane log type and API (access entry) authentication.",
        check_eks_cluster,
        types=frozenset({EKS_CLUSTER}),
    ),
    Rule(
        "eks-nodes-imdsv2",
        "Node launch templates require IMDSv2 with a hop limit of 1 or 2 and encrypt their volumes.",
        check_node_metadata,
        types=frozenset({LAUNCH_TEMPLATE}),
    ),
    Rule(
        "s3-encrypted-and-private",
        "S3 buckets have server-side encryption and block all public access.",
        check_s3,
        kind="stack",
    ),
)

RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def check_resource(resource_type: str, props: Mapping[str, Any], ctx: RuleContext) -> dict[str, list[str]]:
    """Violations of every resource rule, by rule name (rules with none left out)."""
    plain = unwrap(props)
    return {
        rule.name: found
        for rule in RULES
        if rule.kind == "resource" and (found := rule.check(resource_type, plain, ctx))  # type: ignore[call-arg, arg-type]
    }


def check_stack(resources: Iterable[StackResource], ctx: RuleContext) -> dict[str, list[str]]:
    """Violations of every rule over a whole stack, by rule name."""
    listed = [StackResource(r.type, unwrap(r.props), r.urn, r.name, r.protect, r.dependencies) for r in resources]
    found: dict[str, list[str]] = {}
    for rule in RULES:
        if rule.kind == "stack":
            problems = rule.check(listed, ctx)  # type: ignore[call-arg, arg-type]
        else:
            problems = [
                f"{r.type} {r.name}: {p}"
                for r in listed
                for p in rule.check(r.type, r.props, _for_resource(ctx, r))  # type: ignore[call-arg, arg-type]
            ]
        if problems:
            found[rule.name] = problems
    return found


def _for_resource(ctx: RuleContext, r: StackResource) -> RuleContext:
    return for_resource(ctx, r.protect)


def for_resource(ctx: RuleContext, protect: bool) -> RuleContext:
    """The context for one resource: a protected resource holds production data."""
    return replace(ctx, prod=ctx.prod or protect, protected=protect)
