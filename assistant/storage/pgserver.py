"""A private PostgreSQL server in a folder of its own: `initdb` + `pg_ctl`, loopback only, on a free port.

For tests, benchmarks and a two-server setup on one machine; production points `MKA_DATABASE_URL` at its own server.

    with PrivatePostgres.start() as pg:          # initdb into a temp dir, start on a free port
        url = pg.create_database("t1")           # postgresql+psycopg://mka@127.0.0.1:PORT/t1

    python -m assistant.storage.pgserver start DIR    # leaves it running; prints the URL
    python -m assistant.storage.pgserver stop DIR

PostgreSQL refuses to run as root: when we are root, the server runs as `nobody` (through `runuser`), and its folder
is handed to that user (so a folder given to `start` must be reachable by `nobody`: not under a 0700 directory). Binaries come from `MKA_PG_BIN`, then Debian's `/usr/lib/postgresql/<n>/bin`, then the PATH
(`scripts/install-postgres.sh` installs the package).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "mka"
RUN_AS_WHEN_ROOT = "nobody"
# Durability is not what a throw-away server is for; these make initdb and every commit several times faster.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200")


class PostgresMissing(RuntimeError):
    """PostgreSQL's server binaries are not installed."""


def find_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl; `PostgresMissing` (naming the install script) when there is none."""
    candidates = []
    if os.environ.get("MKA_PG_BIN"):
        candidates.append(Path(os.environ["MKA_PG_BIN"]))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = sorted((p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: -int(p.name))
        candidates += [p / "bin" for p in versions]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresMissing(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: run scripts/install-postgres.sh "
        "(Debian's postgresql package) or set MKA_PG_BIN"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", RUN_AS_WHEN_ROOT, "--", *cmd]


def _hand_over(path: Path) -> None:
    """Give `path` (and everything in it) to the server's user when we are root."""
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam(RUN_AS_WHEN_ROOT)
    for folder, dirs, files in os.walk(path):
        os.chown(folder, user.pw_uid, user.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), user.pw_uid, user.pw_gid)


@dataclass
class PrivatePostgres:
    """A running private server: its folder, port and binaries."""

    root: Path
    port: int
    bin_dir: Path
    owns_root: bool = False

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL (psycopg 3) of `database` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(
        cls, root: Path | None = None, port: int | None = None, timeout_s: float = 60
    ) -> PrivatePostgres:
        """initdb into `root` (a new temp dir when None) unless it holds a cluster already, then start the server."""
        bin_dir = find_bin_dir()
        owns = root is None
        root = Path(tempfile.mkdtemp(prefix="mka-pg-")) if root is None else Path(root)
        root.mkdir(parents=True, exist_ok=True)
        server = cls(root, port or free_port(), bin_dir, owns)
        if not (server.data_dir / "PG_VERSION").is_file():
            _hand_over(root)
            server._run(
                [str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", SUPERUSER, "--auth=trust"]
                + ["-E", "UTF8", "--locale=C", "--no-sync"],
                timeout_s,
            )
        options = " ".join(
            [f"-p {server.port}", "-c listen_addresses=127.0.0.1", f"-k {server.data_dir}"]
            + [f"-c {s}" for s in FAST_SETTINGS]
        )
        server._run(
            [str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-l", str(root / "server.log")]
            + ["-o", options, "-w", "-t", str(int(timeout_s)), "start"],
            timeout_s + 10,
        )
        return server

    def _run(self, cmd: list[str], timeout_s: float) -> None:
        done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=timeout_s)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr[-2000:]}{tail}")

    def create_database(self, name: str) -> str:
        """Create database `name` (letters, digits, underscore) and return its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a plain database name: {name!r}")
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self, remove: bool | None = None) -> None:
        """Stop the server (fast shutdown); remove its folder when we created it (or when `remove`)."""
        if (self.data_dir / "postmaster.pid").is_file():
            subprocess.run(
                _as_server_user(
                    [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "stop"]
                ),
                capture_output=True,
                timeout=60,
            )
        if self.owns_root if remove is None else remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_until_accepting(url: str, timeout_s: float = 30) -> None:
    """Block until the server at `url` answers a query."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A private PostgreSQL server in a folder (loopback only).")
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("root", type=Path, help="the server's folder (created by start)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--database", default="mka", help="database to create on first start")
    args = parser.parse_args(argv)
    if args.action == "stop":
        PrivatePostgres(args.root, 0, find_bin_dir()).stop(remove=False)
        return 0
    first = not (args.root / "data" / "PG_VERSION").is_file()
    server = PrivatePostgres.start(args.root, args.port)
    url = server.create_database(args.database) if first else server.url(args.database)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
