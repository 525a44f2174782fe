"""Pure view builders: AttentionMap records in, Plotly figures or HTML out (no Streamlit here)."""
from .alignment import alignment_lines
from .document_views import class_bars, sentence_bars, sentence_overview, word_bars
from .head_lines import head_lines
from .head_overview import distance_heatmap, head_grid
from .heatmap import heatmap, shared_zmax
from .hops import hop_overlap, hop_rows
from .image_overlay import image_overlay, word_strip
from .text_highlight import document_html
from .token_view import token_heads
from .vit_views import grid_overlay, grid_small_multiples

__all__ = ["alignment_lines", "class_bars", "distance_heatmap", "document_html", "grid_overlay",
           "grid_small_multiples", "head_grid", "head_lines", "heatmap", "hop_overlap", "hop_rows", "image_overlay",
           "sentence_bars", "sentence_overview", "shared_zmax", "token_heads", "word_bars", "word_strip"]
