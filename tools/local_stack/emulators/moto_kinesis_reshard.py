"""Kinesis resharding in moto as AWS documents it: the fixes `moto_main` applies.

moto 5 implements SplitShard, MergeShards and UpdateShardCount, but not as AWS behaves, in ways a
consumer that follows shard lineage (the mapping runner) depends on:
- a split or merge moved the parent's records into the children. AWS: "any data records that were
  in the parent shards before the reshard remain in those shards"; a closed parent keeps its records
  until they expire, and only new records go to the children. Here the parents keep theirs;
- records were routed to the first shard whose hash range held the key, open or closed (so after a
  split new records went on landing in the closed parent), and a range's EndingHashKey was excluded.
  Here only open shards take records, and both ends of a range are inclusive, as AWS states them;
- MergeShards accepted the adjacent shard only above the shard to merge (its check for the other
  side compared the wrong ends) and gave the child the first shard's start and the second's end,
  whichever was lower. Here either order merges into the union of the two ranges;
- GetRecords on a closed shard returned a NextShardIterator forever. AWS: "If set to null, the
  shard has been closed and the requested iterator does not return any more data." Here it is null
  once a closed shard has been read to its end;
- UpdateShardCount to more than double the open shards split each once and stopped short of the
  target without a word; AWS refuses a target above double or below half the current count, and so
  does this;
- a child's sequence numbers started again at 1, below its parents'. On AWS they keep increasing
  over time; here a child numbers its records after the highest of its parents.

A put and a reshard of the same stream take one lock, so a record is never added to a shard after it
closed (the server answers requests on several threads).
"""

from __future__ import annotations

import threading
from typing import Any

from moto.kinesis.exceptions import InvalidArgumentError
from moto.kinesis.models import KinesisBackend, Record, Shard, Stream
from moto.kinesis.utils import decompose_shard_iterator
from moto.utilities.utils import md5_hash

_lock = threading.RLock()  # puts, reshards and end-of-shard reads of every stream


def _sequence_floor(shard: Shard) -> int:
    """The number after which the shard's first record is numbered: its parents' highest, else 0."""
    floor: int = vars(shard).get("sequence_floor", 0)
    return floor


def _max_sequence_number(shard: Shard) -> int:
    """O(1) instead of moto's list(keys)[-1], which made each PutRecords O(records in shard)."""
    return next(reversed(shard.records)) if shard.records else _sequence_floor(shard)


def _put_into_shard(self: Shard, partition_key: str, data: str, explicit_hash_key: str) -> str:
    """moto's Shard.put_record, numbering an empty shard's first record after its sequence floor."""
    sequence_number = self.get_max_sequence_number() + 1
    self.records[sequence_number] = Record(partition_key, data, sequence_number, explicit_hash_key)
    return str(sequence_number)


def _shard_for_key(self: Stream, partition_key: str, explicit_hash_key: str) -> Shard | None:
    if not isinstance(partition_key, str) or len(partition_key) > 256:
        raise InvalidArgumentError("partition_key")
    if explicit_hash_key:
        key = int(explicit_hash_key)
        if key >= 2**128:
            raise InvalidArgumentError("explicit_hash_key")
    else:
        key = int(md5_hash(partition_key.encode("utf-8")).hexdigest(), 16)
    return next((s for s in list(self.shards.values()) if s.is_open and s.starting_hash <= key <= s.ending_hash), None)


def _next_shard_number(stream: Stream) -> int:
    return max(int(shard_id.rsplit("-", 1)[1]) for shard_id in stream.shards) + 1


def _add_child(stream: Stream, start: int, end: int, parents: list[Shard]) -> None:
    child = Shard(_next_shard_number(stream), start, end, parent=parents[0].shard_id,
                  adjacent_parent=parents[1].shard_id if len(parents) > 1 else None)
    vars(child)["sequence_floor"] = max(p.get_max_sequence_number() for p in parents)
    stream.shards[child.shard_id] = child


