"""Real processes for the tests that need them (crash tests, parallel requests): databases of their own — a
SQLite file, or a PostgreSQL database on the suite's server — and the environment a child runs with."""

import os
import shutil
from pathlib import Path

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


class Server:
    """Databases for the children: SQLite files, or PostgreSQL databases beside the suite's own."""

    def __init__(self, folder: Path):
        self.folder, self.created = folder, []
        self.config = settings.DATABASES["default"]
        self.postgresql = self.config["ENGINE"] == "django.db.backends.postgresql"

    def url(self, name: str) -> str:
        if not self.postgresql:
            return f"sqlite:///{self.folder / name}.sqlite3"
        c = self.config
        return f"postgres://{c['USER']}:{c['PASSWORD']}@{c['HOST'] or '127.0.0.1'}:{c['PORT'] or 5432}/{name}"

    def _admin(self, sql: str) -> None:
        c = self.config
        with psycopg.connect(
            dbname="postgres",
            user=c["USER"],
            password=c["PASSWORD"],
            host=c["HOST"] or "127.0.0.1",
            port=c["PORT"] or 5432,
            autocommit=True,
        ) as connection:
            connection.execute(sql)

    def new(self, name: str, *, template: str | None = None) -> str:
        if self.postgresql:
            self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            self.created.append(name)
        elif template:
            shutil.copy(self.folder / f"{template}.sqlite3", self.folder / f"{name}.sqlite3")
        return self.url(name)

    def drop_all(self) -> None:
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def sql(self, url: str, query: str) -> list[tuple]:
        """Rows of a query on one of these databases, read from outside the child that writes it."""
        if not self.postgresql:
            import sqlite3

            with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
                return connection.execute(query).fetchall()
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as connection:
            return connection.execute(query).fetchall()


def child_env(database_url: str, **extra: str) -> dict:
    """What a child process of the app runs with: its own database, production settings, no real email."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEV_TOOLS": "1",
        "DEBUG": "0",
        "SECRET_KEY": "process-tests-only",
        "EMAIL_URL": "memorymail://",
        **extra,
    }
