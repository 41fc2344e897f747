"""Which resources hold data that a delete or a replacement would lose (shared/design.md, principle 9)."""

from __future__ import annotations

from .model import Resource

_AWS = {
    "aws:rds/instance:Instance": "the database",
    "aws:msk/cluster:Cluster": "the Kafka brokers and their topics",
    # Locks expire in seconds, but a replacement drops every lock held and the endpoint the
    # assistant's pods were started with (assistant.lockStore.mode elasticache).
    "aws:elasticache/replicationGroup:ReplicationGroup": "the assistant's lock store and its endpoint",
    "aws:s3/bucket:Bucket": "the trained models",
    "aws:kms/key:Key": "the key that decrypts its data: once deleted, that data cannot be read",
    # Deleting it breaks Kafka logins, and AWS keeps a deleted secret's name for its recovery
    # window, so a later `up` cannot recreate it under the name MSK requires.
    "aws:secretsmanager/secret:Secret": "the MSK SCRAM credentials",
    # cluster.mode eks (components/eks/).
    "aws:eks/cluster:Cluster": "the cluster and everything in it: Studio's objects, volumes and Secrets",
    "aws:eks/nodeGroup:NodeGroup": "the nodes every pod runs on, until a replacement group is up",
    "aws:efs/fileSystem:FileSystem": "the orchestrated model services' shared volume",
}


def holds_data(r: Resource) -> str | None:
    """What is lost with `r`, or None when nothing is."""
    if not r.custom or r.patch:
        return None
    if r.type in _AWS:
        return _AWS[r.type]
    kind = r.kind
    if kind == "Namespace":
        return "every object in the namespace, volume claims included"
    if kind == "PersistentVolumeClaim":
        # A dynamically provisioned volume's reclaim policy is Delete unless its class says Retain.
        return "the volume bound to it"
    if kind == "StatefulSet":
        policy = (r.inputs.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
        # The default (Retain) leaves the claims of volumeClaimTemplates behind.
        if policy.get("whenDeleted") == "Delete":
            return "the volume claims of its volumeClaimTemplates"
    return None
