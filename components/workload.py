"""One builder for hardened pods, so no component repeats the security settings.

Every container runs as a non-root user with no privilege escalation, all capabilities dropped,
the RuntimeDefault seccomp profile (what Pod Security `restricted` requires), a read-only root
filesystem unless the caller says why not, resource requests and limits, and HTTP probes where
the service has an endpoint. Images this program controls run as a fixed numeric user; Rasa's
closed images run as their own user (`user=None`) as Rasa's chart runs them, unless the operator
opts in to a fixed one (config/security.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta
from pydantic import BaseModel

from config.base import Resources
from config.pods import PodSettings
from config.sizing import merge_resources

from .labels import PART_OF
from .pod_clash import clashes, listed, shape

PART_OF_LABEL = "app.kubernetes.io/part-of"


# Where a pod says why a container keeps a writable root filesystem; the policy pack reads it.
WRITABLE_ROOT_ANNOTATION = "rasa-studio/writable-root-filesystem"


def writable_root(reasons: Mapping[str, str]) -> dict[str, str]:
    """Pod annotation naming each container with a writable root filesystem and why."""
    return {WRITABLE_ROOT_ANNOTATION: "; ".join(f"{name}: {why}" for name, why in sorted(reasons.items()))}


# Where a pod says which container runs without the restricted securityContext and why; the policy
# pack's non-root, privilege-escalation, capabilities and seccomp rules read it.
CHART_SECURITY_ANNOTATION = "rasa-studio/chart-security-context"


def chart_security_context(reasons: Mapping[str, str]) -> dict[str, str]:
    """Pod annotation naming each container that runs with no securityContext of its own, and why."""
    return {CHART_SECURITY_ANNOTATION: "; ".join(f"{name}: {why}" for name, why in sorted(reasons.items()))}


def checkov_skips(reasons: Mapping[str, str]) -> dict[str, str]:
    """Annotations telling checkov which of its checks do not apply to this one object, and why.

    Kept on the object rather than in the global skip list, so the check still guards every
    other workload.
    """
    return {f"checkov.io/skip{i}": f"{check}={why}" for i, (check, why) in enumerate(sorted(reasons.items()), 1)}


# checkov's probe checks, for workloads whose image serves no endpoint to probe.
NO_ENDPOINT = "the image serves no HTTP or TCP endpoint to probe"


def no_probe_skips() -> dict[str, str]:
    return {"CKV_K8S_8": NO_ENDPOINT, "CKV_K8S_9": NO_ENDPOINT}


@dataclass(frozen=True)
class HttpProbe:
    path: str
    port: int
    initial_delay_seconds: int = 15
    period_seconds: int = 15
    timeout_seconds: int = 5
    failure_threshold: int = 6

    def args(self) -> core.ProbeArgs:
        return core.ProbeArgs(
            http_get=core.HTTPGetActionArgs(path=self.path, port=self.port),
            initial_delay_seconds=self.initial_delay_seconds,
            period_seconds=self.period_seconds,
            timeout_seconds=self.timeout_seconds,
            failure_threshold=self.failure_threshold,
        )


@dataclass(frozen=True)
class User:
    """Numeric ids: with runAsNonRoot the kubelet can only verify a numeric user."""

    uid: int
    # None keeps the image's group.
    gid: int | None


def opt_in_user(run_as_user: int | None, run_as_group: int | None) -> User | None:
    """The user an operator chose for one of Rasa's images; None runs the image's own user."""
    return None if run_as_user is None else User(run_as_user, run_as_group)


# Why a container of Rasa's images keeps a writable root filesystem by default.
RASA_WRITABLE_ROOT = (
    "Rasa's image, run with a writable root filesystem as Rasa's chart runs it; read-only is opt-in "
    "(securityContext.readOnlyRootFilesystem)"
)


# Why the migration container of Rasa's image has no securityContext by default.
RASA_CHART_SECURITY = (
    "Rasa's image, run without a securityContext as Rasa's chart runs it (its user is unknown; an image "
    "running as root would never start under runAsNonRoot); restricted settings are opt-in "
    "(securityContext.restricted)"
)
# checkov's checks of the settings such a container goes without.
CHART_SECURITY_SKIPS = {
    check: RASA_CHART_SECURITY
    for check in ("CKV_K8S_20", "CKV_K8S_23", "CKV_K8S_28", "CKV_K8S_29", "CKV_K8S_30", "CKV_K8S_31", "CKV_K8S_37")
}


# /tmp of Rasa's images. Rasa's chart mounts nothing there (charts/studio/templates, 1.2.6 to 2.6.0;
# the web client excepted): /tmp is part of the writable root, and so it is here. Only the opt-in
# read-only root gets a /tmp emptyDir, with a generous cap, since a pod writing past an emptyDir's
# sizeLimit is evicted.
RASA_TMP_SIZE_LIMIT = "1Gi"


def rasa_tmp(read_only: bool) -> tuple[list[core.VolumeArgs], list[core.VolumeMountArgs]]:
    """(volumes, mounts) of /tmp for a container of Rasa's image: none with the writable root."""
    if not read_only:
        return [], []
    return [empty_dir("tmp", RASA_TMP_SIZE_LIMIT)], [mount("tmp", "/tmp")]


