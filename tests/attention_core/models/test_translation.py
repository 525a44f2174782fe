"""Shipped translation models: load, decode with one attention row per token, stay above their card's floor."""
import pytest
import sacrebleu
import torch

from attention_core.models import load_model
from attention_core.models.decoding import beam_search, greedy_batch
from attention_core.models.seq2seq import EOS, MECHANISM_LABELS
from attention_core.models.translation import heldout

MECHANISMS = list(MECHANISM_LABELS)
# Regression guards a little under the numbers measured on the shipped float16 weights (with the lexical bias;
# local-p after run 10, Bahdanau after run 11, dot, general, concat, local-m and top-k after run 12 — dot and general
# retrained, general, concat, local-m and top-k with their λ on the bias) over the held-out slice (the first 40 clean
# test verses, bounded decoding: BLEU 19.0, 15.5, 14.8, 18.4, 11.8, 11.7, 18.1 in MECHANISMS order; before run 12
# 19.0, 15.4, 11.9, 16.2, 11.6, 11.7, 18.4; before run 11 Bahdanau 18.2 and top-k 14.6; local-p before run 10 3.9; after run 8 local-m 11.2 and top-k 16.6; run 7: 18.7, 15.4, 11.9, 19.3, 14.5, 3.8, 15.6 — runs 8 and 9 were chosen on validation, where
# the shipped models gained; 40 verses are a noisy slice; before the bias 11.7, 11.7, 9.2, 17.3, 9.3, 2.5, 12.0).
# Run 13 added the rare-word lexicon (the shipped system is model + lexicon; greedy here): 18.1, 17.2, 14.1, 20.7,
# 16.0, 13.3, 20.4; the models alone on the same slice 18.9, 15.5, 14.8, 18.4, 11.8, 12.9, 18.1 (Bahdanau and general
# lose 0.8 and 0.7 on these 40 verses while gaining on the 496 test verses).
# Run 14 added each model's guard on the lexicon (chosen on validation): 20.0, 16.6, 13.5, 20.1, 16.1, 12.8, 20.4.
# Run 15 rebuilt general, local-m and top-k on concat's backbone (chosen on validation): 21.6, 19.4 and 22.6 (were
# 13.5, 16.1 and 20.4).
# Run 17 rebuilt dot on concat's backbone and local-p on run 15's local-m (chosen on validation): 20.6 and 18.2 (were
# 17.1 and 12.8). Run 17b chose local-p's λ again on validation (1 → 1.3): 18.6.
BLEU_FLOOR = {"bahdanau": 19.5, "luong-dot": 20.0, "luong-general": 21.0, "luong-concat": 19.6, "local-m": 18.8,
              "local-p": 18.0, "local-p-topk": 22.0}
# Dates (D = 2, trained on the CLDR and the extra formats; the shipped seed of three, chosen on validation), AER on
# the 100 held-out dates: 0.00, 0.00, 0.00, 0.00, 0.30, 0.61, 0.00 (MECHANISMS order). The aligners on the same slice:
# positional 0.818, identical string else positional 0.212, Dice lexicon 0.000.
AER_CEILING = {"bahdanau": 0.05, "luong-dot": 0.05, "luong-general": 0.05, "luong-concat": 0.05, "local-m": 0.36,
               "local-p": 0.66, "local-p-topk": 0.05}
