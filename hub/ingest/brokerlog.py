"""Which broker log the store's offsets count positions in: the cluster's id.

The store keeps each partition's next offset, and the ingest seeks there on
every assignment. Those numbers mean something only in the log they were read
from. The embedded broker keeps its log in memory: restarted, every partition
starts again from 0, and a read past a partition's end answers nothing, not
an error. Sought to the old positions, the ingest would skip the new log's
first events and wait for offsets the new log may never reach, its lag
reading 0 all the while. So on every assignment the ingest asks the broker
for its cluster id (the embedded broker takes a new one each start; a Kafka
cluster keeps its own), and a store whose offsets came from another cluster
drops them (``IngestLedger.adopt_log``): the new log is read from its
beginning, events already applied count as duplicates, none is lost.

Not covered: a topic deleted and created again on the same Kafka cluster.
Kafka answers a read past the new partition's end with an error, and the
consumer then starts from the beginning (``auto_offset_reset``); but events
already published below the old position are not read.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiokafka.admin import AIOKafkaAdminClient

log = structlog.get_logger("hub.ingest")
ASK_SECONDS = 5.0  # an assignment waits this long at most for the broker's answer


async def cluster_id(bootstrap: str, timeout: float = ASK_SECONDS) -> str | None:
    """The id of the cluster at ``bootstrap``; ``None`` when it does not answer in time
    (the offsets are then used as they are, and checked again at the next assignment)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        found = (await asyncio.wait_for(admin.describe_cluster(), timeout)).get("cluster_id")
    except Exception as exc:  # unreachable or slow: the check is skipped this once
        log.debug("ingest.cluster_unknown", bootstrap=bootstrap, error=repr(exc))
        return None
    finally:
        with contextlib.suppress(Exception):  # a client that never started may fail to close
            await admin.close()
    return found or None
