"""EKS add-ons, with the CSI drivers' AWS access through EKS Pod Identity, and EFS for the
orchestrated model services' ReadWriteMany volume."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pulumi
from pulumi_aws import ec2, efs, eks

from config import StackConfig

from .iam import pod_identity_role
from .network import Network

# Before the nodes: without a CNI they never become Ready, and kube-proxy and the Pod Identity
# agent are DaemonSets that start with them (docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html).
BEFORE_NODES = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
# CoreDNS and the CSI controllers are Deployments: created once there are nodes to run them.
# ServiceAccounts the CSI add-ons' controllers run as (docs.aws.amazon.com/eks/latest/userguide/
# ebs-csi.html and efs-csi.html), which their Pod Identity associations name.
EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"
EFS_CSI_SERVICE_ACCOUNT = "efs-csi-controller-sa"
NFS_PORT = 2049


def addon(
    name: str,
    cluster: eks.Cluster,
    addon_name: str,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    pod_identity: eks.AddonPodIdentityAssociationArgs | None = None,
) -> eks.Addon:
    return eks.Addon(
        f"{name}-{addon_name}",
        cluster_name=cluster.name,
        addon_name=addon_name,
        # Unset version: the default for the cluster's Kubernetes version; OVERWRITE takes back what
        # was changed by hand on update, as the program does for its own objects.
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        pod_identity_associations=[pod_identity] if pod_identity else None,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )


def before_nodes(name: str, cluster: eks.Cluster, parent: pulumi.Resource) -> dict[str, eks.Addon]:
    return {a: addon(name, cluster, a, parent) for a in BEFORE_NODES}


def after_nodes(
    name: str, cluster: eks.Cluster, nodes: pulumi.Resource, agent: pulumi.Resource, parent: pulumi.Resource
) -> list[eks.Addon]:
    ebs_role = pod_identity_role(
        f"{name}-ebs-csi",
        description="EBS CSI driver controller (EKS Pod Identity)",
        managed=("service-role/AmazonEBSCSIDriverPolicy",),
        parent=parent,
    )
    return [
        addon(name, cluster, "coredns", parent, [nodes]),
        addon(
            name,
            cluster,
            "aws-ebs-csi-driver",
            parent,
            [nodes, agent],
            eks.AddonPodIdentityAssociationArgs(role_arn=ebs_role.arn, service_account=EBS_CSI_SERVICE_ACCOUNT),
        ),
    ]


def _nth(i: int, items: list[str]) -> str:
    return items[i]


class SharedFileSystem:
    """EFS across every zone's private subnet, reachable by the cluster's nodes only."""

    file_system: efs.FileSystem
    ready: list[pulumi.Resource]

    def __init__(
        self,
        name: str,
        config: StackConfig,
        cluster: eks.Cluster,
        net: Network,
        zones: int,
        node_security_group: pulumi.Input[str],
        after: list[pulumi.Resource],
        parent: pulumi.Resource,
    ) -> None:
        child = pulumi.ResourceOptions(parent=parent)
        security_group = ec2.SecurityGroup(
            f"{name}-efs",
            description="EFS for the orchestrated model services: NFS from the EKS nodes only",
            vpc_id=net.vpc_id,
            ingress=[
                ec2.SecurityGroupIngressArgs(
                    description="NFS from the EKS nodes",
                    protocol="tcp",
                    from_port=NFS_PORT,
                    to_port=NFS_PORT,
                    security_groups=[node_security_group],
                )
            ],
            opts=child,
        )
        # The trained models pass through it: protected with the data.
        self.file_system = efs.FileSystem(
            f"{name}-efs",
            encrypted=True,
            performance_mode="generalPurpose",
            throughput_mode="elastic",
            opts=pulumi.ResourceOptions(parent=parent, protect=config.protect_data),
        )
        targets = [
            efs.MountTarget(
                f"{name}-efs-{i}",
                file_system_id=self.file_system.id,
                subnet_id=pulumi.Output.from_input(net.private_subnet_ids).apply(functools.partial(_nth, i)),
                security_groups=[security_group.id],
                opts=pulumi.ResourceOptions(parent=self.file_system),
            )
            for i in range(zones)
        ]
        role = pod_identity_role(
            f"{name}-efs-csi",
            description="EFS CSI driver controller (EKS Pod Identity)",
            managed=("service-role/AmazonEFSCSIDriverPolicy",),
            parent=parent,
        )
        driver = addon(
            name,
            cluster,
            "aws-efs-csi-driver",
            parent,
            after,
            eks.AddonPodIdentityAssociationArgs(role_arn=role.arn, service_account=EFS_CSI_SERVICE_ACCOUNT),
        )
        self.ready = [driver, *targets]
