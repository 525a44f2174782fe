"""Dataset inputs: user files and folders, the shipped slices, and agreement with the training splits."""
import importlib
import json

import pytest
from PIL import Image

from attention_core.atlas.datasets import NAMED, input_kind, read_examples
from attention_core.inputs import InputError


def test_text_csv_and_jsonl_files(tmp_path):
    txt = tmp_path / "in.txt"
    txt.write_text("first line\n\n  second line  \n", encoding="utf-8")
    got = list(read_examples(txt))
    assert [(e.index, e.id, e.input) for e in got] == [(0, "line-1", "first line"), (1, "line-3", "second line")]
    csv = tmp_path / "in.csv"
    csv.write_text('id,text,label\na,"Hello, world",pos\nb,,neg\nc,Bye,\n', encoding="utf-8")
    got = list(read_examples(csv))
    assert [(e.id, e.input, e.label) for e in got] == [("a", "Hello, world", "pos"), ("c", "Bye", None)]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"text": "Jun 1 , 2000", "target": "1 juin 2000", "links": [[0, 1]]}) + "\n")
    (ex,) = read_examples(jsonl)
    assert ex.target == "1 juin 2000" and ex.links == ((0, 1),)
    assert len(list(read_examples(txt, limit=1))) == 1


def test_a_folder_of_images_is_an_image_dataset(tmp_path):
    for name in ("b.png", "a.jpg"):
        Image.new("RGB", (8, 8)).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    assert input_kind(tmp_path) == "image"
    assert [e.id for e in read_examples(tmp_path)] == ["a.jpg", "b.png"]


@pytest.mark.parametrize("content, suffix, message", [
    ('{"txt": "x"}\n', ".jsonl", "no 'text' field"),
    ("not json\n", ".jsonl", "is not JSON"),
    ("a,b\n1,2\n", ".csv", "needs a 'text' column"),
    ("x", ".pdf", "expected .txt"),
])
def test_bad_files_give_one_line_errors(tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        list(read_examples(path))
    with pytest.raises(InputError, match="neither a dataset name"):
        list(read_examples(tmp_path / "missing.txt"))


def test_shipped_dates_slice_carries_gold_links():
    examples = list(read_examples("dates-heldout"))
    assert len(examples) == 100 and all(e.links and e.target for e in examples)


def _training_reader(module: str):
    return importlib.import_module(f"attention_core.data.{module}")


@pytest.mark.parametrize("name, reference", [
    ("bbc-test", lambda m: [t for t, _ in m.split(m.load_articles(), seed=0)["test"]]),
    ("rt-test", lambda m: [t for t, _ in m.split(m.load_snippets(), seed=0)["test"]]),
    ("bible-test", lambda m: [en for _, en, _ in m.split(m.load_pairs())["test"]]),
    ("dates-test", lambda m: [" ".join(p["source"]) for p in m.make_split(seed=1)["test"]]),
])
def test_named_test_splits_are_the_training_scripts_test_splits(name, reference):
    module = {"bbc-test": "bbc", "rt-test": "rotten_tomatoes", "bible-test": "bible", "dates-test": "dates"}[name]
    try:
        mine = [e.input for e in read_examples(name)]
    except InputError as exc:
        pytest.skip(str(exc))
    theirs = [" ".join(t.split()) for t in reference(_training_reader(module))]
    assert len(mine) == len(theirs) > 0
    assert [" ".join(t.split()) for t in mine] == theirs
    assert NAMED[name].description
