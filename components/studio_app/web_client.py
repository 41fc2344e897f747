"""WebClient: the Studio frontend (nginx serving the single-page app), as in RasaHQ/rasa-helm-charts
charts/studio/templates/studio/web-client/deployment.yaml."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.policy import v1 as policy

from .. import ports
from ..availability import disruption_budget
from ..context import Context
from ..deployment import deployment, service
from ..names import WEB_CLIENT_SERVICE
from ..workload import checkov_skips, container, empty_dir, mount, rasa_image_skips, resources
from . import defaults as d
from .webconfig import CONFIG_FILE, CONFIG_KEY, CONFIG_PATH, checksum, config_js
from .workloads import studio_pod, studio_user

COMPONENT: d.StudioContainer = "web-client"


def web_client_pod(ctx: Context, content: str) -> core.PodTemplateSpecArgs:
    """The web client's pod; `content`: its config.js."""
    settings = ctx.config.studio.web_client
    image = d.image(ctx.config.studio, COMPONENT)
    security = settings.security_context
    web = container(
        "web-client",
        image.ref,
        user=studio_user(security),
        resources=resources(d.RESOURCES[COMPONENT], settings.resources),
        ports={"http": ports.WEB_CLIENT_PORT},
        liveness=d.WEB_CLIENT_PROBE,
        readiness=d.WEB_CLIENT_PROBE,
        volume_mounts=[
            mount("config", CONFIG_PATH, read_only=True, sub_path=CONFIG_FILE),
            # nginx keeps its pid file and temp files here (the chart mounts it too).
            mount("tmp", "/tmp"),
        ],
        read_only_root_filesystem=security.read_only_root_filesystem,
    )
    return studio_pod(
        ctx,
        COMPONENT,
        [web],
        volumes=[
            core.VolumeArgs(
                name="config",
                config_map=core.ConfigMapVolumeSourceArgs(
                    name=d.WEB_CLIENT_CONFIGMAP,
                    items=[core.KeyToPathArgs(key=CONFIG_KEY, path=CONFIG_FILE)],
                ),
            ),
            # Uncapped, as the chart's (`emptyDir: {}`): nginx's temp files must not evict the pod.
            empty_dir("tmp", None),
        ],
        # A subPath mount never sees ConfigMap updates: roll the pods when the content changes.
        annotations={"checksum/config": checksum(content)},
        security=security,
    )


class WebClient(pulumi.ComponentResource):
    config_map: core.ConfigMap
    deployment: apps.Deployment
    service: core.Service
    disruption_budget: policy.PodDisruptionBudget | None

    def __init__(self, name: str, ctx: Context, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:studio:WebClient", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        studio = ctx.config.studio
        settings = studio.web_client
        image = d.image(studio, COMPONENT)
        security = settings.security_context

        # Runtime configuration is a file, not env: the browser loads config.js.
        content = config_js(studio, image.tag)
        self.config_map = core.ConfigMap(
            f"{name}-config",
            metadata=ctx.metadata(d.WEB_CLIENT_CONFIGMAP, COMPONENT),
            data={CONFIG_KEY: content},
            opts=child,
        )
        template = web_client_pod(ctx, content)
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            COMPONENT,
            WEB_CLIENT_SERVICE,
            template,
            settings.replicas,
            # The ConfigMap by plain name, and an edge that orders without cascading a
            # replacement (interfaces.SecretRef says why).
            pulumi.ResourceOptions(parent=self, depends_on=[self.config_map]),
            annotations=checkov_skips(rasa_image_skips(security.read_only_root_filesystem)) or None,
        )
        self.service = service(f"{name}-service", ctx, COMPONENT, WEB_CLIENT_SERVICE, ports.WEB_CLIENT_PORT, child)
        self.disruption_budget = disruption_budget(
            f"{name}-pdb", ctx, COMPONENT, WEB_CLIENT_SERVICE, settings.replicas, child
        )
        self.register_outputs({"service": self.service.metadata.name})
