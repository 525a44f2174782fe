"""Runnable example: Luong's local attention on random states — the window, p_t and the Gaussian.

    python -m demos.local_window --width 2

Shows, for one query, local-m's and local-p's content weights (softmax inside [p_t − D, p_t + D]) and
final weights (local-p multiplies by exp(−(s − p_t)²/2σ²), σ = D/2, and does not renormalise).
"""
from __future__ import annotations

import argparse

import torch

from attention_core.mechanisms import LocalAttention


def window_weights(width: int, length: int = 12, t: int = 4, seed: int = 0) -> dict[str, dict[str, object]]:
    """Per alignment: p_t, content weights and final weights ``[length]`` for one query at position t."""
    torch.manual_seed(seed)
    keys = torch.randn(1, length, 8)
    query = keys[:, t:t + 1] + 0.1 * torch.randn(1, 1, 8)
    out = {}
    for alignment in ("monotonic", "predictive"):
        attn = LocalAttention(8, 8, width=width, alignment=alignment, score="dot")
        with torch.no_grad():
            _, weights, centers, content = attn(query, keys, positions=torch.tensor([[t]]), return_centers=True,
                                                return_content=True)
        out[alignment] = {"p_t": float(centers[0, 0]), "content": content[0, 0].tolist(),
                          "final": weights[0, 0].tolist()}
    return out


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=2, help="half-width D of the window")
    args = parser.parse_args()
    for alignment, item in window_weights(args.width).items():
        print(f"{alignment}: p_t = {item['p_t']:.2f}, final weights sum to {sum(item['final']):.3f}")
        for s, (c, f) in enumerate(zip(item["content"], item["final"])):
            print(f"  s={s:2d}  content {c:.3f}  final {f:.3f}  {'█' * round(40 * f)}")


if __name__ == "__main__":
    main()
