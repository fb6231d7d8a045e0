"""Which shards of a stream a mapping may read now, given which it has finished: the order a reshard needs.

After a split or a merge, a key's older records stay in the closed parent shard(s) and its newer ones
go to a child. Reading a child before its parents are finished would deliver a key's records out of
order, so a shard starts only once every parent it names (ParentShardId, AdjacentParentShardId) has
been read to its end and all its records finished. A parent the stream no longer lists (its records
expired) holds nothing back.

Shards in the first listing start at the mapping's StartingPosition; a shard that appears later was
created by a reshard while the mapping ran, so it is read from its first record (TRIM_HORIZON).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ListedShard:
    shard_id: str
    parents: tuple[str, ...]  # ParentShardId and AdjacentParentShardId, those present

    @classmethod
    def from_list_shards(cls, shard: dict[str, Any]) -> ListedShard:
        parents = tuple(shard[key] for key in ("ParentShardId", "AdjacentParentShardId") if shard.get(key))
        return cls(shard["ShardId"], parents)


class ShardLineage:
    def __init__(self, first_listing: list[dict[str, Any]]) -> None:
        self._initial = {s["ShardId"] for s in first_listing}
        self._shards: dict[str, ListedShard] = {}
        self._started: set[str] = set()
        self._finished: set[str] = set()
        self.update(first_listing)

    def update(self, listing: list[dict[str, Any]]) -> None:
        """Learn the shards of a newer ListShards (shards are never forgotten: a parent may outlive its listing)."""
        for shard in listing:
            self._shards.setdefault(shard["ShardId"], ListedShard.from_list_shards(shard))

    def startable(self) -> list[str]:
        """Shards not started whose every listed parent is finished, parents before children."""
        return sorted(s.shard_id for s in self._shards.values() if s.shard_id not in self._started
                      and all(p in self._finished or p not in self._shards for p in s.parents))

    def waiting(self) -> list[str]:
        """Known shards not started yet (held back by a parent, or just listed)."""
        return sorted(set(self._shards) - self._started)

    def started(self, shard_id: str) -> None:
        self._started.add(shard_id)

    def finished(self, shard_id: str) -> None:
        """The shard was read to its end and every record of it finished (processed or discarded)."""
        self._finished.add(shard_id)

    def starting_position(self, shard_id: str, mapping_position: str) -> str:
        return mapping_position if shard_id in self._initial else "TRIM_HORIZON"
