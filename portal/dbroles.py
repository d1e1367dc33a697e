"""Least privilege in PostgreSQL: an owner role migrates, the application's role works.

The role in MIGRATE_DATABASE_URL owns the tables (`manage.py migrate` connects as it);
the role in DATABASE_URL, which gunicorn and Celery use, gets ordinary rights on every
table but only SELECT and INSERT on the audit trail (`manage.py grant_app_role`). Not
being the owner, it can neither ALTER the table nor DISABLE its append-only trigger, and
without UPDATE, DELETE, TRUNCATE and TRIGGER it cannot change or empty the trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dj_database_url
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

AUDIT_TABLE = "dsar_auditevent"


class RoleRefused(Exception):
    """The role cannot be the application's role; `message` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def owner_connection(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block, `alias` connects with MIGRATE_DATABASE_URL's role (if set).

    Only the credentials, host and port are taken from it, never the database name: the
    owner works on the application's own database (the test runner's too). No statement
    timeout: a migration may rewrite a large table.
    """
    url = settings.MIGRATE_DATABASE_URL
    if not url or alias != DEFAULT_DB_ALIAS:
        yield
        return
    owner = dj_database_url.parse(url)
    connection = connections[alias]
    if owner["ENGINE"] != connection.settings_dict["ENGINE"]:
        raise RoleRefused(
            "MIGRATE_DATABASE_URL and DATABASE_URL must use the same database engine."
        )
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({k: owner[k] for k in ("USER", "PASSWORD", "HOST", "PORT")})
    connection.settings_dict["OPTIONS"] = {
        **owner.get("OPTIONS", {}),
        "connect_timeout": settings.DATABASE_CONNECT_TIMEOUT,
    }
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@dataclass(frozen=True)
class Grants:
    role: str
    owner: str
    tables: int


def grant_app_role(*, role: str, alias: str = DEFAULT_DB_ALIAS) -> Grants:
    """Give `role` ordinary rights on every table and only SELECT, INSERT on the audit trail.

    Runs as the connection's role (the owner, see `owner_connection`), in one transaction;
    safe to run again after every migration. Default privileges give tables that later
    migrations create the same ordinary rights. Raises RoleRefused for a role that does not
    exist, is a superuser, or owns (or is a member of the owner of) the audit table.
    """
    from psycopg import sql

    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise RoleRefused("Database roles are for PostgreSQL; SQLite has none.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, current_database(), current_schema(), "
            "(SELECT tableowner FROM pg_tables WHERE tablename = %s "
            " AND schemaname = current_schema())",
            [AUDIT_TABLE],
        )
        owner, database, schema, table_owner = cursor.fetchone()
        if table_owner is None:
            raise RoleRefused(f"There is no {AUDIT_TABLE} table here yet: run `migrate` first.")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            raise RoleRefused(
                f"There is no role {role}: create it first, e.g. "
                f"CREATE ROLE {role} LOGIN PASSWORD '…';"
            )
        if found[0]:
            raise RoleRefused(f"{role} is a superuser, which no privilege restrains.")
        cursor.execute("SELECT pg_has_role(%s, %s, 'USAGE')", [role, table_owner])
        if cursor.fetchone()[0]:
            raise RoleRefused(
                f"{role} owns the tables (or is a member of {table_owner}, who does): the "
                "application's role must be another one. Migrate as the owner with "
                "MIGRATE_DATABASE_URL and give DATABASE_URL the application's role."
            )
        _apply(cursor, sql, role=role, owner=owner, database=database, schema=schema)
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
        )
        tables = cursor.fetchone()[0]
    return Grants(role=role, owner=owner, tables=tables)


def _apply(cursor, sql, *, role: str, owner: str, database: str, schema: str) -> None:
    ident = {
        "role": sql.Identifier(role),
        "owner": sql.Identifier(owner),
        "db": sql.Identifier(database),
        "schema": sql.Identifier(schema),
        "audit": sql.Identifier(schema, AUDIT_TABLE),
    }
    statements = [
        "GRANT CONNECT ON DATABASE {db} TO {role}",
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # SECURITY: the audit trail is append-only for the application.
        "REVOKE ALL ON {audit} FROM {role}, PUBLIC",
        "GRANT SELECT, INSERT ON {audit} TO {role}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        "GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for statement in statements:
        cursor.execute(sql.SQL(statement).format(**ident))
