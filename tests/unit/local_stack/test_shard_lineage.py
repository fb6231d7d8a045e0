"""Which shards may start after a split, a merge or an UpdateShardCount: parents are finished first."""

from __future__ import annotations

from typing import Any

from local_stack.esm.shard_lineage import ShardLineage


def shard(shard_id: str, parent: str | None = None, adjacent: str | None = None) -> dict[str, Any]:
    listed: dict[str, Any] = {"ShardId": shard_id, "HashKeyRange": {}, "SequenceNumberRange": {}}
    if parent:
        listed["ParentShardId"] = parent
    if adjacent:
        listed["AdjacentParentShardId"] = adjacent
    return listed


def start_all(lineage: ShardLineage) -> list[str]:
    ready = lineage.startable()
    for shard_id in ready:
        lineage.started(shard_id)
    return ready


def test_the_children_of_a_split_start_once_the_parent_is_finished() -> None:
    lineage = ShardLineage([shard("s0"), shard("s1")])
    assert start_all(lineage) == ["s0", "s1"]
    lineage.update([shard("s0"), shard("s1"), shard("s2", "s0"), shard("s3", "s0")])
    assert lineage.startable() == []
    assert lineage.waiting() == ["s2", "s3"]
    lineage.finished("s1")  # another shard finishing releases nothing
    assert lineage.startable() == []
    lineage.finished("s0")
    assert start_all(lineage) == ["s2", "s3"]
    assert lineage.startable() == lineage.waiting() == []


def test_a_merged_child_waits_for_both_parents() -> None:
    lineage = ShardLineage([shard("s0"), shard("s1")])
    start_all(lineage)
    lineage.update([shard("s2", "s1", adjacent="s0")])
    lineage.finished("s1")
    assert lineage.startable() == [], "the adjacent parent is still being read"
    lineage.finished("s0")
    assert lineage.startable() == ["s2"]


def test_a_chain_of_reshards_known_at_once_starts_generation_by_generation() -> None:
    lineage = ShardLineage([shard("s0"), shard("s1", "s0"), shard("s2", "s0"), shard("s3", "s1", adjacent="s2")])
    assert start_all(lineage) == ["s0"]
    lineage.finished("s0")
    assert start_all(lineage) == ["s1", "s2"]
    lineage.finished("s2")
    assert lineage.startable() == []
    lineage.finished("s1")
    assert start_all(lineage) == ["s3"]


def test_a_parent_the_stream_no_longer_lists_holds_nothing_back() -> None:
    lineage = ShardLineage([shard("s4", "s1", adjacent="s2")])  # s1 and s2 expired with their records
    assert lineage.startable() == ["s4"]


def test_a_listed_shard_is_never_forgotten_nor_started_twice() -> None:
    lineage = ShardLineage([shard("s0")])
    start_all(lineage)
    lineage.update([shard("s1", "s0"), shard("s2", "s0")])  # a listing without the parent
    assert lineage.startable() == [], "the parent is known, so its children wait for it"
    lineage.finished("s0")
    assert start_all(lineage) == ["s1", "s2"]
    lineage.update([shard("s0"), shard("s1", "s0"), shard("s2", "s0")])
    assert lineage.startable() == []


def test_shards_listed_at_start_use_the_mappings_position_and_later_ones_their_first_record() -> None:
    lineage = ShardLineage([shard("s0"), shard("s1", "s0")])
    lineage.update([shard("s2", "s1")])
    assert lineage.starting_position("s0", "LATEST") == "LATEST"
    assert lineage.starting_position("s1", "AT_TIMESTAMP") == "AT_TIMESTAMP"
    assert lineage.starting_position("s2", "LATEST") == "TRIM_HORIZON"
