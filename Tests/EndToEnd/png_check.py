"""A small PNG reader for the tests, so that they need no imaging package: it checks every
chunk's CRC, inflates the image data and undoes the row filters of 8-bit images."""

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Samples per pixel of each PNG color type.
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


@dataclass
class PNGImage:
    width: int
    height: int
    bit_depth: int
    channels: int
    # One bytes object per row, filters undone; empty unless the bit depth is 8.
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> bytes:
        start = x * self.channels
        return self.rows[y][start:start + self.channels]


def read(path: Path) -> PNGImage:
    """Reads and decodes `path`; raises ValueError for any damage."""
    data = path.read_bytes()
    if data[:8] != SIGNATURE:
        raise ValueError(f"{path} has no PNG signature")

    position, compressed, fields = 8, b"", None
    while True:
        if position + 12 > len(data):
            raise ValueError(f"{path} ends before its IEND chunk")
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"{path}: bad CRC in chunk {kind!r}")
        if kind == b"IHDR":
            fields = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
        position += 12 + length
    if fields is None:
        raise ValueError(f"{path} has no IHDR chunk")

    width, height, depth, color, _, _, interlace = fields
    channels = CHANNELS[color]
    raw = zlib.decompress(compressed)
    stride = (width * channels * depth + 7) // 8
    if interlace == 0 and len(raw) != height * (1 + stride):
        raise ValueError(f"{path}: {len(raw)} bytes of image data, expected "
                         f"{height * (1 + stride)}")

    rows: list[bytes] = []
    if depth == 8 and interlace == 0:
        rows = unfilter(raw, height, stride, channels)
    return PNGImage(width, height, depth, channels, rows)


def unfilter(raw: bytes, height: int, stride: int, step: int) -> list[bytes]:
    """Undoes the five PNG row filters (None, Sub, Up, Average, Paeth)."""
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = row[i - step] if i >= step else 0
            up = previous[i]
            corner = previous[i - step] if i >= step else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
                nearest = (left, up, corner)[distances.index(min(distances))]
                row[i] = (row[i] + nearest) & 0xFF
            elif kind != 0:
                raise ValueError(f"unknown PNG row filter {kind}")
        rows.append(bytes(row))
        previous = row
    return rows
