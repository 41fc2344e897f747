"""The EKS control plane: API authentication through access entries, Secrets under a KMS key,
every log type, the private endpoint, and the kubeconfig the Kubernetes provider reads."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
from pulumi_aws import cloudwatch, eks, iam, kms

from config import StackConfig

from .iam import service_role
from .network import Network

# docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html: all five types.
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def kubeconfig(cluster_name: str, region: str, endpoint: str, certificate: str) -> str:
    """A kubeconfig whose credential is `aws eks get-token` run at each connection: nothing static
    to leak or expire, and the caller's own IAM identity decides what it may do (access entries)."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
            "interactiveMode": "Never",
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": certificate}}
            ],
            "users": [{"name": cluster_name, "user": user}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
        },
        sort_keys=True,
    )


def _issuer(identities: Sequence[eks.outputs.ClusterIdentity]) -> str:
    oidcs = identities[0].oidcs
    assert oidcs and oidcs[0].issuer, "EKS gives every cluster an OIDC issuer"
    return oidcs[0].issuer


def _cluster_security_group(vpc: eks.outputs.ClusterVpcConfig) -> str:
    assert vpc.cluster_security_group_id, "EKS creates the cluster security group with the cluster"
    return vpc.cluster_security_group_id


class ControlPlane:
    cluster: eks.Cluster
    key: kms.Key
    oidc_provider: iam.OpenIdConnectProvider
    kubeconfig: pulumi.Output[str]
    # The security group EKS creates for the cluster and puts on managed nodes too: what RDS,
    # MSK and EFS admit.
    security_group_id: pulumi.Output[str]
    access: list[pulumi.Resource]

    def __init__(
        self, name: str, cluster_name: str, config: StackConfig, net: Network, parent: pulumi.Resource
    ) -> None:
        cfg = config.cluster
        assert config.aws is not None
        protect = config.protect_data
        child = pulumi.ResourceOptions(parent=parent)
        role = service_role(
            f"{name}-cluster",
            description="EKS control plane",
            service="eks.amazonaws.com",
            managed=("AmazonEKSClusterPolicy",),
            parent=parent,
        )
        # Protected and retained as the data keys are: Secrets written under it stay readable
        # only while it exists (components/backing/aws_common.py customer_key).
        self.key = kms.Key(
            f"{name}-secrets-key",
            description=f"{cluster_name}: Kubernetes Secrets envelope encryption",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=True),
        )
        # EKS writes to this group; made here so that it has a retention instead of never expiring.
        logs = cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/eks/{cluster_name}/cluster",
            retention_in_days=90,
            opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=protect),
        )
        self.cluster = eks.Cluster(
            f"{name}-cluster",
            name=cluster_name,
            version=cfg.version,
            role_arn=role.arn,
            vpc_config=eks.ClusterVpcConfigArgs(
                subnet_ids=net.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=bool(cfg.public_access_cidrs),
                public_access_cidrs=list(cfg.public_access_cidrs) or None,
            ),
            # Access entries only, no aws-auth ConfigMap (docs.aws.amazon.com/eks/latest/userguide/
            # access-entries.html). The identity running `pulumi up` gets admin through the creator
            # entry: the program's own Kubernetes provider connects as it.
            access_config=eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=True
            ),
            encryption_config=eks.ClusterEncryptionConfigArgs(
                resources=["secrets"], provider=eks.ClusterEncryptionConfigProviderArgs(key_arn=self.key.arn)
            ),
            enabled_cluster_log_types=LOG_TYPES,
            # vpc-cni, kube-proxy and CoreDNS come as EKS add-ons (components/eks/addons.py),
            # versioned and updated by this program rather than left as installed.
            bootstrap_self_managed_addons=False,
            opts=pulumi.ResourceOptions(parent=parent, protect=protect, depends_on=[logs]),
        )
        # Managed node groups get their node role's access entry from EKS itself (type EC2_LINUX,
        # docs.aws.amazon.com/eks/latest/userguide/access-entries.html): creating it here too
        # would fail as a duplicate.
        self.access = []
        for i, principal in enumerate(cfg.admins):
            entry = eks.AccessEntry(
                f"{name}-admin-{i}",
                cluster_name=self.cluster.name,
                principal_arn=principal,
                type="STANDARD",
                opts=pulumi.ResourceOptions(parent=self.cluster),
            )
            self.access.append(
                eks.AccessPolicyAssociation(
                    f"{name}-admin-{i}",
                    cluster_name=self.cluster.name,
                    principal_arn=entry.principal_arn,
                    policy_arn=ADMIN_POLICY,
                    access_scope=eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                    opts=pulumi.ResourceOptions(parent=entry),
                )
            )
        issuer = self.cluster.identities.apply(_issuer)
        # IRSA for Studio's model services: Rasa's images are not known to ship an AWS SDK new
        # enough for Pod Identity (docs/eks.md, "Pod Identity or IRSA").
        self.oidc_provider = iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], opts=child
        )
        self.security_group_id = self.cluster.vpc_config.apply(_cluster_security_group)
        region = config.aws.region
        # No credential inside (the exec plugin fetches one), so not a secret.
        self.kubeconfig = pulumi.Output.all(
            self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority.data
        ).apply(lambda a: kubeconfig(a[0], region, a[1], a[2]))
