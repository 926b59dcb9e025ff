"""Alembic environment: runs on the connection the hub hands over (no alembic.ini).

``hub.store.sql.migrate.upgrade`` puts an open connection, already inside the
transaction (and, on PostgreSQL, the advisory lock) that guards the upgrade,
in ``config.attributes["connection"]``. Offline (SQL script) mode is not
supported: the hub migrates itself on start.
"""

from __future__ import annotations

from alembic import context

from hub.store.sql.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the hub's migrations run through hub.store.sql.migrate.upgrade only")

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
