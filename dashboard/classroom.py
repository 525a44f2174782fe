"""The classroom deployment: N dashboard replicas behind nginx, sticky sessions, websockets passed through.

    python -m dashboard.classroom --replicas 2 --port 8501          # then open http://localhost:8501

Streamlit keeps each browser session in one process's memory, so more students need more processes.
Each replica is its own ``streamlit run dashboard/app.py`` on a free loopback port; the replicas share
nothing but the read-only weights on disk. nginx listens on ``--port``: a browser's first request goes
to the replicas in turn, and the answer pins the browser to its replica with a cookie, so the page's
websocket and its uploads reach the process that holds its session (if that replica stops, the others
take over as backups). Students see a one-line message for an unexpected error, never a traceback with
server paths (``client.showErrorDetails = "none"``); the server log keeps the details. Ctrl-C stops all.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, Sequence

from dashboard.class_store.engine import DB_ENV
from dashboard.local_server import ROOT, free_port, wait_healthy

APP = ROOT / "dashboard" / "app.py"
AFFINITY_COOKIE = "atlas_replica"
# Options every replica runs with (on top of .streamlit/config.toml, read from the project root).
REPLICA_OPTIONS = {
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "server.fileWatcherType": "none",
    # "none": the browser shows Streamlit's generic message; type, message and traceback go to the log only
    # ("false" would still show the stack trace, with server paths)
    "client.showErrorDetails": "none",
    "client.toolbarMode": "viewer",
}
# One torch thread per replica: many small model runs from concurrent sessions share the cores better
# than each run spinning up an intra-op thread pool that competes with the other sessions.
REPLICA_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1"}


class DeploymentError(RuntimeError):
    """The deployment could not start (nginx missing, a replica exited); the message is one line."""


def find_nginx() -> str:
    """Path of the nginx binary; :class:`DeploymentError` naming the package when it is missing."""
    path = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if os.access(p, os.X_OK)), None)
    if path is None:
        raise DeploymentError("nginx is not installed (Debian/Ubuntu: sudo apt-get install -y nginx)")
    return path


def replica_command(port: int, app: Path = APP, options: dict[str, str] | None = None) -> list[str]:
    """The command line of one replica on 127.0.0.1:``port``."""
    opts = {**REPLICA_OPTIONS, **(options or {}), "server.port": str(port), "server.address": "127.0.0.1"}
    return [sys.executable, "-m", "streamlit", "run", str(app), *[f"--{k}={v}" for k, v in opts.items()]]


def nginx_config(ports: Sequence[int], listen_port: int, run_dir: Path, address: str = "127.0.0.1",
                 upload_mb: int = 20) -> str:
    """nginx.conf for ``ports`` (the replicas): round robin for a first visit, then cookie affinity."""
    names = [f"replica-{i + 1}" for i in range(len(ports))]
    pool = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    pinned = "\n".join(
        f"    upstream {name} {{\n        server 127.0.0.1:{port};\n"
        + "".join(f"        server 127.0.0.1:{other} backup;\n" for other in ports if other != port)
        + "    }"
        for name, port in zip(names, ports))
    by_cookie = "\n".join(f"        {name} {name};" for name in names)
    by_addr = "\n".join(f'        127.0.0.1:{port} "{AFFINITY_COOKIE}={name}; Path=/; HttpOnly; SameSite=Lax";'
                        for name, port in zip(names, ports))
    temp = "\n".join(f"    {kind}_temp_path {run_dir / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# Written by python -m dashboard.classroom; regenerated at every start.
worker_processes 1;
pid {run_dir / 'nginx.pid'};
error_log {run_dir / 'nginx-error.log'} warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
{temp}
    client_max_body_size {upload_mb + 1}m;
    # stream uploads and pages through: nothing is buffered to disk
    proxy_request_buffering off;
    proxy_buffering off;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    # a first visit (no cookie): the replicas in turn
    upstream replicas {{
{pool}
    }}
    # a pinned browser: its replica, the others only if it is down
{pinned}
    map $cookie_{AFFINITY_COOKIE} $replica {{
        default replicas;
{by_cookie}
    }}
    # the cookie names the replica that answered (nothing is set when a backup answered)
    map $upstream_addr $affinity_cookie {{
        default "";
{by_addr}
    }}
    server {{
        listen {address}:{listen_port};
        location / {{
            proxy_pass http://$replica;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # a lesson's websocket stays open for hours with long quiet spells
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            add_header Set-Cookie $affinity_cookie;
        }}
    }}
}}
"""


