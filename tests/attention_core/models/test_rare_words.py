"""The attention-guided rare-word rule (attention_core/models/rare_words.py) and its one path through decoding."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import torch
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models import load_model
from attention_core.models.decoding import beam_search, greedy_batch
from attention_core.models.rare_words import Forcing, build_rule, load_rule, supplied_notice
from attention_core.models.seq2seq import EOS

TOK = Tokenizer.from_file(str(WEIGHTS_DIR / "bible-en-fr" / "tokenizer.json"))
LEXICON = {"entries": {"jehoiakim": {"french": "joakim", "count": 1, "prob": 0.8},
                       "god": {"french": "dieu", "count": 3000, "prob": 0.9},
                       "said": {"french": "dit", "count": 3, "prob": 0.05}}}
SOURCE = "jehoiakim said to god ."


@contextmanager
def restored(model):
    """The block may set ``model.rare_words`` freely: the model's own rule comes back after it."""
    own = model.rare_words
    try:
        yield model
    finally:
        model.rare_words = own


def rule(**settings):
    return build_rule({"max_count": 4, "min_mass": 0.3, "min_prob": 0.1, **settings}, LEXICON, TOK)


def step_inputs(word_start: bool = True, on: slice = slice(0, 4), mass: float = 0.7):
    """Log-probs whose best token does (not) begin a word, and an attention row with ``mass`` on ``on``."""
    logprobs = torch.full((TOK.get_vocab_size(),), -10.0)
    logprobs[TOK.token_to_id("▁et" if word_start else "ak")] = -0.1
    ids = TOK.encode(SOURCE).ids + [EOS]
    weights = torch.full((len(ids),), (1 - mass) / (len(ids) - (on.stop - on.start)))
    weights[on] = mass / (on.stop - on.start)
    return logprobs, weights, ids


def test_words_are_grouped_as_the_lexicon_splits_them_and_only_rare_ones_qualify():
    r = rule()
    words = r.source_words(TOK.encode(SOURCE).ids + [EOS])
    assert words.texts == ("jehoiakim", "said", "to", "god", ".")
    assert list(words.rare) == [0]                                  # "god" is frequent, "said" below min_prob
    assert rule(min_prob=0.0).source_words(TOK.encode(SOURCE).ids).rare.keys() == {0, 1}
    assert r.source_words(TOK.encode("don't (now).").ids).texts == ("don", "'", "t", "(", "now", ")", ".")


def test_a_rare_word_under_attention_gets_its_lexicon_word_once():
    r = rule()
    logprobs, weights, ids = step_inputs()
    words = r.source_words(ids)
    pieces = TOK.encode("joakim").ids
    assert len(pieces) > 1                                          # the test needs the pending pieces
    emitted, state = [], Forcing()
    for _ in range(len(pieces)):
        token, state = r.step(words, state, logprobs, weights)      # pending pieces win whatever the model prefers
        emitted.append(token)
    assert emitted == pieces and state.supplied == (("jehoiakim", "joakim"),) and state.closing
    after = Forcing(used=state.used, supplied=state.supplied)
    assert r.step(words, state, logprobs, weights) == (None, after)   # used once
    assert r.step(words, after, logprobs, weights) == (None, after)


def test_the_piece_after_a_lexicon_word_never_extends_it():
    # the decoder may still be spelling its own word ("caïn" + "ait"): its continuation piece would glue on
    r = rule()
    logprobs, weights, ids = step_inputs(word_start=False)          # best: the continuation piece "ak"
    logprobs[TOK.token_to_id(",")] = -2.0                           # the best piece that starts no word's middle
    words = r.source_words(ids)
    closing = Forcing(used=frozenset({0}), supplied=(("jehoiakim", "joakim"),), closing=True)
    token, state = r.step(words, closing, logprobs, weights)
    assert token == TOK.token_to_id(",") and not state.closing
    assert r.step(words, state, logprobs, weights) == (None, state)     # one step only: then the model again
    logprobs[TOK.token_to_id("▁et")] = -0.05                        # a word start is the model's to keep
    assert r.step(words, closing, logprobs, weights) == (None, state)


