"""JobAccess: the ServiceAccount, Role and RoleBinding of one side (training or running) of the
orchestrated model services.

The consumers create Kubernetes Jobs at run time (Pulumi never sees them) and the orchestrators
run in-cluster with the same account (RUNS_IN_CLUSTER=true). Rasa's chart grants the verb `*` on
a fixed list of resources (RasaHQ/rasa-helm-charts@f7ef5c9, chart 1.2.6,
charts/studio/templates/model-service/{training,running}/serviceaccount.yaml), and Rasa's docs
say the services fail without it. Which calls the closed images make cannot be seen here, so the
Role grants in effect what the chart grants, on exactly the chart's resources, in the namespace
only (a Role, never a ClusterRole). The verbs are spelled out instead of `*`: the same access for
these resources, while a wildcard would also grant any verb Kubernetes adds later.
"""

from __future__ import annotations

from typing import Literal

import pulumi
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.rbac import v1 as rbac

from ..context import Context
from ..interfaces import ObjectStorage
from ..labels import ComponentName
from .pods import service_account_annotations

Kind = Literal["training", "running"]

# Every verb the API server serves for these resources: what `*` amounts to on them.
ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def job_rules(kind: Kind) -> list[tuple[str, tuple[str, ...], list[str]]]:
    """(apiGroup, resources, verbs) of the chart's Role for `kind`, in the chart's order."""
    if kind == "training":
        core_resources: tuple[str, ...] = ("pods", "pods/log", "pods/status", "events")
    else:
        # Each running assistant gets a Service that /talk/<bot> routes to.
        core_resources = ("events", "pods", "pods/log", "pods/status", "services")
    return [("", core_resources, ALL_VERBS), ("batch", ("jobs", "jobs/status"), ALL_VERBS)]


class JobAccess(pulumi.ComponentResource):
    service_account: core.ServiceAccount
    role: rbac.Role
    role_binding: rbac.RoleBinding

    def __init__(
        self,
        name: str,
        ctx: Context,
        kind: Kind,
        account: str,
        component: ComponentName,
        storage: ObjectStorage,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:JobAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The chart left these annotations empty and put the bucket role on other accounts
        # (chart 1.2.6 values.yaml modelService.*.serviceAccount): with IRSA the model services
        # then had no bucket access at all.
        self.service_account = core.ServiceAccount(
            f"{name}-account",
            metadata=ctx.metadata(
                account, component, annotations=service_account_annotations(ctx.config.model_service, storage)
            ),
            # Each pod opts in to a token where it calls the API.
            automount_service_account_token=False,
            opts=child,
        )
        self.role = rbac.Role(
            f"{name}-role",
            # The chart's name: <account>-role.
            metadata=ctx.metadata(f"{account}-role", component),
            rules=[
                rbac.PolicyRuleArgs(api_groups=[group], resources=list(resources), verbs=verbs)
                for group, resources, verbs in job_rules(kind)
            ],
            opts=child,
        )
        self.role_binding = rbac.RoleBinding(
            f"{name}-role-binding",
            metadata=ctx.metadata(f"{account}-role-binding", component),
            role_ref=rbac.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role", name=self.role.metadata.name),
            subjects=[
                rbac.SubjectArgs(
                    kind="ServiceAccount", name=self.service_account.metadata.name, namespace=ctx.namespace
                )
            ],
            opts=child,
        )
        self.name = self.service_account.metadata.name
        self.register_outputs({"name": self.name})
