"""A SQL tool for an AI agent, reaching its data through Sluice with nothing but a `db_uri`.

This is the shape CrewAI's NL2SQLTool and LangChain's SQLDatabase have: the framework is handed a
SQLAlchemy URI and the model calls "list tables", "describe table" and "run query" tools. Pointing
that URI at Sluice instead of the database is the whole integration: the agent never holds the
database's credentials, sensitive values arrive masked, risky statements are refused with a reason
the model can act on, and statements a human must see first wait for a reviewer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError


@dataclass
class ToolResult:
    """What the tool hands back to the model: rows, or Sluice's message saying what to do instead."""

    ok: bool
    columns: list[str] = field(default_factory=list)
    rows: list[list[object]] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None
    notices: list[str] = field(default_factory=list)

    def for_model(self) -> str:
        """The text a model reads (an LLM-facing tool returns a string)."""
        if not self.ok:
            return f"Query refused: {self.error}" + (f"\nWhat to do: {self.hint}" if self.hint else "")
        return json.dumps({"columns": self.columns, "rows": self.rows, "notices": self.notices}, default=str)


class SluiceSQLTool:
    """The three tools an NL2SQL agent uses, over one SQLAlchemy engine."""

    def __init__(self, db_uri: str):
        # pool_pre_ping: a session Sluice ended (revoked token, shutdown) is replaced, not reused.
        self.engine = create_engine(db_uri, pool_pre_ping=True, future=True)

    # Reflection as LangChain's SQLDatabase does it: Sluice returns the structure catalogs
    # (pg_class, pg_attribute, information_schema) in clear while it masks the values.
    def list_tables(self) -> list[str]:
        inspector = inspect(self.engine)
        return sorted(inspector.get_table_names() + inspector.get_view_names())

    def describe_table(self, table: str) -> list[dict[str, str]]:
        columns = inspect(self.engine).get_columns(table)
        return [{"name": column["name"], "type": str(column["type"])} for column in columns]

    def run_query(self, sql: str) -> ToolResult:
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            try:
                result = connection.execute(text(sql))
                columns = list(result.keys()) if result.returns_rows else []
                rows = [list(row) for row in result.fetchall()] if result.returns_rows else []
                connection.commit()
                return ToolResult(ok=True, columns=columns, rows=rows, notices=_notices(raw))
            except DBAPIError as error:
                connection.rollback()
                diag = getattr(error.orig, "diag", None)
                return ToolResult(
                    ok=False,
                    error=getattr(diag, "message_primary", None) or str(error.orig).strip(),
                    hint=getattr(diag, "message_hint", None),
                    notices=_notices(raw),
                )

    def close(self) -> None:
        self.engine.dispose()


def _notices(dbapi_connection) -> list[str]:
    """psycopg2 keeps the server's notices (Sluice's "waiting for approval …") on the connection."""
    notices = [notice.strip() for notice in getattr(dbapi_connection, "notices", [])]
    del dbapi_connection.notices[:]
    return notices
