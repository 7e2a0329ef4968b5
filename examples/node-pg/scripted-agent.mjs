/**
 * A scripted agent: the tool calls a model would make, without the model.
 *
 *   SLUICE_DATABASE_URL=postgresql://AGENT:TOKEN@localhost:15432/demo_shop SLUICE_CA_FILE=.sluice/tls/ca.crt \
 *     node examples/node-pg/scripted-agent.mjs
 *
 * Prints one JSON object per tool call: masked values, a refusal with what to do instead, and a
 * statement held for a reviewer that runs once approved.
 */
import { readFileSync } from "node:fs";
import { SluiceSqlTool } from "./sluice-sql-tool.mjs";

const STEPS = [
  ["masked", "SELECT first_name, ssn, email, card_number FROM customers ORDER BY id LIMIT 3"],
  ["denied", "DELETE FROM orders"],
  ["held", "SELECT id, salary FROM employees ORDER BY id LIMIT 3"],
];

const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const tool = new SluiceSqlTool({
  connectionString: process.env.SLUICE_DATABASE_URL,
  ca: process.env.SLUICE_CA_FILE ? readFileSync(process.env.SLUICE_CA_FILE, "utf8") : undefined,
});
try {
  print({ step: "list_tables", result: await tool.listTables() });
  print({ step: "describe_table", result: await tool.describeTable("customers") });
  for (const [step, sql] of STEPS) {
    // The hold is announced at once, before the rows: an agent can tell its user it is waiting.
    const result = await tool.runQuery(sql, (notice) => print({ step: "notice", sql, notice }));
    print({ step, sql, ...result });
  }
} finally {
  await tool.close();
}
