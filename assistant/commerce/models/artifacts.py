"""Artifacts on disk: arrays in .npz (read back with allow_pickle=False), metadata in .json; every write is atomic.

A reader never sees a half-written file: each file is written beside its target under a temporary name and renamed
over it (os.replace is atomic on POSIX and Windows).

The models are published as a set: training writes a new folder `<root>/versions/<version>/` (recommender, segments,
plot), then switches the pointer file `<root>/CURRENT` to it in one atomic rename. A reader resolves the pointer
once and loads everything from that one folder, so it never pairs a new recommender with an old segmenter, and app
servers sharing `<root>` pick up the next version at their next load. A root without a pointer is read as it is (the
layout before versioned sets).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
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


POINTER = "CURRENT"
VERSIONS = "versions"
KEEP_VERSIONS = 3  # the published set and two before it (a server may still be reading the previous one)


def new_version_dir(root: Path) -> Path:
    """A fresh, empty folder for the next set of artifacts (named by time, so versions sort in order)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(root) / VERSIONS / f"{stamp}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    return folder


def publish(root: Path, version_dir: Path) -> None:
    """Make `version_dir` (made by `new_version_dir`) the published set: one atomic switch of the pointer."""
    root, version_dir = Path(root), Path(version_dir)
    if version_dir.parent != root / VERSIONS or not version_dir.is_dir():
        raise ValueError(f"{version_dir} is not a version folder of {root}")
    payload = version_dir.name.encode("utf-8")
    _atomic_write(root / POINTER, lambda fh: fh.write(payload))
    _prune(root, keep=version_dir.name)


def published_dir(root: Path) -> Path:
    """The folder of the published set: the version `CURRENT` names, else `root` itself (unversioned layout)."""
    root = Path(root)
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return root
    if not name or "/" in name or name.startswith("."):
        raise NotTrained(f"the artifact pointer {root / POINTER} is damaged: run `mka model train`")
    return root / VERSIONS / name


def _prune(root: Path, keep: str) -> None:
    # only sets older than the published one: a newer folder may be a training run that has not published yet
    older = sorted(p for p in (root / VERSIONS).iterdir() if p.is_dir() and p.name < keep)
    for folder in older[: max(0, len(older) - (KEEP_VERSIONS - 1))]:
        shutil.rmtree(folder, ignore_errors=True)
