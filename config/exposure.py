"""How browsers reach Studio: an Ingress (nginx-compatible or the AWS Load Balancer Controller's
ALB) or Gateway API HTTPRoutes, and the NetworkPolicy peer that traffic enters from.

Under `studio` in the stack file: `exposure` picks the mode, `ingress` / `gateway` configure it,
`entryPeer` overrides the profile's preset peer.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic.alias_generators import to_camel

from . import k8s_validation as v
from .base import DnsLabel, DnsSubdomain, Hostname, Model
from .errors import InvalidKey
from .k8s_validation import Annotations, LabelValue, QualifiedName
from .kubernetes import Cidr

Exposure = Literal["ingress", "gateway"]
IngressProfile = Literal["nginx", "alb"]
GatewayController = Literal["envoy-gateway", "generic"]

# Gateway API `Duration` (GEP-2257), as the HTTPRoute CRD's pattern has it.
GatewayDuration = Annotated[str, Field(pattern=r"^([0-9]{1,5}(h|m|s|ms)){1,4}$")]
AcmCertificateArn = Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$")]


class IngressPath(Model):
    """One of the four Studio paths: its own host and annotations (the chart's per-component ingress)."""

    # Unset: studio.host. Browser-facing URLs (config.js, API_URL, /talk) follow the path's host.
    host: Hostname | None = None
    """Host of this path; unset: `studio.host`. Browser-facing URLs follow it."""
    # On this path's Ingress, on top of the profile's and the shared annotations.
    annotations: Annotations = {}
    """Annotations of this path's Ingress, on top of the shared ones."""


class IngressPaths(Model):
    web_client: IngressPath = IngressPath()
    """The `/` Ingress (`studio`)."""
    backend: IngressPath = IngressPath()
    """The `/api` Ingress (`studio-api`)."""
    keycloak: IngressPath = IngressPath()
    """The `/auth` Ingress (`studio-auth`)."""
    talk: IngressPath = IngressPath()
    """The `/talk` Ingress (`studio-talk`); its annotations can override the profile's websocket timeouts."""


class Alb(Model):
    """The AWS Load Balancer Controller's ALB (profile alb)."""

    # ACM certificate of the HTTPS listener; required with studio.tls.enabled.
    certificate_arn: AcmCertificateArn | None = None
    """ACM certificate of the ALB's HTTPS listener; required with `studio.tls.enabled`."""
    # Ingresses of one group share one ALB; the four Studio Ingresses always do.
    group_name: Annotated[str, Field(pattern=r"^[a-z0-9]$|^[a-z0-9][-a-z0-9.]{0,61}[a-z0-9]$")] = "rasa-studio"
    """IngressGroup: the four Studio Ingresses share one ALB (other Ingresses of the group too)."""
    scheme: Literal["internet-facing", "internal"] = "internet-facing"
    """`internet-facing` or `internal` ALB."""
    # An ALB drops a connection idle for this long (default 60 s): the /talk websockets stay
    # open while a user talks to an assistant. AWS allows 1 to 4000.
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)] = 3600
    """ALB idle timeout; the `/talk` websockets stay open while a user talks to an assistant (AWS: 1 to 4000)."""
    # TLS 1.3 and 1.2 only (AWS's recommended policy).
    ssl_policy: Annotated[str, Field(pattern=r"^ELBSecurityPolicy-[A-Za-z0-9-]+$")] = (
        "ELBSecurityPolicy-TLS13-1-2-2021-06"
    )
    """Security policy of the HTTPS listener."""


class IngressConfig(Model):
    profile: IngressProfile = "nginx"
    """
    `nginx`: an nginx-compatible controller (websocket timeouts on `/talk` as annotations); `alb`: the AWS Load Balancer
    Controller (target type ip, ACM certificate, one ALB).
    """
    # Unset: the profile's class (nginx, alb).
    class_name: DnsSubdomain | None = None
    """
    IngressClass of the Studio Ingresses (the chart's `config.ingressClassName`); unset: `nginx` or `alb` by profile.
    """
    # On every Studio Ingress, on top of the profile's.
    annotations: Annotations = {}
    """Annotations on every Studio Ingress, on top of the profile's (the chart's `config.ingressAnnotations`)."""
    paths: IngressPaths = IngressPaths()
    alb: Alb = Alb()

    @model_validator(mode="after")
    def _annotations_fit_one_ingress(self) -> IngressConfig:
        # Each path's Ingress carries the shared annotations and its own: 256 KiB together.
        for key in IngressPaths.model_fields:
            try:
                v.annotation_map({**self.annotations, **getattr(self.paths, key).annotations})
            except ValueError as exc:
                raise InvalidKey(f"paths.{to_camel(key)}.annotations", f"with the shared annotations: {exc}") from None
        return self

    @property
    def ingress_class(self) -> str:
        return self.class_name or self.profile


class ParentRef(Model):
    """The Gateway the HTTPRoutes attach to."""

    name: DnsSubdomain
    """Name of the Gateway the HTTPRoutes attach to."""
    namespace: DnsLabel
    """Its namespace (its listener must admit routes from the Studio namespace)."""
    # A listener of that Gateway; unset: every listener that admits the routes.
    section_name: DnsSubdomain | None = None
    """
    Listener of that Gateway; unset: every listener that admits the routes (a created Gateway's listener is named
    `https` or `http`).
    """


class GatewayCreate(Model):
    """Create the Gateway (parentRef.name in parentRef.namespace) instead of attaching to one."""

    gateway_class_name: DnsSubdomain
    """GatewayClass of the created Gateway (`eg` for Envoy Gateway's quickstart)."""


# GatewayClass names the controllers' own guides create, whose proxies do not run beside the
# Gateway: the generic preset would admit pods that do not exist.
ENVOY_GATEWAY_CLASSES = frozenset({"eg", "envoy-gateway", "envoy"})


