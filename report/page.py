"""Lays a ReportView out as one self-contained HTML page (template.html + report.css)."""

from __future__ import annotations

import functools
from importlib import resources

import jinja2

from taizhang.report.model import ReportView


@functools.cache
def _environment() -> jinja2.Environment:
    # Autoescape: ledger text (titles, unit names) goes into the page verbatim.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("taizhang.report", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def stylesheet() -> str:
    """report.css, inlined into every page."""
    return resources.files("taizhang.report").joinpath("report.css").read_text(encoding="utf-8")


@functools.cache
def plotly_js() -> str:
    """plotly.js as the plotly package ships it (plotly.min.js, ~4.8 MB), inlined into
    every page: the report's charts are the dashboard's figures, drawn offline."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def plotly_script() -> str:
    """The page's <script> element of plotly.js, exactly as the template writes it."""
    return f"<script>{plotly_js()}</script>"


def without_plotly(html: str) -> str:
    """A report page without its plotly.js (for a browser page that has it loaded already)."""
    return html.replace(plotly_script(), "", 1)


def page_html(view: ReportView) -> str:
    """The report page as one HTML document with its CSS, plotly.js and chart inline (no requests)."""
    template = _environment().get_template("template.html")
    markup = jinja2.utils.markupsafe.Markup
    return template.render(v=view, css=markup(stylesheet()), plotly_js=markup(plotly_js()))
