"""How the Gradio pages look and behave beyond Gradio's defaults: a theme whose colours pass WCAG AA contrast (the
stock emerald on white does not: 2.5:1 on the primary buttons, 2.2:1 on field labels), the favicon, and the head
script `static/pages.js` (a reply followed only until its first line reaches the top; accessible names Gradio leaves
out)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

STATIC_DIR = Path(__file__).with_name("static")
FAVICON = STATIC_DIR / "favicon.svg"
INK = "#065f46"  # emerald 800: 7.0:1 on white, 6.0:1 on the label tint
BRAND = "#0b6e4f"  # the widget's colour: 6.2:1 with white text


def theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="emerald", neutral_hue="slate").set(
        button_primary_background_fill=BRAND,
        button_primary_background_fill_hover="#095c42",
        button_primary_text_color="#ffffff",
        block_title_text_color=INK,
        block_label_text_color=INK,
        input_placeholder_color="#64748b",  # slate 500: 4.8:1 on white
        body_text_color_subdued="#475569",  # slate 600 (a dropdown's chosen value, hints): 7.6:1 on white
        color_accent=BRAND,  # the selected tab's name
    )


def head() -> str:
    """The <head> additions of every Gradio page (the page CSP allows inline scripts)."""
    return (
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml">'  # Gradio's favicon_path works at "/" only
        f"<script>{(STATIC_DIR / 'pages.js').read_text(encoding='utf-8')}</script>"
    )
