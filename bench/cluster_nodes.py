"""The scale-out setup on real parts, on one machine: a private PostgreSQL, `chroma run`, and N `mka serve` processes.

Every process is started as it would be in production (the same environment variables as deploy/compose.yaml); only
the addresses are loopback ports. The first server bootstraps the shop (index, orders, models); the others start at
once and pick the shop up through the shared engines (database, Chroma, artifacts folder).

    with Cluster.start(root, servers=2) as cluster:
        cluster.servers[0].url          # http://127.0.0.1:PORT
        cluster.servers[1].kill()       # kill -9

The soak that measures it is `bench/cluster_soak.py` (`python -m bench.cluster`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.storage.pgserver import PrivatePostgres, free_port

REPO = Path(__file__).resolve().parent.parent
MARKETER_KEY = "cluster-marketer-key"
DEMO_POLICIES = ("returns.md", "shipping.md", "warranty.md")


def small_shop(folder: Path, per_category: int = 3) -> Path:
    """A shop folder like data/demo, smaller: the first `per_category` products of each catalog category, three
    policy pages and the campaign briefs (indexed and trained in a fraction of the full demo's time)."""
    import csv

    demo = REPO / "data" / "demo"
    (folder / "policies").mkdir(parents=True, exist_ok=True)
    for name in DEMO_POLICIES:
        shutil.copy(demo / "policies" / name, folder / "policies" / name)
    with (demo / "catalog.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames or [], list(reader)
    taken: dict[str, int] = {}
    keep = []
    for row in rows:
        if taken.get(row["category"], 0) < per_category:
            keep.append(row)
            taken[row["category"]] = taken.get(row["category"], 0) + 1
    with (folder / "catalog.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(keep)
    if (demo / "campaigns").is_dir():
        shutil.copytree(demo / "campaigns", folder / "campaigns", dirs_exist_ok=True)
    return folder


DEPLOY_ENV = REPO / "deploy" / "app.env"
# What differs between deploy/app.env and one machine: addresses and folders, and the LLM (no GPU, no vLLM here: the
# bundled model runs in each server). Everything else in that file is used as it is.
LOCAL_ONLY = (
    "MKA_RETRIEVAL__CHROMA_HOST",
    "MKA_RETRIEVAL__CHROMA_PORT",
    "MKA_DATA_DIR",
    "MKA_ARTIFACTS_PATH",
)


def deploy_env(path: Path = DEPLOY_ENV) -> dict[str, str]:
    """The shared app-server settings of deploy/app.env (KEY=VALUE lines; # comments)."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def server_env(
    database_url: str, chroma_port: int, data_dir: Path, artifacts: Path, demo_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of one app server: deploy/app.env with loopback addresses, local folders, the bundled LLM."""
    env = {k: v for k, v in deploy_env().items() if k not in LOCAL_ONLY and not k.startswith("MKA_LLM__")}
    env.update(
        {
            "MKA_DATABASE_URL": database_url,
            "MKA_RETRIEVAL__CHROMA_HOST": "127.0.0.1",
            "MKA_RETRIEVAL__CHROMA_PORT": str(chroma_port),
            "MKA_DATA_DIR": str(data_dir),
            "MKA_ARTIFACTS_PATH": str(artifacts),
            "MKA_DEMO_DIR": str(demo_dir),
            # the API without the Gradio pages: the same routes the soak drives, a faster start
            "MKA_APP_FACTORY": "assistant.http:create_app",
            "MKA_MARKETER_API_KEYS": f'["{MARKETER_KEY}"]',
            "TOKENIZERS_PARALLELISM": "false",
        }
    )
    env.update(extra)
    return env


@dataclass
class Process:
    """One child process with its log file."""

    name: str
    port: int
    popen: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """kill -9: no shutdown handlers, connections dropped mid-stream."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.is_file() else ""


def _spawn(name: str, cmd: list[str], env: dict[str, str], log: Path, port: int) -> Process:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        popen = subprocess.Popen(
            cmd,
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name, port, popen, log)


def _wait(process: Process, path: str, ready, timeout_s: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited ({process.popen.returncode}): {process.tail()}")
        try:
            response = httpx.get(process.url + path, timeout=3)
            if response.status_code == 200 and ready(response):
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.name} not ready after {timeout_s:.0f} s: {process.tail()}")
        time.sleep(0.3)


def start_chroma(root: Path) -> Process:
    """`chroma run` (the server of the chromadb package) on a free loopback port, data under `root`."""
    chroma = Path(sys.executable).with_name("chroma")
    port = free_port()
    cmd = [str(chroma), "run", "--path", str(root / "chroma"), "--host", "127.0.0.1", "--port", str(port)]
    process = _spawn("chroma", cmd, {"ANONYMIZED_TELEMETRY": "False"}, root / "logs" / "chroma.log", port)
    _wait(process, "/api/v2/heartbeat", lambda r: True, 60)
    return process


@dataclass
class Cluster:
    """PostgreSQL, a Chroma server and the app servers; `stop()` ends them all (and removes the database folder)."""

    root: Path
    postgres: PrivatePostgres
    database_url: str
    chroma: Process
    servers: list[Process] = field(default_factory=list)

    @classmethod
    def start(cls, root: Path, servers: int = 2, timeout_s: float = 600, **env: str) -> Cluster:
        """Start everything; server 0 bootstraps the shop while the others start beside it."""
        root = Path(root)
        shop = small_shop(root / "shop")
        postgres = (
            PrivatePostgres.start()
        )  # its own temp dir: as root, the server runs as nobody, who needs access
        cluster = cls(root, postgres, postgres.create_database("mka"), start_chroma(root))
        try:
            # Every server signs and checks logins and customer tokens with the same secrets (deploy/.env sets them).
            shared = {
                "MKA_SESSION_SECRET": secrets.token_urlsafe(32),
                "MKA_WIDGET_SECRET": secrets.token_urlsafe(32),
            }
            for i in range(servers):
                cluster.servers.append(cluster._start_server(i, shop, bootstrap=i == 0, **{**shared, **env}))
            for server in cluster.servers:
                _wait(server, "/healthz", lambda r: r.json().get("ready"), timeout_s)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _start_server(self, i: int, shop: Path, bootstrap: bool, **extra: str) -> Process:
        port = free_port()
        env = server_env(
            self.database_url,
            self.chroma.port,
            self.root / f"server{i}",
            self.root / "artifacts",
            shop,
            MKA_BOOTSTRAP_DEMO="true" if bootstrap else "false",
            **extra,
        )
        cmd = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]
        return _spawn(f"server{i}", cmd, env, self.root / "logs" / f"server{i}.log", port)

    def stop(self) -> None:
        for process in [*self.servers, self.chroma]:
            process.stop()
        self.postgres.stop(remove=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
