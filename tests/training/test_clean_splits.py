"""Clean splits: no near-duplicate of a training text in test, RT movies in one part only."""
from attention_core.data.near_duplicates import duplicate_groups, jaccard_pairs


def test_jaccard_pairs_find_near_copies_only():
    train = ["and god said let there be light", "the cat sat on the mat", "yahweh spoke to moses saying"]
    test = ["And God said, let there be light!", "yahweh spoke to aaron saying", "a dog barked"]
    pairs = jaccard_pairs(test, train, 0.8)
    assert pairs == {0: [0]}          # 4/6 words shared with the Moses verse: Jaccard 0.67 < 0.8


def test_duplicate_groups_join_exact_and_near_copies_transitively():
    texts = ["a b c d e f g h i j", "a b c d e f g h i k", "a b c d e f g h l k", "x y z"]
    groups = duplicate_groups(texts, 0.8)
    assert groups[0] == groups[1] and groups[3] not in {groups[0]}


def test_bbc_test_has_no_copy_or_near_copy_of_a_training_article():
    from attention_core.data.bbc import load_articles, split
    parts = split(load_articles(), seed=0)
    assert not jaccard_pairs([t for t, _ in parts["test"]], [t for t, _ in parts["train"]], 0.8)
    assert 190 <= len(parts["test"]) <= 230


def test_rotten_tomatoes_split_is_movie_disjoint():
    from attention_core.data.rotten_tomatoes import load_snippets, split
    items = load_snippets(with_movie=True)
    parts = split(items, seed=0)
    movies: dict[str, set[str]] = {}
    for t, _, m in items:
        movies.setdefault(t, set()).add(m)
    # a few snippets ("An absorbing documentary.") were written about several movies: judge by the others
    seen = {k: {m for t, _ in v if len(movies[t]) == 1 for m in movies[t]} for k, v in parts.items()}
    assert not seen["train"] & seen["test"] and not seen["train"] & seen["valid"] and not seen["valid"] & seen["test"]
    train_texts = {t for t, _ in parts["train"]}
    assert not any(t in train_texts for t, _ in parts["test"])


def test_bible_test_drops_near_duplicates_of_training_verses():
    from attention_core.data.bible import load_pairs, split
    pairs = load_pairs()
    clean, raw = split(pairs), split(pairs, clean=False)
    assert len(clean["train"]) == len(raw["train"]) and len(clean["test"]) < len(raw["test"])
    assert not jaccard_pairs([e for _, e, _ in clean["test"]], [e for _, e, _ in clean["train"]], 0.8)
