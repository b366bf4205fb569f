"""Exports streamed out of the store: the stored raw responses as WARC (JSON Lines lives in the CLI)."""

from wjcrawl.export.warc import write_warc

__all__ = ["write_warc"]