@pytest.mark.parametrize("case", ["frequent word", "too little mass", "inside a word"])
def test_the_rule_leaves_the_model_alone(case):
    r = rule()
    logprobs, weights, ids = step_inputs(word_start=case != "inside a word",
                                         on=slice(6, 7) if case == "frequent word" else slice(0, 4),
                                         mass=0.25 if case == "too little mass" else 0.7)
    assert r.step(r.source_words(ids), Forcing(), logprobs, weights) == (None, Forcing())


def test_disagree_lets_the_model_spell_a_word_it_starts_itself():
    r = rule(when="disagree")
    logprobs, weights, ids = step_inputs()
    words = r.source_words(ids)
    token, state = r.step(words, Forcing(), logprobs, weights)
    assert token == TOK.encode("joakim").ids[0]                     # the model wanted "▁et": it disagrees
    logprobs[token] = 0.0                                           # now the model's own best is the lexicon's
    assert r.step(words, Forcing(), logprobs, weights) == (None, Forcing(used=frozenset({0})))
    with pytest.raises(ValueError):
        rule(when="sometimes")


def test_without_the_key_there_is_no_rule_and_a_silent_rule_changes_nothing():
    assert load_rule({"model": {}}, WEIGHTS_DIR / "bible-en-fr", TOK) is None
    assert load_model("dates-en-fr/bahdanau").model.rare_words is None
    model = load_model("bible-en-fr/luong-dot").model
    src = torch.tensor([TOK.encode(SOURCE).ids + [EOS]])
    lengths = torch.tensor([src.shape[1]])
    with restored(model):
        model.rare_words = None
        plain, plain_beam = greedy_batch(model, src, lengths)[0], beam_search(model, src, lengths, beam=3)
        model.rare_words = build_rule({"max_count": 4}, {"entries": {}}, TOK)   # nothing in the source is in it
        silent, silent_beam = greedy_batch(model, src, lengths)[0], beam_search(model, src, lengths, beam=3)
    assert (silent.tokens, silent.score) == (plain.tokens, plain.score) and silent.rare == Forcing()
    assert all(torch.equal(a, b) for a, b in zip(silent.weights, plain.weights)) and plain.rare is None
    assert (silent_beam.tokens, silent_beam.score) == (plain_beam.tokens, plain_beam.score)


def every_word_rare(text: str) -> dict:
    """A lexicon that knows every word of ``text`` as seen once, each translated by a distinct French word."""
    french = ["maison", "pain", "terre", "ciel", "roi", "mer", "vent", "feu", "pierre", "arbre"]
    return {"entries": {w: {"french": f, "count": 1, "prob": 0.5}
                        for w, f in zip(dict.fromkeys(text.lower().split()), french)}}


@pytest.mark.parametrize("mechanism", ["bahdanau", "local-p"])
def test_greedy_and_beam_one_agree_and_each_supplied_word_is_written_once(mechanism):
    text = "jehoiakim loved the king"
    model = load_model(f"bible-en-fr/{mechanism}").model
    src = torch.tensor([TOK.encode(text).ids + [EOS]])
    lengths = torch.tensor([src.shape[1]])
    with restored(model):
        model.rare_words = build_rule({"max_count": 1, "min_mass": 0.0}, every_word_rare(text), TOK)
        greedy = greedy_batch(model, src, lengths, max_len=30)[0]
        one = beam_search(model, src, lengths, beam=1, max_len=30)
        four = beam_search(model, src, lengths, beam=4, max_len=30)
    assert greedy.tokens == one.tokens and greedy.rare == one.rare
    assert greedy.score == pytest.approx(one.score, abs=1e-4)
    for hyp in (greedy, four):
        assert hyp.rare.supplied and len(hyp.weights) == len(hyp.tokens)
        english = [en for en, _ in hyp.rare.supplied]
        assert len(english) == len(set(english))                      # each rare source word used once
        for _, fr in hyp.rare.supplied:
            pieces = TOK.encode(fr).ids
            assert any(hyp.tokens[i:i + len(pieces)] == pieces for i in range(len(hyp.tokens)))


