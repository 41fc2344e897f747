"""How much each partition of the in-cluster brokers may keep, so the data volume never fills.

Kafka's own defaults keep a week of data (log.retention.hours=168) with no size limit
(log.retention.bytes=-1): a busy assistant can fill a broker's volume within that week, and a
full volume stops the broker. Retention by size is per partition and deletes whole closed
segments, so a partition holds up to its retention bytes plus the segment waiting for deletion
plus the active one. The bound: partitions per broker x (retention + 2 segments) stays within
the share of the volume set aside for topic data; the rest holds the compacted
__consumer_offsets, the KRaft metadata log and its snapshots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Share of the volume the topics' partitions may fill.
DATA_SHARE = 0.8
# A week, Kafka's default, kept explicit so it cannot change under a Kafka upgrade.
RETENTION_HOURS = 168
MIB = 2**20
# Kafka's default segment (1 GiB) is far too coarse for a small volume; below 1 MiB every roll
# costs more in index files than it frees.
MIN_SEGMENT = MIB
MAX_SEGMENT = 1024 * MIB
# Below this a partition could keep only a handful of events: the volume is too small for the
# partitions it holds.
MIN_PARTITION_BUDGET = 16 * MIB


@dataclass(frozen=True)
class Retention:
    retention_bytes: int
    segment_bytes: int
    partitions_per_broker: int

    def worst_case_bytes(self) -> int:
        """What the partitions of one broker can hold at most (retention plus two segments each)."""
        return self.partitions_per_broker * (self.retention_bytes + 2 * self.segment_bytes)

    def properties(self) -> dict[str, str]:
        return {
            "log.retention.hours": str(RETENTION_HOURS),
            "log.retention.bytes": str(self.retention_bytes),
            "log.segment.bytes": str(self.segment_bytes),
        }


def partitions_per_broker(topics: int, partitions: int, replication_factor: int, brokers: int) -> int:
    """Replicas of the topics' partitions one broker holds at most (spread evenly by Kafka)."""
    return max(1, math.ceil(topics * partitions * min(replication_factor, brokers) / brokers))


def retention(storage_bytes: int, per_broker: int) -> Retention:
    """Per-partition retention and segment size for a volume of `storage_bytes`; ValueError if it cannot fit."""
    budget = int(storage_bytes * DATA_SHARE) // per_broker
    if budget < MIN_PARTITION_BUDGET:
        raise ValueError(
            f"{per_broker} partitions per broker leave {budget // MIB} MiB each of the volume; "
            f"every partition needs at least {MIN_PARTITION_BUDGET // MIB} MiB"
        )
    segment = min(MAX_SEGMENT, max(MIN_SEGMENT, budget // 8))
    return Retention(budget - 2 * segment, segment, per_broker)
