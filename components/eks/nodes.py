"""The managed node group: the smallest instance of the chosen family whose allocatable fits
`modelService.nodeSize`, as many as the capacity output counts (plus spares)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_aws import ec2, eks, iam

from config import StackConfig
from config.cluster import NodeFamily
from config.sizing import Capacity, Demand

from .iam import service_role

# Sizes per family as (suffix, vCPUs, GiB, max pods with vpc-cni's default secondary IPs per ENI):
# docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (m7i, m6i), mo.html (r7i), co.html (c7i);
# max pods from awslabs/amazon-eks-ami templates/shared/runtime/eni-max-pods.txt.
_SIZES = (
    ("large", 2, 29),
    ("xlarge", 4, 58),
    ("2xlarge", 8, 58),
    ("4xlarge", 16, 234),
    ("8xlarge", 32, 234),
    ("12xlarge", 48, 234),
    ("16xlarge", 64, 737),
)
_GIB_PER_VCPU: dict[NodeFamily, int] = {"m7i": 4, "m6i": 4, "r7i": 8, "c7i": 2}
MI = 1024**2


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpus: int
    memory_gib: int
    max_pods: int

    @property
    def allocatable(self) -> Demand:
        """What the scheduler may place on a node: capacity less what the EKS AMI reserves for the
        kubelet and the system (awslabs/amazon-eks-ami nodeadm, internal/kubelet/config.go:
        CPU 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above four;
        memory 255 MiB + 11 MiB per pod) and its hard eviction threshold (100 MiB)."""
        millis = self.vcpus * 1000
        reserved_cpu = (
            60 + (10 if self.vcpus > 1 else 0) + 5 * max(0, min(self.vcpus, 4) - 2) + 2.5 * max(0, self.vcpus - 4)
        )
        reserved_memory = (255 + 11 * self.max_pods + 100) * MI
        return Demand(int(millis - reserved_cpu), self.memory_gib * 1024 * MI - reserved_memory)


def instance_types(family: NodeFamily) -> list[InstanceType]:
    return [InstanceType(f"{family}.{size}", cpus, cpus * _GIB_PER_VCPU[family], pods) for size, cpus, pods in _SIZES]


def instance_type_for(node: Demand, family: NodeFamily) -> InstanceType:
    """The smallest instance of `family` whose allocatable holds `modelService.nodeSize`."""
    for candidate in instance_types(family):
        fits = candidate.allocatable
        if fits.cpu >= node.cpu and fits.memory >= node.memory:
            return candidate
    raise ValueError(f"no {family} instance offers {node.as_dict()} allocatable")


@dataclass(frozen=True)
class NodeCount:
    minimum: int
    desired: int
    maximum: int


def node_count(capacity: Capacity, spare: int) -> NodeCount:
    """The capacity output's nodes plus spares; the maximum leaves room for a rolling node update
    (managed node groups launch replacements before draining: docs.aws.amazon.com/eks/latest/
    userguide/managed-node-update-behavior.html)."""
    desired = capacity.nodes + spare
    return NodeCount(minimum=desired, desired=desired, maximum=desired * 2)


def launch_template(name: str, config: StackConfig, parent: pulumi.Resource) -> ec2.LaunchTemplate:
    nodes = config.cluster.nodes
    return ec2.LaunchTemplate(
        f"{name}-nodes",
        # IMDSv2 only (EKS best practices, security: "Restrict access to the instance profile
        # assigned to the worker node"); hop limit 1 keeps pods that are not on the host network
        # from the node role's credentials, 2 would let them reach it (docs/eks.md).
        metadata_options=ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="required",
            http_put_response_hop_limit=nodes.metadata_hop_limit,
        ),
        block_device_mappings=[
            ec2.LaunchTemplateBlockDeviceMappingArgs(
                # AL2023's root device.
                device_name="/dev/xvda",
                ebs=ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=nodes.root_volume_gib, volume_type="gp3", encrypted="true", delete_on_termination="true"
                ),
            )
        ],
        update_default_version=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def node_role(name: str, parent: pulumi.Resource) -> iam.Role:
    # docs.aws.amazon.com/eks/latest/userguide/create-node-role.html; the CNI's policy on the node
    # role, where the vpc-cni add-on looks for it by default.
    return service_role(
        f"{name}-node",
        description="EKS managed node group nodes",
        service="ec2.amazonaws.com",
        managed=("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"),
        parent=parent,
    )


def node_group(
    name: str,
    config: StackConfig,
    cluster: eks.Cluster,
    role: iam.Role,
    subnet_ids: pulumi.Input[list[str]],
    capacity: Capacity,
    depends_on: list[pulumi.Resource],
    parent: pulumi.Resource,
) -> eks.NodeGroup:
    nodes = config.cluster.nodes
    instance = instance_type_for(capacity.node, nodes.family)
    count = node_count(capacity, nodes.spare)
    template = launch_template(name, config, parent)
    return eks.NodeGroup(
        f"{name}-nodes",
        cluster_name=cluster.name,
        node_role_arn=role.arn,
        subnet_ids=subnet_ids,
        instance_types=[instance.name],
        ami_type="AL2023_x86_64_STANDARD",
        capacity_type="ON_DEMAND",
        scaling_config=eks.NodeGroupScalingConfigArgs(
            min_size=count.minimum, desired_size=count.desired, max_size=count.maximum
        ),
        update_config=eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        launch_template=eks.NodeGroupLaunchTemplateArgs(id=template.id, version=template.latest_version.apply(str)),
        # The cluster's nodes: protected with the data, since Studio's volumes and pods live on them.
        opts=pulumi.ResourceOptions(parent=parent, protect=config.protect_data, depends_on=depends_on),
    )