def test_the_translator_says_which_words_the_lexicon_wrote():
    text = "jehoiakim loved the king"
    translator = load_model("bible-en-fr/luong-concat")
    with restored(translator.model):
        translator.model.rare_words = build_rule({"max_count": 1, "min_mass": 0.0}, every_word_rare(text), TOK)
        result = translator.explain(text)
    supplied = result.maps[0].meta["lexicon_words"]
    notice = next(n for n in result.notices if n.startswith("Supplied by a word lexicon"))
    assert supplied and all(f"{en} → {fr}" in notice for en, fr in supplied)
    assert all(fr in str(result.output) for _, fr in supplied)
    assert supplied_notice(Forcing(), translator.model.rare_words) is None


def test_a_forced_piece_counts_as_the_model_scores_it_or_as_the_steps_best():
    logprobs, _, _ = step_inputs()
    token = TOK.encode("joakim").ids[0]
    assert float(rule().forced_logprob(logprobs, token)) == -10.0                 # the model's own log-prob
    assert float(rule(score="best").forced_logprob(logprobs, token)) == pytest.approx(-0.1)   # the word it replaced
    with pytest.raises(ValueError):
        rule(score="free")


def test_a_rule_declared_for_greedy_only_leaves_beam_search_as_it_was():
    text = "jehoiakim loved the king"
    model = load_model("bible-en-fr/luong-dot").model
    src = torch.tensor([TOK.encode(text).ids + [EOS]])
    lengths = torch.tensor([src.shape[1]])
    with restored(model):
        model.rare_words = None
        plain = beam_search(model, src, lengths, beam=4, max_len=30)
        model.rare_words = build_rule({"max_count": 1, "beam": False}, every_word_rare(text), TOK)
        greedy_only = beam_search(model, src, lengths, beam=4, max_len=30)
        forced = greedy_batch(model, src, lengths, max_len=30)[0]
    assert (greedy_only.tokens, greedy_only.score, greedy_only.rare) == (plain.tokens, plain.score, None)
    assert forced.rare.supplied                                       # greedy decoding still applies it


GUARDED = {"entries": {**LEXICON["entries"],
                       # IBM-1's garbage for a word seen once: the reverse direction ranks "shares" second for it
                       "shares": {"french": "bienveillant", "count": 1, "prob": 0.11, "reverse_prob": 0.15,
                                  "reverse_rank": 2}}}


def test_the_bidirectional_guard_drops_an_entry_the_reverse_direction_does_not_back():
    ids = TOK.encode("shares jehoiakim").ids
    bare = build_rule({"max_count": 4}, GUARDED, TOK)
    assert set(bare.source_words(ids).rare.values()) == {bare.entries["shares"], bare.entries["jehoiakim"]}
    for guard in ({"min_joint_prob": 0.05}, {"max_reverse_rank": 1}):
        kept = build_rule({"max_count": 4, **guard}, GUARDED, TOK).source_words(ids).rare
        # "jehoiakim" carries no reverse fields (a lexicon from before them): it counts as backed both ways
        assert [e.french for e in kept.values()] == ["joakim"]
    assert build_rule({"max_count": 4, "min_joint_prob": 0.01}, GUARDED, TOK).source_words(ids).rare.keys() == {0, 1}


def test_a_sure_model_keeps_its_word_and_the_source_word_is_spent():
    logprobs, weights, ids = step_inputs()                          # the model's best, "▁et", at p = e^-0.1 ≈ 0.905
    sure = rule(max_model_prob=0.9)
    words = sure.source_words(ids)
    assert sure.step(words, Forcing(), logprobs, weights) == (None, Forcing(used=frozenset({0})))
    unsure = rule(max_model_prob=0.95)
    assert unsure.step(words, Forcing(), logprobs, weights)[0] == TOK.encode("joakim").ids[0]
    with pytest.raises(ValueError):
        rule(max_model_prob=1.5)