def warm_up(url: str, timeout: float = 300.0) -> dict[str, float]:
    """Open every page once in a fresh session (imports, models load, caches fill) → seconds per page.

    The first student on a cold replica would otherwise wait for torch and the models to load.
    """
    import asyncio

    from dashboard.pages import PAGES
    from dashboard.session_client import StreamlitSession

    async def run() -> dict[str, float]:
        times = {}
        for page in PAGES:
            try:
                async with StreamlitSession(url, page.url, timeout=timeout) as session:
                    times[page.url or "home"] = (await session.open()).seconds
            except Exception as exc:  # a page that fails to warm still serves; its students will say so
                print(f"warning: warming {url}/{page.url} failed: {exc}", file=sys.stderr)
        return times

    return asyncio.run(run())


def _wait_healthy(url: str, procs: Sequence[subprocess.Popen], timeout: float) -> None:
    def exited() -> Exception | None:
        for proc in procs:
            if proc.poll() is not None:
                return DeploymentError(f"{Path(str(proc.args[0])).name} exited with status {proc.returncode} "
                                       "while starting (see its log)")
        return None

    try:
        wait_healthy(url, exited, timeout)
    except TimeoutError as exc:
        raise DeploymentError(str(exc)) from None


@dataclass
class Deployment:
    """Running replicas and their proxy: ``url`` (the proxy), ``replica_urls``, process ids."""

    url: str
    replica_urls: list[str]
    replicas: list[subprocess.Popen]
    proxy: subprocess.Popen | None
    run_dir: Path
    logs: list[IO] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        """Process ids of the replicas and nginx (its master; workers are its children)."""
        return [p.pid for p in self.replicas] + ([self.proxy.pid] if self.proxy else [])

    def stop(self) -> None:
        """Stop nginx, then the replicas (SIGTERM, then SIGKILL after 10 s)."""
        procs = ([self.proxy] if self.proxy else []) + self.replicas
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self.logs:
            log.close()


