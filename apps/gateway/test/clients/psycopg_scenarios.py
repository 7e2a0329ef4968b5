"""The driver-conformance scenarios with psycopg 3: prints one JSON document of results.

Run with a connection URL; the same output directly and through Sluice is the test.
"""
import json
import sys

import psycopg


def error_of(cursor, sql, params=None):
    try:
        cursor.execute(sql, params)
        return None
    except psycopg.Error as error:
        diag = error.diag
        return {"code": diag.sqlstate, "message": diag.message_primary, "position": diag.statement_position}


def main(url):
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT 1 AS one, 'two' AS two, NULL::int AS none")
        out["simple"] = cur.fetchall()
        cur.execute(
            "SELECT %s::int AS i, %s::numeric AS n, %s::text AS t, %s::jsonb AS j, %s::bytea AS b,"
            " %s::timestamptz AS ts, %s::int[] AS a, %s::bool AS flag",
            (42, "3.14159", "é€", json.dumps({"k": [1, 2]}), b"\x00\xff", "2026-12-03 10:00:00+00", [1, 2, 3], True),
        )
        out["types"] = [[str(value) for value in row] for row in cur.fetchall()]
        cur.execute("SELECT x FROM generate_series(1, 5) x WHERE x > %s", (2,), prepare=True)
        out["prepared"] = cur.fetchall()
        out["division"] = error_of(cur, "SELECT 1/0")
        out["syntax"] = error_of(cur, "SELEC 1")
        out["refused_in_multi"] = error_of(cur, "SELECT 1; SELECT pg_read_file('/etc/hostname'); SELECT 2")
        cur.execute("CREATE TEMP TABLE items (id int, label text)")
        with cur.copy("COPY items FROM STDIN") as copy:
            for row in [(1, "a"), (2, "b;c"), (3, None)]:
                copy.write_row(row)
        with cur.copy("COPY items TO STDOUT") as copy:
            out["copy_out"] = [bytes(chunk).decode() for chunk in copy]
        conn.autocommit = False
        with conn.transaction():
            cur.execute("INSERT INTO items VALUES (4, 'kept')")
            try:
                with conn.transaction():
                    cur.execute("INSERT INTO items VALUES (5, 'undone')")
                    cur.execute("SELECT 1/0")
            except psycopg.errors.DivisionByZero:
                out["savepoint_error"] = "22012"
        cur.execute("SELECT id, label FROM items ORDER BY id")
        out["after_savepoint"] = cur.fetchall()
        conn.rollback()
        with conn.cursor(name="server_side") as named:
            named.itersize = 2
            named.execute("SELECT x FROM generate_series(1, 7) x")
            out["server_cursor"] = [row[0] for row in named]
        conn.rollback()
    print(json.dumps(out, default=str, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
