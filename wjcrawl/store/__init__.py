"""Storage behind one small module: models, the session factory, batched upserts, crawl state."""

from wjcrawl.store.store import ArticleStore, BatchResult, CrawlState, iso8601

__all__ = ["ArticleStore", "BatchResult", "CrawlState", "iso8601"]
