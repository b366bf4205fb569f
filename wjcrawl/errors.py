"""wjcrawl's exception hierarchy: every error a user can meet has a type and a one-line message.

The CLI maps each type to an exit code (see ``exit_code``); anything else is a bug and shows a traceback.
"""

from __future__ import annotations


class WjcrawlError(Exception):
    """Raised when wjcrawl cannot do what was asked; base of every wjcrawl error."""

    exit_code = 1


class UsageError(WjcrawlError):
    """Raised when a command's arguments are wrong (bad URL, unknown channel, bad date...)."""

    exit_code = 2


class ParseError(WjcrawlError):
    """Raised when a page cannot be turned into an article record."""


class NotAnArticle(ParseError):
    """Raised when a page is not an article page (a listing, an error page, an empty body)."""


class StoreError(WjcrawlError):
    """Raised when the database cannot be opened, read or written."""


class CrawlLocked(WjcrawlError):
    """Raised when another crawl holds the database's lock."""
