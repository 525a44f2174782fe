"""Show, Attend and Tell (Xu et al. 2015): an LSTM caption decoder with soft or hard attention over regions.

Registered models: ``caption/soft`` and ``caption/hard`` (trained on composed scenes of clothing items
and digits; each reads the scene with the family's own learned convolutional encoder, ``scene_encoder``,
weights in ``weights/caption/encoder``) and ``imagenet/efficientnet-lite0`` (for photos: where the encoder's evidence for its top
ImageNet classes lies — a class activation map, not attention).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from ..checkpoint import WEIGHTS_DIR
from ..explanation import Explanation
from ..mechanisms import HardImageAttention, SoftImageAttention
from ..outputs import Caption, ClassDistribution
from ..record import AttentionMap
from ..capabilities import Capabilities, Family, MapKind, Produces
from ..tasks import Task
from .base import ShippedExplainer, files_problem, read_json, register
from .image_encoder import FEATURES, GRID, encoder, imagenet_classes, preprocess, region_features, region_labels
from .grounded_decoding import FOREGROUND_LEVEL, FOREGROUND_SHARE, GroundedRule, occupied_cells, scene_foreground
from .glimpse import glimpse_pixels, load_glimpse_reader
from .head_bias import HeadBias, load_bias_head
from .scene_encoder import SceneEncoder, scene_pixels, scene_tensor, shared_scene_encoder
from .registry import ModelSpec
from .special_tokens import BOS, EOS, PAD, UNK  # noqa: F401  (UNK: for training code)

MAX_WORDS = 30
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
DOMAIN_NOTICE = ("This captioner was trained on composed scenes of 224 × 224 pixels (1–4 clothing items or "
                 "handwritten digits of 30–110 px on a plain background, dark or light, with some pixel noise and "
                 "clutter; captions of at most 27 words); on photos its captions are meaningless — see the ImageNet "
                 "evidence view.")
EMPTY_NOTICE = ("Nothing to caption: no part of this image stands out from its background (in every quarter, fewer "
                f"than {FOREGROUND_SHARE:.1%} of the pixels are {FOREGROUND_LEVEL} grey levels off it), so no object "
                "is named.")
NO_OBJECT_NOTICE = ("Nothing to caption: the scene encoder sees no clothing item or digit in any quarter of this "
                    "image (only strokes, specks or texture), so no object is named.")
TRAINED_SIDE, TRAINED_CAPTION_WORDS = 224, 27     # 27 words: four "a NAME at the ROW COL" phrases joined
ENCODER_FOLDER = "encoder"     # weights/caption/encoder: the scene encoder both captioners read through
ATTENTIONS = {"soft": SoftImageAttention, "hard": HardImageAttention}


class CaptionDecoder(nn.Module):
    """LSTM decoder: β-gated attention context, deep output, initial state from the mean region."""

    def __init__(self, vocab_size: int, attention: str, feature_dim: int = FEATURES, dim: int = 256,
                 emb: int = 64, attn: int = 256, positions: int = 0) -> None:
        super().__init__()
        self.kind = attention
        self.project = nn.Linear(feature_dim, dim)          # regions → decoder width, once per image
        # ``positions`` > 0: a learned embedding per region added to its projected feature. A deep CNN's
        # regions know where they are (their receptive field reaches the zero-padded border); the local scene
        # encoder's inner regions do not, and the caption has to say *where* ("at the top left") from what
        # the attention read.
        self.where = nn.Parameter(0.02 * torch.randn(positions, dim)) if positions else None
        self.init_h, self.init_c = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=PAD)
        self.attention = ATTENTIONS[attention](dim, dim, attn)
        self.gate = nn.Linear(dim, 1)                        # β_t = σ(f_β(h_{t−1}))
        self.lstm = nn.LSTMCell(emb + dim, dim)
        self.out_h, self.out_z = nn.Linear(dim, emb), nn.Linear(dim, emb)
        self.out = nn.Linear(emb, vocab_size)                # L_o(E y + L_h h + L_z z)
        self.drop = nn.Dropout(0.3)

    def start(self, features: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """``features [B, R, feature_dim]`` → projected regions ``[B, R, d]`` and the initial ``(h, c)``."""
        regions = self.project(features)
        if self.where is not None:
            regions = regions + self.where
        regions = torch.tanh(regions)
        mean = regions.mean(1)
        return regions, (torch.tanh(self.init_h(mean)), torch.tanh(self.init_c(mean)))

    def step(self, regions: torch.Tensor, prev: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor],
             sample: bool | None = None, soft_context: bool = False, generator: torch.Generator | None = None,
             ) -> dict[str, torch.Tensor]:
        """One word: ``prev [B]`` → logits ``[B, V]``, α ``[B, R]``, new state, and (hard) the chosen region."""
        h, c = state
        out: dict[str, torch.Tensor] = {}
        if self.kind == "hard":
            context, alpha, choice = self.attention(regions, h, sample=sample, generator=generator,
                                                    return_choice=True)
            if soft_context:   # Xu et al.: half the time train with the expected context
                context = torch.bmm(alpha[:, None], regions)[:, 0]
            out["choice"] = choice
        else:
            context, alpha = self.attention(regions, h)
        beta = torch.sigmoid(self.gate(h))
        z = beta * context
        emb = self.embed(prev)
        h, c = self.lstm(torch.cat([emb, z], -1), (h, c))
        logits = self.out(self.drop(emb + self.out_h(h) + self.out_z(z)))
        out.update(logits=logits, alpha=alpha, beta=beta[:, 0], h=h, c=c)
        return out


class Captioner(ShippedExplainer):
    """A loaded captioner: image → caption and one attention row per generated word."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        super().__init__(spec, device)
        self.kind = spec.mechanism
        self.words: list[str] = read_json(self.family_folder / "vocab.json")
        self.model = self.load_module(lambda cfg: CaptionDecoder(len(self.words), self.kind, **cfg["model"]))
        # the scene encoder the decoder was trained on (the folder shared by soft and hard), loaded now, not per
        # request, read as the captioner's config declares (``encoder_read``; absent: as the encoder was saved)
        self.encoder: SceneEncoder = shared_scene_encoder(str(self.family_folder / ENCODER_FOLDER), str(self.device),
                                                          self.config.get("encoder_read"))
        # grounded decoding (``grounded_decoding``): only occupied cells named, the caption ends when all are
        grounded = self.config.get("grounded")
        self.grounded: float | None = None if grounded is None else float(grounded["threshold"])
        self.rule = None if grounded is None else GroundedRule(tuple(self.words), EOS, grounded.get("cells", "mask"))
        # head bias (``head_bias``): the encoder head, read where the decoder attends, proposes the name words
        names = read_json(self.family_folder / ENCODER_FOLDER / "config.json")["names"]
        self.bias = HeadBias.from_config(self.config.get("head_bias"), self.words, names)
        for folder in () if self.bias is None else self.bias.encoders:
            if read_json(self.family_folder / folder / "config.json")["names"] != names:
                raise ValueError(f"head_bias encoder {folder!r} names other classes than {ENCODER_FOLDER!r}")
        if self.bias is not None and self.bias.head is not None and len(self.bias.encoders) > 1:
            raise ValueError("head_bias: a bias head reads one encoder's features, not an ensemble's")
        # p_head's encoder: the decoder's own, or (round 9, ``head_bias.encoder``) a copy fine-tuned for the bias, read
        # at the bias's read (absent: the captioner's); round 11: several such copies, their head probabilities averaged;
        # the grounded rule keeps reading ``self.encoder``
        bias_read = None if self.bias is None else \
            self.config.get("encoder_read") if self.bias.read is None else self.bias.read
        self.head_encoders: list[SceneEncoder] = [] if self.bias is None else [self.encoder] \
            if self.bias.read is None and self.bias.encoder is None else [
                shared_scene_encoder(str(self.family_folder / folder), str(self.device), bias_read)
                for folder in self.bias.head_encoders]
        self.head_encoder: SceneEncoder | None = self.head_encoders[0] if self.head_encoders else None
        self.bias_head = None if self.bias is None or self.bias.head is None else \
            load_bias_head(self.family_folder / self.bias.head).to(self.device)
        # round 12: a glimpse reader (full-resolution crops around every region) joins p_head's ensemble
        self.glimpse = None if self.bias is None or self.bias.glimpse is None else \
            load_glimpse_reader(self.family_folder / self.bias.glimpse, self.device)

    @torch.no_grad()
    def regions(self, image: Image.Image) -> torch.Tensor:
        """An image → region features ``[1, 49, C]`` from the family's scene encoder."""
        return self.encoder.regions(scene_tensor(image, self.encoder.scales)[None].to(self.device))

    @torch.no_grad()
    def head_probs(self, image: Image.Image, features: torch.Tensor | None = None) -> torch.Tensor | None:
        """An image → the head bias's item-class probabilities per region ``[1, 49, classes]`` (None without it);
        ``features`` ``[1, 49, C]``: the decoder's (:meth:`regions`), reused when the bias reads the same encoder."""
        if self.bias is None:
            return None
        logits = []
        for net in self.head_encoders:         # one encoder (rounds 7–10), or an ensemble (round 11)
            own = features if features is not None and net is self.encoder else \
                net.regions(scene_tensor(image, net.scales)[None].to(self.device))
            logits.append(net.region_logits(own) if self.bias_head is None else self.bias_head(own))
        if self.glimpse is not None:           # round 12: the glimpse reader's per-region logits
            logits.append(self.glimpse.region_logits(glimpse_pixels(image)[None].to(self.device)))
        return self.bias.probabilities(logits)     # their mean, or (stop 41) the reader's gate

    @torch.no_grad()
    def caption_features(self, features: torch.Tensor, seed: int | None = None,
                         occupied: set[str] | None = None, dropped: list[str] | None = None,
                         head_probs: torch.Tensor | None = None) -> tuple[list[int], torch.Tensor, list[float]]:
        """Greedy decoding from ``features [1, R, C]`` → word ids (with EOS), α ``[T, R]``, β per word;
        ``occupied``: the layout cells the grounded rule lets the caption name (``occupied_cells``; needed with it);
        ``dropped``: if given, receives the words the grounded rule left out of the caption, in order;
        ``head_probs`` ``[1, R, classes]``: the head bias's probabilities (:meth:`head_probs`; needed with it)."""
        features = features.to(self.device)
        if self.bias is not None and head_probs is None:
            raise ValueError("this captioner declares a head bias: pass head_probs (Captioner.head_probs)")
        if self.rule is not None and occupied is None:
            raise ValueError("this captioner declares the grounded rule: pass occupied (occupied_cells)")
        regions, state = self.model.start(features)
        prev = torch.tensor([BOS], device=self.device)
        gen = torch.Generator(device=self.device).manual_seed(seed) if seed is not None else None
        ids, alphas, betas = [], [], []
        for _ in range(MAX_WORDS):
            out = self.model.step(regions, prev, state, sample=seed is not None, generator=gen)
            logits = out["logits"] if self.bias is None else self.bias.apply(out["logits"], out["alpha"],
                                                                             head_probs.to(self.device), out.get("choice"))
            logits = logits if self.rule is None else self.rule.mask(logits, [ids], [occupied])
            token = int(logits.argmax(-1))
            ids.append(token)
            alphas.append(out["alpha"][0].cpu())
            betas.append(float(out["beta"][0]))
            if token == EOS:
                break
            prev, state = torch.tensor([token], device=self.device), (out["h"], out["c"])
        if self.bias is not None:
            ids = self.bias.agree(ids)
        if self.rule is not None:                  # "drop": phrases naming a cell seen empty leave the caption
            decoded = ids
            ids, rows = self.rule.finish(ids, occupied)
            alphas, betas = [alphas[r] for r in rows], [betas[r] for r in rows]
            if dropped is not None:
                kept = set(rows)
                dropped += [self.words[t] for k, t in enumerate(decoded) if k not in kept and t != EOS]
        return ids, torch.stack(alphas), betas

    def explain(self, inp: Image.Image, seed: int | None = None, **_: Any) -> Explanation:
        """Caption ``inp``; hard attention takes argmax regions unless a ``seed`` asks for sampling. An image with
        no foreground in any layout cell (:data:`EMPTY_NOTICE`), or, under the grounded rule, no cell the encoder
        sees as occupied (:data:`NO_OBJECT_NOTICE`), gets no caption, no map and that note."""
        # the foreground test reads the 112 px scene as the grounded rule does
        foreground = scene_foreground(scene_pixels(inp)[None])
        # every training scene holds 1–4 items, so a decoder always names one; on a blank image (or one of strokes
        # only) that name is invented — the hard decoder said "a pullover at the bottom right" — so nothing is decoded
        if not bool(foreground.any()):
            return Explanation(self.model_id, Caption(""), [], [EMPTY_NOTICE])
        features = self.regions(inp)
        occupied = None if self.rule is None else \
            occupied_cells(self.encoder.region_logits(features), self.grounded, foreground)[0]
        if occupied is not None and not occupied:
            return Explanation(self.model_id, Caption(""), [],
                               [NO_OBJECT_NOTICE, *([] if looks_like_a_scene(inp) else [DOMAIN_NOTICE])])
        dropped: list[str] = []
        ids, alphas, betas = self.caption_features(features, seed, occupied, dropped, self.head_probs(inp, features))
        words = [self.words[i] for i in ids]
        caption = " ".join(w for w in words if w != self.words[EOS]).replace(" ,", ",")
        label = "Soft attention" if self.kind == "soft" else "Hard attention (argmax)" if seed is None \
            else f"Hard attention (sampled, seed {seed})"
        amap = AttentionMap(self.kind, words, region_labels(), alphas.numpy(), grid=GRID,
                            meta={"model": self.model_id, "label": label, "image_size": [224, 224],
                                  "beta": betas})
        notices = [*([] if looks_like_a_scene(inp) else [DOMAIN_NOTICE]), *size_notices(inp, sum(i != EOS for i in ids)),
                   *grounded_notices(dropped, label)]
        return Explanation(self.model_id, Caption(caption), [amap], notices)


