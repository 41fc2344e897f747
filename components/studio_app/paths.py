"""The four paths browsers use, and what serves each: shared by the Ingress and Gateway API modes.

One object (Ingress or HTTPRoute) per path, as Rasa's chart renders one Ingress per component:
each carries its own component label, annotations (an ALB health check is per target group) and,
for Ingresses, host.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import StackConfig
from config.studio import StudioConfig, StudioPathKey

from .. import names
from ..labels import ComponentName
from .defaults import BACKEND_PROBE, KEYCLOAK_PROBE, WEB_CLIENT_PROBE

# The model-service path of every chart release to 2.6.0 (config/versions.py model_service_path).
TALK_PATH = "/talk"
# Readiness paths of the /talk targets: components/model_service/talk_proxy.py (orchestrated)
# and embedded.py (the Rasa Pro model service answers GET / when healthy).
TALK_PROXY_HEALTH_PATH = "/healthz"
MODEL_SERVICE_HEALTH_PATH = "/"


@dataclass(frozen=True)
class StudioPath:
    key: StudioPathKey
    path: str
    # Name of the Ingress or HTTPRoute, and the suffix of its Pulumi resource name.
    object_name: str
    resource_suffix: str
    component: ComponentName
    service: str
    # The path the backend answers health checks on (its readiness probe).
    health_path: str


def talk_component(architecture: str) -> ComponentName:
    """The component /talk traffic belongs to (for the label contract)."""
    return "model-running-orchestrator" if architecture == "orchestrated" else "model-service"


def studio_paths(
    architecture: str, *, keycloak_in_cluster: bool = True, talk_path: str = TALK_PATH
) -> tuple[StudioPath, ...]:
    """The paths this stack serves: /auth only when Keycloak runs here (not studio.keycloak.external,
    nor a Studio that logs users in itself); the model service under the version's path."""
    orchestrated = architecture == "orchestrated"
    found = (
        # "studio" and "main" are the names the single Ingress for /, /api and /auth had: the
        # web client's object keeps them.
        StudioPath("web_client", "/", "studio", "main", "web-client", names.WEB_CLIENT_SERVICE, WEB_CLIENT_PROBE.path),
        StudioPath("backend", "/api", "studio-api", "api", "backend", names.BACKEND_SERVICE, BACKEND_PROBE.path),
        StudioPath("keycloak", "/auth", "studio-auth", "auth", "keycloak", names.KEYCLOAK_SERVICE, KEYCLOAK_PROBE.path),
        StudioPath(
            "talk",
            talk_path,
            "studio-talk",
            "talk",
            talk_component(architecture),
            names.talk_service(architecture),
            TALK_PROXY_HEALTH_PATH if orchestrated else MODEL_SERVICE_HEALTH_PATH,
        ),
    )
    return tuple(p for p in found if keycloak_in_cluster or p.key != "keycloak")


def served_paths(config: StackConfig) -> tuple[StudioPath, ...]:
    studio = config.studio
    return studio_paths(
        config.model_service.architecture,
        keycloak_in_cluster=studio.keycloak_in_cluster,
        talk_path=studio.contract.model_service_path,
    )


def entry_point(studio: StudioConfig) -> str:
    """Where browsers enter, in words, for the render summary and the `entryPoint` output."""
    if studio.exposure == "gateway" and studio.gateway is not None:
        ref = studio.gateway.parent_ref
        section = f" listener {ref.section_name}" if ref.section_name else ""
        made = f", created for GatewayClass {studio.gateway.create.gateway_class_name}" if studio.gateway.create else ""
        return f"Gateway {ref.namespace}/{ref.name}{section}{made} (HTTPRoutes)"
    ingress = studio.ingress
    if ingress.profile == "alb":
        alb = ingress.alb
        return (
            f"ALB {alb.scheme}, IngressGroup {alb.group_name} "
            f"(AWS Load Balancer Controller, Ingress class {ingress.ingress_class})"
        )
    return f"Ingress class {ingress.ingress_class} (nginx-compatible controller)"
