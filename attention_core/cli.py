"""``python -m attention_core``: list models, explain one input, export a dataset's maps to Parquet,
measure faithfulness over a test set."""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from .inputs import InputError, clean_text, load_image
from .models import ExplainError, ModelLoadError, get_spec, list_models, load_model
from .tasks import InputKind


INTERRUPTED = "interrupted; nothing written"


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (the usage stays behind ``--help``); subcommands inherit it."""

    def error(self, message: str) -> NoReturn:
        """Print ``error: <message>`` as one line on stderr and exit 2."""
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number ≥ ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    parse.__name__ = f"whole number ≥ {minimum}"
    return parse


def output_folder(text: str) -> Path:
    """An argparse ``type`` for ``--out``: an existing writable folder, or a path that can be created there.

    Nothing is created: the command makes the folder only once it has something to write.
    """
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    base = next(p for p in [path, *path.absolute().parents] if p.exists())
    if not base.is_dir():
        raise argparse.ArgumentTypeError(f"{text} cannot be created: {base} is a file, not a folder")
    try:   # a real probe: permission bits alone miss read-only mounts, and root ignores them
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        if exc.errno == errno.ENOENT:
            reason = "no files can be created there"
        raise argparse.ArgumentTypeError(f"cannot write to {text} ({base}: {reason})") from None
    return path


def existing_file(text: str) -> Path:
    """An argparse ``type``: a file that exists."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file" if path.is_dir() else
                                         f"no such file: {text}")
    return path


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m attention_core",
                     description="Attention Atlas: run models and print their attention.")
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("models", help="list the registered models")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    exp = sub.add_parser("explain", help="run one model and print its output and attention maps")
    exp.add_argument("--model", required=True,
                     help="model id (see `models`), or hf:PATH for your own Hugging Face model folder")
    source = exp.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="input text")
    source.add_argument("--image", help="path to an image (PNG, JPEG, WebP)")
    exp.add_argument("--json", action="store_true", help="print JSON")
    _add_export(sub)
    faith = sub.add_parser("faithfulness", help="attention vs attribution and erasure over a test set → JSON")
    faith.add_argument("--model", action="append", help="model id (repeatable)")
    faith.add_argument("--measure", default="agreement", choices=["agreement", "eraser", "weights", "randomisation", "localisation"],
                       help="agreement: Kendall τ, input-token erasure, uniform attention (default); eraser: "
                            "comprehensiveness and sufficiency (AOPC) of every ranking, two removal operators; "
                            "weights: Serrano & Smith's interventions on the attention weights (classifiers, translators); "
                            "randomisation: Adebayo et al.'s cascading re-initialisation (Lin, HAN, translators, "
                            "MiniLM, DINOv2-S); localisation: DINOv2's [CLS] attention against the scenes' object masks")
    faith.add_argument("--all", action="store_true", help="every shipped classifier and translator, and MiniLM")
    faith.add_argument("--n", type=_at_least(1), help="first N held-out examples (default per kind)")
    where = faith.add_mutually_exclusive_group()
    where.add_argument("--out", type=output_folder, help="folder to write <model id>/faithfulness.json into")
    where.add_argument("--ship", action="store_true",
                       help="write into the shipped weights (attention_core/weights/<model id>/), which the "
                            "dashboard reads")
    faith.add_argument("--docs", type=existing_file, help="also rewrite the faithfulness tables in this Markdown file")
    faith.add_argument("--threads", type=_at_least(1), default=2, help="torch CPU threads")
    faith.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def _add_export(sub: argparse._SubParsersAction) -> None:
    from .atlas.datasets import NAMED
    ex = sub.add_parser("export", help="run a model over a dataset and write one Parquet row per attention map")
    ex.add_argument("--model", required=True, help="model id (see `models`)")
    ex.add_argument("--dataset", required=True,
                    help=f"a name ({', '.join(NAMED)}), a .txt/.csv/.jsonl file or a folder of images")
    ex.add_argument("--out", required=True, type=output_folder, help="output folder (Parquet files + atlas.json)")
    ex.add_argument("--limit", type=_at_least(1), help="first N examples only")
    ex.add_argument("--engine", choices=["ray", "local"], help="default: ray when installed, else local")
    ex.add_argument("--address", help="Ray cluster address (e.g. auto, or HEAD:6379 after `ray start --head --port 6379`; ray:// needs "
                         "ray[client]); default: a local Ray")
    ex.add_argument("--workers", type=_at_least(1), default=2, help="model actors on Ray (default 2)")
    ex.add_argument("--batch-size", type=_at_least(1), default=8, help="examples per batch (default 8)")
    ex.add_argument("--keep-weights", type=_at_least(0), help="store full weights for the first N examples only")
    ex.add_argument("--overwrite", action="store_true", help="replace an export already in --out")