def looks_like_a_scene(image: Image.Image) -> bool:
    """True for an image like the training scenes: grey (no colour) on a mostly plain background, dark or (an
    inverted scene) light. Measured on the samples: scenes 75–95 % near-black pixels with no colour; photos
    0–17 % near-black, colour 51–107."""
    a = np.asarray(image.convert("RGB").resize((112, 112)), dtype=np.float32)
    plain = max(float((a.max(-1) < 24).mean()), float((a.min(-1) > 231).mean()))
    colour = float(np.abs(a[..., 0] - a[..., 1]).mean() + np.abs(a[..., 1] - a[..., 2]).mean())
    return plain >= 0.5 and colour < 5.0


def grounded_notices(dropped: list[str], label: str) -> list[str]:
    """A notice naming what grounded decoding left out of ``label``'s caption (said openly: the caption shown is
    not all the decoder wrote)."""
    if not dropped:
        return []
    text = " ".join(w for w in dropped if w not in (",", "and")).replace(" ,", ",")
    return [f"{label}: grounded decoding left out “{text}”: the decoder named a place where the scene encoder sees no "
            "object, so the phrase and its attention rows are not shown."]


def size_notices(image: Image.Image, caption_words: int) -> list[str]:
    """Notices for an input beyond the training scenes: a larger image, a caption longer than any trained one."""
    notes = []
    if max(image.size) > TRAINED_SIDE:
        notes.append(f"This image is {image.size[0]} × {image.size[1]} pixels; it is read at {TRAINED_SIDE} × "
                     f"{TRAINED_SIDE} (the training scenes' size), so fine detail is lost and a larger scene is "
                     "outside the training distribution.")
    if caption_words > TRAINED_CAPTION_WORDS:
        notes.append(f"The caption is longer than any training caption ({TRAINED_CAPTION_WORDS} words): outside "
                     f"the training distribution (generation stops at {MAX_WORDS} words).")
    return notes


