"""What running a model returns: its typed output and the attention maps behind it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .outputs import Output, output_to_dict
from .record import AttentionMap


@dataclass
class Explanation:
    """One model run: a typed ``output`` (see :mod:`attention_core.outputs`) and its ``maps``."""

    model: str
    output: Output
    maps: list[AttentionMap]
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``{"model", "output", "maps": [...], "notices"}``."""
        return {"model": self.model, "output": output_to_dict(self.output),
                "maps": [m.to_dict() for m in self.maps], "notices": list(self.notices)}

    def to_json(self, **kwargs: Any) -> str:
        """Serialise to a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)