def rasa_image_skips(read_only: bool) -> dict[str, str]:
    """checkov skips of a workload running one of Rasa's images as the chart does."""
    return {} if read_only else {"CKV_K8S_22": RASA_WRITABLE_ROOT}


def resources(defaults: Resources, override: Resources | None = None) -> core.ResourceRequirementsArgs:
    """Requests and limits: the component's defaults, with the user's values on top.

    The merge is config.sizing.merge_resources, the one the `capacity` output counts with.
    """
    chosen = merge_resources(defaults, override)
    return core.ResourceRequirementsArgs(
        requests=chosen.requests.model_dump(exclude_none=True), limits=chosen.limits.model_dump(exclude_none=True)
    )


def env_value(name: str, value: pulumi.Input[str]) -> core.EnvVarArgs:
    return core.EnvVarArgs(name=name, value=value)


def env_secret(name: str, secret: pulumi.Input[str], key: str, optional: bool | None = None) -> core.EnvVarArgs:
    return core.EnvVarArgs(
        name=name,
        value_from=core.EnvVarSourceArgs(
            secret_key_ref=core.SecretKeySelectorArgs(name=secret, key=key, optional=optional)
        ),
    )


def container(
    name: str,
    image: str,
    *,
    user: User | None,
    resources: core.ResourceRequirementsArgs,
    ports: Mapping[str, int] | None = None,
    env: Sequence[core.EnvVarArgs] = (),
    env_from: Sequence[core.EnvFromSourceArgs] = (),
    liveness: HttpProbe | None = None,
    readiness: HttpProbe | None = None,
    startup: HttpProbe | None = None,
    volume_mounts: Sequence[core.VolumeMountArgs] = (),
    command: Sequence[str] | None = None,
    args: Sequence[pulumi.Input[str]] | None = None,
    read_only_root_filesystem: bool = True,
    restricted: bool = True,
) -> core.ContainerArgs:
    """restricted=False: only what the caller opted in to (a user, a read-only root), for an image
    Rasa's chart runs without any securityContext (the migration Job)."""
    return core.ContainerArgs(
        name=name,
        image=image,
        image_pull_policy="IfNotPresent",
        command=list(command) if command is not None else None,
        args=list(args) if args is not None else None,
        ports=[
            core.ContainerPortArgs(name=port_name, container_port=port, protocol="TCP")
            for port_name, port in (ports or {}).items()
        ]
        or None,
        env=list(env) or None,
        env_from=list(env_from) or None,
        liveness_probe=liveness.args() if liveness else None,
        readiness_probe=readiness.args() if readiness else None,
        startup_probe=startup.args() if startup else None,
        resources=resources,
        volume_mounts=list(volume_mounts) or None,
        security_context=(
            core.SecurityContextArgs(
                allow_privilege_escalation=False,
                privileged=False,
                read_only_root_filesystem=read_only_root_filesystem,
                run_as_non_root=True,
                run_as_user=user.uid if user else None,
                run_as_group=user.gid if user else None,
                capabilities=core.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
            )
            if restricted
            else _opted_in(user, read_only_root_filesystem)
        ),
    )


