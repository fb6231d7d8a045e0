"""moto server for the local stack: moto's own Kinesis/SNS -> Lambda delivery switched off.

moto tries to run a mapped function for every record put on a stream, and for
every SNS message to a lambda subscriber, in Docker. Here there is no Docker,
so each attempt fails after ~6 ms per record (10,000 records: a minute of
PutRecords), and where Docker exists it would deliver every record a second
time beside the mapping runner. The runner is the one delivery path, so
moto's is disabled; every API moto serves is unchanged.
"""

from __future__ import annotations

import sys

from moto.awslambda.models import LambdaBackend
from moto.kinesis.models import Shard
from moto.server import main


def _no_delivery(self: LambdaBackend, *args: object, **kwargs: object) -> None:
    return None


def _max_sequence_number(self: Shard) -> int:
    """O(1) instead of moto's list(keys)[-1], which made each PutRecords O(records in shard)."""
    return next(reversed(self.records)) if self.records else 0


LambdaBackend.send_kinesis_message = _no_delivery
LambdaBackend.send_sns_message = _no_delivery
Shard.get_max_sequence_number = _max_sequence_number

if __name__ == "__main__":
    main(sys.argv[1:])
