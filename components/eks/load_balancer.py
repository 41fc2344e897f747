"""The AWS Load Balancer Controller: a Helm release whose AWS access comes through EKS Pod Identity
(docs.aws.amazon.com/eks/latest/userguide/lbc-helm.html; the controller's installation guide,
docs/deploy/installation.md at v3.5.0, recommends Pod Identity)."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
from pulumi_aws import eks, iam

from .iam import pod_identity_role

# The chart and the controller release whose IAM policy data/ holds, kept in step: the policy is
# upstream's docs/install/iam_policy.json at tag v3.5.0 of kubernetes-sigs/aws-load-balancer-controller.
CHART = "aws-load-balancer-controller"
CHART_VERSION = "3.5.0"
CHART_REPOSITORY = "https://aws.github.io/eks-charts"
POLICY_FILE = Path(__file__).parent / "data" / f"aws-load-balancer-controller-v{CHART_VERSION}-iam-policy.json"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"


def controller(
    name: str,
    cluster: eks.Cluster,
    region: str,
    vpc_id: pulumi.Input[str],
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
) -> k8s.helm.v3.Release:
    role = pod_identity_role(
        f"{name}-lbc", description="AWS Load Balancer Controller (EKS Pod Identity)", managed=(), parent=parent
    )
    policy = iam.RolePolicy(
        f"{name}-lbc", role=role.id, policy=POLICY_FILE.read_text(), opts=pulumi.ResourceOptions(parent=role)
    )
    association = eks.PodIdentityAssociation(
        f"{name}-lbc",
        cluster_name=cluster.name,
        namespace=NAMESPACE,
        service_account=SERVICE_ACCOUNT,
        role_arn=role.arn,
        opts=pulumi.ResourceOptions(parent=role),
    )
    return k8s.helm.v3.Release(
        f"{name}-lbc",
        name=SERVICE_ACCOUNT,
        chart=CHART,
        version=CHART_VERSION,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
        namespace=NAMESPACE,
        values={
            "clusterName": cluster.name,
            # Given rather than read from the instance metadata, which the nodes' hop limit of 1
            # keeps from pods (components/eks/nodes.py).
            "region": region,
            "vpcId": vpc_id,
            "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        },
        # Waits until the controller's Deployment (and so its admission webhook) is ready: the
        # Studio Ingresses and Services it mutates are created after (dependsOn) and deleted
        # before it, so it removes the ALBs it made while it still runs.
        skip_await=False,
        atomic=True,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[policy, association]),
    )
