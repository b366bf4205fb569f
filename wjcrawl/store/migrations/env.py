"""Alembic environment: migrations run on the connection wjcrawl hands over (see store/schema.py)."""

from alembic import context

from wjcrawl.store.models import Base

connection = context.config.attributes["connection"]
# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table instead.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
