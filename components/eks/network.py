"""The VPC a created cluster runs in: made here across `cluster.zones`, or the one the stack file names."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

import pulumi
from pulumi_aws import ec2, get_availability_zones_output

from config import StackConfig

# Tags the AWS Load Balancer Controller discovers subnets by (docs/deploy/subnet_discovery.md of
# kubernetes-sigs/aws-load-balancer-controller): internet-facing ALBs in public, internal in private.
PUBLIC_ELB_TAG = "kubernetes.io/role/elb"
PRIVATE_ELB_TAG = "kubernetes.io/role/internal-elb"


@dataclass(frozen=True)
class Network:
    vpc_id: pulumi.Input[str]
    # One per availability zone: nodes, pods (vpc-cni gives them VPC addresses), RDS, MSK, EFS.
    private_subnet_ids: pulumi.Input[list[str]]
    # For internet-facing load balancers; empty when an existing VPC's are left to discovery.
    public_subnet_ids: pulumi.Input[list[str]]


def subnet_ranges(vpc_cidr: str, zones: int) -> tuple[list[str], list[str]]:
    """(private, public) ranges, one each per zone: private an eighth of the VPC (pods take
    addresses there), public a sixty-fourth carved from the last eighth (only load balancers and
    NAT gateways live there). Fixed by position, so adding a zone never moves an existing subnet."""
    eighths = list(ipaddress.IPv4Network(vpc_cidr).subnets(prefixlen_diff=3))
    public = list(eighths[-1].subnets(prefixlen_diff=3))
    return [str(n) for n in eighths[:zones]], [str(n) for n in public[:zones]]


def _nth(i: int, items: list[str]) -> str:
    return items[i]


def network(name: str, config: StackConfig, parent: pulumi.Resource) -> Network:
    aws = config.aws
    assert aws is not None  # config/stack.py requires aws.region with cluster.mode eks
    if aws.vpc_id:
        return Network(aws.vpc_id, list(aws.subnet_ids), list(config.cluster.public_subnet_ids))
    return _created(name, config, parent)


def _created(name: str, config: StackConfig, parent: pulumi.Resource) -> Network:
    cluster = config.cluster
    child = pulumi.ResourceOptions(parent=parent)
    private_ranges, public_ranges = subnet_ranges(cluster.vpc_cidr, cluster.zones)
    # Zones by name from the account: not every region has an "a", "b" and "c" (ap-northeast-1).
    zone_names = get_availability_zones_output(
        state="available",
        filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
        opts=pulumi.InvokeOptions(parent=parent),
    ).names
    vpc = ec2.Vpc(
        f"{name}-vpc",
        cidr_block=cluster.vpc_cidr,
        # EKS needs both for the private endpoint's DNS name and the nodes' registration.
        enable_dns_support=True,
        enable_dns_hostnames=True,
        tags={"Name": name},
        opts=child,
    )
    vpc_child = pulumi.ResourceOptions(parent=vpc)
    gateway = ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=vpc_child)
    public_routes = ec2.RouteTable(
        f"{name}-public",
        vpc_id=vpc.id,
        routes=[ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
        tags={"Name": f"{name}-public"},
        opts=vpc_child,
    )
    # One NAT gateway per zone in prod (a zone's outage leaves the others' egress); one elsewhere.
    nat_count = cluster.zones if config.environment == "prod" else 1
    public_ids: list[pulumi.Output[str]] = []
    private_ids: list[pulumi.Output[str]] = []
    nats: list[ec2.NatGateway] = []
    for i in range(cluster.zones):
        zone = zone_names.apply(functools.partial(_nth, i))
        public = ec2.Subnet(
            f"{name}-public-{i}",
            vpc_id=vpc.id,
            cidr_block=public_ranges[i],
            availability_zone=zone,
            # Load balancers and NAT gateways get their public addresses explicitly; nothing else here.
            map_public_ip_on_launch=False,
            tags={"Name": f"{name}-public-{i}", PUBLIC_ELB_TAG: "1"},
            opts=vpc_child,
        )
        ec2.RouteTableAssociation(
            f"{name}-public-{i}",
            subnet_id=public.id,
            route_table_id=public_routes.id,
            opts=pulumi.ResourceOptions(parent=public),
        )
        public_ids.append(public.id)
        if i < nat_count:
            address = ec2.Eip(f"{name}-nat-{i}", domain="vpc", tags={"Name": f"{name}-nat-{i}"}, opts=vpc_child)
            nats.append(
                ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=address.id,
                    subnet_id=public.id,
                    tags={"Name": f"{name}-nat-{i}"},
                    opts=pulumi.ResourceOptions(parent=vpc, depends_on=[gateway]),
                )
            )
        private = ec2.Subnet(
            f"{name}-private-{i}",
            vpc_id=vpc.id,
            cidr_block=private_ranges[i],
            availability_zone=zone,
            tags={"Name": f"{name}-private-{i}", PRIVATE_ELB_TAG: "1"},
            opts=vpc_child,
        )
        private_ids.append(private.id)
    for i, subnet_id in enumerate(private_ids):
        routes = ec2.RouteTable(
            f"{name}-private-{i}",
            vpc_id=vpc.id,
            routes=[ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nats[min(i, len(nats) - 1)].id)],
            tags={"Name": f"{name}-private-{i}"},
            opts=vpc_child,
        )
        ec2.RouteTableAssociation(
            f"{name}-private-{i}",
            subnet_id=subnet_id,
            route_table_id=routes.id,
            opts=pulumi.ResourceOptions(parent=routes),
        )
    return Network(vpc.id, pulumi.Output.all(*private_ids), pulumi.Output.all(*public_ids))
