"""What pulumi-kubernetes decides for a changed object: update, or replace, and in which order.

Read from the provider's source (pulumi/pulumi-kubernetes, provider/pkg/provider/diff.go
`forceNew` and `forceNewProperties`, and provider.go `Diff` and `DiffConfig`), unchanged in
diff.go since the mutable-Secret option (#3164) and so true of the pinned 4.34.2:

- every kind: `.metadata.name` and `.metadata.namespace`;
- the kinds below: their own fields;
- a Secret's `.data`/`.stringData` and a ConfigMap's `.data`/`.binaryData` only while the provider
  is not told they are mutable (`enableSecretMutable`, `enableConfigMapMutable`, which fall back
  to the PULUMI_K8S_ENABLE_*_MUTABLE environment variables and then to false), or when the
  object itself is `immutable: true`;
- a replacement deletes first when the object is named, and keeps its name and namespace.
"""

from __future__ import annotations

from typing import Any

from .paths import Change, Path, parse, touches

_SELECTOR = (
    ".spec.selector",
    ".spec.selector.matchExpressions",
    ".spec.selector.matchLabels",
)
_CONTAINER = tuple(
    f"{prefix}.{field}"
    for prefix in (".spec.containers[*]", ".spec.initContainers[*]")
    for field in [
        "args",
        "command",
        "env",
        "image",
        "imagePullPolicy",
        "lifecycle",
        "livenessProbe",
        "ports",
        "readinessProbe",
        "resources",
        "securityContext",
        "stdin",
        "stdinOnce",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "tty",
        "volumeDevices",
        "volumeMounts",
        "workingDir",
    ]
)
_POD = (
    *(
        f".spec.{field}"
        for field in [
            "affinity",
            "automountServiceAccountToken",
            "dnsConfig",
            "dnsPolicy",
            "enableServiceLinks",
            "hostAliases",
            "hostIPC",
            "hostNetwork",
            "hostPID",
            "hostname",
            "imagePullSecrets",
            "nodeName",
            "nodeSelector",
            "overhead",
            "preemptionPolicy",
            "priority",
            "priorityClassName",
            "readinessGates",
            "restartPolicy",
            "runtimeClassName",
            "schedulerName",
            "securityContext",
            "serviceAccount",
            "serviceAccountName",
            "shareProcessNamespace",
            "subdomain",
            "terminationGracePeriodSeconds",
            "volumes",
        ]
    ),
    *_CONTAINER,
)

# (group, kind) -> force-new paths beyond the metadata ones. Versions are left out: every
# version the provider lists for a kind carries the same fields, and this program uses one each.
FORCE_NEW: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): _SELECTOR,
    ("apps", "DaemonSet"): _SELECTOR,
    ("apps", "StatefulSet"): (
        ".spec.podManagementPolicy",
        ".spec.revisionHistoryLimit",
        ".spec.serviceName",
        ".spec.volumeClaimTemplates",
        *_SELECTOR,
    ),
    ("batch", "Job"): (".spec.completions", ".spec.parallelism", ".spec.template", *_SELECTOR),
    ("core", "PersistentVolumeClaim"): (
        # Not `.spec.resources`: a claim grows in place since pulumi-kubernetes #1705.
        ".spec.accessModes",
        ".spec.storageClassName",
        ".spec.volumeName",
        *_SELECTOR,
    ),
    ("core", "Pod"): _POD,
    ("core", "ResourceQuota"): (".spec.scopes",),
    ("core", "Secret"): (".type",),
    ("core", "Service"): (".spec.clusterIP",),
    ("policy", "PodDisruptionBudget"): (),  # `.spec` is force-new for policy/v1beta1 only
    ("rbac.authorization.k8s.io", "RoleBinding"): (".roleRef",),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): (".roleRef",),
    ("storage.k8s.io", "StorageClass"): (".parameters", ".provisioner"),
}
_METADATA = (".metadata.name", ".metadata.namespace")

# Provider inputs that say whether Secret and ConfigMap data may change in place.
SECRET_MUTABLE = "enableSecretMutable"
CONFIG_MAP_MUTABLE = "enableConfigMapMutable"


def _group_kind(obj: dict[str, Any]) -> tuple[str, str]:
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.split("/", 1)[0] if "/" in api_version else "core"
    return group, str(obj.get("kind", ""))


def flag(value: Any) -> bool:
    # Provider inputs reach the engine as strings ("true"); a dict of overrides may use bools.
    return value is True or value == "true"


def force_new(obj: dict[str, Any], flags: dict[str, Any]) -> list[Path]:
    group, kind = _group_kind(obj)
    rules = [*_METADATA, *FORCE_NEW.get((group, kind), ())]
    immutable = obj.get("immutable") is True
    if kind == "Secret" and group == "core" and (immutable or not flag(flags.get(SECRET_MUTABLE))):
        rules += [".stringData", ".data"]
    if kind == "ConfigMap" and group == "core" and (immutable or not flag(flags.get(CONFIG_MAP_MUTABLE))):
        rules += [".binaryData", ".data"]
    return [parse(r) for r in rules]


def replace_reasons(old: dict[str, Any], found: list[Change], flags: dict[str, Any]) -> list[Path]:
    rules = force_new(old, flags)
    return [c.path for c in found if any(touches(c, rule) for rule in rules)]


def deletes_first(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """provider.go Diff: a named object replaced under the same name and namespace is deleted
    before its replacement is created (the API server holds one object per name)."""
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    name = new_meta.get("name")
    return bool(name) and name == old_meta.get("name") and new_meta.get("namespace") == old_meta.get("namespace")


def provider_replaced(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """provider.go DiffConfig: the provider (and so every object it manages) is replaced when the
    cluster it points at may have changed. Which cluster a kubeconfig's context names is not known
    here, so any change of kubeconfig, context or cluster counts, as it does for an unknown value."""
    return [k for k in ("kubeconfig", "context", "cluster") if old.get(k) != new.get(k)]
