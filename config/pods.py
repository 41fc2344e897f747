"""Per-workload pod settings: scheduling, metadata, extra env, pull policy, extra volumes.

The value names follow Rasa's Studio chart (RasaHQ/rasa-helm-charts, charts/studio 2.6.0:
`nodeSelector`, `tolerations`, `affinity`, `podAnnotations`, `podLabels`, `envFrom`,
`volumes`, `volumeMounts`) and the Kubernetes field names, so a chart value moves over as is.
Every field is unset (None) by default, which is what lets `kubernetes.podDefaults` fill it: a
component's own value wins, maps merge key by key, lists and structured values are replaced.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from . import k8s_validation as v
from .base import DnsLabel, DnsSubdomain, Model, PositiveInt, Quantity, number_as_text
from .errors import InvalidKey
from .k8s_validation import Annotations, NodeSelector, QualifiedName

# The label contract (config/workloads.py, components/labels.py): selectors and NetworkPolicies find
# pods by these, so a pod label must never replace one.
CONTRACT_LABELS = frozenset(
    {
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/component",
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/managed-by",
    }
)

# Kubernetes accepts any printable name without '='; a shell-safe identifier is what every
# image here reads, and rules out the typos that Kubernetes would silently accept.
_ENV_NAME = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"


# Labels the Kubernetes controllers put on the pods they create (Deployment, StatefulSet, Job);
# set in a template they break the controller's own selection.
CONTROLLER_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "job-name",
        "controller-uid",
        "batch.kubernetes.io/job-name",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-completion-index",
    }
)


def _labels(value: dict[str, str]) -> dict[str, str]:
    v.label_map(value)
    for key in value:
        if key in CONTRACT_LABELS:
            raise ValueError(f"'{key}' is part of the label contract that selectors and NetworkPolicies use")
        if key in CONTROLLER_LABELS:
            raise ValueError(f"'{key}' is set by the Kubernetes controller that creates the pods")
    return value


Labels = Annotated[dict[str, str], AfterValidator(_labels)]
EnvName = Annotated[str, Field(pattern=_ENV_NAME, max_length=253)]
# Names that hold a credential (the policy pack's rule, policy/rules.py): their value must come
# from a Secret, never stand in the stack file; names that point at one (…_FILE, …_SECRET_NAME) may.
_CREDENTIAL_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|LICENSE|API_KEY|ACCESS_KEY|_PASS$)")
_CREDENTIAL_POINTER = re.compile(r"(_SECRET_NAME|_SECRET_KEY|_FILE|_PATH|_LOCATION|_MOUNT)$")
AbsolutePath = Annotated[str, Field(pattern=r"^/")]


class KubernetesObject(Model):
    """A config model that mirrors a Kubernetes API type field by field (documented by Kubernetes)."""

    kind: typing.ClassVar[str]


def _exactly_one(model: Model, fields: tuple[str, ...]) -> None:
    chosen = [f for f in fields if getattr(model, f) is not None]
    if len(chosen) != 1:
        aliases = [type(model).model_fields[f].alias or f for f in fields]
        raise ValueError(f"set exactly one of {', '.join(aliases)}")


# --- scheduling ----------------------------------------------------------------------------


class Toleration(KubernetesObject):
    kind = "Toleration"

    key: str | None = None
    operator: Literal["Exists", "Equal"] | None = None
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    toleration_seconds: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Toleration:
        v.toleration(self.key, self.operator, self.value, self.effect)
        if self.toleration_seconds is not None and self.effect != "NoExecute":
            raise ValueError("tolerationSeconds applies only to effect NoExecute")
        return self


class LabelSelectorRequirement(Model):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] | None = None

    @model_validator(mode="after")
    def _values(self) -> LabelSelectorRequirement:
        v.selector_requirement(self.key, self.operator, self.values, node=False)
        return self


class LabelSelector(Model):
    match_labels: Annotated[dict[str, str], AfterValidator(v.label_map)] | None = None
    match_expressions: list[LabelSelectorRequirement] | None = None


class NodeSelectorRequirement(Model):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: list[str] | None = None

    @model_validator(mode="after")
    def _values(self) -> NodeSelectorRequirement:
        v.selector_requirement(self.key, self.operator, self.values, node=True)
        return self


class NodeFieldRequirement(NodeSelectorRequirement):
    """A requirement on the node's fields, of which the API server knows only metadata.name."""

    @model_validator(mode="after")
    def _values(self) -> NodeFieldRequirement:
        v.node_field_requirement(self.key, self.operator, self.values)
        return self


