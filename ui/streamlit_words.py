"""Words Streamlit draws itself, in the page's language.

Streamlit's file uploader writes "Upload" and "200MB per file • GEOJSON, …" in English whatever the
page's language, and takes no argument to change them. This module replaces those words through
CSS (the element's text is hidden, the catalogue's words are drawn in its place), so a Chinese page
shows no English. Only catalogue words and the configured size limit go into the style sheet,
escaped for a CSS string.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import text


def css_string(words: str) -> str:
    """``words`` as a CSS string literal (quotes, backslashes and line breaks escaped).

    >>> css_string('上传 "x"')
    '"上传 \\\\"x\\\\""'
    """
    escaped = words.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return f'"{escaped}"'


def uploader_css(lang: str, max_mb: int) -> str:
    """The style sheet that words every file uploader of the page in ``lang``."""
    button = css_string(text("upload_button", lang))
    limit = css_string(text("upload_limit", lang).format(mb=max_mb))
    return (
        "<style>"
        "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p {display: none;}"
        "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer']::after"
        f" {{content: {button};}}"
        "[data-testid='stFileUploaderDropzoneInstructions'] span {font-size: 0 !important;}"
        f"[data-testid='stFileUploaderDropzoneInstructions'] span::after {{content: {limit}; font-size: 0.875rem;}}"
        "</style>"
    )


def localise(lang: str) -> None:
    """Word Streamlit's own widgets of this run in ``lang`` (call once per run)."""
    max_mb = int(st.get_option("server.maxUploadSize"))
    st.html(uploader_css(lang, max_mb))