class GatewayConfig(Model):
    parent_ref: ParentRef
    create: GatewayCreate | None = None
    """Create that Gateway (one listener for `studio.host`, routes from the Studio namespace only); null: it exists."""
    # Picks the entryPeer preset: where the controller runs the Gateway's proxy pods.
    controller: GatewayController = "generic"
    """
    Picks the `entryPeer` preset: `envoy-gateway` (proxies in `envoy-gateway-system`, labelled with the Gateway) or
    `generic` (proxies beside the Gateway with `gateway.networking.k8s.io/gateway-name`).
    """
    # Request and backend timeout of the /talk route (websockets of "try your assistant").
    talk_timeout: GatewayDuration = "1h"
    """Request and backend timeout of the `/talk` route, a Gateway API duration such as `1h`."""
    # With the generic preset and the Gateway in Studio's namespace, its proxies run there too and
    # fetch their configuration from the controller (istio-system for Istio, nginx-gateway for
    # NGINX Gateway Fabric): the namespace their NetworkPolicy lets them reach.
    control_plane_namespace: DnsLabel | None = None
    """
    With `controller: generic` and the Gateway in Studio's namespace (its proxies then run there): the namespace of the
    controller the proxies take their configuration from (`istio-system`, `nginx-gateway`); required then, refused
    otherwise. See docs/exposure.md.
    """

    @model_validator(mode="after")
    def _preset_fits_the_class(self) -> GatewayConfig:
        class_name = self.create.gateway_class_name if self.create is not None else None
        if class_name in ENVOY_GATEWAY_CLASSES and self.controller == "generic":
            raise InvalidKey(
                "controller",
                f"GatewayClass {class_name!r} is Envoy Gateway's, which runs the proxies in "
                f"{ENVOY_GATEWAY_NAMESPACE}, not beside the Gateway: set controller: envoy-gateway",
            )
        if self.control_plane_namespace is not None and self.controller != "generic":
            raise InvalidKey("controlPlaneNamespace", "takes effect only with controller: generic")
        return self


class EntryPeer(Model):
    """Where Studio's traffic enters the namespace from, for the NetworkPolicies.

    Pods (namespace, optionally narrowed by podLabels) or address ranges (cidrs), never both.
    """

    namespace: DnsLabel | None = None
    """Namespace of the proxy pods."""
    pod_labels: dict[QualifiedName, LabelValue] = {}
    """Labels narrowing the proxy pods in that namespace."""
    cidrs: list[Cidr] = []
    """
    Address ranges instead of pods: for the ALB (target type ip), the ranges of the ALB's own subnets, never the whole
    VPC (pods have VPC addresses too); a range wider than a /20 is refused.
    """

    @model_validator(mode="after")
    def _one_kind(self) -> EntryPeer:
        if self.cidrs and (self.namespace or self.pod_labels):
            raise ValueError("give either namespace (and podLabels) or cidrs, not both")
        if not self.cidrs and self.namespace is None:
            raise ValueError("give namespace (and podLabels) of the proxy pods, or cidrs")
        return self


# ingress-nginx's own manifests and chart install the controller into this namespace.
INGRESS_NGINX_NAMESPACE = "ingress-nginx"
# Envoy Gateway, by default, runs every Gateway's proxies in its own namespace and labels them
# with the Gateway they serve (gateway.envoyproxy.io docs, "Gateway Namespace Mode" and the
# quickstart's `kubectl get svc --selector=gateway.envoyproxy.io/owning-gateway-name=eg`).
ENVOY_GATEWAY_NAMESPACE = "envoy-gateway-system"
ENVOY_GATEWAY_OWNER_NAME = "gateway.envoyproxy.io/owning-gateway-name"
ENVOY_GATEWAY_OWNER_NAMESPACE = "gateway.envoyproxy.io/owning-gateway-namespace"
# In-cluster Gateways that deploy their proxies beside the Gateway (Istio, NGINX Gateway
# Fabric 2.x) label them with its name (Gateway API GEP-1762).
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"


# The ALB connects to its targets from the addresses of its own subnets (one per zone). Subnets
# that size are rarely wider than a /20 (4096 addresses); a wider range is a VPC's or a zone's, and
# with the Amazon VPC CNI, whose pods take VPC addresses, it would admit the cluster's pods too.
# An AWS subnet's IPv6 range is always a /64.
ALB_WIDEST_IPV4 = 20
ALB_WIDEST_IPV6 = 64


def alb_ranges_too_wide(cidrs: list[str]) -> list[str]:
    """The ranges that cannot be only an ALB's subnets."""
    return [
        c
        for c in cidrs
        if ipaddress.ip_network(c).prefixlen
        < (ALB_WIDEST_IPV4 if ipaddress.ip_network(c).version == 4 else ALB_WIDEST_IPV6)
    ]


def preset_entry_peer(exposure: Exposure, ingress: IngressConfig, gateway: GatewayConfig | None) -> EntryPeer | None:
    """The profile's peer; None where only the operator knows it (the ranges of the ALB's subnets)."""
    if exposure == "gateway" and gateway is not None:
        ref = gateway.parent_ref
        if gateway.controller == "envoy-gateway":
            return EntryPeer(
                namespace=ENVOY_GATEWAY_NAMESPACE,
                pod_labels={ENVOY_GATEWAY_OWNER_NAME: ref.name, ENVOY_GATEWAY_OWNER_NAMESPACE: ref.namespace},
            )
        return EntryPeer(namespace=ref.namespace, pod_labels={GATEWAY_NAME_LABEL: ref.name})
    if ingress.profile == "nginx":
        return EntryPeer(namespace=INGRESS_NGINX_NAMESPACE)
    return None
