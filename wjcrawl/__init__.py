"""wjcrawl: an archive crawler for the news center of Wujin News (武进新闻网)."""

__version__ = "0.1.0"
