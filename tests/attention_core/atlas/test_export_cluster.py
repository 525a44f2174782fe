"""The README's cluster export, run as written against a real multi-process Ray cluster (``ray_cluster`` in
conftest.py), must write the same rows as the single-process engine."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from attention_core.atlas.export import export, read_info

from .test_export import _read

ROOT = Path(__file__).resolve().parents[3]
LIMIT, BATCH = 6, 2   # 3 batches over the cluster's 2 model actors: both get work


def _readme_commands() -> list[str]:
    """The shell lines of README.md's ```bash blocks, continuation lines (``\\``) joined."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        commands += [c.strip() for c in re.sub(r"\\\n\s*", " ", block).splitlines() if c.strip()]
    return commands


def _readme_cluster_export() -> tuple[list[str], str]:
    """The README's cluster export as argv, and the port its ``ray start --head --port`` line gives."""
    commands = _readme_commands()
    exports = [c for c in commands if "--engine ray" in c and "--address" in c]
    starts = [c for c in commands if c.startswith("ray start --head")]
    assert len(exports) == 1 and len(starts) == 1, (exports, starts)
    argv = shlex.split(exports[0], comments=True)
    port = shlex.split(starts[0], comments=True)
    return argv, port[port.index("--port") + 1]


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _cluster_jobs(address: str) -> list[dict]:
    """The cluster's job table (from its GCS), read by a separate driver so this process stays Ray-free."""
    code = ("import json, sys, ray\n"
            "from attention_core.atlas.export import _use_local_token\n"
            "_use_local_token()\n"   # this machine's token, as the export does for a local cluster
            "ray.init(address=sys.argv[1], log_to_driver=False)\n"
            "import ray._private.state\n"
            "print(json.dumps(ray._private.state.jobs(), default=str))\n")
    done = subprocess.run([sys.executable, "-c", code, address], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_readme_cluster_export_writes_the_local_engines_rows(ray_cluster, tmp_path):
    argv, start_port = _readme_cluster_export()
    assert argv[:4] == ["python", "-m", "attention_core", "export"], argv
    readme_address = _option(argv, "--address")
    assert readme_address == f"127.0.0.1:{start_port}", "the export must name the cluster `ray start` made"
    model, dataset = _option(argv, "--model"), _option(argv, "--dataset")

    # the README's line with only the address (this cluster's free port), the output folder and the size changed
    out = tmp_path / "cluster"
    argv = [sys.executable, *argv[1:]]
    argv[argv.index("--address") + 1] = ray_cluster.address
    argv[argv.index("--out") + 1] = str(out)
    argv += ["--limit", str(LIMIT), "--batch-size", str(BATCH)]   # later flags win in argparse
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}   # only --address says where
    driver = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
    assert driver.returncode == 0, stderr[-4000:]
    assert f"{LIMIT} maps from {LIMIT} examples of {dataset} by {model} (ray," in stdout

    # it ran on that cluster: the CLI process is a (finished) driver in the cluster's own job table
    jobs = [j for j in _cluster_jobs(ray_cluster.address) if int(j["DriverPid"]) == driver.pid]
    assert len(jobs) == 1 and jobs[0]["IsDead"], jobs
    assert "attention_core export" in jobs[0]["Entrypoint"] and ray_cluster.address in jobs[0]["Entrypoint"]

    local = export(model, dataset, tmp_path / "local", engine="local", limit=LIMIT, batch_size=BATCH,
                   on_progress=lambda *_: None)
    info = read_info(out)
    assert (info.engine, info.model, info.dataset, info.examples, info.maps) == \
        ("ray", model, dataset, LIMIT, local.maps)

    a, b = _read(tmp_path / "local"), _read(out)   # both sorted by (example_index, map_index)
    assert a.schema.equals(b.schema) and a.num_rows == b.num_rows == local.maps
    # Exactly equal, floats included: both engines run the same MapExtractor, one example per forward pass,
    # torch on one thread, on the same CPU — nothing that could reorder a float sum. (NaN == NaN here.)
    for name in a.column_names:
        left, right = a[name].to_pylist(), b[name].to_pylist()
        field = a.schema.field(name).type
        floats = pa.types.is_floating(field) or (pa.types.is_list(field) and pa.types.is_floating(field.value_type))
        if not floats:
            assert left == right, name
            continue
        for i, (x, y) in enumerate(zip(left, right)):
            assert (x is None) == (y is None), (name, i)
            if x is not None:
                np.testing.assert_array_equal(np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                                              err_msg=f"{name} row {i}")
    assert all(w is not None for w in b["weights"].to_pylist())   # the full weights travelled too
