"""Run a model over a dataset and stream one Parquet row per attention map: on Ray Data, or in one process.

Both engines share :class:`MapExtractor` (the model-holding callable), so their rows are identical; only
who calls it differs. Ray: ``ray.data.from_items`` → ``map_batches(MapExtractor, concurrency=N)`` →
``write_parquet`` (streaming: a worker's output block goes to disk, never all to the driver). Local: the
same callable over batches, each written at once with a ``pyarrow.parquet.ParquetWriter``.
"""
from __future__ import annotations

import importlib.util
import ipaddress
import itertools
import json
import os
import shutil
import socket
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from ..capabilities import Input, MapKind
from ..inputs import InputError, load_image
from ..models import get_spec, load_model
from .datasets import Example, display_name, empty_message, input_kind, read_examples
from .rows import SCHEMA, SCHEMA_VERSION, explanation_rows, rows_table

MANIFEST = "atlas.json"
COMPRESSION = "zstd"
ROWS_PER_FILE = 20_000   # Ray: gather small blocks into files of at least this many map rows
ROWS_PER_GROUP = 5_000   # local: buffer this many map rows per Parquet row group (a row group has fixed overhead)


@dataclass
class ExportInfo:
    """What an export directory holds (written beside the Parquet files as ``atlas.json``)."""

    model: str
    task: str
    family: str
    dataset: str
    examples: int
    maps: int
    engine: str
    seconds: float
    keep_weights: int | None
    schema_version: int = SCHEMA_VERSION
    capabilities: dict[str, Any] | None = None   # the model's declarations when exported (Capabilities.summary)


class MapExtractor:
    """Holds one loaded model; called on a batch of example records → an Arrow table of map rows.

    ``keep_weights``: store the full weights of examples with index below it (None = all); the
    statistics are stored for every example either way.
    """

    def __init__(self, model_id: str, dataset: str, keep_weights: int | None = None, threads: int = 1) -> None:
        import torch
        torch.set_num_threads(threads)   # one core per worker: N workers on N cores do not fight
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        spec = get_spec(model_id)
        caps = spec.capabilities
        self.model_id, self.task, self.image = model_id, spec.task.value, caps.input == Input.IMAGE
        self.rows_are_positions = caps.input == Input.TEXT and caps.draws(MapKind.CROSS)
        self.dataset, self.keep_weights = dataset, keep_weights
        self.model = load_model(model_id)

    def __call__(self, batch: pa.Table | dict[str, Any]) -> pa.Table:
        """``batch``: example records (Arrow table or column dict) → map rows (:data:`rows.SCHEMA`)."""
        records = batch.to_pylist() if isinstance(batch, pa.Table) else [
            dict(zip(batch, values)) for values in zip(*batch.values())]
        rows: list[dict[str, Any]] = []
        for record in records:
            example = Example.from_record(record)
            inp = load_image(example.input) if self.image else example.input
            result = self.model.explain(inp)
            keep = self.keep_weights is None or example.index < self.keep_weights
            rows += explanation_rows(result, example, task=self.task, dataset=self.dataset, keep_weights=keep,
                                     rows_are_positions=self.rows_are_positions)
        return rows_table(rows)


def _batches(examples: Iterable[Example], size: int) -> Iterator[list[Example]]:
    it = iter(examples)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _records_table(chunk: list[Example]) -> pa.Table:
    return pa.Table.from_pylist([e.record() for e in chunk])


def export_local(model_id: str, examples: Iterable[Example], out: Path, *, dataset: str, batch_size: int = 8,
                 keep_weights: int | None = None, total: int | None = None,
                 on_progress: Callable[[int, int | None], None] | None = None, **_: Any) -> int:
    """One process: batches through :class:`MapExtractor`, each appended to ``out/part-0.parquet``; → map count.

    ``on_progress(done, total)`` is called after every batch (the dashboard's progress bar); without it a
    tqdm bar is shown.
    """
    extractor = MapExtractor(model_id, dataset, keep_weights)
    maps = done = 0
    bar = None
    if on_progress is None:   # a bar on a terminal only: piped stderr carries nothing but errors
        from tqdm import tqdm
        bar = tqdm(total=total, unit="example", desc=f"export {model_id}", disable=None)
    pending: list[pa.Table] = []
    try:
        with pq.ParquetWriter(out / "part-0.parquet", SCHEMA, compression=COMPRESSION) as writer:
            for chunk in _batches(examples, batch_size):
                table = extractor(_records_table(chunk))
                pending.append(table)
                maps += table.num_rows
                done += len(chunk)
                if sum(t.num_rows for t in pending) >= ROWS_PER_GROUP:   # bounded: a few thousand rows
                    writer.write_table(pa.concat_tables(pending))
                    pending = []
                if bar is not None:
                    bar.update(len(chunk))
                else:
                    on_progress(done, total)
            if pending:
                writer.write_table(pa.concat_tables(pending))
    finally:
        if bar is not None:
            bar.close()   # ends the bar's line, so a following message starts on its own
    return maps


