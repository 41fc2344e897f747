"""`cluster.mode: eks`: the VPC, EKS cluster, nodes, add-ons, storage and load balancer
controller Studio needs, created in the same `pulumi up` from raw pulumi-aws resources.

Imported only in that mode: dev stacks never load pulumi_aws. What it builds ends in a
Foundation (components/foundation.py), the same seam a stack file's existing cluster goes
through, so Studio and its backing services do not know which they got.

Teardown runs the graph backwards: Studio's objects (the namespace depends on the controller
and the storage classes) go first, then the controller (which removes its load balancers while
it still runs), the add-ons, the nodes, and the cluster last (docs/eks.md, "Tearing down").
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from config import StackConfig
from config.sizing import Capacity

from ..foundation import AwsFoundation, ClusterAccess, Foundation
from ..names import eks_cluster_name as cluster_name
from ..providers import kubernetes_provider
from . import addons, load_balancer, nodes
from .cluster import ControlPlane
from .network import network
from .storage import storage_classes


class EksFoundation(pulumi.ComponentResource):
    control_plane: ControlPlane
    node_group: pulumi.Resource
    kubernetes: k8s.Provider
    controller: k8s.helm.v3.Release
    foundation: Foundation

    def __init__(
        self, name: str, config: StackConfig, instance: str, capacity: Capacity, opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__("rasa-studio:eks:EksFoundation", name, None, opts)
        aws = config.aws
        assert aws is not None  # config/stack.py requires aws.region with cluster.mode eks
        net = network(name, config, self)
        self.control_plane = plane = ControlPlane(name, cluster_name(instance), config, net, self)
        early = addons.before_nodes(name, plane.cluster, self)
        self.node_group = nodes.node_group(
            name,
            config,
            plane.cluster,
            nodes.node_role(name, self),
            net.private_subnet_ids,
            capacity,
            [*early.values(), *plane.access],
            self,
        )
        agent = early["eks-pod-identity-agent"]
        late = addons.after_nodes(name, plane.cluster, self.node_group, agent, self)
        shared = None
        if config.model_service.architecture == "orchestrated":
            shared = addons.SharedFileSystem(
                name,
                config,
                plane.cluster,
                net,
                config.zone_count,
                plane.security_group_id,
                [self.node_group, agent],
                self,
            )
        cluster_ready = [self.node_group, *early.values(), *late, *(shared.ready if shared else [])]
        # The provider's kubeconfig waits for the nodes and add-ons: every Kubernetes object
        # (this component's and Studio's) is created on a cluster that can run it, and deleted
        # before any of them.
        access = ClusterAccess(
            kubeconfig=pulumi.Output.all(plane.kubeconfig, *(r.urn for r in cluster_ready)).apply(lambda a: a[0])
        )
        self.kubernetes = kubernetes_provider(config, access, parent=self)
        classes = storage_classes(config, shared.file_system.id if shared else None, self, self.kubernetes)
        self.controller = load_balancer.controller(name, plane.cluster, aws.region, net.vpc_id, self, self.kubernetes)
        self.foundation = Foundation(
            cluster=access,
            aws=AwsFoundation(
                region=aws.region,
                vpc_id=net.vpc_id,
                subnet_ids=net.private_subnet_ids,
                zone_count=config.zone_count,
                # Managed nodes carry the cluster security group EKS creates.
                client_security_group_ids=pulumi.Output.all(plane.security_group_id),
                oidc_provider_arn=plane.oidc_provider.arn,
                oidc_issuer=plane.oidc_provider.arn.apply(lambda arn: arn.split(":oidc-provider/", 1)[1]),
                tags=dict(aws.tags),
            ),
            ready=[self.controller, *classes],
        )
        self.register_outputs({"clusterName": plane.cluster.name, "kubeconfig": plane.kubeconfig})
