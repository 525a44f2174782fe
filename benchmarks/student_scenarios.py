"""What one student does on a page, as widget changes sent over Streamlit's protocol (no browser).

Each scenario opens its page and then changes widgets the way a student following a lesson would,
pausing ``think`` seconds (uniform in the range) between actions. Every action's result is handed to
``record(action, result_or_error)``. Choices come from a per-session seeded ``random.Random``, so a run
is repeatable.
"""
from __future__ import annotations

import asyncio
import io
import random
from pathlib import Path
from typing import Awaitable, Callable

from PIL import Image

from dashboard.session_client import RunResult, StreamlitSession

SAMPLES = Path(__file__).resolve().parents[1] / "attention_core" / "samples"
Record = Callable[[str, RunResult], None]
Step = tuple[str, Callable[[StreamlitSession], Awaitable[RunResult]]]
TEMPERATURE = "Temperature τ (divide the scores before the softmax)"
OWN_WORDS = ["a dog chased the red ball", "she reads books at night", "rain fell on the old town",
             "birds sing before the sun rises"]


def classroom_steps(rng: random.Random) -> list[Step]:
    """The Classroom lesson: (a third of students type their own words), Next through the seven steps,
    trying the score function, the temperature, the window D and the hops' likeness on the way."""
    steps: list[Step] = []
    if rng.random() < 1 / 3:
        words = rng.choice(OWN_WORDS)
        steps.append(("own words", lambda s: s.set_value("text_input", "Words (separated by spaces)", words)))
    nxt: Step = ("next", lambda s: s.click("Next ▶"))
    score = rng.choice(["general", "concat", "scaled_dot"])
    temperature, width, alike = rng.choice([0.3, 0.5, 2.0]), rng.choice([1, 3, 4]), rng.choice([0.5, 1.0])
    steps += [nxt, ("score function", lambda s: s.set_value("radio", "Score function", score)),
              nxt, ("temperature", lambda s: s.set_value("slider", TEMPERATURE, temperature)),
              nxt, nxt, ("window D", lambda s: s.set_value("slider", "Window half-width D", width)),
              nxt, ("hops alike", lambda s: s.set_value("slider", "How alike the hops are", alike)),
              nxt]
    return steps


def translate_steps(rng: random.Random) -> list[Step]:
    """Translate: the teacher's sample, alignment lines on and off, beam search, then a sample of one's own."""
    own = rng.randrange(1, 6)

    def sample(index: int) -> Callable[[StreamlitSession], Awaitable[RunResult]]:
        def pick(s: StreamlitSession) -> Awaitable[RunResult]:
            options = s.widget("selectbox", "Start from a sample").options
            return s.set_value("selectbox", "Start from a sample", options[min(index, len(options) - 1)])
        return pick

    return [("teacher's sample", sample(2)),
            ("alignment lines on", lambda s: s.set_value("checkbox", "Alignment lines", True)),
            ("alignment lines off", lambda s: s.set_value("checkbox", "Alignment lines", False)),
            ("beam search", lambda s: s.set_value("radio", "Decoding", "beam (4)")),
            ("greedy", lambda s: s.set_value("radio", "Decoding", "greedy")),
            ("own sample", sample(own)),
            ("own colour scale", lambda s: s.set_value("checkbox", "Shared colour scale", False))]


def student_image(rng: random.Random) -> bytes:
    """A sample picture with a random patch painted on: each student uploads a different image."""
    path = rng.choice(sorted(SAMPLES.glob("*")))
    image = Image.open(path).convert("RGB")
    w, h = image.size
    x, y = rng.randrange(w // 2), rng.randrange(h // 2)
    image.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + w // 8, y + h // 8))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def caption_steps(rng: random.Random) -> list[Step]:
    """Caption: small multiples, upload one's own picture, step through its words, coverage."""
    data = student_image(rng)
    return [("small multiples", lambda s: s.set_value("radio", "Show", "all words (small multiples)")),
            ("upload", lambda s: s.upload("Upload an image (PNG, JPEG, WebP)", "my-photo.png", data, "image/png")),
            ("one word", lambda s: s.set_value("radio", "Show", "one word at a time")),
            ("next word", lambda s: s.set_value("slider", "Word", 2)),
            ("coverage", lambda s: s.set_value("radio", "Show", "coverage Σ α"))]


SCENARIOS: dict[str, Callable[[random.Random], list[Step]]] = {
    "classroom": classroom_steps, "translate": translate_steps, "caption": caption_steps}


async def run_student(url: str, page: str, seed: int, think: tuple[float, float], record: Record,
                      timeout: float = 120.0) -> None:
    """Open ``page`` as a new session and play its scenario; errors are recorded and end the session."""
    rng = random.Random(seed)
    steps = SCENARIOS[page](rng)
    async with StreamlitSession(url, page, timeout=timeout) as session:
        record("open", await session.open())
        for name, action in steps:
            await asyncio.sleep(rng.uniform(*think))
            record(name, await action(session))