@contextlib.contextmanager
def classroom(replicas: int = 2, port: int | None = None, address: str = "127.0.0.1",
              log_dir: Path | None = None, app: Path = APP, proxy: bool = True, warm: bool = True,
              options: dict[str, str] | None = None, timeout: float = 120.0,
              database: str | None = None) -> Iterator[Deployment]:
    """Start ``replicas`` dashboards and (``proxy=True``) nginx in front on ``port``; stop them on exit.

    ``log_dir``: each replica's output goes to ``replica-<i>.log`` there (else to this process's
    stderr). ``proxy=False`` runs one replica alone (``url`` is the replica's own). ``warm``: open every
    page on every replica before returning (see :func:`warm_up`). ``database``: the class store every
    replica shares (``postgresql://…`` across machines; default: ``$ATTENTION_ATLAS_CLASS_DB`` or the
    SQLite file in the cache folder), migrated once here before the replicas start.
    """
    if replicas < 1:
        raise DeploymentError("at least one replica is needed")
    if not proxy and replicas != 1:
        raise DeploymentError("more than one replica needs the proxy")
    nginx = find_nginx() if proxy else None
    from dashboard.class_store import StoreError, database_url, open_engine
    try:
        store = database_url(database)
        open_engine(store).dispose()   # reachable and migrated before any student arrives
    except StoreError as exc:
        raise DeploymentError(str(exc)) from None
    run_dir = Path(tempfile.mkdtemp(prefix="atlas-classroom-"))
    # nginx workers run as an unprivileged user when started by root: they must reach their temp dirs
    run_dir.chmod(0o755)
    # one cookie secret for all replicas (Streamlit takes it from the environment only)
    env = {**os.environ, **REPLICA_ENV, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(16), DB_ENV: store}
    ports = [free_port() for _ in range(replicas)]
    dep = Deployment("", [f"http://127.0.0.1:{p}" for p in ports], [], None, run_dir)
    try:
        for i, p in enumerate(ports):
            out: IO | int | None = None
            if log_dir is not None:
                log_dir.mkdir(parents=True, exist_ok=True)
                out = open(log_dir / f"replica-{i + 1}.log", "w")
                dep.logs.append(out)
            dep.replicas.append(subprocess.Popen(replica_command(p, app, options), cwd=ROOT, env=env,
                                                 stdout=out or subprocess.DEVNULL, stderr=out,
                                                 start_new_session=True))
        for replica_url in dep.replica_urls:
            _wait_healthy(replica_url, dep.replicas, timeout)
        if warm:
            with ThreadPoolExecutor(len(dep.replica_urls)) as pool:
                list(pool.map(warm_up, dep.replica_urls))
        if nginx is None:
            dep.url = dep.replica_urls[0]
        else:
            listen = port or free_port()
            conf = run_dir / "nginx.conf"
            conf.write_text(nginx_config(ports, listen, run_dir, address))
            check = subprocess.run([nginx, "-t", "-q", "-p", str(run_dir), "-e", str(run_dir / "nginx-error.log"),
                                    "-c", str(conf)], capture_output=True, text=True)
            if check.returncode != 0:
                raise DeploymentError(f"nginx refused its configuration: {check.stderr.strip().splitlines()[-1:]}")
            dep.proxy = subprocess.Popen([nginx, "-p", str(run_dir), "-e", str(run_dir / "nginx-error.log"),
                                          "-c", str(conf), "-g", "daemon off;"], cwd=run_dir,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         start_new_session=True)
            host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
            dep.url = f"http://{host}:{listen}"
            try:
                _wait_healthy(dep.url, [dep.proxy, *dep.replicas], timeout=30)
            except DeploymentError:   # say why (e.g. the port is taken): the run folder is removed
                log = (run_dir / "nginx-error.log").read_text(errors="replace").strip().splitlines()
                first = next((line for line in log if "[emerg]" in line), log[-1] if log else "no nginx log")
                raise DeploymentError(f"nginx did not start: {first.split('] ', 1)[-1]}") from None
        yield dep
    finally:
        dep.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the classroom deployment and wait for Ctrl-C; exit status 2 with one line if it cannot."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.classroom", description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, help="dashboard processes (about one per core)")
    parser.add_argument("--port", type=int, default=8501, help="the port students open")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address nginx listens on (0.0.0.0 to serve the classroom network)")
    parser.add_argument("--log-dir", type=Path, help="write each replica's log here (default: this terminal)")
    parser.add_argument("--database", metavar="URL",
                        help="the class-session store every replica shares: postgresql://USER@HOST/DB for replicas "
                             "on several machines (default: $ATTENTION_ATLAS_CLASS_DB, else a SQLite file in "
                             "~/.cache/attention-atlas)")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="do not open every page once per replica before announcing the address")
    args = parser.parse_args(argv)

    def on_signal(signum: int, _frame: object) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):   # a second Ctrl-C must not interrupt the clean-up
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt   # Ctrl-C or `docker stop`: leave through the clean-up below

    # set explicitly: a shell starting us in the background would have SIGINT ignored
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with classroom(args.replicas, args.port, args.address, args.log_dir, warm=not args.no_warm_up,
                       database=args.database) as dep:
            from dashboard.class_store import database_url, shown
            print(f"Classroom deployment on http://{args.address}:{args.port} — {args.replicas} replicas "
                  f"({', '.join(dep.replica_urls)}) behind nginx, class sessions in "
                  f"{shown(database_url(args.database))}. Ctrl-C stops.", flush=True)
            reported: set[int] = set()
            while True:
                dead = [i + 1 for i, p in enumerate(dep.replicas) if p.poll() is not None]
                for i in set(dead) - reported:   # its students reconnect to the others (nginx backups)
                    print(f"warning: replica {i} stopped (status {dep.replicas[i - 1].returncode})",
                          file=sys.stderr, flush=True)
                    reported.add(i)
                if dep.proxy is not None and dep.proxy.poll() is not None:
                    print("error: nginx stopped; shutting down", file=sys.stderr)
                    return 1
                if dead and len(dead) == len(dep.replicas):
                    print("error: every replica stopped; shutting down", file=sys.stderr)
                    return 1
                time.sleep(1)
    except DeploymentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Stopped nginx and the replicas.", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
