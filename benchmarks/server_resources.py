"""CPU and memory of a server's process tree, sampled in a background thread (psutil)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil


def tree(pids: list[int]) -> list[psutil.Process]:
    """The processes ``pids`` and all their descendants (replicas, nginx and its workers)."""
    out: dict[int, psutil.Process] = {}
    for pid in pids:
        try:
            root = psutil.Process(pid)
        except psutil.NoSuchProcess:
            continue
        for proc in [root, *root.children(recursive=True)]:
            out[proc.pid] = proc
    return list(out.values())


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the process trees, MB."""
    total = 0
    for proc in tree(pids):
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2 ** 20


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the process trees have used so far."""
    total = 0.0
    for proc in tree(pids):
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


@dataclass
class ResourceSampler:
    """Samples RSS every ``interval`` s while running; CPU from the trees' CPU-time counters."""

    pids: list[int]
    interval: float = 0.5
    rss: list[float] = field(default_factory=list)
    _cpu0: float = 0.0
    _t0: float = 0.0
    cpu_used: float = 0.0
    wall: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "ResourceSampler":
        self._cpu0, self._t0 = cpu_seconds(self.pids), time.monotonic()
        self.rss.append(rss_mb(self.pids))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.rss.append(rss_mb(self.pids))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.cpu_used = cpu_seconds(self.pids) - self._cpu0
        self.wall = time.monotonic() - self._t0
        self.rss.append(rss_mb(self.pids))

    @property
    def cores_busy(self) -> float:
        """Mean number of cores the server kept busy (CPU seconds / wall seconds)."""
        return self.cpu_used / self.wall if self.wall else 0.0
