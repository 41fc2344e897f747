"""Keycloak: Studio's user management, served under /auth, as in
RasaHQ/rasa-helm-charts charts/studio/templates/studio/keycloak/deployment.yaml (1.2.6 to 2.6.0).

The realm `rasa-studio`, its clients and users are provisioned by the backend through the
admin API; Keycloak itself only needs its database and the admin user.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.policy import v1 as policy

from config.versions import contract_for

from .. import ports
from ..availability import disruption_budget
from ..context import Context
from ..deployment import deployment, service
from ..interfaces import Database, SecretRef, created
from ..names import KEYCLOAK_SERVICE
from ..workload import checkov_skips, container, empty_dir, mount, rasa_image_skips, rasa_tmp, resources
from . import defaults as d
from .env import keycloak_env
from .workloads import studio_pod, studio_user

COMPONENT: d.StudioContainer = "keycloak"
KEYCLOAK_DATA = "/opt/keycloak/data"


def keycloak_pod(ctx: Context, database: Database, admin_password: SecretRef) -> core.PodTemplateSpecArgs:
    settings = ctx.config.studio.keycloak
    image = d.image(ctx.config.studio, COMPONENT)
    security = settings.security_context
    read_only = security.read_only_root_filesystem
    # With the opt-in read-only root, Keycloak (Quarkus) still needs its data directory; an
    # image that is not pre-optimized also rewrites /opt/keycloak/lib and then fails.
    data = [mount("data", KEYCLOAK_DATA)] if read_only else []
    tmp_volumes, tmp_mounts = rasa_tmp(read_only)

    keycloak = container(
        "keycloak",
        image.ref,
        user=studio_user(security),
        resources=resources(d.RESOURCES[COMPONENT], settings.resources),
        ports={"http": ports.KEYCLOAK_PORT},
        env=keycloak_env(database, settings.admin_username, admin_password, contract_for(ctx.config.studio.version)),
        liveness=d.KEYCLOAK_PROBE,
        readiness=d.KEYCLOAK_PROBE,
        startup=d.KEYCLOAK_STARTUP_PROBE,
        volume_mounts=[*tmp_mounts, *data],
        read_only_root_filesystem=read_only,
    )
    return studio_pod(
        ctx,
        COMPONENT,
        [keycloak],
        volumes=[*tmp_volumes, *([empty_dir("data")] if read_only else [])],
        security=security,
    )


class Keycloak(pulumi.ComponentResource):
    deployment: apps.Deployment
    service: core.Service
    disruption_budget: policy.PodDisruptionBudget | None

    def __init__(
        self,
        name: str,
        ctx: Context,
        database: Database,
        admin_password: SecretRef,
        after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:studio:Keycloak", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = ctx.config.studio.keycloak
        read_only = settings.security_context.read_only_root_filesystem
        template = keycloak_pod(ctx, database, admin_password)
        # `after`: the migration, which creates the keycloak database unless the backing service did.
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            COMPONENT,
            KEYCLOAK_SERVICE,
            template,
            settings.replicas,
            pulumi.ResourceOptions(
                parent=self, depends_on=[*database.ready, *after, *created(database.password, admin_password)]
            ),
            annotations=checkov_skips(rasa_image_skips(read_only)) or None,
        )
        self.service = service(f"{name}-service", ctx, COMPONENT, KEYCLOAK_SERVICE, ports.KEYCLOAK_PORT, child)
        self.disruption_budget = disruption_budget(
            f"{name}-pdb", ctx, COMPONENT, KEYCLOAK_SERVICE, settings.replicas, child
        )
        self.register_outputs({"service": self.service.metadata.name})
