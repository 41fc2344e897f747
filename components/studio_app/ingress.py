"""StudioIngress: the Studio paths as Ingresses, for an nginx-compatible controller or the ALB
(RasaHQ/rasa-helm-charts@2252359 charts/studio/templates/studio/backend/ingress.yaml and its
web-client/keycloak siblings).

One Ingress per path (`/`, `/api`, `/auth`, `/talk`), as Rasa's chart renders one per component,
so each path has its own host, annotations and health check. Annotations are layered: the
profile's, then `studio.ingress.annotations`, then the path's own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
from pulumi_kubernetes.networking import v1 as networking

from config.studio import StudioConfig

from .. import names
from ..context import Context
from .paths import StudioPath, served_paths

# The Secret cert-manager writes the certificate of studio.host to when it issues one.
ISSUED_TLS_SECRET = "studio-tls"
CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"

# ingress-nginx closes idle connections after 60s; a browser tab talking to an assistant keeps a
# websocket open far longer. (ingress-nginx proxies websocket upgrades without further settings.)
TALK_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
}

# AWS Load Balancer Controller annotations (kubernetes-sigs/aws-load-balancer-controller,
# docs/guide/ingress/annotations.md).
ALB = "alb.ingress.kubernetes.io"
# Rules of one IngressGroup are evaluated by group.order, lowest first; `/` (the web client)
# matches every path, so it goes last.
ALB_GROUP_ORDER = {"backend": "10", "keycloak": "20", "talk": "30", "web_client": "100"}
# What the kubelet accepts from the probes these paths are taken from.
ALB_SUCCESS_CODES = "200-399"


def tls_secret_name(studio: StudioConfig, host: str | None = None) -> str | None:
    """The certificate Secret of an Ingress serving `host` (default studio.host)."""
    if not studio.tls.enabled or (studio.exposure == "ingress" and studio.ingress.profile == "alb"):
        return None
    if studio.tls.secret_name:
        return studio.tls.secret_name
    if host is None or host == studio.host:
        return ISSUED_TLS_SECRET
    return f"{ISSUED_TLS_SECRET}-{host.replace('.', '-')}"[:253]


def _issuing_paths(studio: StudioConfig, paths: tuple[StudioPath, ...]) -> set[str]:
    """Paths whose Ingress asks cert-manager for its host's certificate: the first per host.

    Two Ingresses requesting one Secret make cert-manager fight over it; the others reuse it.
    """
    if not (studio.tls.enabled and studio.tls.cluster_issuer and not studio.tls.secret_name):
        return set()
    first: dict[str, str] = {}
    for p in paths:
        first.setdefault(studio.path_host(p.key), p.key)
    return set(first.values())


def alb_annotations(studio: StudioConfig, path: StudioPath) -> dict[str, str]:
    return alb_target_annotations(studio, ALB_GROUP_ORDER[path.key], path.health_path)


def alb_target_annotations(studio: StudioConfig, group_order: str, health_path: str) -> dict[str, str]:
    """The ALB annotations of one target group in Studio's IngressGroup, health-checked on `health_path`."""
    alb = studio.ingress.alb
    found = {
        f"{ALB}/scheme": alb.scheme,
        # Pods are the targets (no NodePort hop); needs the VPC CNI's routable pod addresses.
        f"{ALB}/target-type": "ip",
        f"{ALB}/group.name": alb.group_name,
        f"{ALB}/group.order": group_order,
        f"{ALB}/load-balancer-attributes": f"idle_timeout.timeout_seconds={alb.idle_timeout_seconds}",
        f"{ALB}/healthcheck-path": health_path,
        f"{ALB}/success-codes": ALB_SUCCESS_CODES,
    }
    if studio.tls.enabled:
        found.update(
            {
                f"{ALB}/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
                f"{ALB}/ssl-redirect": "443",
                f"{ALB}/certificate-arn": str(alb.certificate_arn),
                f"{ALB}/ssl-policy": alb.ssl_policy,
            }
        )
    else:
        found[f"{ALB}/listen-ports"] = json.dumps([{"HTTP": 80}])
    return found


def ingress_annotations(studio: StudioConfig, path: StudioPath, *, issues_certificate: bool = False) -> dict[str, str]:
    """The profile's annotations, then the shared ones, then the path's own."""
    found: dict[str, str] = {}
    if studio.ingress.profile == "alb":
        found.update(alb_annotations(studio, path))
    elif path.key == "talk":
        found.update(TALK_ANNOTATIONS)
    if issues_certificate and studio.tls.cluster_issuer:
        found[CLUSTER_ISSUER_ANNOTATION] = studio.tls.cluster_issuer
    found.update(studio.ingress.annotations)
    found.update(getattr(studio.ingress.paths, path.key).annotations)
    return dict(sorted(found.items()))


def _spec(studio: StudioConfig, path: StudioPath) -> networking.IngressSpecArgs:
    return one_path_spec(studio, studio.path_host(path.key), path.path, "Prefix", path.service, names.SERVICE_PORT)


def one_path_spec(
    studio: StudioConfig, host: str, path: str, path_type: str, service: str, port: int
) -> networking.IngressSpecArgs:
    """An Ingress of Studio's class serving one path of `host` from `service`, with the host's TLS Secret."""
    secret = tls_secret_name(studio, host)
    backend = networking.IngressBackendArgs(
        service=networking.IngressServiceBackendArgs(name=service, port=networking.ServiceBackendPortArgs(number=port))
    )
    return networking.IngressSpecArgs(
        ingress_class_name=studio.ingress.ingress_class,
        tls=[networking.IngressTLSArgs(hosts=[host], secret_name=secret)] if secret else None,
        rules=[
            networking.IngressRuleArgs(
                host=host,
                http=networking.HTTPIngressRuleValueArgs(
                    paths=[networking.HTTPIngressPathArgs(path=path, path_type=path_type, backend=backend)]
                ),
            )
        ],
    )


class StudioIngress(pulumi.ComponentResource):
    by_path: Mapping[str, networking.Ingress]

    def __init__(self, name: str, ctx: Context, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:studio:StudioIngress", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        studio = ctx.config.studio
        paths = served_paths(ctx.config)
        issuing = _issuing_paths(studio, paths)
        self.by_path = {
            p.path: networking.Ingress(
                f"{name}-{p.resource_suffix}",
                metadata=ctx.metadata(
                    p.object_name,
                    p.component,
                    ingress_annotations(studio, p, issues_certificate=p.key in issuing) or None,
                ),
                spec=_spec(studio, p),
                opts=child,
            )
            for p in paths
        }
        self.register_outputs({"host": studio.host})
