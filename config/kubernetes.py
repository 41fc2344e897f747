"""`kubernetes`: where and how the Studio objects land in the cluster."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from .base import DnsSubdomain, Model, Namespace
from .errors import InvalidKey
from .pods import PodSettings

# Keys earlier releases had here, and where they live now.
_MOVED = {
    "ingressClass": "studio.ingress.className",
    "ingressAnnotations": "studio.ingress.annotations",
    "ingressControllerNamespace": "studio.entryPeer.namespace",
}

# Studio's chart requires Kubernetes 1.30+; kubernetes-validate ships schemas up to 1.37.
MIN_KUBERNETES_MINOR = 30


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        raise ValueError("must be a network in CIDR notation such as 10.0.0.0/16 (host bits zero)") from None


# ValidateAnnotations' key rule (config/k8s_validation.py).
Cidr = Annotated[str, AfterValidator(_cidr)]
CidrList = Annotated[list[Cidr], Field(min_length=1)]


class StorageClasses(Model):
    """Storage class names; None means the cluster's default class."""

    read_write_once: DnsSubdomain | None = None
    """Storage class of single-node volumes (databases, brokers); unset: the cluster default."""
    read_write_many: DnsSubdomain | None = None
    """
    The orchestrated model services share one volume between consumers and the Jobs they start, possibly on other nodes:
    that needs ReadWriteMany (EFS, NFS, CephFS ...).
    """


class KubernetesConfig(Model):
    namespace: Namespace = "rasa-studio"
    """Namespace of every Studio object."""
    create_namespace: bool = True
    """Create the namespace (with the Pod Security labels of `kubernetes.podSecurity`); false: it must exist."""
    context: Annotated[str, Field(min_length=1)] | None = None
    """
    The kubeconfig context the provider uses. Never the shell's current context by accident: prod must name one (checked
    in the stack model).
    """
    kubeconfig: Annotated[str, Field(min_length=1)] | None = None
    """
    Path to the kubeconfig (its contents go in the secret `kubeconfig`); neither set: `KUBECONFIG`, then
    `~/.kube/config`.
    """
    # pulumi-kubernetes' deleteUnreachable and enablePatchForce (components/providers.py,
    # docs/kubernetes-provider.md): a config key rather than an environment branch, with dev's
    # default in config/defaults.py.
    delete_unreachable: bool = False
    """
    Forget the objects of a cluster that no longer answers, so `pulumi destroy` finishes after the cluster is gone
    (pulumi-kubernetes `deleteUnreachable`). For throw-away clusters only: elsewhere an unreachable API server is an
    outage, not a reason to forget what runs there.
    """
    patch_force: bool = False
    """
    Server-side apply takes back fields changed by hand (`kubectl scale`, `kubectl edit`) instead of stopping on the
    field-manager conflict; see docs/kubernetes-provider.md.
    """
    version: Annotated[str, Field(pattern=r"^1\.\d+$")] = "1.30"
    """Kubernetes minor version of the cluster (`1.30` or newer)."""
    storage_classes: StorageClasses = StorageClasses()
    topology_spread: bool = False
    """Spread replicas across nodes and availability zones (needs nodes in several zones)."""
    pod_security: Literal["restricted", "baseline"] | None = None
    """
    Pod Security Standard the namespace enforces. Unset: baseline (restricted still warned and audited), since the
    migration Job runs as Rasa's chart runs it, without a securityContext; restricted once
    studio.databaseMigration.securityContext.restricted is on, except for the orchestrated model services, whose
    consumers start Rasa Pro Jobs from pod specs this program does not write.
    """
    egress_cidrs: CidrList = ["0.0.0.0/0"]
    """
    Where pods that reach services outside the cluster (RDS, MSK, S3, LLM APIs) may connect. NetworkPolicies cannot name
    cloud services, only networks: narrow this to the VPC and the provider ranges where you can.
    """
    api_server_cidrs: CidrList = ["0.0.0.0/0"]
    """Where the Kubernetes API server listens, for the pods that start Jobs (ports 443, 6443)."""
    allow_external_services: bool = False
    """Services of type LoadBalancer or NodePort; off, everything enters through the ingress."""
    pod_defaults: PodSettings = PodSettings()
    """
    Pod settings every workload starts from; a workload's own value wins (maps merge key by key, lists and structured
    values are replaced): docs/pod-settings.md.
    """

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            for old, new in sorted(_MOVED.items()):
                if old in data:
                    raise InvalidKey(old, f"moved to {new} (see docs/exposure.md)")
        return data

    @field_validator("kubeconfig")
    @classmethod
    def _a_path(cls, value: str | None) -> str | None:
        # The provider also takes contents here, but plain config is never secret.
        if value is not None and ("\n" in value or "apiVersion:" in value or value.lstrip().startswith("{")):
            raise ValueError(
                "looks like kubeconfig contents, which carry credentials: set them with "
                "`pulumi config set --secret kubeconfig < kubeconfig.yaml` and keep only paths here"
            )
        return value

    @field_validator("version")
    @classmethod
    def _supported(cls, value: str) -> str:
        if int(value.split(".")[1]) < MIN_KUBERNETES_MINOR:
            raise ValueError(f"Rasa Studio needs Kubernetes 1.{MIN_KUBERNETES_MINOR} or newer")
        return value

    @property
    def minor_version(self) -> int:
        return int(self.version.split(".")[1])