def ray_available() -> bool:
    """True when Ray Data can be imported."""
    return importlib.util.find_spec("ray") is not None


def start_ray(address: str | None = None, workers: int = 2) -> None:
    """Connect to a running cluster (``address``: "auto", "ray://host:10001" or "host:6379") or start a local Ray.

    A local Ray gets ``workers + 1`` logical CPUs: one per model actor, and one for the light write tasks,
    which would otherwise wait for a CPU the actors never release.
    """
    import ray
    if ray.is_initialized():
        return
    # local workers are spawned from this process's environment: make this checkout importable there
    root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    if address:
        if "://" not in address and _on_this_machine(address):
            _use_local_token()
        # the cluster's nodes need the dependencies (requirements.txt); this package itself (code, weights,
        # ~40 MB) is shipped with the job, so the workers run exactly this checkout
        package = str(Path(__file__).resolve().parents[1])
        try:
            ray.init(address=address, log_to_driver=False,
                     runtime_env={"py_modules": [package], "env_vars": {"HF_HUB_OFFLINE": "1"},
                                  "excludes": ["__pycache__", "atlas/exports"]})
        except (ConnectionError, RuntimeError) as exc:
            raise InputError(f"cannot connect to the Ray cluster at {address}: {str(exc).splitlines()[0]} "
                             "(a cluster with token authentication needs RAY_AUTH_MODE=token and its token in "
                             "RAY_AUTH_TOKEN or ~/.ray/auth_token)") from None
    else:
        ray.init(num_cpus=workers + 1, include_dashboard=False, log_to_driver=False)


def _on_this_machine(address: str) -> bool:
    """True when ``host:port`` names this machine: a loopback address or one of its interfaces' addresses."""
    import psutil
    host = address.rsplit(":", 1)[0].strip("[]")   # "auto": no such host (Ray finds that one itself)
    try:
        ip = ipaddress.ip_address(host if ":" in host else socket.gethostbyname(host))
    except (OSError, ValueError):
        return False
    return ip.is_loopback or str(ip) in {a.address.split("%")[0] for addrs in psutil.net_if_addrs().values()
                                         for a in addrs}


