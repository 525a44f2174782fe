"""Alembic's entry point for the classroom store: runs on the connection :func:`migrate` hands over."""
from __future__ import annotations

from alembic import context

from dashboard.class_store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