class ImageNetEvidence(ShippedExplainer):
    """EfficientNet-Lite0's top ImageNet classes and, per class, its evidence on the 7 × 7 grid (CAM)."""

    def __init__(self, spec: ModelSpec, device: str = "auto", top: int = 5) -> None:
        super().__init__(spec, device)
        self.top = top
        self.net = encoder(str(self.device))
        self.classes = imagenet_classes()

    @torch.no_grad()
    def explain(self, inp: Image.Image, **_: Any) -> Explanation:
        """Top classes with probabilities; rows = classes, columns = regions (positive evidence, rows sum to 1)."""
        regions = region_features(preprocess(inp)[None], str(self.device))[0]          # [49, 1280]
        fc = self.net._fc
        # The head is global average pooling then a linear layer, so each logit is exactly the mean over
        # regions of w_c · f(region) plus the bias: that per-region term is the class activation map.
        cam = regions @ fc.weight.T                                                    # [49, 1000]
        probs = torch.softmax(cam.mean(0) + fc.bias, -1)
        top = probs.topk(self.top)
        rows = cam[:, top.indices].T.clamp(min=0)
        rows = rows / rows.sum(-1, keepdim=True).clamp_min(1e-12)
        names = [self.classes[i] for i in top.indices.tolist()]
        amap = AttentionMap("class-evidence", names, region_labels(), rows.cpu().numpy(), grid=GRID,
                            meta={"model": self.model_id, "label": "ImageNet evidence (CAM)",
                                  "note": "class activation map (positive part, normalised): not attention",
                                  "probabilities": top.values.tolist()})
        output = ClassDistribution(names[0], {n: float(p) for n, p in zip(names, top.values.tolist())})
        return Explanation(self.model_id, output, [amap])


