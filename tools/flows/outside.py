"""The peers outside the render, built from config: the pods and namespaces the analyzer reads
beside the rendered manifests, and the address ranges of the flow model.

The ingress controller or gateway proxies, kube-dns, a Rasa Pro Job pod a consumer starts,
assistant namespaces, and an unrelated namespace with a plain pod and an impostor of a Studio pod.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.labels import pod_labels
from components.network_flows import (
    ANYWHERE,
    INGRESS_CONTROLLER,
    KUBE_DNS,
    KUBERNETES_API,
    OUTSIDE,
    RASA_JOBS,
    namespace_peer,
)
from config import StackConfig


@dataclass(frozen=True)
class Peer:
    """A flow-model peer as the analyzer sees it: a pod (namespace, labels) or address ranges."""

    name: str
    namespace: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    cidrs: tuple[str, ...] = ()

    @property
    def endpoint(self) -> str:
        """How the analyzer names it: `ns/pod[Pod]`, or the model's name for address ranges."""
        if self.cidrs:
            return self.name
        pod = re.sub(r"[^a-z0-9-]+", "-", self.name.lower()).strip("-")
        return f"{self.namespace}/{pod}[Pod]"


# Labels the real pods carry, not the ones our selectors expect: the ingress-nginx chart's
# controller pods, and CoreDNS as kubeadm, kind and EKS deploy it.
INGRESS_NGINX_LABELS = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": "ingress-nginx",
    "app.kubernetes.io/component": "controller",
}
KUBE_DNS_LABELS = {"k8s-app": "kube-dns"}
# A pod of a Job the consumers start: Kubernetes' Job labels and whatever the image chooses,
# never our part-of label.
RASA_JOB_LABELS = {
    "batch.kubernetes.io/job-name": "rasa-train-0",
    "job-name": "rasa-train-0",
    "app": "rasa-pro",
}
FOREIGN_NAMESPACE = "unrelated-tenant"
FOREIGN = "foreign"
# A pod of another namespace wearing a Studio pod's labels: selectors must be namespace-bound.
IMPOSTOR = "foreign-impostor"


# Envoy Gateway's proxy pods (gateway.envoyproxy.io), besides the owning-gateway labels the
# preset selects on.
ENVOY_PROXY_LABELS = {
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "app.kubernetes.io/managed-by": "envoy-gateway",
}
# Another pod in the entry point's namespace (another Gateway's proxy, the controller itself):
# the policies must tell it from the proxy that serves Studio.
ENTRY_NEIGHBOUR = "entry-neighbour"


def entry_peers(config: StackConfig) -> list[Peer]:
    """Where user traffic enters: the data plane of the exposure profile (studio.entryPeer).

    Pods carry the labels the real data plane has (ingress-nginx's chart, Envoy Gateway's
    proxies), of which the selectors under test use a subset; an ALB is its subnets' ranges.
    """
    studio = config.studio
    entry = studio.entry
    assert entry is not None  # the config model requires one
    if entry.cidrs:
        return [Peer(INGRESS_CONTROLLER, cidrs=tuple(entry.cidrs))]
    base: Mapping[str, str] = {}
    if studio.exposure == "ingress" and studio.ingress.profile == "nginx":
        base = INGRESS_NGINX_LABELS
    elif studio.gateway is not None and studio.gateway.controller == "envoy-gateway":
        base = ENVOY_PROXY_LABELS
    found = [Peer(INGRESS_CONTROLLER, str(entry.namespace), {**base, **entry.pod_labels})]
    # In Studio's own namespace any other pod is a Studio pod or a Rasa Pro Job: no neighbour.
    if entry.pod_labels and entry.namespace != config.kubernetes.namespace:
        found.append(Peer(ENTRY_NEIGHBOUR, str(entry.namespace), {**base, "app": "entry-neighbour"}))
    return found


def peers(config: StackConfig, instance: str) -> dict[str, Peer]:
    """Every peer outside the rendered workloads, by flow-model name (`instance`: the stack)."""
    k8s = config.kubernetes
    found = [
        *entry_peers(config),
        Peer(KUBE_DNS, "kube-system", KUBE_DNS_LABELS),
        Peer(FOREIGN, FOREIGN_NAMESPACE, {"app": "foreign"}),
        Peer(IMPOSTOR, FOREIGN_NAMESPACE, pod_labels("backend", instance)),
        Peer(OUTSIDE, cidrs=tuple(k8s.egress_cidrs)),
        Peer(KUBERNETES_API, cidrs=tuple(k8s.api_server_cidrs)),
    ]
    if config.model_service.architecture == "orchestrated":
        found.append(Peer(RASA_JOBS, k8s.namespace, RASA_JOB_LABELS))
    for namespace in getattr(config.kafka, "client_namespaces", []):
        found.append(Peer(namespace_peer(namespace), namespace, {"app": "assistant"}))
    if config.entry_in_namespace:
        # IPv4 only: the analyzer's ranges are judged for IPv4 (ranges() leaves IPv6 out).
        found.append(Peer(ANYWHERE, cidrs=("0.0.0.0/0",)))
        gateway = config.studio.gateway
        if gateway is not None and gateway.control_plane_namespace is not None:
            namespace = gateway.control_plane_namespace
            found.append(Peer(namespace_peer(namespace), namespace, {"app": "gateway-controller"}))
    return {p.name: p for p in found}


def peer_manifests(config: StackConfig, instance: str) -> list[dict[str, Any]]:
    """Namespaces and Pods for the peers that are pods (the Studio namespace is rendered)."""
    pods = [p for p in peers(config, instance).values() if p.namespace]
    namespaces = sorted({p.namespace for p in pods} - {config.kubernetes.namespace})
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
        }
        for ns in namespaces
    ]
    for p in pods:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": p.endpoint.split("/")[1].removesuffix("[Pod]"),
                    "namespace": p.namespace,
                    "labels": dict(p.labels),
                },
                "spec": {"containers": [{"name": "peer", "image": "registry.k8s.io/pause:3.10"}]},
            }
        )
    return docs
