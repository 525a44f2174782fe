"""Load time of every registered model, each in a fresh process (CPU), and its first explain call.

    python -m benchmarks.model_loading
"""
from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, time
t0 = time.perf_counter()
from attention_core.models import get_spec, load_model
t1 = time.perf_counter()
spec = get_spec({model_id!r})
model = load_model(spec.id)
t2 = time.perf_counter()
inp = spec.samples[0] if spec.samples else "a test sentence"
if spec.input_kind == "image":
    from attention_core.inputs import load_image
    inp = load_image(inp)
model.explain(inp)
t3 = time.perf_counter()
print(json.dumps({{"imports (s)": t1 - t0, "load (s)": t2 - t1, "first explain (s)": t3 - t2}}))
"""


def main() -> None:
    """Print one row per available model."""
    import pandas as pd

    from attention_core.models import list_models
    rows = []
    for spec in list_models():
        if not spec.is_available():
            continue
        out = subprocess.run([sys.executable, "-c", CODE.format(model_id=spec.id)], capture_output=True, text=True)
        if out.returncode:
            rows.append({"model": spec.id, "error": out.stderr.strip().splitlines()[-1]})
            continue
        rows.append({"model": spec.id, **json.loads(out.stdout.strip().splitlines()[-1])})
        print(rows[-1], file=sys.stderr)
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".2f"))


if __name__ == "__main__":
    main()