def _opted_in(user: User | None, read_only_root_filesystem: bool) -> core.SecurityContextArgs | None:
    if user is None and not read_only_root_filesystem:
        return None
    return core.SecurityContextArgs(
        read_only_root_filesystem=read_only_root_filesystem or None,
        run_as_user=user.uid if user else None,
        run_as_group=user.gid if user else None,
    )


def pod_spec(
    containers: Sequence[core.ContainerArgs],
    *,
    user: User | None,
    init_containers: Sequence[core.ContainerArgs] = (),
    volumes: Sequence[core.VolumeArgs] = (),
    service_account_name: pulumi.Input[str] | None = None,
    automount_service_account_token: bool = False,
    image_pull_secrets: Sequence[str] = (),
    restart_policy: str | None = None,
    fs_group: int | None = None,
    termination_grace_period_seconds: int | None = None,
    topology_spread_constraints: Sequence[core.TopologySpreadConstraintArgs] = (),
    restricted: bool = True,
) -> core.PodSpecArgs:
    # Tokens are mounted only where a pod talks to the Kubernetes API (automount=True).
    # restricted=False: no pod securityContext beyond an opted-in user, as Rasa's chart has it.
    return core.PodSpecArgs(
        containers=list(containers),
        init_containers=list(init_containers) or None,
        volumes=list(volumes) or None,
        service_account_name=service_account_name,
        automount_service_account_token=automount_service_account_token,
        image_pull_secrets=[core.LocalObjectReferenceArgs(name=n) for n in image_pull_secrets] or None,
        restart_policy=restart_policy,
        termination_grace_period_seconds=termination_grace_period_seconds,
        topology_spread_constraints=list(topology_spread_constraints) or None,
        security_context=(
            core.PodSecurityContextArgs(
                run_as_non_root=True,
                run_as_user=user.uid if user else None,
                run_as_group=user.gid if user else None,
                fs_group=fs_group,
                seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
            )
            if restricted
            else None
        ),
    )


@dataclass(frozen=True)
class KeyedPodSettings:
    """An operator's pod settings for one workload, and the config key they were set at."""

    key: str
    settings: PodSettings


# Annotation of pod templates: rolls the pods when a Secret value they read changes.
CHECKSUM_ANNOTATION = "checksum/secrets"


def _field(obj: Any, attr: str, key: str) -> Any:
    """A field of an input type, or of the dict an operator's pod setting adds (camelCase)."""
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, attr, None)


def reads_secrets(spec: core.PodSpecArgs) -> bool:
    """Whether a container of the pod reads a Secret (env, envFrom or a volume)."""
    pod: Any = spec
    for c in [*(pod.containers or []), *(pod.init_containers or [])]:
        for e in _field(c, "env", "env") or []:
            source = _field(e, "value_from", "valueFrom")
            if source is not None and _field(source, "secret_key_ref", "secretKeyRef") is not None:
                return True
        if any(_field(f, "secret_ref", "secretRef") is not None for f in _field(c, "env_from", "envFrom") or []):
            return True
    return any(_field(v, "secret", "secret") is not None for v in pod.volumes or [])


def pod_template(
    labels: Mapping[str, str],
    spec: core.PodSpecArgs,
    annotations: Mapping[str, pulumi.Input[str]] | None = None,
    pod_settings: KeyedPodSettings | None = None,
    secrets_checksum: pulumi.Input[str] | None = None,
) -> core.PodTemplateSpecArgs:
    """`secrets_checksum`: a keyed digest of the Secret values the program's long-running pods
    read (Context.secrets_checksum); the pod carries it as `checksum/secrets` if it reads a
    Secret, and so rolls when one is rotated. A pod that reads none would roll for nothing."""
    # Pods always carry part-of: the NetworkPolicies tell the program's pods from the Rasa Pro
    # Jobs the consumers start by it, whatever labels the caller passes.
    labels = {PART_OF_LABEL: PART_OF, **labels}
    annotations = dict(annotations or {})
    if secrets_checksum is not None and reads_secrets(spec):
        annotations[CHECKSUM_ANNOTATION] = secrets_checksum
    if pod_settings is not None:
        labels, annotations = apply_pod_settings(pod_settings, labels, annotations, spec)
    return core.PodTemplateSpecArgs(
        metadata=meta.ObjectMetaArgs(labels=labels, annotations=annotations or None),
        spec=spec,
    )


