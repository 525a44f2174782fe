"""DuckDB queries on a tiny hand-made export."""
import numpy as np
import pyarrow.parquet as pq
import pytest

from attention_core import AttentionMap, Explanation
from attention_core.outputs import ClassDistribution, TokenSequence, Translation
from attention_core.atlas import query as q
from attention_core.atlas.datasets import Example
from attention_core.atlas.rows import explanation_rows, rows_table


def _write(folder, rows):
    folder.mkdir()
    pq.write_table(rows_table(rows), folder / "part-0.parquet")
    return folder


def _sentence(text, weights, label, index):
    words = text.split()
    amap = AttentionMap("structured-self-attention", ["hop 1"], words, np.array([weights], dtype=float))
    ex = Example(index, f"s{index}", text, label=label)
    return explanation_rows(Explanation("toy/clf", ClassDistribution(label, {label: 1.0}), [amap]), ex,
                            task="sentence-classification", dataset="toy")


@pytest.fixture
def classifier_export(tmp_path):
    rows = []
    # "the" is in every sentence and takes a fair share each time; "great" / "awful" are rarer but
    # take most of their sentence's weight
    for i in range(6):
        rows += _sentence("the film was great", [0.3, 0.1, 0.1, 0.5], "pos", i)
        rows += _sentence("the plot was awful", [0.3, 0.1, 0.1, 0.5], "neg", 10 + i)
        rows += _sentence("the end", [0.6, 0.4], "pos", 20 + i)
    rows += _sentence("a masterpiece", [0.0, 1.0], "pos", 99)          # seen once: below min_count
    return _write(tmp_path / "clf", rows)


def test_class_words_are_frequency_normalised(classifier_export):
    con = q.connect([classifier_export])
    words = q.class_words(con, "toy/clf", by="label", min_count=2, top=3)
    pos = words[words["class"] == "pos"]
    assert pos["word"].iloc[0] == "great" and pos["lift"].iloc[0] == pytest.approx(2.0)
    assert pos["specificity"].iloc[0] == pytest.approx(1.0)            # "great" is only in "pos"
    the = pos[pos["word"] == "the"]
    assert the["occurrences"].iloc[0] == 12 and the["lift"].iloc[0] < pos["lift"].iloc[0]
    assert "masterpiece" not in set(words["word"])             # below the minimum count
    assert words[words["class"] == "neg"]["word"].iloc[0] == "awful"
    assert q.overview(con)["accuracy"].iloc[0] == 1.0


def _heads(tokens, index, patterns):
    n = len(tokens)
    maps = []
    for k, pattern in enumerate(patterns):
        w = {"prev": np.eye(n)[np.maximum(np.arange(n) - 1, 0)], "self": np.eye(n),
             "first": np.eye(n)[np.zeros(n, dtype=int)]}[pattern]
        maps.append(AttentionMap("multi-head", tokens, tokens, w, layer=k // 2, head=k % 2))
    return explanation_rows(Explanation("toy/enc", TokenSequence(tokens, 1, 2), maps), Example(index, f"e{index}", " ".join(tokens)),
                            task="encoder", dataset="toy", keep_weights=index == 0)


def test_head_atlas_clusters_heads_that_attend_alike(tmp_path):
    rows = []
    for i, tokens in enumerate([["[CLS]", "a", "b", "c", "[SEP]"], ["[CLS]", "x", "y", "[SEP]"]]):
        rows += _heads(tokens, i, ["prev", "first", "prev", "self"])
    con = q.connect([_write(tmp_path / "enc", rows)])
    atlas = q.head_atlas(con, "toy/enc")
    assert atlas.distance.shape == (4, 4) and atlas.examples == 2
    where = {label: i for i, label in enumerate(atlas.labels)}
    # the two previous-token heads (L0H0, L1H0) are identical: distance 0, and adjacent in the order
    assert atlas.distance[where["L0H0"], where["L1H0"]] == pytest.approx(0.0, abs=1e-3)
    assert abs(where["L0H0"] - where["L1H0"]) == 1
    assert atlas.distance[where["L0H0"], where["L1H1"]] > 0.5
    table = atlas.table.set_index("label")
    assert table.loc["L1H1", "diag_distance"] == pytest.approx(0.0)
    assert table.loc["L0H1", "special_mass"] == pytest.approx(1.0)
    assert atlas.profile[where["L1H1"]].argmax() == 5                 # offset 0 for the self head
    first = q.head_examples(con, "toy/enc", 0, 0)
    assert list(first["example_index"]) == [0, 1] and list(first["stored"]) == [True, False]
    maps = q.example_maps(con, "toy/enc", 0)
    assert len(maps) == 4 and maps[0].shape == (5, 5)
    assert q.example_maps(con, "toy/enc", 1) == [None] * 4          # statistics only


def test_translation_points_and_missing_exports(tmp_path):
    ex = Example(0, "d", "June 19 , 2016", target="19 juin 2016", links=((0, 1), (1, 0), (2, 3)))
    amap = AttentionMap("luong-dot", ["19", "juin", "2016", "</s>"], ["June", "19", ",", "2016", "</s>"],
                        np.eye(5)[[1, 0, 3, 4]])
    rows = explanation_rows(Explanation("toy/mt", Translation("19 juin 2016"), [amap]), ex, task="translation", dataset="t")
    con = q.connect([_write(tmp_path / "mt", rows)])
    points = q.translation_points(con, ["toy/mt"])
    assert points["aer"].iloc[0] == 0.0 and points["bleu"].iloc[0] == pytest.approx(100.0)
    assert q.translation_points(con, ["other/model"]).empty          # only the models asked for
    with pytest.raises(FileNotFoundError):
        q.connect([tmp_path / "empty"])