def _use_local_token() -> None:
    """Send this machine's Ray token (``~/.ray/auth_token`` or ``RAY_AUTH_TOKEN``), if it has one, to a cluster
    on this machine: what Ray itself does for ``address="auto"``, but never for an explicit address. A local
    ``ray start --head`` enables token authentication whenever such a token exists, so without this
    ``--address 127.0.0.1:6379`` would be refused. ``RAY_AUTH_MODE`` set by the user wins.
    """
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available)
    except ImportError:   # a Ray without token authentication
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def export_ray(model_id: str, examples: Iterable[Example], out: Path, *, dataset: str, batch_size: int = 8,
               keep_weights: int | None = None, workers: int = 2, address: str | None = None, **_: Any) -> int:
    """Ray Data: ``map_batches`` over ``workers`` model-holding actors, streamed to Parquet; → map count."""
    import ray.data
    start_ray(address, workers)
    records = [e.record() for e in examples]   # inputs only (text or paths): small next to the maps
    if not records:
        return 0
    ds = ray.data.from_items(records, override_num_blocks=max(1, -(-len(records) // batch_size)))
    maps = ds.map_batches(MapExtractor, fn_constructor_kwargs={"model_id": model_id, "dataset": dataset,
                                                               "keep_weights": keep_weights},
                          batch_size=batch_size, batch_format="pyarrow", concurrency=workers, num_cpus=1)
    maps.write_parquet(str(out), compression=COMPRESSION, min_rows_per_file=ROWS_PER_FILE)
    return pq.ParquetDataset(str(out)).read(columns=["map_index"]).num_rows


ENGINES: dict[str, Callable[..., int]] = {"local": export_local, "ray": export_ray}
_NO_RAY_CLIENT = ('--address {address} needs Ray Client: pip install "ray[client]", or run `ray start --head` '
                  "on this machine and use --address auto")


def default_engine() -> str:
    """``"ray"`` when Ray is installed, else ``"local"``."""
    return "ray" if ray_available() else "local"


def export(model_id: str, dataset: str | Path, out: str | Path, *, limit: int | None = None,
           engine: str | None = None, batch_size: int = 8, workers: int = 2, address: str | None = None,
           keep_weights: int | None = None, overwrite: bool = False,
           on_progress: Callable[[int, int | None], None] | None = None) -> ExportInfo:
    """Export ``model_id``'s maps over ``dataset`` (name, file or folder) into the folder ``out``.

    Raises :class:`InputError` (one line) for an unknown model or engine, a mismatched input kind, an
    unreadable or empty dataset, an ``out`` that is not a folder or already holds an export (unless
    ``overwrite``), or an export that yields no maps. Every check runs before the model does. The maps are
    written into a hidden folder inside ``out`` and moved into place at the end, so a failure or Ctrl-C
    leaves ``out`` as it was (and removes it when this call created it).
    """
    try:
        spec = get_spec(model_id)
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from None
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if engine == "ray" and not ray_available():
        raise InputError('Ray is not installed: pip install "ray[data]", or use --engine local')
    if engine == "ray" and address and address.startswith("ray://") and importlib.util.find_spec("grpc") is None:
        raise InputError(_NO_RAY_CLIENT.format(address=address))   # Ray's own test for ray[client]
    if not spec.is_available():
        raise InputError(f"model {model_id!r} is not available offline on this machine")
    name = display_name(dataset)
    if input_kind(dataset) != spec.input_kind:
        raise InputError(f"model {model_id!r} takes {spec.input_kind} inputs; {name} holds {input_kind(dataset)}s")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file, not a folder")
    old = sorted(out.iterdir()) if out.is_dir() else []
    if old and not overwrite:
        raise InputError(f"{out} is not empty (use --overwrite to replace an export there)")
    if any(p.suffix != ".parquet" and p.name != MANIFEST for p in old):
        raise InputError(f"{out} holds other files than an export; choose an empty folder")
    examples = list(read_examples(dataset, limit))   # reads and validates every input before any model runs
    if not examples:
        raise InputError(empty_message(dataset))
    created = _missing_top(out)   # the first folder this call creates (None: ``out`` exists)
    staging = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".atlas-partial-", dir=out))
        start = time.perf_counter()
        maps = ENGINES[engine](model_id, examples, staging, dataset=name, batch_size=batch_size,
                               keep_weights=keep_weights, workers=workers, address=address,
                               total=len(examples), on_progress=on_progress)
        if maps == 0:
            raise InputError(f"{model_id} drew no attention maps over {name}; nothing written")
        info = ExportInfo(model_id, spec.task.value, spec.family, name, len(examples), maps, engine,
                          round(time.perf_counter() - start, 2), keep_weights,
                          capabilities=spec.capabilities.summary())
        (staging / MANIFEST).write_text(json.dumps(asdict(info), indent=1) + "\n")
        for path in old:   # --overwrite: the previous export goes only now that the new one is complete
            path.unlink(missing_ok=True)
        for path in sorted(staging.iterdir()):
            os.replace(path, out / path.name)
        staging.rmdir()
    except BaseException:   # never leave half an export that looks complete, nor remove the user's folder
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        elif staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return info


def _missing_top(path: Path) -> Path | None:
    """The outermost folder of ``path`` that does not exist yet (None when ``path`` exists)."""
    top = None
    for folder in [path, *path.parents]:
        if folder.exists():
            return top
        top = folder
    return top


def read_info(folder: str | Path) -> ExportInfo | None:
    """The manifest of an export folder, or None when it has none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return ExportInfo(**{k: data[k] for k in ExportInfo.__dataclass_fields__ if k in data})
