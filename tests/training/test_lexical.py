"""Lexical baselines: IBM Model 1, the Dice lexicon and the dates aligners do what the cards say they do."""
import datetime as dt

import pytest

from attention_core.data.dates import FORMATS, make_extra_pair, make_pair
from training.baselines import aligner_aer, dice_aligner, identical_else_positional, positional
from training.lexical import NULL, best_translations, detokenize, dice_lexicon, ibm1, word_by_word, words

# Koehn's textbook corpus: only EM over the three pairs can tell "das" → "the" from "das" → "house"
CORPUS = [("das haus".split(), "the house".split()), ("das buch".split(), "the book".split()),
          ("ein buch".split(), "a book".split())]


def test_ibm1_learns_the_lexicon_by_em_and_stays_a_distribution():
    uniform = ibm1(CORPUS, iterations=0)
    assert uniform["das"] == {"the": 1 / 3, "house": 1 / 3, "book": 1 / 3}
    table = ibm1(CORPUS, iterations=10)
    assert table["haus"]["house"] > 0.9 and table["das"]["the"] > 0.9 and table["buch"]["book"] > 0.9
    for row in table.values():
        assert abs(sum(row.values()) - 1) < 1e-9
    lexicon = best_translations(table)
    assert NULL not in lexicon
    assert word_by_word("ein haus".split() + ["zebra"], lexicon) == ["a", "house", "zebra"]   # unseen: copied


def test_french_words_keep_elisions_and_detokenize_as_written():
    tokens = words("Et l'Éternel dit: « Qu'il soit ainsi. »", french=True)
    assert tokens[:4] == ["et", "l'", "éternel", "dit"] and "qu'" in tokens
    assert detokenize(["l'", "homme", ",", "dit", "-", "il", "."]) == "l'homme, dit - il."
    assert words("Yahweh's eyes.") == ["yahweh", "'", "s", "eyes", "."]


def test_dice_lexicon_counts_each_token_once_per_pair():
    lexicon = dice_lexicon([(["a", "a", "b"], ["x"]), (["b"], ["y"])])
    assert lexicon[("a", "x")] == 1.0 and lexicon[("b", "x")] == 2 / 3 and ("a", "y") not in lexicon


def test_the_three_date_aligners_on_pairs_with_known_links():
    medium = make_pair(dt.date(2026, 11, 23), "medium")            # Nov 23 , 2026 → 23 nov. 2026
    numeric = make_extra_pair(dt.date(2026, 12, 3), "numeric")     # 12 / 03 / 2026 → 03 / 12 / 2026 (crossing)
    examples = [medium, numeric]
    assert aligner_aer([medium], positional) > 0.5
    # identical spelling finds the numbers, not "Nov" → "nov."
    assert [identical_else_positional(medium["source"], medium["target"], t) for t in (0, 1, 2)] == [1, 1, 3]
    assert aligner_aer([medium], identical_else_positional) == 1 - 2 * 2 / 6
    assert aligner_aer([numeric], identical_else_positional) == 0.0
    # a lexicon from other dates (2 months × 3 formats + numeric): "Nov" ↔ "nov." co-occur every time
    training = [make_pair(dt.date(2025, month, day), fmt) for month in (11, 12) for day in range(1, 29, 3)
                for fmt in FORMATS] + [make_extra_pair(dt.date(2025, 12, day), "numeric") for day in range(1, 29)]
    align = dice_aligner(dice_lexicon((p["source"], p["target"]) for p in training))
    assert align(medium["source"], medium["target"], 1) == 0
    assert aligner_aer(examples, align) == 0.0


def test_top_k_table_keeps_each_source_ids_most_probable_targets_and_drops_null():
    from training.lexical import top_k_table
    table = ibm1([([1, 2], [3, 4]), ([1], [3]), ([2], [4, 5])], iterations=10)
    index, prob = top_k_table(table, vocab_size=6, k=2)
    assert index.shape == (6, 2) and index[1, 0] == 3 and index[2, 0] == 4
    assert prob[1, 0] == max(table[1].values()) and prob[1, 0] >= prob[1, 1]
    assert not prob[0].any() and not prob[3].any()           # NULL (no id) and a target-only id: empty rows
    assert (prob.sum(1) <= 1 + 1e-6).all()


def test_paired_verdicts_say_above_below_and_on_par_against_the_lexical_output():
    from training.baselines import paired_verdicts
    refs = [f"le chat {i} dort sur le tapis rouge" for i in range(40)]
    pairs = [("en", "en", r) for r in refs]
    lexical = [f"chat {i} dormir tapis" for i in range(40)]
    # the lexical output except on 4 verses: two copy the reference, two say only "chat"
    mixed = [lexical[i] if i % 10 else (refs[i] if i % 20 else "chat") for i in range(40)]
    out = paired_verdicts(lexical, {"copy": list(refs), "worse": ["rien"] * 40, "same": list(lexical),
                                    "mixed": mixed}, pairs, 200)
    assert out["copy"]["bleu"]["verdict"] == "above" and out["copy"]["chrf"]["verdict"] == "above"
    assert out["worse"]["chrf"]["verdict"] == "below" and out["same"]["bleu"]["verdict"] == "on par"
    assert out["mixed"]["chrf"]["p_value"] >= 0.05 and out["mixed"]["chrf"]["verdict"] == "on par"


def test_a_systems_paired_verdict_does_not_depend_on_the_other_systems_compared():
    """What ``training.baselines --family bible --only`` relies on to keep the other models' verdicts."""
    from training.baselines import paired_verdicts, versus_lexical
    refs = [f"le chat {i} dort sur le tapis rouge" for i in range(40)]
    pairs = [("en", "en", r) for r in refs]
    lexical = [f"chat {i} dormir tapis" for i in range(40)]
    mixed = [lexical[i] if i % 10 else refs[i] for i in range(40)]
    alone = paired_verdicts(lexical, {"mixed": mixed}, pairs, 200)
    together = paired_verdicts(lexical, {"worse": ["rien"] * 40, "mixed": mixed, "copy": list(refs)}, pairs, 200)
    assert alone["mixed"] == together["mixed"]
    with pytest.raises(SystemExit, match="unknown mechanism"):
        versus_lexical(lexical, pairs, mechanisms=["no-such-mechanism"])