class NodeSelectorTerm(Model):
    match_expressions: list[NodeSelectorRequirement] | None = None
    match_fields: list[NodeFieldRequirement] | None = None


class NodeSelectorTerms(Model):
    node_selector_terms: Annotated[list[NodeSelectorTerm], Field(min_length=1)]


class PreferredSchedulingTerm(Model):
    weight: Annotated[int, Field(ge=1, le=100)]
    preference: NodeSelectorTerm


class NodeAffinity(Model):
    required_during_scheduling_ignored_during_execution: NodeSelectorTerms | None = None
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTerm] | None = None


class PodAffinityTerm(Model):
    topology_key: QualifiedName
    label_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    namespaces: list[DnsLabel] | None = None
    match_label_keys: list[QualifiedName] | None = None
    mismatch_label_keys: list[QualifiedName] | None = None

    @model_validator(mode="after")
    def _label_keys(self) -> PodAffinityTerm:
        # validatePodAffinityTerm: the keys extend labelSelector, and one key cannot be both.
        keys = [*(self.match_label_keys or ()), *(self.mismatch_label_keys or ())]
        if keys and self.label_selector is None:
            raise ValueError("matchLabelKeys and mismatchLabelKeys need a labelSelector")
        both = set(self.match_label_keys or ()) & set(self.mismatch_label_keys or ())
        if both:
            raise ValueError(f"{', '.join(sorted(both))} is in both matchLabelKeys and mismatchLabelKeys")
        return self


class WeightedPodAffinityTerm(Model):
    weight: Annotated[int, Field(ge=1, le=100)]
    pod_affinity_term: PodAffinityTerm


class PodAffinity(Model):
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] | None = None
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] | None = None


class Affinity(KubernetesObject):
    kind = "Affinity"

    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None


class TopologySpreadConstraint(KubernetesObject):
    """As in a pod spec; without labelSelector the workload's own selector labels are used."""

    kind = "TopologySpreadConstraint"

    max_skew: PositiveInt
    topology_key: QualifiedName
    when_unsatisfiable: Literal["DoNotSchedule", "ScheduleAnyway"]
    label_selector: LabelSelector | None = None
    min_domains: PositiveInt | None = None
    match_label_keys: list[QualifiedName] | None = None
    node_affinity_policy: Literal["Honor", "Ignore"] | None = None
    node_taints_policy: Literal["Honor", "Ignore"] | None = None

    @model_validator(mode="after")
    def _min_domains(self) -> TopologySpreadConstraint:
        # validateTopologySpreadConstraints (validateMinDomains).
        if self.min_domains is not None and self.when_unsatisfiable != "DoNotSchedule":
            raise ValueError("minDomains applies only with whenUnsatisfiable DoNotSchedule")
        return self


# --- environment ---------------------------------------------------------------------------


ConfigKey = Annotated[str, AfterValidator(v.config_key)]


class KeySelector(Model):
    name: DnsSubdomain
    key: ConfigKey
    optional: bool | None = None


class FieldSelector(Model):
    field_path: Annotated[str, AfterValidator(v.field_path)]
    # The API's only version of the pod fields (the API server fills it in when unset).
    api_version: Literal["v1"] | None = None


class ResourceFieldSelector(Model):
    resource: Literal[
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
    ]
    container_name: DnsLabel | None = None
    divisor: Annotated[str, BeforeValidator(number_as_text)] | None = None

    @model_validator(mode="after")
    def _divisor(self) -> ResourceFieldSelector:
        if self.divisor is not None:
            v.resource_divisor(self.resource, self.divisor)
        return self


