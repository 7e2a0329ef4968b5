import type { Node } from "./extract-facts";
import type { PlainTable, RoutineRef } from "./facts";
import { asArray, asNode, stringValue } from "./facts-nodes";
import { nameParts, routineRef } from "./facts-visitors";

/**
 * Column constraints that tie no other relation or user code to the table's writes. A default,
 * CHECK or generated expression runs on every write, but its calls and operators are in the
 * statement's facts (the policy judges those); a foreign key reaches or is reached by another
 * table, and an exclusion constraint runs operators its facts do not list.
 */
const PLAIN_CONSTRAINTS = new Set([
  "CONSTR_NULL",
  "CONSTR_NOTNULL",
  "CONSTR_DEFAULT",
  "CONSTR_IDENTITY",
  "CONSTR_GENERATED",
  "CONSTR_CHECK",
  "CONSTR_PRIMARY",
  "CONSTR_UNIQUE",
  "CONSTR_ATTR_DEFERRABLE",
  "CONSTR_ATTR_NOT_DEFERRABLE",
  "CONSTR_ATTR_DEFERRED",
  "CONSTR_ATTR_IMMEDIATE",
]);

/**
 * The table a `CREATE TABLE` makes when it is a plain one: its rows are its own and a write to it
 * reaches no other relation by the table's own definition. Null for anything else: INHERITS and
 * PARTITION OF (its rows are a parent's), PARTITION BY, OF a type, LIKE (copies defaults and
 * constraints the statement does not show), foreign keys, exclusion constraints, an access method
 * other than heap, IF NOT EXISTS (a relation already there, perhaps a view, is kept).
 * `libpg-query`'s JSON for CreateStmt: https://www.postgresql.org/docs/current/sql-createtable.html
 */
export function plainTableOf(node: Node): PlainTable | null {
  if (
    node["inhRelations"] !== undefined ||
    node["partbound"] !== undefined ||
    node["partspec"] !== undefined ||
    node["ofTypename"] !== undefined ||
    node["if_not_exists"] === true ||
    (node["accessMethod"] !== undefined && node["accessMethod"] !== "heap")
  )
    return null;
  const relation = asNode(node["relation"]);
  const schema = typeof relation["schemaname"] === "string" ? relation["schemaname"] : null;
  const name = stringValue(relation["relname"]);
  const columnTypes: RoutineRef[] = [];
  for (const element of asArray(node["tableElts"])) {
    const [type] = Object.keys(asNode(element));
    const body = asNode(asNode(element)[type ?? ""]);
    if (type === "Constraint") {
      if (!PLAIN_CONSTRAINTS.has(String(body["contype"]))) return null;
      continue;
    }
    if (type !== "ColumnDef") return null;
    columnTypes.push(routineRef(nameParts(asNode(body["typeName"])["names"])));
    for (const constraint of asArray(body["constraints"])) {
      if (!PLAIN_CONSTRAINTS.has(String(asNode(asNode(constraint)["Constraint"])["contype"]))) return null;
    }
  }
  const isTemporary =
    relation["relpersistence"] === "t" || schema === "pg_temp" || /^pg_temp_\d+$/.test(schema ?? "");
  return { schema: isTemporary ? "pg_temp" : schema, name, isTemporary, columnTypes };
}
