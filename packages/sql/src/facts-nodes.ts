// Small readers of libpg-query's JSON tree shared by the facts extractor.

import { type Collector, type Node, walkField } from "./extract-facts";
import type { TableRef } from "./facts";
import {
  definedKind,
  derivedKind,
  STATEMENT_KINDS,
  transactionKind,
  UNMODELED_KINDS,
} from "./statement-kinds";

export function addTable(into: Map<string, TableRef>, relation: Node, ctes: Set<string>): void {
  if (!("relname" in relation)) return;
  const table = tableRef(relation);
  if (table.schema === null && ctes.has(table.name)) return;
  into.set(tableKey(table), table);
}

export function tableRef(relation: Node): TableRef {
  const table: TableRef = {
    schema: typeof relation["schemaname"] === "string" ? relation["schemaname"] : null,
    name: stringValue(relation["relname"]),
  };
  const alias = relation["alias"] ? stringValue(asNode(relation["alias"])["aliasname"]) : "";
  if (alias) table.alias = alias;
  return table;
}

export function tableKey(table: TableRef): string {
  return `${table.schema ?? ""}.${table.name} ${table.alias ?? ""}`;
}

export function kindOf(type: string, node: Node): string {
  if (type === "TransactionStmt") return transactionKind(String(node["kind"]));
  if (type === "VariableSetStmt") return String(node["kind"]).startsWith("VAR_RESET") ? "RESET" : "SET";
  if (type === "GrantStmt") return node["is_grant"] === true ? "GRANT" : "REVOKE";
  if (type === "FetchStmt") return node["ismove"] === true ? "MOVE" : "FETCH";
  if (type === "VacuumStmt") return node["is_vacuumcmd"] === true ? "VACUUM" : "ANALYZE";
  if (type === "DefineStmt") return definedKind(String(node["kind"]));
  return STATEMENT_KINDS.get(type) ?? UNMODELED_KINDS.get(type) ?? derivedKind(type);
}

/** A constant's text (strings, numbers, booleans), or null for anything computed. */
export function constantString(value: unknown): string | null {
  const constant = asNode(value)["A_Const"];
  if (!constant) return null;
  const node = asNode(constant);
  if (node["sval"]) return stringValue(asNode(node["sval"])["sval"]);
  if (node["ival"]) return String(asNode(node["ival"])["ival"] ?? 0);
  if (node["fval"]) return stringValue(asNode(node["fval"])["fval"]);
  if (node["boolval"]) return asNode(node["boolval"])["boolval"] === true ? "on" : "off";
  return null;
}

export function walkExcept(node: Node, skip: readonly string[], c: Collector, ctes: Set<string>): void {
  // `for…in`, not Object.entries: no array of pairs allocated per node; primitives hold nothing.
  for (const key in node) {
    const value = node[key];
    if (value !== null && typeof value === "object" && !skip.includes(key)) walkField(key, value, c, ctes);
  }
}

export function isNodeType(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 65 && first <= 90;
}

/**
 * What a missing node or list reads as: one frozen empty value, not one allocated per call (the walk
 * asks for absent fields of most nodes it visits). Frozen, so a write to it throws.
 */
const NO_NODE: Node = Object.freeze({}) as Node;
const NO_LIST: unknown[] = Object.freeze([]) as unknown as unknown[];

export function asNode(value: unknown): Node {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Node) : NO_NODE;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : NO_LIST;
}

export function stringValue(value: unknown): string {
  return typeof value === "string" ? value : "";
}
