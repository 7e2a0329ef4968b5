"""Runs the same statements with a real Python driver and prints what it saw as JSON.

usage: python_client.py psycopg2|psycopg|sqlalchemy URL
The test runs it once directly against PostgreSQL and once through Sluice and compares the output.
"""
import json
import sys
from decimal import Decimal


def rows_json(rows):
    return [[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows]


def run_psycopg2(url):
    import psycopg2

    conn = psycopg2.connect(url)
    out = {}
    with conn.cursor() as cur:
        cur.execute("SELECT id, name, price FROM items ORDER BY id LIMIT 20")
        out["rows"] = rows_json(cur.fetchall())
        cur.execute("SELECT name FROM items WHERE id = %s", (7,))
        out["param"] = rows_json(cur.fetchall())
        try:
            cur.execute("SELECT 1/0")
        except psycopg2.Error as error:
            out["error"] = error.pgcode
        conn.rollback()
        cur.execute("SELECT 42")
        out["after_error"] = cur.fetchone()[0]
        with conn.cursor(name="server_side") as named:  # a server-side cursor: DECLARE/FETCH
            named.itersize = 7
            named.execute("SELECT id FROM items ORDER BY id LIMIT 30")
            out["cursor"] = [row[0] for row in named]
    conn.close()
    return out


def run_psycopg(url):
    import psycopg

    out = {}
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name, price FROM items ORDER BY id LIMIT 20")
            out["rows"] = rows_json(cur.fetchall())
            for _ in range(3):  # prepare=True: a named server-side prepared statement
                cur.execute("SELECT name FROM items WHERE id = %s", (7,), prepare=True)
            out["param"] = rows_json(cur.fetchall())
            try:
                cur.execute("SELECT 1/0")
            except psycopg.Error as error:
                out["error"] = error.sqlstate
        conn.rollback()
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, name FROM items WHERE id <= %s ORDER BY id", (5,))
            out["binary"] = rows_json(cur.fetchall())
        with conn.cursor() as cur:
            with cur.copy("COPY (SELECT id, name FROM items ORDER BY id LIMIT 5) TO STDOUT") as copy:
                out["copy"] = [list(row) for row in copy.rows()]
    return out


def run_sqlalchemy(url):
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    out = {}
    with engine.connect() as conn:
        out["rows"] = rows_json(conn.execute(text("SELECT id, name, price FROM items ORDER BY id LIMIT 20")).fetchall())
        out["param"] = rows_json(conn.execute(text("SELECT name FROM items WHERE id = :id"), {"id": 7}).fetchall())
        out["count"] = conn.execute(text("SELECT count(*) FROM items")).scalar()
    engine.dispose()
    return out


def run_cancel(url):
    """psycopg2's cancel() sends a CancelRequest with the BackendKeyData the server handed out."""
    import threading
    import time

    import psycopg2

    conn = psycopg2.connect(url)
    out = {}
    timer = threading.Timer(1.0, conn.cancel)
    timer.start()
    started = time.monotonic()
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT pg_sleep(30)")
        except psycopg2.Error as error:
            out["error"] = error.pgcode
        out["cancelled_within_10s"] = time.monotonic() - started < 10
        conn.rollback()
        cur.execute("SELECT 'alive'")
        out["after"] = cur.fetchone()[0]
    conn.close()
    return out


if __name__ == "__main__":
    driver, url = sys.argv[1], sys.argv[2]
    result = {"psycopg2": run_psycopg2, "psycopg": run_psycopg, "sqlalchemy": run_sqlalchemy, "cancel": run_cancel}[driver](url)
    print(json.dumps(result, sort_keys=True))