def _split_shard(self: Stream, shard_to_split: str, new_starting_hash_key: str) -> None:
    new_start = int(new_starting_hash_key)
    with _lock:
        shard = self.shards[shard_to_split]
        if not shard.starting_hash < new_start <= shard.ending_hash:
            raise InvalidArgumentError(
                message=f"NewStartingHashKey {new_start} used in SplitShard() on shard {shard_to_split} in stream "
                        f"{self.stream_name} is not both greater than the shard's StartingHashKey {shard.starting_hash} "
                        f"and at most its EndingHashKey {shard.ending_hash}.")
        if not shard.is_open:
            raise InvalidArgumentError(
                message=f"Shard {shard_to_split} in stream {self.stream_name} has already been merged or split, "
                        "and thus is not eligible for merging or splitting.")
        shard.is_open = False
        _add_child(self, shard.starting_hash, new_start - 1, [shard])
        _add_child(self, new_start, shard.ending_hash, [shard])


def _merge_shards(self: Stream, shard_to_merge: str, adjacent_shard_to_merge: str) -> None:
    with _lock:
        first, second = self.shards[shard_to_merge], self.shards[adjacent_shard_to_merge]
        low, high = sorted((first, second), key=lambda s: s.starting_hash)
        if low.ending_hash + 1 != high.starting_hash:
            raise InvalidArgumentError(adjacent_shard_to_merge)
        for shard in (first, second):
            if not shard.is_open:
                raise InvalidArgumentError(
                    message=f"Shard {shard.shard_id} in stream {self.stream_name} has already been merged or split, "
                            "and thus is not eligible for merging or splitting.")
        first.is_open = second.is_open = False
        _add_child(self, low.starting_hash, high.ending_hash, [first, second])


_put_record = Stream.put_record
_update_shard_count = Stream.update_shard_count
_get_records = KinesisBackend.get_records


def _put_record_locked(self: Stream, partition_key: str, explicit_hash_key: str, data: str) -> tuple[str, str]:
    with _lock:
        return _put_record(self, partition_key, explicit_hash_key, data)


def _update_shard_count_within_limits(self: Stream, target_shard_count: int) -> None:
    """UpdateShardCount within AWS's limits: at most double, at least half the open shards."""
    with _lock:
        current = sum(1 for s in self.shards.values() if s.is_open)
        if not current / 2 <= target_shard_count <= current * 2:
            raise InvalidArgumentError(
                message=f"UpdateShardCount of stream {self.stream_name} from {current} to {target_shard_count} shards: "
                        "the target must be between half and double the current count of open shards.")
        _update_shard_count(self, target_shard_count)


def _get_records_to_shard_end(self: KinesisBackend, stream_arn: str | None, shard_iterator: str,
                              limit: int | None) -> tuple[str | None, list[Record], int]:
    """GetRecords whose NextShardIterator is null once a closed shard has been read to its end."""
    with _lock:
        next_iterator, records, millis_behind_latest = _get_records(self, stream_arn, shard_iterator, limit)
        stream_name, shard_id, _ = decompose_shard_iterator(shard_iterator)
        shard = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name).get_shard(shard_id)
        position = int(decompose_shard_iterator(next_iterator)[2])
        if not shard.is_open and (not shard.records or position >= next(reversed(shard.records))):
            return None, records, millis_behind_latest
        return next_iterator, records, millis_behind_latest


def patch_kinesis_resharding() -> None:
    patches: dict[tuple[type, str], Any] = {
        (Shard, "get_max_sequence_number"): _max_sequence_number,
        (Shard, "put_record"): _put_into_shard,
        (Stream, "get_shard_for_key"): _shard_for_key,
        (Stream, "split_shard"): _split_shard,
        (Stream, "merge_shards"): _merge_shards,
        (Stream, "put_record"): _put_record_locked,
        (Stream, "update_shard_count"): _update_shard_count_within_limits,
        (KinesisBackend, "get_records"): _get_records_to_shard_end,
    }
    for (cls, name), function in patches.items():
        setattr(cls, name, function)
