"""Pure view builders: AttentionMap records in, Plotly figures or HTML out (no Streamlit here)."""
from .alignment import alignment_lines
from .heatmap import heatmap, shared_zmax
from .hops import hop_overlap, hop_rows
from .image_overlay import image_overlay, word_strip
from .text_highlight import document_html
from .vit_views import grid_overlay, grid_small_multiples

__all__ = ["alignment_lines", "document_html", "grid_overlay", "grid_small_multiples", "heatmap", "hop_overlap",
           "hop_rows", "image_overlay", "shared_zmax", "word_strip"]
