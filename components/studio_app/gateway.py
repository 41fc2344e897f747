"""StudioRoutes: the Studio paths as Gateway API HTTPRoutes (gateway.networking.k8s.io/v1).

The routes attach to a Gateway the operator names; optionally this component creates that
Gateway for a GatewayClass, with one listener for studio.host that admits routes from the
Studio namespace only. The /talk websocket timeouts are the route's own `timeouts`, which every
conformant implementation reads, instead of controller annotations.

Gateway API types are CustomResources: pulumi-kubernetes ships no classes for them, and the CRDs
come with the controller (Envoy Gateway, Istio, Cilium, NGINX Gateway Fabric, AWS LBC ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from config import StackConfig
from config.exposure import GatewayConfig
from config.studio import StudioConfig

from .. import names
from ..context import Context
from ..labels import PART_OF
from .ingress import CLUSTER_ISSUER_ANNOTATION, tls_secret_name
from .paths import StudioPath, served_paths

API_VERSION = "gateway.networking.k8s.io/v1"
GROUP = "gateway.networking.k8s.io"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


REDIRECT_ROUTE_NAME = "studio-https-redirect"
# The listeners of the assistant's own host (assistant.host) on a Gateway this stack creates.
ASSISTANT_LISTENER = "assistant"
ASSISTANT_REDIRECT_LISTENER = "assistant-http-redirect"


def assistant_host(config: StackConfig) -> str | None:
    """The assistant's own host, when it has one (else it is served under a path of studio.host)."""
    return config.assistant.host if config.assistant.enabled else None


def listener_name(studio: StudioConfig, gateway: GatewayConfig) -> str:
    return gateway.parent_ref.section_name or ("https" if studio.tls.enabled else "http")


def redirect_listener_name(studio: StudioConfig, gateway: GatewayConfig) -> str:
    """The plain-http listener of a created https Gateway, which only redirects."""
    return "http-redirect" if listener_name(studio, gateway) == "http" else "http"


def parent_ref(studio: StudioConfig, gateway: GatewayConfig) -> dict[str, Any]:
    ref = gateway.parent_ref
    found: dict[str, Any] = {"group": GROUP, "kind": "Gateway", "name": ref.name, "namespace": ref.namespace}
    if ref.section_name or gateway.create:
        # A Gateway this stack creates has exactly one listener for Studio: attach to it by name.
        found["sectionName"] = listener_name(studio, gateway)
    return found


def route_spec(studio: StudioConfig, gateway: GatewayConfig, path: StudioPath) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "matches": [{"path": {"type": "PathPrefix", "value": path.path}}],
        "backendRefs": [{"name": path.service, "port": names.SERVICE_PORT}],
    }
    if path.key == "talk":
        # Socket.IO keeps the websocket open while a user talks to an assistant; many
        # implementations end a request after 15 s by default.
        rule["timeouts"] = {"request": gateway.talk_timeout, "backendRequest": gateway.talk_timeout}
    return {
        "parentRefs": [parent_ref(studio, gateway)],
        "hostnames": [studio.host],
        "rules": [rule],
    }


def _listener(name: str, host: str, port: int, protocol: str, studio_namespace: str) -> dict[str, Any]:
    return {
        "name": name,
        "hostname": host,
        "port": port,
        "protocol": protocol,
        # Only the Studio namespace may attach routes to the listener.
        "allowedRoutes": {
            "namespaces": {"from": "Selector", "selector": {"matchLabels": {NAMESPACE_NAME_LABEL: studio_namespace}}},
            "kinds": [{"group": GROUP, "kind": "HTTPRoute"}],
        },
    }


