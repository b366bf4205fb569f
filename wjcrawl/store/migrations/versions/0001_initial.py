"""The first archive schema: articles, revisions, URLs, raw pages, failures, crawl runs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("article_id", sa.String(32), primary_key=True),
        sa.Column("id_number", sa.BigInteger, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("breadcrumb", sa.JSON, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("editor", sa.Text),
        sa.Column("published_date", sa.String(10)),
        sa.Column("published_at", sa.String(25)),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("images", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("rendering", sa.String(16), nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_index("ix_articles_id_number", "articles", ["id_number"])
    op.create_index("ix_articles_channel", "articles", ["channel"])
    op.create_index("ix_articles_published_date", "articles", ["published_date"])
    op.create_index("ix_articles_date_id", "articles", ["published_date", "id_number"])
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.article_id"), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("superseded_at", TS, nullable=False),
    )
    op.create_index("ix_article_revisions_article_id", "article_revisions", ["article_id"])
    op.create_table(
        "article_urls",
        sa.Column("url", sa.String(512), primary_key=True),
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.article_id"), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
    )
    op.create_index("ix_article_urls_article_id", "article_urls", ["article_id"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(512), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("run_id", sa.Integer),
    )
    op.create_index("ix_pages_url", "pages", ["url"])
    op.create_index("ux_pages_url_sha", "pages", ["url", "body_sha256"], unique=True)
    op.create_table(
        "failures",
        sa.Column("url", sa.String(512), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_at", TS, nullable=False),
        sa.Column("last_failed_at", TS, nullable=False),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("base_url", sa.Text, nullable=False),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("articles_new", sa.Integer, nullable=False),
        sa.Column("articles_updated", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("stats", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("crawl_runs", "failures", "pages", "article_urls", "article_revisions", "articles"):
        op.drop_table(table)
