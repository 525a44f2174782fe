"""Word-set Jaccard similarity between many texts through one sparse product (no pairwise Python loop)."""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

WORD = r"(?u)\b\w+\b"


def _word_sets(texts: list[str], vectorizer: CountVectorizer) -> sp.csr_matrix:
    return vectorizer.transform(texts).astype(bool).astype(np.float32).tocsr()


def jaccard_pairs(queries: list[str], corpus: list[str], threshold: float) -> dict[int, list[int]]:
    """For each query index, the corpus indices whose lowercased word sets have Jaccard ≥ ``threshold``.

    ``|A ∩ B|`` for every pair comes from one sparse product of binary word-set matrices.
    """
    vec = CountVectorizer(lowercase=True, token_pattern=WORD, binary=True).fit(queries + corpus)
    q, c = _word_sets(queries, vec), _word_sets(corpus, vec)
    qn = np.asarray(q.sum(1)).ravel()
    cn = np.asarray(c.sum(1)).ravel()
    inter = (q @ c.T).tocoo()
    union = qn[inter.row] + cn[inter.col] - inter.data
    keep = inter.data >= threshold * np.maximum(union, 1)
    out: dict[int, list[int]] = {}
    for r, col in zip(inter.row[keep], inter.col[keep]):
        out.setdefault(int(r), []).append(int(col))
    return out


def duplicate_groups(texts: list[str], threshold: float) -> list[int]:
    """A group id per text: texts joined (transitively) when their word-set Jaccard ≥ ``threshold``.

    Exact copies (after whitespace and case normalisation) have Jaccard 1 and always share a group.
    """
    from scipy.sparse.csgraph import connected_components
    norm = [re.sub(r"\s+", " ", t).strip().lower() for t in texts]
    pairs = jaccard_pairs(norm, norm, threshold)
    rows = [i for i, js in pairs.items() for _ in js]
    cols = [j for js in pairs.values() for j in js]
    graph = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(texts)))
    return connected_components(graph, directed=False)[1].tolist()
