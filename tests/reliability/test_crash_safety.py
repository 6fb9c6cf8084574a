"""Nothing is lost when a process is killed with SIGKILL mid-write: real subprocesses, real SQLite, real Chroma.

- The conversation store (SQLite in WAL mode): a writer killed mid-stream leaves a consistent database in which every
  acknowledged turn is complete (with all its tool calls and citations), and replaying the same turns stores each once.
- The knowledge base: `mka kb sync` killed half-way through re-indexing leaves every source searchable (old or new
  version, never none, never both), and the next sync completes the job with no duplicate chunks.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT

PYTHON = sys.executable

WRITER = textwrap.dedent(
    """
    import sys
    from assistant.conversation.reply import CitationOut, ToolCallRecord
    from assistant.storage.store import ConversationStore

    url, session, start, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = ConversationStore.from_url(url)
    if session == "new":
        session = store.create_session("customer", None)
        print("session", session, flush=True)
    calls = [ToolCallRecord(name=f"tool{j}", arguments={"j": j}, summary="s" * 200) for j in range(3)]
    cits = [CitationOut(n=j + 1, source=f"doc{j}.md", title="t", snippet="x" * 500) for j in range(5)]
    for i in range(start, stop):
        tid = store.add_turn(session, message=f"m{i}", reply="r" * 4000, tool_calls=calls, citations=cits,
                             turn_key=f"k{i}")
        print("ack", i, tid, flush=True)
    """
)


def _child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def test_sqlite_store_survives_kill_9(tmp_path: Path):
    db = tmp_path / "mka.db"
    url = f"sqlite:///{db}"
    proc = subprocess.Popen(
        [PYTHON, "-c", WRITER, url, "new", "0", "1000000"],
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(),
        cwd=tmp_path,
    )
    session = None
    acked: dict[int, int] = {}
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while len(acked) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        parts = line.split()
        if parts[0] == "session":
            session = parts[1]
        elif parts[0] == "ack":
            acked[int(parts[1])] = int(parts[2])
    os.kill(proc.pid, signal.SIGKILL)  # mid-stream: the writer commits continuously
    proc.wait(timeout=10)
    # Acks the writer printed before it died but this loop had not read yet are acknowledged too: the turn in flight
    # is the only one that may be stored without an ack.
    for line in proc.stdout:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "ack":
            acked[int(parts[1])] = int(parts[2])
    assert session and len(acked) >= 150, "the writer never got going"

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = con.execute("SELECT id, turn_key FROM chat_turns WHERE session_id = ?", (session,)).fetchall()
    stored = {int(key[1:]): tid for tid, key in rows}
    # Every acknowledged turn is there with its id; at most the one in flight got in beyond them.
    assert all(stored.get(i) == tid for i, tid in acked.items())
    assert len(stored) - len(acked) in (0, 1)
    # Atomic turns: each stored turn has all 3 tool calls and all 5 citations, never a part.
    for tid in stored.values():
        assert (
            con.execute("SELECT COUNT(*) FROM chat_tool_calls WHERE turn_id = ?", (tid,)).fetchone()[0] == 3
        )
        assert con.execute("SELECT COUNT(*) FROM chat_citations WHERE turn_id = ?", (tid,)).fetchone()[0] == 5
    con.close()

    # A client retrying the same turns (same keys) after the crash stores each turn once.
    last = max(stored) + 5
    out = subprocess.run(
        [PYTHON, "-c", WRITER, url, session, "0", str(last)],
        capture_output=True,
        text=True,
        env=_child_env(),
        cwd=tmp_path,
        timeout=120,
        check=True,
    ).stdout
    replayed = {int(p[1]): int(p[2]) for p in (line.split() for line in out.splitlines()) if p[0] == "ack"}
    assert all(replayed[i] == tid for i, tid in stored.items())
    con = sqlite3.connect(db)
    count = con.execute("SELECT COUNT(*) FROM chat_turns WHERE session_id = ?", (session,)).fetchone()[0]
    con.close()
    assert count == last


# ---------------------------------------------------------------------------------------------- knowledge base
N_FILES = 16


def _write_corpus(folder: Path, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(N_FILES):
        paras = [
            f"# Guide {i}\n",
            f"Marker word for this document: {version}doc{i}marker.\n",
        ]
        for p in range(3):
            paras.append(
                f"Section {p} of guide {i}, release {version}. Our trail equipment number {i}-{p} is tested on "
                f"rocky paths and in wet weather; care instructions vary by fabric and season. " * 2 + "\n"
            )
        (folder / f"guide_{i:02d}.md").write_text("\n".join(paras), encoding="utf-8")


def _forget_chroma_clients() -> None:
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.fixture(scope="module")
def killed_sync(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the kill -9 scenario once; return what the checks need."""
    from assistant.settings import Settings
    from retrieval import KnowledgeBase

    tmp_path = tmp_path_factory.mktemp("killed-sync")
    settings = Settings(data_dir=tmp_path / "var", _env_file=None)

    corpus = tmp_path / "corpus"
    _write_corpus(corpus, "alpha")
    kb = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
    first = kb.sync([corpus], progress=False)
    assert len(first.added) == N_FILES
    chunks_per_version = kb.count()
    del kb

    _write_corpus(corpus, "beta")  # every file changes: the next sync re-embeds everything
    proc = subprocess.Popen(
        [PYTHON, "-m", "assistant.cli", "kb", "sync"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_child_env(MKA_DATA_DIR=str(settings.data_dir), COLUMNS="200"),
        cwd=tmp_path,
    )
    # Kill it once tqdm reports that some, but not all, files are done.
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    seen = b""
    done = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        chunk = proc.stderr.read() or b""
        seen += chunk
        counts = [int(m) for m in re.findall(rb"(\d+)/%d" % N_FILES, seen)]
        done = max(counts, default=0)
        if 2 <= done < N_FILES - 2:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert 2 <= done < N_FILES - 2, (
        f"could not catch the sync mid-way (progress {done}/{N_FILES}): {seen[-2000:]!r}"
    )

    # The index still answers for every source, each at exactly one version. Open it as a restarted server would:
    # Chroma caches one client per path in a process, and that cache predates the killed writer's changes.
    _forget_chroma_clients()
    kb = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
    sources = kb.sources()
    assert len(sources) == N_FILES
    for i in (0, N_FILES // 2, N_FILES - 1):
        hits = kb.search(f"guide {i} marker word", k=20)
        assert hits, f"guide {i} is no longer searchable"
        ids = [h.chunk_id for h in hits]
        assert len(ids) == len(set(ids))
    marker_versions = {}
    for i in range(N_FILES):
        hits = [
            h
            for h in kb.search(f"Marker word for this document guide {i}", k=50)
            if h.source == f"guide_{i:02d}.md"
        ]
        versions = {v for h in hits for v in re.findall(rf"(alpha|beta)doc{i}marker", h.text)}
        assert len(versions) <= 1, f"guide {i} is served at two versions at once: {versions}"
        marker_versions[i] = versions
    del kb

    # The next sync completes the job: all new, nothing duplicated, nothing orphaned.
    kb = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
    report = kb.sync([corpus], progress=False)
    finished = {f"guide_{i:02d}.md" for i, v in marker_versions.items() if v == {"beta"}}
    return {"kb": kb, "report": report, "finished": finished, "chunks_per_version": chunks_per_version}


@pytest.mark.slow
def test_kb_sync_killed_midway_leaves_a_usable_index_and_the_next_sync_completes(killed_sync):
    kb, report = killed_sync["kb"], killed_sync["report"]
    chunks_per_version = killed_sync["chunks_per_version"]
    assert not report.failed
    assert len(report.updated) + len(report.unchanged) == N_FILES
    assert kb.count() == chunks_per_version
    assert kb.index.count_raw() == kb.count(), "orphaned or duplicated chunks left in Chroma"
    for i in range(N_FILES):
        hits = [
            h for h in kb.search(f"Marker word betadoc{i}marker", k=50) if h.source == f"guide_{i:02d}.md"
        ]
        assert any(f"betadoc{i}marker" in h.text for h in hits)
        assert not any("alphadoc" in h.text for h in hits)


@pytest.mark.slow
def test_kb_sync_after_a_kill_does_not_redo_finished_files(killed_sync):
    # What the killed sync finished is not redone (a file's version must not depend on when the model loaded).
    assert len(killed_sync["finished"]) >= 2
    assert set(killed_sync["report"].unchanged) == killed_sync["finished"]


ARTIFACT_WRITER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from pathlib import Path
    import assistant.commerce.models.artifacts as artifacts

    if os.environ.get("MKA_TEST_DIRECT_WRITES"):  # only to show the test catches non-atomic writes
        def direct(path, write):
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                write(fh)
        artifacts._atomic_write = direct

    folder = Path(sys.argv[1])
    for i in range(1, 100000):
        noise = np.random.default_rng(i).random((1500, 256), dtype=np.float32)  # incompressible: writes take time
        artifacts.save_arrays(folder / "factors.npz", {"v": noise, "version": np.array([i])})
        artifacts.save_json(folder / "meta.json", {"version": i, "pad": "x" * 300000})
        print("ack", i, flush=True)
    """
)


def test_artifacts_survive_kill_9_mid_write(tmp_path: Path, writer_env: dict[str, str] | None = None):
    """Model artifacts are written temp+rename: a trainer killed mid-write leaves the previous complete files."""
    import numpy as np

    from assistant.commerce.models.artifacts import load_arrays, load_json

    writer_env = writer_env or {}
    folder = tmp_path / "artifacts"
    proc = subprocess.Popen(
        [PYTHON, "-c", ARTIFACT_WRITER, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(**writer_env),
    )
    assert proc.stdout is not None
    acked = 0
    deadline = time.monotonic() + 60
    while acked < 5 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acked = int(line.split()[1])
    time.sleep(0.013)  # land somewhere inside a write, not between lines
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert acked >= 5, "the writer never got going"
    arrays = load_arrays(folder / "factors.npz")
    version = int(arrays["version"][0])
    assert version >= acked
    expected = np.random.default_rng(version).random((1500, 256), dtype=np.float32)
    assert np.array_equal(arrays["v"], expected)  # one whole version, never a torn file
    meta = load_json(folder / "meta.json")
    assert meta["version"] in (version, version - 1) and len(meta["pad"]) == 300000
