"""Streamlit pieces the pages share, one concern per module."""
from .background import Cancelled, Failed, Job, in_background, running_jobs
from .compare_basket import COMPARE_KEY, add_to_compare, clear_compare, compare_basket
from .export_store import store_export
from .exports import export_buttons, map_csv, spreadsheet_safe
from .figures import SharedFigure, cached_figure, figure_of, fingerprint, show_figure, slug
from .head_bundle import HeadBundle, head_bundle
from .model_access import (
    available,
    choose_model,
    labels_key,
    model_label,
    refresh_choice,
    explain,
    explain_image,
    families,
    model,
    problem,
    run,
    unavailable_notice,
)
from .panels import head_choice, map_panel, sanity_panel
from .presentation import (PRESENTATION_LABEL, PRESENTING, common_notices, md_escape, presentation_switch,
                           show_notices)
from .text_inputs import checked_text, short, text_input_block
from .url_state import remember, restore, restored_notice

__all__ = ["Cancelled", "Failed", "Job", "in_background", "running_jobs", "store_export", "COMPARE_KEY", "HeadBundle", "PRESENTATION_LABEL", "PRESENTING", "SharedFigure", "add_to_compare", "available", "choose_model", "labels_key", "model_label", "refresh_choice",
           "cached_figure", "checked_text", "clear_compare", "common_notices", "compare_basket", "explain", "explain_image",
           "export_buttons", "remember", "restore", "restored_notice", "families", "figure_of", "fingerprint", "head_bundle", "head_choice", "presentation_switch",
           "map_csv", "map_panel", "md_escape", "model", "problem", "run", "sanity_panel", "short",
           "show_figure",
           "show_notices", "slug", "spreadsheet_safe", "text_input_block", "unavailable_notice"]
