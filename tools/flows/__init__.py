"""The NetworkPolicies judged from outside: `python -m tools.flows [CASE ...] [--nca PATH] [--out DIR]`.

Renders every case of the stack matrix, adds the peers that live outside the render (the ingress
controller, kube-dns, a Rasa Pro Job pod a consumer starts, assistant namespaces, an unrelated
namespace) as plain Pod manifests, and has network-config-analyzer
(github.com/IBM/network-config-analyzer) compute what the rendered files allow. It reads no
policy of the flow model: the expected side is `network_flows.flows(config)` plus DNS, the
actual side is what the analyzer finds in the manifests. Fails (exit 1) when

- a flow of the model is not allowed at its port (blocked);
- a connection touching a Studio pod is allowed that no flow names (unexpected), in particular
  a foreign pod reaching PostgreSQL, Kafka, Keycloak or object storage, or the web client or a
  Rasa Pro Job reaching PostgreSQL (forbidden probes, counted on their own);
- a NetworkPolicy or a rule of one selects no pod (the analyzer warns), a workload of ours has
  no connection but DNS (selected by no allow policy), or a rendered workload belongs to no pod
  group.

One job a module: `cases` (the stack matrix and its renders), `outside` (the peers outside the
render, from config), `groups` (the pod group of each rendered workload), `analyzer` (running
network-config-analyzer and reading its output), `verdict` (blocked, unexpected, forbidden,
selecting no pod, without allow policy) and `cli`. The pure parts are tested in the normal
suite; .ci/netpol installs the analyzer in its own virtualenv and runs this.
"""

from .analyzer import ALL, DEFAULT_NCA, Conn, allows, analyze, empty_policies, parse_connections, ranges, within
from .cases import CASES, Case, case_config, render
from .groups import WORKLOAD_KINDS, group_of, workloads
from .outside import FOREIGN_NAMESPACE, peer_manifests, peers
from .verdict import Verdict, expectations, forbidden, judge

# The tests probe the range arithmetic directly.
from .verdict import _covers as _covers

__all__ = [
    "ALL",
    "CASES",
    "DEFAULT_NCA",
    "FOREIGN_NAMESPACE",
    "WORKLOAD_KINDS",
    "Case",
    "Conn",
    "Verdict",
    "allows",
    "analyze",
    "case_config",
    "empty_policies",
    "expectations",
    "forbidden",
    "group_of",
    "judge",
    "parse_connections",
    "peer_manifests",
    "peers",
    "ranges",
    "render",
    "within",
    "workloads",
]