# Exact-match floors on the 100 held-out dates (measured on all 600: 1.00, except local-p 0.998):
# an alignment ceiling alone would pass a model that no longer translates.
EXACT_FLOOR = {m: 0.95 for m in MECHANISMS}
RUNAWAY_MODEL = "local-m"     # a shipped dates model that keeps writing "/" after a string of slashes
LEXICON_NOTICE = "Supplied by a word lexicon"   # the rare-word rule's notice (attention_core/models/rare_words.py)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_bible_model_decodes_with_one_row_per_token_and_keeps_its_bleu(mechanism):
    model = load_model(f"bible-en-fr/{mechanism}")
    # the decode-time weight on the lexical bias is the one its config.json declares (1 when it declares none)
    assert model.model.lexicon_weight == model.config["model"].get("lexicon_weight", 1.0)
    result = model.explain("In the beginning God created the heavens and the earth.")
    amap = result.maps[0]
    assert amap.queries[-1] == "</s>" or len(amap.queries) == 120     # ends with the end token unless capped
    assert amap.keys[-1] == "</s>" and amap.keys[0] == "in"
    sums = amap.weights.sum(1)
    if mechanism == "local-p":
        assert (sums <= 1 + 1e-6).all() and amap.sub_stochastic
    else:
        assert abs(sums - 1).max() < 1e-5
    if mechanism.startswith("local"):
        assert amap.centers is not None and len(amap.centers) == amap.shape[0]
    slice_ = heldout("bible-en-fr")
    hyps = [model.explain(ex["source"]).output.text for ex in slice_]
    bleu = sacrebleu.corpus_bleu(hyps, [[ex["target"].lower() for ex in slice_]], lowercase=True).score
    assert bleu >= BLEU_FLOOR[mechanism]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_dates_model_alignment_error_rate_stays_under_its_ceiling(mechanism):
    from training.translation import collate
    model = load_model(f"dates-en-fr/{mechanism}")
    hits = predicted = gold = 0
    with torch.no_grad():
        for ex in heldout("dates-en-fr"):
            s = model.tok.encode(ex["source"]).ids + [EOS]
            t = model.tok.encode(ex["target"]).ids + [EOS]
            src, lengths, tin, _ = collate([(s, t)])
            _, w, _ = model.model(src, lengths, tin)
            links = {tuple(link) for link in ex["links"]}
            pred = {(ti, int(w[0, ti].argmax())) for ti, _ in links}
            hits, predicted, gold = hits + len(pred & links), predicted + len(pred), gold + len(links)
    assert 1 - 2 * hits / (predicted + gold) <= AER_CEILING[mechanism]
    exact = [model.explain(ex["source"]).output.text == ex["target"] for ex in heldout("dates-en-fr")]
    assert sum(exact) / len(exact) >= EXACT_FLOOR[mechanism]


def test_teacher_forced_attention_equals_step_by_step_attention():
    for mechanism in ("luong-general", "local-m", "local-p", "bahdanau"):
        model = load_model(f"dates-en-fr/{mechanism}")
        ids, _ = model.encode("Monday, November 23, 2026")
        hyp = model.translate_ids(ids)
        src = torch.tensor([ids])
        tin = torch.tensor([[2] + hyp.tokens[:-1]])
        with torch.no_grad():
            _, w, _ = model.model(src, torch.tensor([len(ids)]), tin)
        torch.testing.assert_close(w[0], torch.stack(hyp.weights), rtol=1e-4, atol=1e-5)


def test_beam_of_one_equals_greedy_and_beam_search_returns_rows_per_token():
    model = load_model("bible-en-fr/luong-general")
    ids, _ = model.encode("And God said, let there be light.")
    src, lengths = torch.tensor([ids]), torch.tensor([len(ids)])
    greedy = greedy_batch(model.model, src, lengths)[0]
    beam1 = beam_search(model.model, src, lengths, beam=1)
    assert beam1.tokens == greedy.tokens
    beam4 = beam_search(model.model, src, lengths, beam=4)
    assert len(beam4.weights) == len(beam4.tokens) and beam4.tokens[-1] == EOS
    result = model.explain("And God said, let there be light.", beam=4)
    assert result.maps[0].meta["decoding"] == "beam-4"


def test_long_input_is_cut_with_a_notice():
    model = load_model("bible-en-fr/local-m")
    result = model.explain("light " * 400)
    assert result.notices and result.maps[0].shape[1] == 101


