"""A throwaway PostgreSQL server in a temporary folder (tests and the load benchmark): initdb, start, stop.

Uses Debian's ``postgresql`` package (``/usr/lib/postgresql/<version>/bin``). PostgreSQL refuses to run
as root, so under root the server runs as the ``postgres`` user the package creates.
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

from dashboard.local_server import free_port


def postgres_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest installed version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root needs the 'postgres' user (Debian: apt-get install postgresql)")
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def local_postgres(database: str | None = None) -> Iterator[str]:
    """Start a fresh PostgreSQL server on a free loopback port → its URL (``postgresql://…``); removed after.

    The database gets a name never used before (unless ``database`` is given): engines are cached per URL in a
    process, and a later server may reuse an earlier one's port.
    """
    database = database or f"atlas_{secrets.token_hex(6)}"
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    run = lambda cmd: subprocess.run(_as_server_user(cmd), check=True, capture_output=True, text=True,  # noqa: E731
                                     env=env, cwd=root)
    try:
        run([str(bin_dir / "initdb"), "-D", str(data), "-U", "atlas", "-A", "trust", "-E", "UTF8", "--no-sync"])
        run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "-o",
             f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
             "start"])
        url = f"postgresql://atlas@127.0.0.1:{port}"
        run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "atlas", database])
        yield f"{url}/{database}"
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"PostgreSQL did not start: {(exc.stderr or exc.stdout).strip()[-300:]}") from None
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                            "stop"]), capture_output=True, env=env, cwd=root)
        for _ in range(20):   # the server may take a moment to let go of its files
            shutil.rmtree(root, ignore_errors=True)
            if not root.exists():
                break
            time.sleep(0.2)