def _cmd_export(args: argparse.Namespace) -> int:
    from .atlas.export import export
    try:
        info = export(args.model, args.dataset, args.out, limit=args.limit, engine=args.engine,
                      batch_size=args.batch_size, workers=args.workers, address=args.address,
                      keep_weights=args.keep_weights, overwrite=args.overwrite)
    except (InputError, ModelLoadError, ExplainError) as exc:
        return _fail(str(exc))
    print(f"{info.maps} maps from {info.examples} examples of {info.dataset} by {info.model} "
          f"({info.engine}, {info.seconds:.1f} s) → {args.out}")
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _cmd_models(as_json: bool) -> int:
    rows = [s.summary() for s in list_models()]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No models are registered yet.")
        return 0
    width = max(len(r["id"]) for r in rows)
    print(f"{'id':<{width}}  {'task':<24} {'mechanism':<18} description")
    for r in rows:
        flag = "" if r["available"] else f"  [not available: {r['problem']}]"
        print(f"{r['id']:<{width}}  {r['task']:<24} {r['mechanism']:<18} {r['description']}{flag}")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    try:
        spec = get_spec(args.model)
    except KeyError as exc:
        return _fail(str(exc.args[0]))
    except ModelLoadError as exc:       # an hf:<folder or hub id> that holds no readable model
        return _fail(str(exc))
    try:
        if args.text is not None:
            if spec.input_kind != InputKind.TEXT:
                return _fail(f"model {spec.id!r} takes an image (--image), not text")
            cleaned = clean_text(args.text, max_chars=spec.max_chars)
            inp = cleaned.text
            notices = ([f"input cut to {len(inp)} characters (from {cleaned.original_chars})"]
                       if cleaned.truncated else [])
        else:
            if spec.input_kind != InputKind.IMAGE:
                return _fail(f"model {spec.id!r} takes text (--text), not an image")
            inp, notices = load_image(args.image), []
        result = load_model(spec.id).explain(inp)
    except (InputError, ModelLoadError, ExplainError) as exc:
        return _fail(str(exc))
    result.notices[:0] = notices
    if args.json:
        print(result.to_json())
        return 0
    print(f"model:  {result.model}")
    print(f"output: {result.output}")
    for note in result.notices:
        print(f"note:   {note}")
    for amap in result.maps:
        print(f"\n[{amap.title}]  {amap.shape[0]} × {amap.shape[1]}")
        frame = amap.to_frame().round(3)
        print(frame.to_string(max_rows=40, max_cols=16))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (2 for bad input, 130 after Ctrl-C)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:   # every command writes its results only at the end (export: moved into place)
        print(INTERRUPTED, file=sys.stderr)
        return 130


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line error (or --help)
        return int(exc.code or 0)
    try:
        if args.command == "models":
            return _cmd_models(args.json)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "faithfulness":   # imports Captum: only for this command
            from .attribution.faithfulness import run_cli
            return run_cli(args)
        return _cmd_explain(args)
    except BrokenPipeError:
        # the reader went away (``… | head``): nothing more to say, and no traceback. Point stdout at
        # /dev/null so the interpreter's final flush does not fail on the closed pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
