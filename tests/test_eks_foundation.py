"""`cluster.mode: eks`: the cluster, nodes, add-ons and controller under Studio, in one graph."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.eks import nodes
from components.eks.load_balancer import CHART_VERSION, POLICY_FILE
from config.sizing import Capacity, Demand
from tests.harness import run_stack
from tools import program
from tools.program import ProgramRun

# The existing-cluster keys unset, as docs/eks.md tells; staging's VPC too, so the program makes one.
EXISTING_KEYS = ("kubernetes.context=null", "aws.oidcProviderArn=null", "aws.clientSecurityGroupIds=null")
CREATED_VPC = ("aws.vpcId=null", "aws.subnetIds=null")


# Staging opens the public endpoint to one range; prod leaves it off.
PUBLIC = "cluster.publicAccessCidrs=[203.0.113.0/24]"


def staging() -> ProgramRun:
    return run_stack("staging", "cluster.mode=eks", *EXISTING_KEYS, *CREATED_VPC, PUBLIC)


def prod() -> ProgramRun:
    return run_stack("prod", "cluster.mode=eks", *EXISTING_KEYS)


def one(run: ProgramRun, typ: str):
    (found,) = run.by_type(typ)
    return found


def test_existing_mode_creates_no_cluster() -> None:
    types = {r.type for r in run_stack("staging").registrations}
    assert not {t for t in types if t.startswith(("aws:eks/", "aws:ec2/vpc", "kubernetes:helm"))}


def test_the_cluster_is_private_encrypted_logged_and_api_authenticated() -> None:
    cluster = one(staging(), "aws:eks/cluster:Cluster").inputs
    vpc = cluster["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert cluster["accessConfig"]["authenticationMode"] == "API"
    assert cluster["encryptionConfig"]["resources"] == ["secrets"]
    assert set(cluster["enabledClusterLogTypes"]) == {"api", "audit", "authenticator", "controllerManager", "scheduler"}
    # The public endpoint only for the given ranges, and off without any.
    assert (vpc["endpointPublicAccess"], vpc["publicAccessCidrs"]) == (True, ["203.0.113.0/24"])
    prod_vpc = one(prod(), "aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert prod_vpc["endpointPublicAccess"] is False and "publicAccessCidrs" not in prod_vpc


def test_a_created_vpc_spans_three_zones_with_elb_tags() -> None:
    subnets = staging().by_type("aws:ec2/subnet:Subnet")
    public = [s for s in subnets if "kubernetes.io/role/elb" in s.inputs["tags"]]
    private = [s for s in subnets if "kubernetes.io/role/internal-elb" in s.inputs["tags"]]
    assert len(public) == len(private) == 3
    assert len({s.inputs["availabilityZone"] for s in private}) == 3


def test_nodes_follow_the_capacity_output_and_node_size() -> None:
    run = staging()
    group = one(run, "aws:eks/nodeGroup:NodeGroup").inputs
    capacity = run.outputs["capacity"]
    assert group["scalingConfig"]["desiredSize"] == capacity["nodes"] + 1  # cluster.nodes.spare
    # nodeSize 4 CPUs / 16Gi allocatable: an m7i.xlarge keeps some for the kubelet, so the next size.
    assert group["instanceTypes"] == ["m7i.2xlarge"]
    template = one(run, "aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    (disk,) = template["blockDeviceMappings"]
    assert (disk["ebs"]["volumeType"], disk["ebs"]["encrypted"]) == ("gp3", "true")


def test_add_ons_with_pod_identity_and_efs_for_the_orchestrated_services() -> None:
    addons = {a.inputs["addonName"]: a for a in staging().by_type("aws:eks/addon:Addon")}
    assert set(addons) == {
        "vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver"
    }  # fmt: skip
    for driver, account in (
        ("aws-ebs-csi-driver", "ebs-csi-controller-sa"),
        ("aws-efs-csi-driver", "efs-csi-controller-sa"),
    ):
        (association,) = addons[driver].inputs["podIdentityAssociations"]
        assert association["serviceAccount"] == account
    classes = {
        c.inputs["metadata"]["name"]: c.inputs for c in staging().by_type("kubernetes:storage.k8s.io/v1:StorageClass")
    }
    assert classes["gp3"]["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert classes["efs-sc"]["provisioner"] == "efs.csi.aws.com"


def test_the_shared_file_system_is_protected_data_in_prod() -> None:
    # Prod runs the orchestrated model services (Studio 1.7.0): their shared volume is on EFS.
    assert one(prod(), "aws:efs/fileSystem:FileSystem").protect
    assert not one(staging(), "aws:efs/fileSystem:FileSystem").protect or staging_protects()


def staging_protects() -> bool:
    return bool(run_stack("staging").by_type("aws:rds/instance:Instance")[0].protect)


def test_the_controller_is_pinned_and_studio_waits_for_it() -> None:
    run = staging()
    release = one(run, "kubernetes:helm.sh/v3:Release")
    assert release.inputs["version"] == CHART_VERSION
    assert release.inputs["values"]["serviceAccount"]["name"] == "aws-load-balancer-controller"
    namespace = one(run, "kubernetes:core/v1:Namespace")
    # Created after the controller and the storage classes, deleted before them.
    assert release.urn in namespace.depends_on
    for storage_class in run.by_type("kubernetes:storage.k8s.io/v1:StorageClass"):
        assert storage_class.urn in namespace.depends_on
    for ingress in run.by_type("kubernetes:networking.k8s.io/v1:Ingress"):
        assert namespace.urn in ingress.depends_on
    # And the controller after the nodes and add-ons: the provider's kubeconfig waits for them.
    (provider,) = [r for r in run.registrations if r.type == "pulumi:providers:kubernetes"]
    group = one(run, "aws:eks/nodeGroup:NodeGroup")
    assert group.urn in provider.property_dependencies["kubeconfig"]


def test_the_provider_authenticates_with_aws_eks_get_token() -> None:
    (provider,) = [r for r in staging().registrations if r.type == "pulumi:providers:kubernetes"]
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    (user,) = kubeconfig["users"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"][:2] == ["eks", "get-token"]
    assert "token" not in user["user"]


def test_managed_services_trust_and_admit_the_created_cluster() -> None:
    run = staging()
    cluster_sg = one(run, "aws:eks/cluster:Cluster").state["vpcConfig"]["clusterSecurityGroupId"]
    oidc = one(run, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").state["arn"]
    groups = {g.name: g.inputs for g in run.by_type("aws:ec2/securityGroup:SecurityGroup")}
    for name in ("rasa-studio-backing-postgresql-security-group", "rasa-studio-backing-kafka-security-group"):
        assert groups[name]["ingress"][0]["securityGroups"] == [cluster_sg]
    role = next(r for r in run.by_type("aws:iam/role:Role") if r.name == "rasa-studio-backing-object-storage-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Federated": oidc}


def test_prod_protects_cluster_nodes_and_key() -> None:
    run = prod()
    assert one(run, "aws:eks/cluster:Cluster").protect
    assert one(run, "aws:eks/nodeGroup:NodeGroup").protect
    key = next(k for k in run.by_type("aws:kms/key:Key") if k.name == "cluster-secrets-key")
    assert key.protect and key.retain_on_delete
    # Prod's stack file gives its VPC: none is created.
    assert not run.by_type("aws:ec2/vpc:Vpc")


@pytest.mark.parametrize(
    "key", ["kubernetes.context", "aws.oidcProviderArn", "aws.clientSecurityGroupIds"]
)  # fmt: skip
def test_existing_cluster_keys_are_refused_with_eks(key: str) -> None:
    given = [s for s in EXISTING_KEYS if not s.startswith(key)]
    plain = dict(run_stack_plain("staging", "cluster.mode=eks", *given))
    config, problems = program.check("staging", plain)
    assert config is None
    assert any(p.startswith(f"rasa-studio:{key}: describes an existing cluster") for p in problems), problems


def test_created_cluster_keys_are_refused_without_eks() -> None:
    config, problems = program.check("staging", dict(run_stack_plain("staging", "cluster.zones=2")))
    assert config is None
    assert any("rasa-studio:cluster.zones: describes a created cluster" in p for p in problems), problems


def run_stack_plain(stack: str, *sets: str) -> dict[str, object]:
    from tests.harness import stack_input

    return stack_input(stack, *sets).plain


def test_the_policy_is_upstream_json_naming_its_release() -> None:
    assert f"v{CHART_VERSION}" in POLICY_FILE.name
    policy = json.loads(POLICY_FILE.read_text())
    assert policy["Version"] == "2012-10-17" and policy["Statement"]


DEMANDS = st.builds(
    Demand,
    st.integers(min_value=100, max_value=60_000),
    st.integers(min_value=256 * nodes.MI, max_value=200 * 1024 * nodes.MI),
)


@given(node=DEMANDS, family=st.sampled_from(["m7i", "m6i", "r7i", "c7i"]))
def test_the_instance_is_the_smallest_whose_allocatable_fits(node: Demand, family: str) -> None:
    types = nodes.instance_types(family)  # type: ignore[arg-type]
    try:
        chosen = nodes.instance_type_for(node, family)  # type: ignore[arg-type]
    except ValueError:
        assert not any(t.allocatable.cpu >= node.cpu and t.allocatable.memory >= node.memory for t in types)
        return
    assert chosen.allocatable.cpu >= node.cpu and chosen.allocatable.memory >= node.memory
    smaller = types[: types.index(chosen)]
    assert all(t.allocatable.cpu < node.cpu or t.allocatable.memory < node.memory for t in smaller)
    # Allocatable is always less than the machine: the kubelet's reservation is never free.
    assert chosen.allocatable.cpu < chosen.vcpus * 1000 and chosen.allocatable.memory < chosen.memory_gib * 1024**3


@given(needed=st.integers(min_value=1, max_value=50), spare=st.integers(min_value=0, max_value=10))
def test_node_count_covers_the_capacity_output(needed: int, spare: int) -> None:
    capacity = Capacity(pods=1, requests=Demand(), limits=Demand(), node=Demand(1, 1), nodes=needed)
    count = nodes.node_count(capacity, spare)
    assert count.minimum == count.desired == needed + spare
    assert count.maximum >= count.desired + 1


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_policy_pack_passes_the_created_cluster(stack: str) -> None:
    from config import validate
    from policy.rules import RuleContext, StackResource, check_stack
    from tests.harness import stack_input

    sets = ("cluster.mode=eks", *EXISTING_KEYS, *((*CREATED_VPC, PUBLIC) if stack == "staging" else ()))
    run = run_stack(stack, *sets)
    config, problems = validate(stack_input(stack, *sets).plain)
    assert config is not None, problems
    resources = [
        StackResource(r.type, r.inputs, r.urn, r.name, r.protect, tuple(r.depends_on))
        for r in run.registrations
        if r.custom
    ]
    assert {r.type for r in resources} >= {"aws:eks/cluster:Cluster", "aws:ec2/launchTemplate:LaunchTemplate"}
    assert check_stack(resources, RuleContext.from_config(config)) == {}


def test_naming_the_default_mode_changes_nothing() -> None:
    from tools import plan

    p = plan.diff(run_stack("prod"), run_stack("prod", "cluster.mode=existing"))
    assert p.changed() == [], p.table()


def test_a_kubeconfig_secret_is_refused_with_eks() -> None:
    from config.errors import ConfigError
    from tests.harness import SECRETS, run_config, stack_input

    plain = stack_input("staging", "cluster.mode=eks", *EXISTING_KEYS).plain
    with pytest.raises(ConfigError) as refused:
        run_config("staging", plain, {**SECRETS, "kubeconfig": "apiVersion: v1"})
    assert any(p.startswith("rasa-studio:kubeconfig: describes an existing cluster") for p in refused.value.problems)