def test_a_lexicon_word_the_model_finds_absurd_here_is_not_forced_and_the_source_word_waits():
    logprobs, weights, ids = step_inputs()                          # the model gives "▁jo" (joakim's start) e^-10
    picky = rule(min_lexicon_prob=1e-3)
    words = picky.source_words(ids)
    assert picky.step(words, Forcing(), logprobs, weights) == (None, Forcing())     # not spent: it may fit later
    first = TOK.encode("joakim").ids[0]
    logprobs[first] = -2.0                                          # now plausible (p ≈ 0.14)
    assert picky.step(words, Forcing(), logprobs, weights)[0] == first


def test_the_models_own_form_of_the_lexicon_word_is_kept_and_the_source_word_is_spent():
    logprobs, weights, ids = step_inputs()
    own = TOK.encode("joachim").ids[0]                              # another spelling, same first letters
    logprobs[own] = 0.0
    assert TOK.id_to_token(own).lstrip("▁")[:2] == "jo"
    for n, kept in ((2, True), (len("joakim") + 1, False)):         # shares 2+ letters, not 7
        r = rule(keep_inflection=n)
        token, state = r.step(r.source_words(ids), Forcing(), logprobs, weights)
        assert (token is None, state.used) == ((True, frozenset({0})) if kept else (False, frozenset({0})))
    with pytest.raises(ValueError):
        rule(keep_inflection=0)


def test_a_frequent_little_word_goes_first_and_the_lexicon_word_may_follow():
    lexicon = {**LEXICON, "frequent_french": ["de", "et", "la"]}
    r = build_rule({"max_count": 4, "min_mass": 0.3, "min_prob": 0.1, "defer_frequent": 2}, lexicon, TOK)
    logprobs, weights, ids = step_inputs()                          # the model's best: "▁et", the 2nd most frequent
    words = r.source_words(ids)
    assert r.step(words, Forcing(), logprobs, weights) == (None, Forcing())   # the model writes "et"; word not spent
    narrow = build_rule({"max_count": 4, "min_mass": 0.3, "min_prob": 0.1, "defer_frequent": 1}, lexicon, TOK)
    assert narrow.step(words, Forcing(), logprobs, weights)[0] == TOK.encode("joakim").ids[0]   # "et" not in top 1
    with pytest.raises(ValueError, match="rebuild"):
        build_rule({"max_count": 4, "defer_frequent": 5}, lexicon, TOK)


# The bare rule (luong-general's shipped rule without its guard keys) on luong-general's run-15 weights. Until run 15
# this held run 13's code's outputs on the replaced weights ("parlez-vous parvient les enfants d'israël.", unto →
# parvient; shares → bienveillant, report → répandit), which the guard-aware code reproduced; run 15 replaced the
# weights, so the outputs were recorded again with the code that had passed that replay.
RUN13 = {"And the Lord spake unto Moses, saying, Speak unto the children of Israel.":
         ("le seigneur s'abandonnent à moïse, et dit: parle aux enfants d'israël.", []),
         "Shares of the chipmaker fell sharply after the earnings report.":
         ("bienveillant les changi, tomba après les oreille, après les oreille des prêts.",
          [("shares", "bienveillant")])}


def test_a_rule_without_the_guard_keys_decodes_as_run_13():
    import json
    model = load_model("bible-en-fr/luong-general").model
    config = json.loads((WEIGHTS_DIR / "bible-en-fr" / "luong-general" / "config.json").read_text())
    bare = {k: v for k, v in config["rare_words"].items()
            if k not in ("min_joint_prob", "max_reverse_rank", "max_model_prob", "min_lexicon_prob",
                         "keep_inflection", "defer_frequent")}
    with restored(model):
        model.rare_words = load_rule({"rare_words": bare}, WEIGHTS_DIR / "bible-en-fr", TOK)
        for text, (french, supplied) in RUN13.items():
            ids = TOK.encode(text).ids + [EOS]
            hyp = greedy_batch(model, torch.tensor([ids]), torch.tensor([len(ids)]), max_len=120)[0]
            assert (TOK.decode([t for t in hyp.tokens if t != EOS]), list(hyp.rare.supplied)) == (french, supplied)
