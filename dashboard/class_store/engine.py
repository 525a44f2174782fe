"""Where the classroom store lives: the database URL, one engine per process, and its migrations.

SQLite (one file, one machine) is the embedded default; ``postgresql://…`` serves replicas on several
machines. Every replica of a deployment opens the same URL, so a student who lands on another replica
finds their class, name and answers there.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

DB_ENV = "ATTENTION_ATLAS_CLASS_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0001"
_MIGRATE_LOCK = 712_001   # PostgreSQL advisory lock id: replicas starting together migrate one at a time


class StoreError(RuntimeError):
    """The classroom store cannot be used (bad URL, unreachable server, a refused action); one line."""


def default_url() -> str:
    """The embedded default: a SQLite file in the project's cache folder."""
    from attention_core.models.vit_convert import cache_root
    folder = cache_root()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'classroom.sqlite'}"


def database_url(url: str | None = None) -> str:
    """The store's SQLAlchemy URL: ``url``, else ``$ATTENTION_ATLAS_CLASS_DB``, else the SQLite default.

    ``postgresql://`` and ``postgres://`` use the psycopg (3) driver.
    """
    raw = (url or os.environ.get(DB_ENV) or "").strip() or default_url()
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            raw = "postgresql+psycopg://" + raw[len(prefix):]
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise StoreError("the classroom database URL is not a URL (use sqlite:///FILE or "
                         "postgresql://USER@HOST/DB)") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"the classroom database must be SQLite or PostgreSQL, not {parsed.get_backend_name()}")
    return raw


def shown(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL: readers (teacher views) never block the writer (answers); busy_timeout: replicas writing at
    # once wait for each other instead of failing; foreign keys are off by default in SQLite.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@functools.lru_cache(maxsize=8)
def open_engine(url: str | None = None) -> Engine:
    """One engine per URL and process, migrated to the newest schema; :class:`StoreError` if unusable."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"timeout": 10, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(resolved, pool_pre_ping=True, pool_size=5, max_overflow=5,
                               connect_args={"connect_timeout": 10})
    try:
        migrate(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        raise StoreError(f"the classroom database {shown(resolved)} cannot be reached: {reason}") from None
    return engine


def revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: empty)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _config():
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def downgrade(engine: Engine, target: str = "base") -> None:
    """Take the database back to ``target`` (``base``: no tables) — for operators undoing a release."""
    from alembic import command
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)


def migrate(engine: Engine, target: str = "head") -> None:
    """Bring the database up to ``target`` with Alembic (idempotent; safe when replicas start together)."""
    from alembic import command

    cfg = _config()
    if target == "head" and revision(engine) == HEAD:
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK})
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, target)
        except SQLAlchemyError:
            # another process created the tables between our check and our lock (SQLite has no advisory
            # lock): fine if the schema is now the one we wanted
            if revision(engine) != HEAD:
                raise