class EnvVarSource(Model):
    secret_key_ref: KeySelector | None = None
    config_map_key_ref: KeySelector | None = None
    field_ref: FieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None

    @model_validator(mode="after")
    def _one(self) -> EnvVarSource:
        _exactly_one(self, ("secret_key_ref", "config_map_key_ref", "field_ref", "resource_field_ref"))
        return self


class EnvVar(KubernetesObject):
    """An extra variable: a plain value, or valueFrom a Secret, ConfigMap, field or resource."""

    kind = "EnvVar"

    name: EnvName
    value: str | None = None
    value_from: EnvVarSource | None = None

    @model_validator(mode="after")
    def _one(self) -> EnvVar:
        _exactly_one(self, ("value", "value_from"))
        credential = _CREDENTIAL_NAME.search(self.name.upper()) and not _CREDENTIAL_POINTER.search(self.name.upper())
        if self.value and credential:
            raise ValueError(
                f"{self.name} looks like a credential: take it from a Secret with valueFrom.secretKeyRef, "
                "never as a value in the stack file"
            )
        return self


class SourceRef(Model):
    name: DnsSubdomain
    optional: bool | None = None


class EnvFromSource(KubernetesObject):
    kind = "EnvFromSource"

    prefix: Annotated[str, Field(pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")] | None = None
    config_map_ref: SourceRef | None = None
    secret_ref: SourceRef | None = None

    @model_validator(mode="after")
    def _one(self) -> EnvFromSource:
        _exactly_one(self, ("config_map_ref", "secret_ref"))
        return self


# --- volumes -------------------------------------------------------------------------------


class KeyToPath(Model):
    key: ConfigKey
    path: Annotated[str, AfterValidator(v.item_path)]
    mode: Annotated[int, Field(ge=0, le=0o777)] | None = None


class SecretVolume(Model):
    secret_name: DnsSubdomain
    items: list[KeyToPath] | None = None
    default_mode: Annotated[int, Field(ge=0, le=0o777)] | None = None
    optional: bool | None = None


class ConfigMapVolume(Model):
    name: DnsSubdomain
    items: list[KeyToPath] | None = None
    default_mode: Annotated[int, Field(ge=0, le=0o777)] | None = None
    optional: bool | None = None


class EmptyDirVolume(Model):
    medium: Literal["", "Memory"] | None = None
    size_limit: Quantity | None = None


class PvcVolume(Model):
    claim_name: DnsSubdomain
    read_only: bool | None = None


class CsiVolume(Model):
    """For example the Secrets Store CSI driver (secrets-store.csi.k8s.io)."""

    driver: Annotated[str, AfterValidator(v.csi_driver)]
    read_only: bool | None = None
    volume_attributes: dict[str, str] | None = None
    node_publish_secret_ref: SourceRef | None = None


class Volume(KubernetesObject):
    """An extra pod volume: a Secret, ConfigMap, emptyDir, PersistentVolumeClaim or CSI volume."""

    kind = "Volume"

    name: DnsLabel
    secret: SecretVolume | None = None
    config_map: ConfigMapVolume | None = None
    empty_dir: EmptyDirVolume | None = None
    persistent_volume_claim: PvcVolume | None = None
    csi: CsiVolume | None = None

    @model_validator(mode="after")
    def _one(self) -> Volume:
        _exactly_one(self, ("secret", "config_map", "empty_dir", "persistent_volume_claim", "csi"))
        return self


class VolumeMount(KubernetesObject):
    """Mounted into every container of the pod."""

    kind = "VolumeMount"

    name: DnsLabel
    mount_path: AbsolutePath
    # validateLocalDescendingPath: inside the volume, never above it.
    sub_path: Annotated[str, AfterValidator(v.descending_path)] | None = None
    read_only: bool | None = None


class ServiceAccountSettings(Model):
    annotations: Annotations = {}
    """For cloud IAM, e.g. iam.gke.io/gcp-service-account or azure.workload.identity/client-id."""


# --- the settings -----------------------------------------------------------------------------

MAP_FIELDS = ("node_selector", "pod_annotations", "pod_labels")


def _unique(items: list[Any] | None, key: str, what: str, attr: str) -> None:
    seen: set[str] = set()
    for item in items or ():
        value = getattr(item, attr)
        if value in seen:
            raise InvalidKey(key, f"{what} '{value}' is listed twice")
        seen.add(value)


class PodSettings(Model):
    """What an operator sets on a workload's pods. Unset fields take `kubernetes.podDefaults`."""

    node_selector: NodeSelector | None = None
    """Node labels the pods must run on (a node pool)."""
    tolerations: list[Toleration] | None = None
    """Taints the pods tolerate (a dedicated node pool)."""
    affinity: Affinity | None = None
    """Node and pod (anti-)affinity, as in a pod spec; replaced as a whole, never merged."""
    topology_spread_constraints: list[TopologySpreadConstraint] | None = None
    """
    Replaces the spread `kubernetes.topologySpread` adds; without labelSelector a constraint counts the workload's own
    pods.
    """
    priority_class_name: DnsSubdomain | None = None
    """A PriorityClass that exists in the cluster."""
    pod_annotations: Annotations | None = None
    """Annotations on the pods (log shippers, service meshes); one rasa-studio sets is refused."""
    pod_labels: Labels | None = None
    """Labels on the pods; the label contract (app.kubernetes.io/*) and labels rasa-studio sets are refused."""
    extra_env: list[EnvVar] | None = None
    """
    Variables added to every container of the pod (name with value or valueFrom); one rasa-studio sets is refused,
    naming the variable.
    """
    extra_env_from: list[EnvFromSource] | None = None
    """ConfigMaps or Secrets whose keys become variables of every container of the pod."""
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] | None = None
    """Unset: IfNotPresent (the chart's default)."""
    extra_volumes: list[Volume] | None = None
    """Volumes added to the pod (Secret, ConfigMap, emptyDir, PersistentVolumeClaim, CSI)."""
    extra_volume_mounts: list[VolumeMount] | None = None
    """Mounts of extraVolumes, added to every container of the pod."""

    @model_validator(mode="after")
    def _no_duplicates(self) -> PodSettings:
        _unique(self.extra_env, "extraEnv", "variable", "name")
        _unique(self.extra_volumes, "extraVolumes", "volume", "name")
        _unique(self.extra_volume_mounts, "extraVolumeMounts", "mount path", "mount_path")
        seen: set[tuple[str, str]] = set()
        for constraint in self.topology_spread_constraints or ():
            pair = (constraint.topology_key, constraint.when_unsatisfiable)
            if pair in seen:
                # validateTopologySpreadConstraints: one constraint per topologyKey and whenUnsatisfiable.
                raise InvalidKey("topologySpreadConstraints", f"{pair[0]} with {pair[1]} is listed twice")
            seen.add(pair)
        return self

    def pod_settings(self) -> PodSettings:
        """Only the pod settings of a model that also carries other settings (a component's)."""
        return PodSettings.model_validate({f: getattr(self, f) for f in PodSettings.model_fields})


def merge(defaults: PodSettings, own: PodSettings) -> PodSettings:
    """`own` wins; maps (nodeSelector, podAnnotations, podLabels) merge key by key."""
    values: dict[str, Any] = {}
    for field in PodSettings.model_fields:
        mine, base = getattr(own, field), getattr(defaults, field)
        if field in MAP_FIELDS and mine is not None and base is not None:
            values[field] = {**base, **mine}
        else:
            values[field] = mine if mine is not None else base
    return PodSettings.model_validate(values)


def check_mounts(settings: PodSettings) -> None:
    """Every extra mount names an extra volume (after the merge with the defaults)."""
    volumes = {v.name for v in settings.extra_volumes or ()}
    for mount in settings.extra_volume_mounts or ():
        if mount.name not in volumes:
            raise InvalidKey("extraVolumeMounts", f"'{mount.name}' is not one of the pod's extraVolumes")
