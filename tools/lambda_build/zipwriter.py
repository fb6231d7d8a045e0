"""Write zips whose bytes depend only on entry names and contents.

zipfile cannot take already-compressed data, and re-compressing tens of MB of unchanged
dependencies on every build is most of a build's time; so entries are compressed once, kept
with their CRC, and this writer lays them out: sorted names, a fixed 1980-01-01 timestamp,
0644/0755 modes, no extra fields, fixed deflate level.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import BuildError

LEVEL = 6
STORED, DEFLATED = 0, 8
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_DOS_TIME = 0
_UNIX = 3 << 8
_VERSION = 20
_UTF8 = 0x800


@dataclass(frozen=True)
class Entry:
    """One zip member, compressed; the payload is in memory or at an offset of a pack file."""

    arcname: str
    executable: bool
    crc: int
    size: int
    csize: int
    method: int
    payload: bytes | None = None
    pack: Path | None = None
    offset: int = 0


def stored_size(entry: Entry) -> int:
    """Bytes `entry` takes in a zip: local header, name, data and its central directory record.

    The sizes of all entries plus the 22-byte end record add up to the zip's size exactly, so a
    zipped size can be split by contributor.
    """
    return 30 + 46 + 2 * len(entry.arcname.encode("utf-8")) + entry.csize


def compress(arcname: str, data: bytes, executable: bool) -> Entry:
    """Deflate, or store when deflate would not shrink the data (e.g. already-compressed files)."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    packed = compressor.compress(data) + compressor.flush()
    method = DEFLATED
    if len(packed) >= len(data):
        packed, method = data, STORED
    return Entry(arcname, executable, zlib.crc32(data), len(data), len(packed), method, payload=packed)


class _HashingWriter:
    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.offset = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.offset += len(data)


def _flags(name: bytes) -> int:
    return _UTF8 if any(b > 127 for b in name) else 0


def write_zip(path: Path, entries: list[Entry]) -> str:
    """Write `entries` (any order) to `path`; return the base64 SHA-256 of the bytes written."""
    ordered = sorted(entries, key=lambda e: e.arcname)
    if len(ordered) >= 0xFFFF:
        raise BuildError(f"{path.name}: {len(ordered)} files is more than a non-ZIP64 archive holds")
    packs: dict[Path, BinaryIO] = {}
    central: list[bytes] = []
    try:
        with open(path, "wb") as handle:
            out = _HashingWriter(handle)
            for entry in ordered:
                name = entry.arcname.encode("utf-8")
                flags = _flags(name)
                header_offset = out.offset
                if header_offset > 0xFFFFFFFF - entry.csize - 30 - len(name):
                    raise BuildError(f"{path.name}: archive would exceed 4 GiB")
                out.write(
                    struct.pack(
                        "<IHHHHHIIIHH", 0x04034B50, _VERSION, flags, entry.method, _DOS_TIME, _DOS_DATE,
                        entry.crc, entry.csize, entry.size, len(name), 0,
                    )
                    + name
                )
                if entry.payload is not None:
                    out.write(entry.payload)
                else:
                    assert entry.pack is not None
                    pack = packs.get(entry.pack) or packs.setdefault(entry.pack, open(entry.pack, "rb"))  # noqa: SIM115
                    pack.seek(entry.offset)
                    out.write(pack.read(entry.csize))
                mode = 0o100755 if entry.executable else 0o100644
                central.append(
                    struct.pack(
                        "<IHHHHHHIIIHHHHHII", 0x02014B50, _UNIX | _VERSION, _VERSION, flags, entry.method,
                        _DOS_TIME, _DOS_DATE, entry.crc, entry.csize, entry.size, len(name), 0, 0, 0, 0,
                        mode << 16, header_offset,
                    )
                    + name
                )
            directory_offset = out.offset
            directory = b"".join(central)
            out.write(directory)
            out.write(
                struct.pack(
                    "<IHHHHIIH", 0x06054B50, 0, 0, len(ordered), len(ordered), len(directory), directory_offset, 0
                )
            )
            return base64.b64encode(out.digest.digest()).decode()
    finally:
        for pack in packs.values():
            pack.close()