def test_local_p_content_weights_times_the_gaussian_give_the_weights():
    model = load_model("bible-en-fr/local-p")
    amap = model.explain("The Lord is my shepherd.").maps[0]
    content = torch.tensor(amap.content_weights)
    live = torch.tensor(amap.weights).sum(1) > 0
    torch.testing.assert_close(content.sum(1)[live], torch.ones(int(live.sum()), dtype=content.dtype),
                               rtol=1e-4, atol=1e-4)
    # the mechanism returned them: content × Gaussian(s − p_t) is exactly the final weight
    s = torch.arange(content.shape[1], dtype=content.dtype)
    sigma = model.model.attention.sigma
    gauss = torch.exp(-(s[None] - torch.tensor(amap.centers, dtype=content.dtype)[:, None]) ** 2 / (2 * sigma ** 2))
    torch.testing.assert_close(content * gauss, torch.tensor(amap.weights), rtol=1e-4, atol=1e-5)


def test_labels_mark_subword_pieces_only_where_the_vocabulary_has_them():
    from attention_core.models import load_model
    dates = load_model("dates-en-fr/bahdanau").explain("Monday, November 23, 2026").maps[0]
    assert dates.keys[:3] == ["Monday", ",", "November"]
    bible = load_model("bible-en-fr/bahdanau").explain("In the beginning God created").maps[0]
    assert bible.keys[0] == "in" and any(k.startswith("·") for k in bible.keys)


def test_longer_inputs_than_trained_are_translated_with_an_out_of_distribution_notice():
    bible = load_model("bible-en-fr/bahdanau")
    short = bible.explain("In the beginning God created the heavens and the earth.")
    # no notice about the input (the rare-word lexicon may name a word it wrote: that is about the output)
    assert not [n for n in short.notices if not n.startswith(LEXICON_NOTICE)]
    long = bible.explain("In the beginning God created the heavens and the earth. " * 3)   # 30 words
    said = [n for n in long.notices    # (the model may also start to loop on it, or its lexicon write a word)
            if "repeat itself" not in n and not n.startswith(LEXICON_NOTICE)]
    assert long.output.text and len(said) == 1
    assert "at most 20 English words" in said[0] and "30 words" in said[0]
    huge = bible.explain("And God said, Let there be light. " * 30)
    assert any("safety cap" in n for n in huge.notices) and any("training" in n for n in huge.notices)
    dates = load_model("dates-en-fr/luong-dot")
    assert not dates.explain("Sunday, June 16, 1991").notices
    assert "at most 6 tokens" in dates.explain("Sunday, June 16, 1991 and Monday, June 17, 1991").notices[0]


def test_decoding_is_bounded_by_the_source_and_says_so(monkeypatch):
    """An input that genuinely runs away (a string of slashes: the model keeps writing "/") stops as soon as the
    output loops (one token four times), with a notice; without the loop rule it stops at 3 × the source + 10, with
    its own notice; a trained format decodes as before with no notice."""
    from attention_core.models import load_model, translation
    from attention_core.models.translation import target_budget
    model = load_model(f"dates-en-fr/{RUNAWAY_MODEL}")
    slashes = " ".join(["/"] * 12)
    looped = model.explain(slashes)
    assert len(looped.maps[0].queries) <= 6 and looped.maps[0].queries[-4:] == ["/"] * 4
    assert [n for n in looped.notices if "repeat itself (“/” 4 times in a row" in n]
    assert not any("Decoding stopped at" in n for n in looped.notices)
    from attention_core.models import decoding
    for module in (decoding, translation):                                   # the length bound alone
        monkeypatch.setattr(module, "loop_block", lambda tokens: 0)
    runaway = model.explain(slashes)
    source = len(runaway.maps[0].keys)
    assert source == 13 and len(runaway.maps[0].queries) == target_budget(source) == 49 < 120
    assert runaway.maps[0].queries[-1] != "</s>" and runaway.maps[0].queries.count("/") > 40
    assert any("Decoding stopped at 49 tokens" in n for n in runaway.notices)
    fine = model.explain("Thursday, December 3, 2026")
    assert str(fine.output) == "jeudi 3 décembre 2026" and not fine.notices