def _samples() -> tuple[str, ...]:
    return tuple(str(p) for p in sorted(SAMPLES_DIR.glob("*.*")) if p.suffix in {".png", ".jpg", ".jpeg", ".webp"})


CAPTION_FAMILY = Family("caption", label="Composed scenes · Show, Attend and Tell",
                        wording="captions of composed 2 × 2 scenes of Fashion-MNIST items and digits",
                        card="2. Captioning")
CAPTION_CAPABILITIES = Capabilities(input="image", produces=Produces.CAPTION,
                                    maps=frozenset({MapKind.CROSS, MapKind.PATCH_GRID}), family=CAPTION_FAMILY)
IMAGENET_CAPABILITIES = Capabilities(input="image", produces=Produces.LABEL,
                                     maps=frozenset({MapKind.CLASS_EVIDENCE, MapKind.PATCH_GRID}),
                                     family=Family("imagenet", label="ImageNet · EfficientNet-Lite0"))

for _kind, _desc in [("soft", "Show, Attend and Tell with soft (deterministic) attention — composed scenes"),
                     ("hard", "Show, Attend and Tell with hard (stochastic) attention — composed scenes")]:
    register(Captioner, id=f"caption/{_kind}", task=Task.CAPTIONING, mechanism=_kind,
             capabilities=CAPTION_CAPABILITIES, description=_desc, samples=_samples,
             check=lambda: files_problem(WEIGHTS_DIR / "caption", ("vocab.json", f"{ENCODER_FOLDER}/model.safetensors")))
register(ImageNetEvidence, id="imagenet/efficientnet-lite0", task=Task.IMAGE_CLASSIFICATION,
         mechanism="class-evidence", capabilities=IMAGENET_CAPABILITIES, files=None,
         description="EfficientNet-Lite0 ImageNet classes with class activation maps (for photos)", samples=_samples)
