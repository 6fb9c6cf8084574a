"""Artifacts on disk: arrays in .npz (read back with allow_pickle=False), metadata in .json; every write is atomic.

A reader never sees a half-written file: each file is written beside its target under a temporary name and renamed
over it (os.replace is atomic on POSIX and Windows).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import NotTrained


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays to `path` (.npz). Object arrays are refused: strings go in as fixed-width unicode."""
    for name, value in arrays.items():
        if np.asarray(value).dtype == object:
            raise TypeError(f"array {name!r} has dtype object: it would need pickle")
    _atomic_write(Path(path), lambda fh: np.savez_compressed(fh, **arrays))


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise NotTrained(f"model artifact {path} is missing: run `mka model train`")
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def save_json(path: Path, value: Any) -> None:
    payload = json.dumps(value, indent=1, ensure_ascii=False, default=str).encode("utf-8")
    _atomic_write(Path(path), lambda fh: fh.write(payload))


def load_json(path: Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise NotTrained(f"model artifact {path} is missing: run `mka model train`")
    return json.loads(path.read_text(encoding="utf-8"))
