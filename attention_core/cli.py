"""``python -m attention_core``: list models and explain one input from the command line."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .inputs import InputError, clean_text, load_image
from .models import ModelLoadError, get_spec, list_models, load_model
from .tasks import InputKind


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m attention_core",
                                     description="Attention Atlas: run models and print their attention.")
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("models", help="list the registered models")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    exp = sub.add_parser("explain", help="run one model and print its output and attention maps")
    exp.add_argument("--model", required=True, help="model id (see `models`)")
    source = exp.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="input text")
    source.add_argument("--image", help="path to an image (PNG, JPEG, WebP)")
    exp.add_argument("--json", action="store_true", help="print JSON")
    return parser


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
    try:
        if args.text is not None:
            if spec.input_kind != InputKind.TEXT:
                return _fail(f"model {spec.id!r} takes an image (--image), not text")
            cleaned = clean_text(args.text)
            inp = cleaned.text
            notices = ([f"input cut to {len(inp)} characters (from {cleaned.original_chars})"]
                       if cleaned.truncated else [])
        else:
            if spec.input_kind != InputKind.IMAGE:
                return _fail(f"model {spec.id!r} takes text (--text), not an image")
            inp, notices = load_image(args.image), []
        result = load_model(spec.id).explain(inp)
    except (InputError, ModelLoadError) as exc:
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
    """Entry point; returns the process exit status (2 for bad input)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return int(exc.code or 0)
    if args.command == "models":
        return _cmd_models(args.json)
    return _cmd_explain(args)
