import csv
import io

from attention_core.models import load_model
from dashboard.components import map_csv

DOCUMENT = ("=HYPERLINK(\"http://example.com\",\"click\") the match ended level.\n"
            "+44 fans sang as the striker scored twice.\n"
            "-1 point for the visitors after a late penalty.\n"
            "@coach said the team played well in the final.")


def test_csv_export_of_a_document_neutralises_formula_cells():
    """Sentences starting with =, +, - or @ are exported as text, not as spreadsheet formulas."""
    result = load_model("document/han").explain(DOCUMENT)
    sentence_map = next(m for m in result.maps if m.level == "sentence")
    assert any(k.startswith(("=", "+", "-", "@")) for k in sentence_map.keys)   # the model kept them
    rows = list(csv.DictReader(io.StringIO(map_csv(sentence_map))))
    assert len(rows) == sentence_map.shape[0] * sentence_map.shape[1]
    for row in rows:
        assert not row["key"].startswith(("=", "+", "-", "@")), row["key"]
        assert not row["query"].startswith(("=", "+", "-", "@"))
    formulas = [row["key"] for row in rows if row["key"].startswith("'")]
    assert len(formulas) == 4 and formulas[0].startswith("'=HYPERLINK")
    weights = [float(row["weight"]) for row in rows]          # numbers stay numbers
    assert abs(sum(weights) - 1) < 1e-5
