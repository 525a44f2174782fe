"""The project's layering rules (issue 19 items 1 and 4), checked on the source: the library imports nothing from
``training/``, and no consumer outside ``attention_core/models/`` picks models by task (by comparing a task or
naming a ``Task`` member): consumers ask for capabilities instead."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _sources(*folders: str):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("package", ["attention_core", "dashboard"])
def test_the_library_and_the_app_import_nothing_from_training(package):
    found = []
    for path in _sources(package):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.split(".")[0] == "training"]
    assert not found, found


def test_no_task_dispatch_outside_the_models_package():
    found = []
    models = ROOT / "attention_core" / "models"
    for path in _sources("attention_core", "dashboard", "benchmarks", "demos"):
        if models in path.parents or path.name == "tasks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # Task.TRANSLATION and friends, or anything compared with a `.task`
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Task":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} Task.{node.attr}")
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Attribute) and s.attr == "task" for s in sides):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} compares .task")
    assert not found, found
