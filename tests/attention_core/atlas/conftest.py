"""A real multi-process Ray cluster on this machine (``ray start --head``), for the distributed export test."""
from __future__ import annotations

import importlib.util
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

WORKER_PORTS = 100   # one per worker process (idle pool, model actors, write tasks, Ray Data's helpers)


@dataclass(frozen=True)
class RayCluster:
    address: str     # GCS address "127.0.0.1:<port>", what ``--address`` takes
    temp_dir: Path   # the cluster's ``--temp-dir``: its session folder, logs and sockets


def _free_ports(n: int) -> list[int]:
    """``n`` distinct ports that are free now (bound together, so no two are the same)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in socks:
            s.bind(("", 0))
        return [s.getsockname()[1] for s in socks]


def _free_range(n: int, avoid: set[int]) -> int:
    """The first port of ``n`` consecutive free ports, below the kernel's ephemeral range (32768+)."""
    for _ in range(200):
        base = random.randrange(20_000, 32_000 - n)
        if avoid & set(range(base, base + n)):
            continue
        try:
            with ExitStack() as stack:
                for port in range(base, base + n):
                    stack.enter_context(socket.socket()).bind(("", port))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no {n} consecutive free ports")


def _cluster_processes(pgid: int, temp_dir: Path) -> list:
    """Every process of the cluster: ``ray start``'s daemons (their own process group, see ``start_new_session``),
    their descendants (workers and actors, which take process groups of their own), and any process whose stdout
    is a log of this cluster (a worker orphaned by a raylet that died first)."""
    import psutil
    found: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter():
        try:
            ours = os.getpgid(proc.pid) == pgid or os.readlink(f"/proc/{proc.pid}/fd/1").startswith(f"{temp_dir}/")
        except OSError:
            continue
        if ours:
            found[proc.pid] = proc
            try:
                found.update((child.pid, child) for child in proc.children(recursive=True))
            except psutil.Error:
                pass
    found.pop(os.getpid(), None)
    return list(found.values())


def _stop(pgid: int, temp_dir: Path) -> None:
    """SIGTERM every process of this cluster (never another Ray on the machine), SIGKILL what is left after 3 s."""
    import psutil
    for _ in range(3):   # a dying raylet may still start a worker: look again until nothing is found
        procs = _cluster_processes(pgid, temp_dir)
        if not procs:
            return
        for proc in procs:
            try:
                proc.terminate()
            except psutil.Error:
                pass
        _, alive = psutil.wait_procs(procs, timeout=3)
        for proc in alive:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=5)


def _wait_until_up(address: str, temp_dir: Path, timeout: float = 60) -> None:
    """Until the GCS takes connections and ``ray start`` has recorded the cluster (``ray_current_cluster``)."""
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=2):
                if (temp_dir / "ray_current_cluster").is_file():
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the Ray cluster at {address} did not come up in {timeout:.0f} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def ray_cluster() -> RayCluster:
    """``ray start --head`` with 2 CPUs on free ports and a private temp dir; yields its address, stops it after.

    Every port Ray would otherwise take at a fixed default (6379, 8265, 10001, 52365, …) is chosen free, so it
    does not collide with another Ray on the machine; the stop touches only this cluster's processes (no
    global ``ray stop``), and runs even when the start or a test fails.
    """
    pytest.importorskip("ray", reason="ray is not installed")
    pytest.importorskip("ray.data", reason='Ray Data is not installed (pip install "ray[data]")')
    pytest.importorskip("psutil")
    if not sys.platform.startswith("linux"):
        pytest.skip("the cluster fixture finds its processes through /proc")
    # short: Ray's Unix sockets live under it, and a socket path may not exceed 107 characters
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    pgids: list[int] = []
    try:
        for _ in range(3):   # a port taken between choosing it and Ray binding it: choose again
            names = ["port", "node-manager-port", "object-manager-port", "dashboard-port",
                     "dashboard-agent-listen-port", "dashboard-agent-grpc-port", "runtime-env-agent-port",
                     "metrics-export-port"]
            if importlib.util.find_spec("grpc") is not None:   # ray[client]: the head also serves Ray Client
                names.append("ray-client-server-port")         # (without it, ray start refuses this flag)
            ports = dict(zip(names, _free_ports(len(names))))
            low = _free_range(WORKER_PORTS, set(ports.values()))
            cmd = [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--num-cpus", "2",
                   "--include-dashboard=false", "--disable-usage-stats", "--temp-dir", str(temp_dir),
                   *[arg for name, port in ports.items() for arg in (f"--{name}", str(port))],
                   "--min-worker-port", str(low), "--max-worker-port", str(low + WORKER_PORTS - 1)]
            # a new session: the daemons ``ray start`` leaves behind keep its process group, which _stop kills
            start = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
            pgids.append(start.pid)
            try:
                log, _ = start.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                start.kill()
                log, _ = start.communicate()
            if start.returncode == 0:
                break
            _stop(start.pid, temp_dir)
        else:
            pytest.fail(f"ray start failed 3 times; the last said:\n{log[-4000:]}")
        address = f"127.0.0.1:{ports['port']}"
        _wait_until_up(address, temp_dir)
        yield RayCluster(address, temp_dir)
    finally:
        for pgid in pgids:
            _stop(pgid, temp_dir)
        shutil.rmtree(temp_dir, ignore_errors=True)
