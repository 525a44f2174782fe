"""Dataset-atlas export throughput and peak memory: one process vs Ray Data with 1 and 2 workers.

    python -m benchmarks.atlas [--quick] [--limit N] [--engines local]

Each run is a fresh child process (``--one``) so nothing is shared between runs. The parent polls the
resident set of the child and all its descendants (Ray's raylet, GCS and worker processes) every 0.2 s;
"peak RSS" is the largest sum seen (shared pages, e.g. Ray's object store in /dev/shm, count once per
process that maps them, so it is an upper bound). Maps/s = exported maps ÷ the export's own wall time
(Ray: from after ``ray.init``, so it includes starting the model actors and the streaming write).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
RUNS = [
    # (label, model, dataset, limit, engine, workers)
    ("HAN · BBC test split", "document/han", "bbc-test", None, "local", 1),
    ("HAN · BBC test split", "document/han", "bbc-test", None, "ray", 1),
    ("HAN · BBC test split", "document/han", "bbc-test", None, "ray", 2),
    ("MiniLM · 250 RT sentences", "transformer/minilm-l6", "rt-test", 250, "local", 1),
    ("MiniLM · 250 RT sentences", "transformer/minilm-l6", "rt-test", 250, "ray", 2),
    ("MiniLM · 1,000 RT sentences", "transformer/minilm-l6", "rt-test", 1000, "local", 1),
    ("MiniLM · 1,000 RT sentences", "transformer/minilm-l6", "rt-test", 1000, "ray", 1),
    ("MiniLM · 1,000 RT sentences", "transformer/minilm-l6", "rt-test", 1000, "ray", 2),
]


def one(model: str, dataset: str, limit: int | None, engine: str, workers: int, out: str) -> None:
    """Child process: start Ray if asked (timed apart), export, print a JSON line."""
    from attention_core.atlas.export import export, start_ray
    startup = 0.0
    if engine == "ray":
        start = time.perf_counter()
        start_ray(None, workers)
        startup = time.perf_counter() - start
    info = export(model, dataset, out, limit=limit, engine=engine, workers=workers,
                  on_progress=(lambda *_: None) if engine == "local" else None)
    size = sum(p.stat().st_size for p in Path(out).iterdir())
    print(json.dumps({"examples": info.examples, "maps": info.maps, "seconds": info.seconds,
                      "startup": startup, "bytes": size}))


def measure(model: str, dataset: str, limit: int | None, engine: str, workers: int) -> dict:
    """Run :func:`one` in a child process while sampling the RSS of its process tree."""
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        cmd = [sys.executable, "-m", "benchmarks.atlas", "--one", model, dataset, str(limit or 0), engine,
               str(workers), str(Path(tmp) / "out")]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        parent, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(_rss(p) for p in tree))
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.2)
        out = proc.stdout.read().strip().splitlines()
        if proc.returncode != 0 or not out:
            raise RuntimeError(f"run failed: {' '.join(cmd)}")
        result = json.loads(out[-1])
    result["peak_rss_mb"] = peak / 2 ** 20
    return result


def _rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def main() -> None:
    """Run every configuration and print the table (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=6, metavar=("MODEL", "DATASET", "LIMIT", "ENGINE", "WORKERS", "OUT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="HAN runs only")
    parser.add_argument("--limit", type=int, help="at most this many examples per run (a quick check)")
    parser.add_argument("--engines", nargs="+", choices=["local", "ray"], default=["local", "ray"],
                        help="only the runs on these engines (default: both)")
    args = parser.parse_args()
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.one:
        model, dataset, limit, engine, workers, out = args.one
        one(model, dataset, int(limit) or None, engine, int(workers), out)
        return
    rows = []
    for label, model, dataset, limit, engine, workers in RUNS:
        if (args.quick and "HAN" not in label) or engine not in args.engines:
            continue
        if args.limit is not None:
            limit = min(limit or args.limit, args.limit)
        r = measure(model, dataset, limit, engine, workers)
        rows.append({"corpus": label, "engine": engine if engine == "local" else f"ray × {workers}",
                     "examples": r["examples"], "maps": r["maps"], "export s": round(r["seconds"], 1),
                     "maps/s": round(r["maps"] / r["seconds"], 1), "ray start s": round(r["startup"], 1),
                     "peak RSS MB": round(r["peak_rss_mb"]), "Parquet MB": round(r["bytes"] / 1e6, 1)})
        print(rows[-1], file=sys.stderr, flush=True)
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
