"""Model artifacts published as a set: a new version folder, one pointer switch, readers follow the pointer.

Trained once on the real UCI slice (shared with the other model tests); later "trainings" copy that set into new
version folders, which is what `train_all` writes, without paying for training again.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from assistant.commerce.models import load_models, published_dir, trained
from assistant.commerce.models.artifacts import KEEP_VERSIONS, POINTER, VERSIONS, new_version_dir, publish
from assistant.errors import NotTrained
from assistant.settings import Settings
from tests.assistant.commerce.models.uci_slice import trained_settings

# trained once per process (uci_slice.trained_settings): on one xdist worker under `--dist loadgroup`
pytestmark = pytest.mark.xdist_group("uci-models")


@pytest.fixture
def shared(tmp_path: Path) -> Settings:
    """Settings of a server whose artifacts folder holds a copy of the trained set (so tests may publish freely)."""
    source = trained_settings().artifacts_dir
    settings = Settings(
        data_dir=tmp_path / "var", artifacts_path=tmp_path / "shared-artifacts", _env_file=None
    )
    shutil.copytree(source, settings.artifacts_dir)
    return settings


def _next_set(settings: Settings, *, complete: bool = True) -> Path:
    """A new version folder like the one training writes (a copy of the published set, segments renamed)."""
    current = published_dir(settings.artifacts_dir)
    folder = new_version_dir(settings.artifacts_dir)
    shutil.copytree(current / "recommender", folder / "recommender")
    if complete:
        shutil.copytree(current / "segments", folder / "segments")
        info = json.loads((folder / "segments" / "segments.json").read_text())
        info["meta"]["retrained"] = folder.name
        (folder / "segments" / "segments.json").write_text(json.dumps(info))
    return folder


def test_training_publishes_a_versioned_set_behind_one_pointer():
    settings = trained_settings()
    root = settings.artifacts_dir
    name = (root / POINTER).read_text().strip()
    assert published_dir(root) == root / VERSIONS / name
    assert {p.name for p in published_dir(root).iterdir()} >= {"recommender", "segments", "segments.png"}
    models = load_models(settings)
    assert models.artifacts_dir == published_dir(root) and trained(settings)


def test_readers_switch_to_the_next_set_at_once_and_never_to_half_a_set(shared):
    before = load_models(shared)
    half = _next_set(
        shared, complete=False
    )  # training still running: the recommender is written, nothing else
    assert load_models(shared) is before  # the pointer has not moved: the old set, whole
    publish(shared.artifacts_dir, _next_set(shared))
    after = load_models(shared)
    assert after is not before and after.artifacts_dir != before.artifacts_dir
    assert (
        after.segmenter.meta.get("retrained") == after.artifacts_dir.name
    )  # both models from the new folder
    assert load_models(shared) is after  # cached per version
    with pytest.raises(ValueError):
        publish(shared.artifacts_dir, shared.artifacts_dir / "elsewhere")
    assert half.is_dir()


def test_a_reader_during_many_publications_always_gets_one_whole_set(shared):
    folders = [_next_set(shared) for _ in range(4)]
    seen: list[tuple[Path, str | None]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            models = load_models(shared)
            seen.append((models.artifacts_dir, models.segmenter.meta.get("retrained")))

    reader = threading.Thread(target=read)
    reader.start()
    for folder in folders:
        publish(shared.artifacts_dir, folder)
    stop.set()
    reader.join(timeout=60)
    assert seen and all(meta in (None, folder.name) for folder, meta in seen)
    assert load_models(shared).artifacts_dir == folders[-1]


def test_old_sets_are_pruned_and_an_unversioned_folder_still_loads(shared, tmp_path):
    for _ in range(KEEP_VERSIONS + 2):
        publish(shared.artifacts_dir, _next_set(shared))
    assert len(list((shared.artifacts_dir / VERSIONS).iterdir())) == KEEP_VERSIONS
    legacy = Settings(data_dir=tmp_path / "legacy", _env_file=None)  # the layout before versioned sets
    shutil.copytree(published_dir(shared.artifacts_dir), legacy.artifacts_dir)
    assert load_models(legacy).artifacts_dir == legacy.artifacts_dir
    (shared.artifacts_dir / POINTER).write_text("../../etc")
    with pytest.raises(NotTrained, match="damaged"):
        load_models(shared)
    empty = Settings(data_dir=tmp_path / "empty", _env_file=None)
    assert not trained(empty)
    with pytest.raises(NotTrained):
        load_models(empty)


def test_the_services_registry_serves_the_set_published_now(shared):
    from assistant.services import Services, default_loaders
    from assistant.tools.base import ToolContext
    from assistant.tools.recommend import models_of
    from assistant.workspace.targets import segment_names

    services = Services({})
    services.add_loaders(default_loaders(shared, services))
    services["settings"] = shared
    ctx = ToolContext(role="marketer", services=services)
    first_recommender, first_segmenter = models_of(ctx)
    assert segment_names(services)  # read straight off the registry's entry
    publish(shared.artifacts_dir, _next_set(shared))
    recommender, segmenter = models_of(ctx)
    assert recommender is not first_recommender and segmenter is not first_segmenter
    assert segmenter.meta.get("retrained") == published_dir(shared.artifacts_dir).name
    assert services["models"].segmenter is segmenter
