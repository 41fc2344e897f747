"""StorageClasses for the created cluster: encrypted gp3 as the default, EFS when a
ReadWriteMany volume is needed; named as `kubernetes.storageClasses` names them."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.meta import v1 as meta
from pulumi_kubernetes.storage import v1 as storage

from config import StackConfig

GP3 = "gp3"
EFS = "efs"


def storage_classes(
    config: StackConfig,
    file_system_id: pulumi.Input[str] | None,
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
) -> list[storage.StorageClass]:
    names = config.kubernetes.storage_classes
    # Retain where the data is protected: a deleted claim then leaves its volume (docs/operations.md).
    reclaim = "Retain" if config.protect_data else "Delete"
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    classes = [
        storage.StorageClass(
            "gp3",
            metadata=meta.ObjectMetaArgs(
                name=names.read_write_once or GP3,
                annotations={"storageclass.kubernetes.io/is-default-class": "true"},
            ),
            # docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html; parameters of the driver's
            # docs/parameters.md.
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"},
            reclaim_policy=reclaim,
            # Bound where the pod is scheduled: an EBS volume lives in one zone.
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            opts=opts,
        )
    ]
    if file_system_id is not None:
        classes.append(
            storage.StorageClass(
                "efs",
                metadata=meta.ObjectMetaArgs(name=names.read_write_many or EFS),
                # Dynamic provisioning with one access point per volume (docs.aws.amazon.com/eks/
                # latest/userguide/efs-csi.html).
                provisioner="efs.csi.aws.com",
                parameters={"provisioningMode": "efs-ap", "fileSystemId": file_system_id, "directoryPerms": "700"},
                reclaim_policy=reclaim,
                opts=opts,
            )
        )
    return classes
