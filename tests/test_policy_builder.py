"""What the hardened workload builder produces breaks no policy rule, in the strictest context."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.meta import v1 as meta

from components import workload
from components.availability import disruption_budget
from components.context import Context
from config import validate
from config.base import Resources
from policy.rules import RuleContext, StackResource, check_stack
from tests.harness import stack_input
from tools.mocks import RecordingMonitor


def _context() -> Context:
    config, problems = validate(stack_input("prod").plain)
    assert config is not None, problems
    return Context(config=config, namespace="rasa-studio", namespace_name="rasa-studio", instance="test")


@pulumi.runtime.test
def test_a_replicated_deployment_from_the_builder_passes_every_rule(mocks: RecordingMonitor) -> pulumi.Output[None]:
    ctx = _context()
    user = workload.User(1000, 1000)
    sizes = Resources.model_validate(
        {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}
    )
    backend = workload.container(
        "backend",
        "europe-west3-docker.pkg.dev/rasa-releases/studio/studio-backend:1.7.0",
        user=user,
        resources=workload.resources(sizes),
        ports={"http": 4000},
        env=[workload.env_secret("DB_PASS", "studio-secrets", "DATABASE_PASSWORD")],
        liveness=workload.HttpProbe("/api/health", 4000),
        readiness=workload.HttpProbe("/api/health", 4000),
        volume_mounts=[workload.mount("tmp", "/tmp")],
    )
    spec = workload.pod_spec(
        [backend],
        user=user,
        volumes=[workload.empty_dir("tmp")],
        topology_spread_constraints=workload.topology_spread(ctx.selector("backend"), True),
    )
    deployment = apps.Deployment(
        "backend",
        metadata=ctx.metadata("studio-backend", "backend"),
        spec=apps.DeploymentSpecArgs(
            replicas=2,
            selector=meta.LabelSelectorArgs(match_labels=ctx.selector("backend")),
            strategy=apps.DeploymentStrategyArgs(
                type="RollingUpdate", rolling_update=apps.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge=1)
            ),
            template=workload.pod_template(ctx.selector("backend"), spec),
        ),
    )
    budget = disruption_budget("backend-pdb", ctx, "backend", "studio-backend", 2, pulumi.ResourceOptions())
    assert budget is not None

    def check(_: object) -> None:
        resources = [StackResource(r.type, r.inputs, r.urn, r.name, r.protect) for r in mocks.registrations]
        assert {r.type for r in resources} >= {
            "kubernetes:apps/v1:Deployment",
            "kubernetes:policy/v1:PodDisruptionBudget",
        }
        assert check_stack(resources, RuleContext(prod=True, topology_spread=True)) == {}

    return pulumi.Output.all(deployment.urn, budget.urn).apply(check)
