"""A scripted agent: the tool calls a model would make, without the model.

usage: SLUICE_DB_URI=postgresql+psycopg2://AGENT:TOKEN@HOST:15432/demo_shop?sslmode=verify-full&sslrootcert=CA \
       python3 scripted_agent.py

Prints one JSON object per tool call (what was asked, what the model would read) and exits 0 when
every step behaved as the demo promises: masked values, a refusal with a reason, a held statement
that runs once a reviewer approves it.
"""

from __future__ import annotations

import json
import os
import sys

from sluice_sql_tool import SluiceSQLTool

STEPS = [
    ("masked", "SELECT first_name, ssn, email, card_number FROM customers ORDER BY id LIMIT 3"),
    ("denied", "DELETE FROM orders"),
    ("held", "SELECT id, salary FROM employees ORDER BY id LIMIT 3"),
]


def main() -> int:
    tool = SluiceSQLTool(os.environ["SLUICE_DB_URI"])
    try:
        print(json.dumps({"step": "list_tables", "result": tool.list_tables()}), flush=True)
        print(json.dumps({"step": "describe_table", "result": tool.describe_table("customers")}), flush=True)
        for step, sql in STEPS:
            if step == "held":
                print(json.dumps({"step": "waiting", "sql": sql}), flush=True)
            result = tool.run_query(sql)
            print(
                json.dumps(
                    {
                        "step": step,
                        "sql": sql,
                        "ok": result.ok,
                        "columns": result.columns,
                        "rows": result.rows,
                        "error": result.error,
                        "hint": result.hint,
                        "notices": result.notices,
                        "for_model": result.for_model(),
                    },
                    default=str,
                ),
                flush=True,
            )
    finally:
        tool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
