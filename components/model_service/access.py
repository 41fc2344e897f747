"""JobAccess: the ServiceAccount, Role and RoleBinding a consumer needs to run Rasa Pro Jobs.

The consumers create Kubernetes Jobs at run time (Pulumi never sees them), so they need API
access in the Studio namespace only: a Role, never a ClusterRole. Rasa's "Kubernetes
Service Account Roles" (RasaHQ/rasa-helm-charts charts/studio 1.2.6, templates/model-service/) grants "*" on the resources below; the verbs here are what starting,
following and cleaning up a Job takes, so a leaked consumer token cannot, for example, exec into
pods, read Secrets or rewrite other workloads.
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

READ = ["get", "list", "watch"]
# Start a Job, follow it, and delete it when the training ends or the assistant is replaced.
MANAGE = ["create", "delete", "get", "list", "patch", "update", "watch"]


def job_rules(kind: Kind) -> list[tuple[str, tuple[str, ...], list[str]]]:
    """(apiGroup, resources, verbs) the consumer of `kind` needs; the resources are the legacy chart's (RasaHQ/rasa-helm-charts charts/studio 1.2.6)."""
    core_rules: list[tuple[str, tuple[str, ...], list[str]]] = [
        # Pods of the Jobs: watched for progress, deleted when stuck.
        ("", ("pods",), [*READ, "delete"]),
        ("", ("pods/log", "pods/status"), ["get"]),
        ("", ("events",), READ),
    ]
    if kind == "running":
        # Each running assistant gets a Service that /talk/<bot> routes to.
        core_rules.append(("", ("services",), MANAGE))
    return [
        *core_rules,
        ("batch", ("jobs",), MANAGE),
        ("batch", ("jobs/status",), ["get"]),
    ]


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
        # (RasaHQ/rasa-deployment-playbooks aws/studio/values.template.yaml): with IRSA the model services then had no bucket access at all.
        self.service_account = core.ServiceAccount(
            f"{name}-account",
            metadata=ctx.metadata(
                account, component, annotations=service_account_annotations(ctx.config.model_service, storage)
            ),
            # Each pod opts in to a token where it calls the API (the consumers only).
            automount_service_account_token=False,
            opts=child,
        )
        self.role = rbac.Role(
            f"{name}-role",
            metadata=ctx.metadata(account, component),
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