def _dump(value: BaseModel) -> dict[str, Any]:
    """A config model as the Kubernetes object it mirrors (camelCase keys, unset fields left out)."""
    return value.model_dump(by_alias=True, exclude_none=True, mode="json")


def added_annotations(
    key: str, mine: Mapping[str, pulumi.Input[str]], theirs: Mapping[str, str]
) -> dict[str, pulumi.Input[str]]:
    """An operator's annotations at `key` added to the program's, which the validation pass has
    made sure they never replace (preflight.pod_setting_problems)."""
    assert not set(theirs) & set(mine), key
    return {**theirs, **mine}


def apply_pod_settings(
    pod_settings: KeyedPodSettings,
    labels: dict[str, str],
    annotations: dict[str, pulumi.Input[str]],
    spec: core.PodSpecArgs,
) -> tuple[dict[str, str], dict[str, pulumi.Input[str]]]:
    """Put an operator's pod settings where Kubernetes expects them, in one place for every pod.

    The program's own labels, annotations, variables, volumes and mount paths are never replaced:
    the validation pass has refused a collision, naming the key and the name.
    """
    s, key = pod_settings.settings, pod_settings.key
    # The validation pass refused every clash before anything was registered: pod labels by the
    # label contract (config/pods.py), the rest against the pod's shape (components/pod_clash.py).
    assert not clashes(key, s, shape(annotations, spec)), key
    assert not set(s.pod_labels or {}) & set(labels), key
    labels = {**(s.pod_labels or {}), **labels}
    annotations = {**(s.pod_annotations or {}), **annotations}

    if s.node_selector is not None:
        spec.node_selector = dict(s.node_selector)
    if s.tolerations is not None:
        spec.tolerations = _dump_list(s.tolerations)
    if s.affinity is not None:
        spec.affinity = _dump(s.affinity)  # type: ignore[assignment]  # the dict form of AffinityArgs
    if s.priority_class_name is not None:
        spec.priority_class_name = s.priority_class_name
    if s.topology_spread_constraints is not None:
        # Without a selector a constraint would count no pods; the workload's own is meant.
        selector = {k: v for k, v in labels.items() if k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}
        constraints: list[Any] = [
            {"labelSelector": {"matchLabels": selector}, **c} for c in _dump_list(s.topology_spread_constraints)
        ]
        spec.topology_spread_constraints = constraints

    if s.extra_volumes:
        spec.volumes = [*listed(spec.volumes), *_dump_list(s.extra_volumes)]

    for c in [*listed(spec.init_containers), *listed(spec.containers)]:
        assert isinstance(c, core.ContainerArgs)
        _apply_to_container(s, c)
    return labels, annotations


def _dump_list(items: Sequence[BaseModel]) -> list[Any]:
    return [i.model_dump(by_alias=True, exclude_none=True, mode="json") for i in items]


def _apply_to_container(s: PodSettings, c: core.ContainerArgs) -> None:
    if s.image_pull_policy is not None:
        c.image_pull_policy = s.image_pull_policy
    if s.extra_env:
        c.env = [*listed(c.env), *_dump_list(s.extra_env)]
    if s.extra_env_from:
        c.env_from = [*listed(c.env_from), *_dump_list(s.extra_env_from)]
    if s.extra_volume_mounts:
        c.volume_mounts = [*listed(c.volume_mounts), *_dump_list(s.extra_volume_mounts)]


def empty_dir(name: str, size_limit: str | None = "256Mi") -> core.VolumeArgs:
    return core.VolumeArgs(name=name, empty_dir=core.EmptyDirVolumeSourceArgs(size_limit=size_limit))


def mount(name: str, path: str, *, read_only: bool = False, sub_path: str | None = None) -> core.VolumeMountArgs:
    return core.VolumeMountArgs(name=name, mount_path=path, read_only=read_only or None, sub_path=sub_path)


def topology_spread(selector: Mapping[str, str], enabled: bool) -> list[core.TopologySpreadConstraintArgs]:
    """Spread replicas over zones and nodes; soft (ScheduleAnyway) so a lost zone never blocks scheduling."""
    if not enabled:
        return []
    return [
        core.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key=key,
            when_unsatisfiable="ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=dict(selector)),
        )
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]
