"""Image files in the formats the harness reads, written by tests."""
from __future__ import annotations

import struct

import numpy as np


def idx_bytes(array: np.ndarray) -> bytes:
    """MNIST's IDX format: two zero bytes, the type code (0x08, unsigned byte), the number of
    dimensions, each dimension as a big-endian int32, then the data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i",
                                                         *array.shape) + array.tobytes()
