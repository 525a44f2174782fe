"""The classroom store under test: a SQLite file and a real PostgreSQL server started for the session."""
from __future__ import annotations

import pytest

from dashboard.class_store import open_engine
from dashboard.class_store.local_postgres import local_postgres, postgres_bin


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL server (Debian's package; .ci/run installs it), stopped after the session."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs Debian's postgresql)")
    with local_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Each store test runs on SQLite and on PostgreSQL (a fresh database each time)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.sqlite'}"
    base = request.getfixturevalue("postgres_url")
    name = f"t{abs(hash(request.node.nodeid)) % 10**9}"
    admin = open_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def engine(store_url):
    """A migrated engine on the test's database."""
    engine = open_engine(store_url)
    yield engine
    engine.dispose()
