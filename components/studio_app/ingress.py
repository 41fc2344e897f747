"""StudioIngress: one host for the browser (RasaHQ/rasa-helm-charts@2252359
charts/studio/templates/studio/backend/ingress.yaml and its web-client/keycloak siblings).

`/`, `/api` and `/auth` share one Ingress; `/talk` (try your assistant) has its own because it
carries long-lived Socket.IO websockets and needs other proxy settings.
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.networking import v1 as networking

from config.studio import StudioConfig

from .. import names
from ..context import Context
from ..labels import ComponentName

INGRESS_NAME = "studio"
TALK_INGRESS_NAME = "studio-talk"
# The Secret cert-manager writes the certificate to when it issues one.
ISSUED_TLS_SECRET = "studio-tls"
CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"

# ingress-nginx closes idle connections after 60s; a browser tab talking to an assistant keeps a
# websocket open far longer. (ingress-nginx proxies websocket upgrades without further settings;
# other controllers ignore these annotations.)
TALK_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
}

# Path -> Service (port 80) of the main Ingress.
ROUTES: tuple[tuple[str, str], ...] = (
    ("/", names.WEB_CLIENT_SERVICE),
    ("/api", names.BACKEND_SERVICE),
    ("/auth", names.KEYCLOAK_SERVICE),
)
TALK_PATH = "/talk"


def talk_component(architecture: str) -> ComponentName:
    """The component /talk traffic belongs to (for the label contract)."""
    return "model-running-orchestrator" if architecture == "orchestrated" else "model-service"


def tls_secret_name(studio: StudioConfig) -> str | None:
    if not studio.tls.enabled:
        return None
    return studio.tls.secret_name or ISSUED_TLS_SECRET


def ingress_annotations(ctx: Context, *, talk: bool) -> dict[str, str]:
    studio = ctx.config.studio
    found = dict(ctx.config.kubernetes.ingress_annotations)
    if talk:
        found.update(TALK_ANNOTATIONS)
    elif studio.tls.enabled and studio.tls.cluster_issuer and not studio.tls.secret_name:
        # Only the main Ingress asks cert-manager for the certificate; the /talk Ingress reuses
        # the Secret. Two Ingresses requesting one Secret make cert-manager fight over it.
        found[CLUSTER_ISSUER_ANNOTATION] = studio.tls.cluster_issuer
    return found


def _path(path: str, service: str) -> networking.HTTPIngressPathArgs:
    return networking.HTTPIngressPathArgs(
        path=path,
        path_type="Prefix",
        backend=networking.IngressBackendArgs(
            service=networking.IngressServiceBackendArgs(
                name=service, port=networking.ServiceBackendPortArgs(number=names.SERVICE_PORT)
            )
        ),
    )


def _spec(ctx: Context, routes: tuple[tuple[str, str], ...]) -> networking.IngressSpecArgs:
    studio = ctx.config.studio
    secret = tls_secret_name(studio)
    return networking.IngressSpecArgs(
        ingress_class_name=ctx.config.kubernetes.ingress_class,
        tls=[networking.IngressTLSArgs(hosts=[studio.host], secret_name=secret)] if secret else None,
        rules=[
            networking.IngressRuleArgs(
                host=studio.host,
                http=networking.HTTPIngressRuleValueArgs(paths=[_path(p, s) for p, s in routes]),
            )
        ],
    )


class StudioIngress(pulumi.ComponentResource):
    ingress: networking.Ingress
    talk: networking.Ingress

    def __init__(self, name: str, ctx: Context, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:studio:StudioIngress", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        architecture = ctx.config.model_service.architecture
        self.ingress = networking.Ingress(
            f"{name}-main",
            metadata=ctx.metadata(INGRESS_NAME, "web-client", ingress_annotations(ctx, talk=False) or None),
            spec=_spec(ctx, ROUTES),
            opts=child,
        )
        self.talk = networking.Ingress(
            f"{name}-talk",
            metadata=ctx.metadata(TALK_INGRESS_NAME, talk_component(architecture), ingress_annotations(ctx, talk=True)),
            spec=_spec(ctx, ((TALK_PATH, names.talk_service(architecture)),)),
            opts=child,
        )
        self.register_outputs({"host": ctx.config.studio.host})
