"""Storage behind one small module: models, the session factory, batched upserts, crawl state."""

from wjcrawl.store.store import SHANGHAI, ArticleStore, BatchResult, CrawlState, iso8601

__all__ = ["SHANGHAI", "ArticleStore", "BatchResult", "CrawlState", "iso8601"]
