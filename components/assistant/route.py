"""The assistant's route: Studio's exposure profile (HTTPRoute, nginx Ingress or ALB Ingress), on
`assistant.host` or under `assistant.path` of Studio's host with the prefix stripped.

Rasa serves its channels at the root (`/webhooks/rest/webhook`, `/socket.io`), so under a path the
prefix must go before the request reaches it: the Gateway API's URLRewrite (ReplacePrefixMatch),
ingress-nginx's rewrite-target. The ALB cannot rewrite paths; config/assistant.py requires a host
there. TLS follows Studio's: the same Secret or cert-manager issuer, a listener of its own on a
Gateway this stack creates.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.networking import v1 as networking

from config import StackConfig

from ..context import Context
from ..labels import ComponentName
from ..names import ASSISTANT_SERVICE
from ..ports import RASA_PORT
from ..studio_app.gateway import (
    API_VERSION,
    ASSISTANT_LISTENER,
    ASSISTANT_REDIRECT_LISTENER,
    parent_ref,
    redirect_route_spec,
)
from ..studio_app.ingress import (
    ALB,
    CLUSTER_ISSUER_ANNOTATION,
    TALK_ANNOTATIONS,
    alb_target_annotations,
    one_path_spec,
)
from .server import PROBE

COMPONENT: ComponentName = "assistant"
REDIRECT_ROUTE_NAME = "rasa-https-redirect"
# After Studio's target groups (components/studio_app/ingress.py ALB_GROUP_ORDER); on a host of its own.
ALB_GROUP_ORDER = "50"
NGINX = "nginx.ingress.kubernetes.io"
# Socket.IO's long-polling sends a session's requests one by one, and only the pod that opened the
# session knows it: with more than one pod they must stick to it, or the client gets `400 Session
# ID unknown` (socket.io/docs/v4/using-multiple-nodes). A cookie pins a client to its pod: the
# ALB's target group stickiness (AWS Load Balancer Controller, target-group-attributes; a day, as
# a widget's conversation lasts), ingress-nginx's cookie affinity, `persistent` so scaling up moves
# no running session (kubernetes.github.io/ingress-nginx/examples/affinity/cookie).
ALB_STICKINESS = "stickiness.enabled=true,stickiness.type=lb_cookie,stickiness.lb_cookie.duration_seconds=86400"
NGINX_AFFINITY = {f"{NGINX}/affinity": "cookie", f"{NGINX}/affinity-mode": "persistent"}


def route_host(config: StackConfig) -> str:
    """The host the assistant is served on: its own, or the one serving Studio's `/`."""
    return config.assistant.host or config.studio.path_host("web_client")


def public_url(config: StackConfig) -> str:
    """Where clients reach the assistant's channels (docs/assistant.md)."""
    suffix = "" if config.assistant.host else config.assistant.path
    return f"{config.studio.scheme}://{route_host(config)}{suffix}"


def http_route_spec(config: StackConfig) -> dict[str, Any]:
    studio, assistant = config.studio, config.assistant
    gateway = studio.gateway
    assert gateway is not None
    ref = parent_ref(studio, gateway)
    if assistant.host is not None and gateway.create is not None:
        ref["sectionName"] = ASSISTANT_LISTENER
    rule: dict[str, Any] = {
        "backendRefs": [{"name": ASSISTANT_SERVICE, "port": RASA_PORT}],
        # Socket.IO keeps a websocket open for a whole conversation, as Studio's /talk.
        "timeouts": {"request": gateway.talk_timeout, "backendRequest": gateway.talk_timeout},
    }
    if assistant.host is None:
        rule["matches"] = [{"path": {"type": "PathPrefix", "value": assistant.path}}]
        rule["filters"] = [
            {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}
        ]
    else:
        rule["matches"] = [{"path": {"type": "PathPrefix", "value": "/"}}]
    return {"parentRefs": [ref], "hostnames": [route_host(config)], "rules": [rule]}


def ingress_annotations(config: StackConfig) -> dict[str, str]:
    """The profile's annotations, then `studio.ingress.annotations` (Studio's shared ones)."""
    studio, assistant = config.studio, config.assistant
    found: dict[str, str] = {}
    if studio.ingress.profile == "alb":
        found.update(alb_target_annotations(studio, ALB_GROUP_ORDER, PROBE.path))
        found[f"{ALB}/target-group-attributes"] = ALB_STICKINESS
    else:
        found.update(TALK_ANNOTATIONS)
        found.update(NGINX_AFFINITY)
        if assistant.host is None:
            # `/assistant/webhooks/rest/webhook` reaches Rasa as `/webhooks/rest/webhook`.
            found[f"{NGINX}/use-regex"] = "true"
            found[f"{NGINX}/rewrite-target"] = "/$2"
            # A regex is no cookie path: the cookie's must be given (ingress-nginx annotations,
            # session-cookie-path).
            found[f"{NGINX}/session-cookie-path"] = assistant.path
        elif studio.tls.enabled and studio.tls.cluster_issuer and not studio.tls.secret_name:
            # Its own host: this Ingress asks cert-manager for that host's certificate.
            found[CLUSTER_ISSUER_ANNOTATION] = studio.tls.cluster_issuer
    found.update(studio.ingress.annotations)
    return dict(sorted(found.items()))


def ingress_spec(config: StackConfig) -> networking.IngressSpecArgs:
    assistant = config.assistant
    if assistant.host is None:
        path, path_type = f"{assistant.path}(/|$)(.*)", "ImplementationSpecific"
    else:
        path, path_type = "/", "Prefix"
    return one_path_spec(config.studio, route_host(config), path, path_type, ASSISTANT_SERVICE, RASA_PORT)


class AssistantRoute(pulumi.ComponentResource):
    route: CustomResource | None
    redirect: CustomResource | None
    ingress: networking.Ingress | None

    def __init__(
        self,
        name: str,
        ctx: Context,
        gateway: pulumi.Resource | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:assistant:AssistantRoute", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = ctx.config
        studio = config.studio
        self.route = self.redirect = self.ingress = None
        if studio.exposure == "gateway":
            assert studio.gateway is not None
            # Routes wait for a Gateway this stack creates, so they are accepted on first apply.
            route_opts = pulumi.ResourceOptions(parent=self, depends_on=[gateway] if gateway else None)
            self.route = CustomResource(
                f"{name}-route",
                api_version=API_VERSION,
                kind="HTTPRoute",
                metadata=ctx.metadata(ASSISTANT_SERVICE, COMPONENT),
                spec=http_route_spec(config),
                opts=route_opts,
            )
            host = config.assistant.host
            if host is not None and studio.gateway.create is not None and studio.tls.enabled:
                self.redirect = CustomResource(
                    f"{name}-https-redirect",
                    api_version=API_VERSION,
                    kind="HTTPRoute",
                    metadata=ctx.metadata(REDIRECT_ROUTE_NAME, COMPONENT),
                    spec=redirect_route_spec(studio, studio.gateway, host, ASSISTANT_REDIRECT_LISTENER),
                    opts=route_opts,
                )
        else:
            self.ingress = networking.Ingress(
                f"{name}-ingress",
                metadata=ctx.metadata(ASSISTANT_SERVICE, COMPONENT, ingress_annotations(config) or None),
                spec=ingress_spec(config),
                opts=child,
            )
        self.register_outputs({"url": public_url(config)})