def _host_listeners(
    name: str, redirect_name: str, host: str, secret: str | None, studio_namespace: str
) -> list[dict[str, Any]]:
    """One host's listener: http, or https with a plain-http one beside it that only redirects."""
    if not secret:
        return [_listener(name, host, 80, "HTTP", studio_namespace)]
    main = _listener(name, host, 443, "HTTPS", studio_namespace)
    # In the Gateway's namespace: the listener reads it without a ReferenceGrant, and
    # cert-manager's gateway-shim writes the issued certificate there.
    main["tls"] = {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": secret}]}
    # Port 80 answers with a redirect to https (the redirect route), as the ALB profile does.
    return [main, _listener(redirect_name, host, 80, "HTTP", studio_namespace)]


def gateway_spec(
    studio: StudioConfig, gateway: GatewayConfig, studio_namespace: str, assistant_host: str | None = None
) -> dict[str, Any]:
    """`assistant_host`: the assistant's own host (assistant.host), which gets listeners of its own."""
    assert gateway.create is not None
    listeners = _host_listeners(
        listener_name(studio, gateway),
        redirect_listener_name(studio, gateway),
        studio.host,
        tls_secret_name(studio),
        studio_namespace,
    )
    if assistant_host is not None:
        listeners += _host_listeners(
            ASSISTANT_LISTENER,
            ASSISTANT_REDIRECT_LISTENER,
            assistant_host,
            tls_secret_name(studio, assistant_host),
            studio_namespace,
        )
    return {"gatewayClassName": gateway.create.gateway_class_name, "listeners": listeners}


def redirect_route_spec(
    studio: StudioConfig, gateway: GatewayConfig, host: str | None = None, listener: str | None = None
) -> dict[str, Any]:
    """The https redirect of studio.host, or of `host` on its own `listener`."""
    ref = {**parent_ref(studio, gateway), "sectionName": listener or redirect_listener_name(studio, gateway)}
    return {
        "parentRefs": [ref],
        "hostnames": [host or studio.host],
        "rules": [
            {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}
        ],
    }


class StudioRoutes(pulumi.ComponentResource):
    routes: Mapping[str, CustomResource]
    gateway: CustomResource | None
    redirect: CustomResource | None

    def __init__(self, name: str, ctx: Context, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:studio:StudioRoutes", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        studio = ctx.config.studio
        gateway = studio.gateway
        assert gateway is not None  # checked by the config model for exposure: gateway

        self.gateway = None
        if gateway.create is not None:
            annotations = None
            if studio.tls.enabled and studio.tls.cluster_issuer and not studio.tls.secret_name:
                # cert-manager's gateway-shim (cert-manager --enable-gateway-api) issues a
                # certificate per listener hostname into the listener's certificateRefs.
                annotations = {CLUSTER_ISSUER_ANNOTATION: studio.tls.cluster_issuer}
            self.gateway = CustomResource(
                f"{name}-gateway",
                api_version=API_VERSION,
                kind="Gateway",
                metadata={
                    "name": gateway.parent_ref.name,
                    # The Studio namespace (then waiting for the Namespace object) or the
                    # namespace the cluster keeps its Gateways in.
                    "namespace": ctx.namespace
                    if gateway.parent_ref.namespace == ctx.namespace_name
                    else gateway.parent_ref.namespace,
                    "labels": {
                        "app.kubernetes.io/instance": ctx.instance,
                        "app.kubernetes.io/part-of": PART_OF,
                        "app.kubernetes.io/managed-by": "pulumi",
                    },
                    **({"annotations": annotations} if annotations else {}),
                },
                spec=gateway_spec(studio, gateway, ctx.namespace_name, assistant_host(ctx.config)),
                opts=child,
            )
        # Routes wait for a Gateway this stack creates, so they are accepted on first apply.
        route_opts = pulumi.ResourceOptions(parent=self, depends_on=[self.gateway] if self.gateway else None)
        self.routes = {
            p.path: CustomResource(
                f"{name}-{p.resource_suffix}",
                api_version=API_VERSION,
                kind="HTTPRoute",
                metadata=ctx.metadata(p.object_name, p.component),
                spec=route_spec(studio, gateway, p),
                opts=route_opts,
            )
            for p in served_paths(ctx.config)
        }
        self.redirect = None
        if gateway.create is not None and studio.tls.enabled:
            self.redirect = CustomResource(
                f"{name}-https-redirect",
                api_version=API_VERSION,
                kind="HTTPRoute",
                metadata=ctx.metadata(REDIRECT_ROUTE_NAME, "web-client"),
                spec=redirect_route_spec(studio, gateway),
                opts=route_opts,
            )
        self.register_outputs({"host": studio.host})