def test_a_loop_is_a_block_said_again_and_again_as_no_training_translation_is():
    """Two to eight tokens three times in a row, or one token four times (measured against the training
    references: see ``decoding.LOOP_REPEATS``); a repeat that is not at the end, or not often enough, is not one."""
    from attention_core.models.decoding import loop_block
    assert loop_block([5, 7, 1, 2, 1, 2, 1, 2]) == 2
    assert loop_block([9, 9, 9, 9]) == 1 and loop_block([9, 9, 9]) == 0          # "..." is one token three times
    assert loop_block([3, 4, 5, 3, 4, 5, 3, 4, 5]) == 3
    assert loop_block([1, 2, 1, 2, 7]) == 0 and loop_block([1, 2, 1, 2]) == 0 and loop_block([]) == 0
    block = list(range(10, 19))                                                  # 9 tokens: longer than a loop
    assert loop_block(block * 3) == 0


def test_the_page_stops_a_bible_model_that_loops_and_the_greedy_scores_do_not_change():
    """A news sentence sends Bahdanau into "pour les panches pour les panches …" (to the 112-token bound before the
    loop rule); the page's decoding stops after three times. Training and the card's tables decode without it."""
    from attention_core.models.decoding import loop_block
    model = load_model("bible-en-fr/bahdanau")
    text = "The city council voted on Thursday to close three libraries to pay for new bus lanes."
    own = model.model.rare_words   # the model alone: with its rare-word lexicon ("council → sanhédrin") it ends
    try:
        model.model.rare_words = None
        result = model.explain(text)
        ids, _ = model.encode(text)
        free = greedy_batch(model.model, torch.tensor([ids]), torch.tensor([len(ids)]), max_len=120)[0]
    finally:
        model.model.rare_words = own
    assert len(free.tokens) > 100 and free.tokens[-1] != EOS                       # it runs away without the rule
    assert len(result.maps[0].queries) < 50 and any("repeat itself" in n for n in result.notices)
    assert loop_block(free.tokens[:len(result.maps[0].queries)])                  # it stopped where the loop began


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_dates_in_the_new_formats_translate(mechanism):
    """Issue 20: "3 Dec 2026" ran away and "12/03/2026" was 3 unknown tokens of 5; the models trained on the extra
    formats translate both (numeric dates read month first, so the French swaps day and month)."""
    model = load_model(f"dates-en-fr/{mechanism}")
    for text, french in (("3 Dec 2026", "3 déc. 2026"), ("12/03/2026", "03 / 12 / 2026"),
                         ("december 3rd, 2026", "3 décembre 2026"), ("Thursday 3 December 2026", "jeudi 3 décembre 2026")):
        result = model.explain(text)
        assert str(result.output) == french, (text, str(result.output))
        # every token known and the output ended by the model (a low-confidence notice may come: by design 5 % of
        # in-domain validation dates get one)
        assert not [n for n in result.notices if "less sure" not in n], result.notices


def test_a_non_date_is_named_by_the_dates_models_and_a_news_sentence_by_the_bible_models():
    """Out of the domain: unknown source words are counted, and a translation the model is less sure of than of 95 %
    of its validation items (mean log-probability per generated token) gets a notice."""
    dates = load_model("dates-en-fr/luong-concat")
    cat = dates.explain("the cat sat on the mat")
    assert any("6 of 6 source tokens are not in this model's vocabulary" in n for n in cat.notices)
    assert any("less sure" in n for n in cat.notices)
    bible = load_model("bible-en-fr/luong-concat")
    news = bible.explain("Scientists warn that global temperatures could rise by two degrees.")
    assert [n for n in news.notices if "less sure" in n] and not any("vocabulary" in n for n in news.notices)
    in_domain = bible.explain("In the beginning God created the heavens and the earth.").notices
    assert not [n for n in in_domain if not n.startswith(LEXICON_NOTICE)]
