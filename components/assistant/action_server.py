"""The assistant's action server: the user's own image (built on rasa/rasa-sdk), reached at action_endpoint.

rasa-sdk serves `/webhook` (the assistant's calls) and `/health` (the probes) on its port (5055
by default). The image is the user's, so the pod gets the hardened settings of the program's own
images: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp and a read-only
root with a /tmp emptyDir (Python's tempfile).
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.policy import v1 as policy

from config.assistant import ActionServer as ActionServerConfig
from config.workloads import workload

from ..availability import disruption_budget
from ..context import Context
from ..deployment import deployment, service
from ..labels import ComponentName
from ..names import ACTION_SERVER_SERVICE
from ..secrets import image_pull_secrets
from ..workload import HttpProbe, container, empty_dir, mount, pod_spec, pod_template, resources, topology_spread

COMPONENT: ComponentName = "action-server"
HEALTH_PATH = "/health"


def action_server_pod(ctx: Context, cfg: ActionServerConfig) -> core.PodTemplateSpecArgs:
    """The action server's pod: the user's image on its port, probed on rasa-sdk's /health."""
    defaults = workload(COMPONENT).default_resources(ctx.config)
    assert defaults is not None
    probe = HttpProbe(HEALTH_PATH, cfg.port)
    server = container(
        "action-server",
        f"{cfg.image}:{cfg.tag}",
        user=None,
        resources=resources(defaults, cfg.resources),
        ports={"http": cfg.port},
        liveness=probe,
        readiness=probe,
        volume_mounts=[mount("tmp", "/tmp")],
    )
    return pod_template(
        ctx.labels(COMPONENT),
        pod_spec(
            [server],
            user=None,
            volumes=[empty_dir("tmp")],
            image_pull_secrets=image_pull_secrets(ctx),
            topology_spread_constraints=topology_spread(ctx.selector(COMPONENT), ctx.config.kubernetes.topology_spread),
        ),
        pod_settings=ctx.pod_settings(COMPONENT),
        secrets_checksum=ctx.secrets_checksum,
    )


class ActionServer(pulumi.ComponentResource):
    deployment: apps.Deployment
    service: core.Service
    disruption_budget: policy.PodDisruptionBudget | None

    def __init__(
        self, name: str, ctx: Context, cfg: ActionServerConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("rasa-studio:assistant:ActionServer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        template = action_server_pod(ctx, cfg)
        self.deployment = deployment(
            f"{name}-deployment", ctx, COMPONENT, ACTION_SERVER_SERVICE, template, cfg.replicas, child
        )
        self.service = service(f"{name}-service", ctx, COMPONENT, ACTION_SERVER_SERVICE, "http", child, port=cfg.port)
        self.disruption_budget = disruption_budget(
            f"{name}-pdb", ctx, COMPONENT, ACTION_SERVER_SERVICE, cfg.replicas, child
        )
        self.register_outputs({"service": self.service.metadata.name})
