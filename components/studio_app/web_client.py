"""WebClient: the Studio frontend (nginx serving the single-page app), RasaHQ/rasa-helm-charts charts/studio/templates/studio/web-client/, chart 2.6.0."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.policy import v1 as policy

from ..availability import disruption_budget
from ..context import Context
from ..names import WEB_CLIENT_SERVICE
from ..workload import container, empty_dir, mount, resources
from . import defaults as d
from .webconfig import CONFIG_FILE, CONFIG_KEY, CONFIG_PATH, checksum, config_js
from .workloads import deployment, service, studio_pod

COMPONENT: d.StudioContainer = "web-client"


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

        # Runtime configuration is a file, not env: the browser loads config.js.
        content = config_js(studio, image.tag)
        self.config_map = core.ConfigMap(
            f"{name}-config",
            metadata=ctx.metadata(d.WEB_CLIENT_CONFIGMAP, COMPONENT),
            data={CONFIG_KEY: content},
            opts=child,
        )
        web = container(
            "web-client",
            image.ref,
            user=d.USERS[COMPONENT],
            resources=resources(d.RESOURCES[COMPONENT], settings.resources),
            ports={"http": d.WEB_CLIENT_PORT},
            liveness=d.WEB_CLIENT_PROBE,
            readiness=d.WEB_CLIENT_PROBE,
            volume_mounts=[
                mount("config", CONFIG_PATH, read_only=True, sub_path=CONFIG_FILE),
                # nginx keeps its pid file and temp files here; the root fs stays read-only.
                mount("tmp", "/tmp"),
            ],
        )
        template = studio_pod(
            ctx,
            COMPONENT,
            [web],
            volumes=[
                core.VolumeArgs(
                    name="config",
                    config_map=core.ConfigMapVolumeSourceArgs(
                        name=self.config_map.metadata.name,
                        items=[core.KeyToPathArgs(key=CONFIG_KEY, path=CONFIG_FILE)],
                    ),
                ),
                empty_dir("tmp"),
            ],
            # A subPath mount never sees ConfigMap updates: roll the pods when the content changes.
            annotations={"checksum/config": checksum(content)},
        )
        self.deployment = deployment(
            f"{name}-deployment", ctx, COMPONENT, WEB_CLIENT_SERVICE, template, settings.replicas, child
        )
        self.service = service(f"{name}-service", ctx, COMPONENT, WEB_CLIENT_SERVICE, d.WEB_CLIENT_PORT, child)
        self.disruption_budget = disruption_budget(
            f"{name}-pdb", ctx, COMPONENT, WEB_CLIENT_SERVICE, settings.replicas, child
        )
        self.register_outputs({"service": self.service.metadata.name})
