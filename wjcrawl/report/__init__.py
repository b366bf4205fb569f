"""The archive report: a static HTML page with PNG plots, read from the store."""

from wjcrawl.report.html import render_report

__all__ = ["render_report"]
