"""Minimal, dependency-free safetensors reader/writer (float32 only).

File layout (https://github.com/huggingface/safetensors):

    [8 bytes]  N, little-endian u64: length of the JSON header
    [N bytes]  UTF-8 JSON header, padded with trailing spaces so that 8 + N is
               a multiple of 8
    [...]      raw tensor data, little-endian, tensors stored contiguously

The header maps each tensor name to
``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`` (offsets
relative to the start of the data section) and may carry an optional
``"__metadata__"`` object of string -> string.

This module writes tensors in the iteration order of the dict it is given and
reads them back in header order. Scalars should be passed with shape ``[1]``.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

__all__ = ["write_safetensors", "read_safetensors", "read_safetensors_with_metadata"]

_ALIGN = 8
_MAX_HEADER = 100 * 1024 * 1024


def _encode(tensors: Mapping[str, np.ndarray], metadata: Optional[Mapping[str, str]]) -> bytes:
    header: "OrderedDict[str, object]" = OrderedDict()
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("safetensors __metadata__ must map str -> str")
        header["__metadata__"] = dict(metadata)
    chunks = []
    offset = 0
    for name, value in tensors.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"invalid tensor name {name!r}")
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved and cannot be a tensor name")
        arr = np.asarray(value)
        if arr.dtype != np.float32:
            raise TypeError(f"tensor {name!r} has dtype {arr.dtype}; only float32 is supported "
                            "(convert explicitly with .astype(np.float32))")
        if arr.ndim == 0:
            raise ValueError(f"tensor {name!r} is 0-dimensional; store scalars with shape [1]")
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": [int(d) for d in arr.shape],
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    pad = (-(8 + len(header_bytes))) % _ALIGN
    header_bytes += b" " * pad
    return struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(chunks)


def write_safetensors(path, tensors: Mapping[str, np.ndarray],
                      metadata: Optional[Mapping[str, str]] = None) -> None:
    """Write ``tensors`` (name -> float32 numpy array) to ``path``.

    Tensors are laid out in the dict's iteration order. The file is written to
    a temporary file in the same directory and renamed into place.
    """
    blob = _encode(tensors, metadata)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_safetensors_with_metadata(path) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Read a float32 safetensors file; returns (tensors in header order, metadata)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: file too short for a safetensors header")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > _MAX_HEADER or 8 + n > len(blob):
        raise ValueError(f"{path}: invalid header length {n}")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=OrderedDict)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: header is not valid UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    data = memoryview(blob)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors: "OrderedDict[str, np.ndarray]" = OrderedDict()
    for name, info in header.items():
        try:
            dtype = info["dtype"]
            shape = [int(d) for d in info["shape"]]
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path}: malformed header entry for {name!r}: {info!r}") from None
        if dtype != "F32":
            raise ValueError(f"{path}: tensor {name!r} has dtype {dtype}; only F32 is supported")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not (0 <= begin <= end <= len(data)) or end - begin != 4 * count:
            raise ValueError(f"{path}: tensor {name!r} has inconsistent data_offsets "
                             f"[{begin}, {end}] for shape {shape} (data section {len(data)} bytes)")
        arr = np.frombuffer(data[begin:end], dtype="<f4").astype(np.float32).reshape(shape)
        tensors[name] = arr
    return tensors, dict(metadata)


def read_safetensors(path) -> Dict[str, np.ndarray]:
    """Read a float32 safetensors file into an ordered dict of numpy arrays."""
    return read_safetensors_with_metadata(path)[0]
