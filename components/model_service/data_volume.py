"""DataVolume: the PersistentVolumeClaim a model service keeps its working data on."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.core import v1 as core

from config.kubernetes import StorageClasses

from ..context import Context
from ..labels import ComponentName


def access_mode(shared: bool, read_write_many: str | None) -> tuple[str, str | None]:
    """(access mode, storage class) of a data volume.

    A volume `shared` between the consumers and the Jobs they start needs ReadWriteMany, since
    the Jobs may land on other nodes. Without a `kubernetes.storageClasses.readWriteMany` class
    it falls back to ReadWriteOnce: fine on a one-node dev cluster, but a Job scheduled on
    another node then cannot mount it and stays Pending (see docs/components.md, "Model services").
    """
    if shared and read_write_many is not None:
        return "ReadWriteMany", read_write_many
    return "ReadWriteOnce", None


def claim_storage(shared: bool, classes: StorageClasses) -> tuple[str, str | None, str]:
    """(access mode, storage class, the config key that picks the class) of a data volume."""
    mode, storage_class = access_mode(shared, classes.read_write_many)
    if mode == "ReadWriteMany":
        return mode, storage_class, "kubernetes.storageClasses.readWriteMany"
    return mode, classes.read_write_once, "kubernetes.storageClasses.readWriteOnce"


class DataVolume(pulumi.ComponentResource):
    claim: core.PersistentVolumeClaim

    def __init__(
        self,
        name: str,
        ctx: Context,
        claim_name: str,
        component: ComponentName,
        *,
        shared: bool,
        protect: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:DataVolume", name, None, opts)
        mode, storage_class, _ = claim_storage(shared, ctx.config.kubernetes.storage_classes)
        # Identity depends on the namespace only: replicas, versions and images never replace it.
        self.claim = core.PersistentVolumeClaim(
            f"{name}-claim",
            metadata=ctx.metadata(claim_name, component),
            spec=core.PersistentVolumeClaimSpecArgs(
                access_modes=[mode],
                storage_class_name=storage_class,
                volume_mode="Filesystem",
                resources=core.VolumeResourceRequirementsArgs(
                    requests={"storage": ctx.config.model_service.storage_size}
                ),
            ),
            # Retained in every stack: Pulumi never deletes the data when it lets go of the claim
            # (an architecture switch, a renamed namespace, `pulumi destroy`), and a destroy never
            # waits on a claim a running Rasa Pro Job still uses (the Jobs are not Pulumi's).
            opts=pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=True),
        )
        self.name = self.claim.metadata.name
        self.register_outputs({"name": self.name})
