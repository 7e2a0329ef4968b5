/** A snippet as the console shows it: a label and the text to paste. */
export type MySqlSnippet = { label: string; code: string };

export type MySqlGateway = { host: string; port: number; caFile: string | null };
export type MySqlTarget = { connection: string; agent: string; token: string };

/** The agent's address on the MySQL listener: the connection is the database's name. */
export function mysqlUri(gateway: MySqlGateway, target: MySqlTarget): string {
  const { host, port } = gateway;
  return `mysql://${encodeURIComponent(target.agent)}:${encodeURIComponent(target.token)}@${host}:${port}/${encodeURIComponent(target.connection)}`;
}

/**
 * Ready-to-paste MySQL clients: the `mysql`/`mariadb` CLI, mysql2 (Node), PyMySQL and SQLAlchemy.
 * The gateway refuses a login without TLS before any secret is sent, so every one asks for TLS, and
 * verifies the gateway's certificate (Sluice's CA when its file is known, the system's otherwise).
 * Each runs one query and prints it, so pasting it proves the path end to end.
 */
export function mysqlSnippets(gateway: MySqlGateway, target: MySqlTarget): MySqlSnippet[] {
  return [
    { label: "mysql / mariadb CLI", code: cliSnippet(gateway, target) },
    { label: "Node (mysql2)", code: mysql2Snippet(gateway, target) },
    { label: "Python (PyMySQL)", code: pymysqlSnippet(gateway, target) },
    { label: "Python (SQLAlchemy)", code: sqlalchemySnippet(gateway, target) },
  ];
}

function cliSnippet({ host, port, caFile }: MySqlGateway, target: MySqlTarget): string {
  const tls = caFile ? `--ssl-ca=${shellQuote(caFile)} --ssl-verify-server-cert` : "--ssl";
  return `mysql -h ${host} -P ${port} -u ${shellQuote(target.agent)} -p${shellQuote(target.token)} ${tls} ${shellQuote(target.connection)}`;
}

function mysql2Snippet({ host, port, caFile }: MySqlGateway, target: MySqlTarget): string {
  return [
    'import mysql from "mysql2/promise";',
    ...(caFile ? ['import { readFileSync } from "node:fs";'] : []),
    "",
    "const connection = await mysql.createConnection({",
    `  host: ${JSON.stringify(host)},`,
    `  port: ${port},`,
    `  user: ${JSON.stringify(target.agent)},`,
    `  password: ${JSON.stringify(target.token)},`,
    `  database: ${JSON.stringify(target.connection)},`,
    // mysql2 verifies the certificate and the host name whenever ssl is set.
    caFile
      ? `  ssl: { ca: readFileSync(${JSON.stringify(caFile)}, "utf8") },`
      : "  ssl: {}, // the system's CAs; add ca: for Sluice's own CA",
    "});",
    'const [rows] = await connection.query("select 1 as ok");',
    "console.log(rows);",
    "await connection.end();",
  ].join("\n");
}

/** PyMySQL's own TLS arguments: without a CA it would not verify unless told to. */
function pythonTlsArguments(caFile: string | null, indent: string): string[] {
  return [
    ...(caFile ? [`${indent}ssl_ca=${pyString(caFile)},`] : []),
    `${indent}ssl_verify_cert=True,`,
    `${indent}ssl_verify_identity=True,`,
  ];
}

function pymysqlSnippet({ host, port, caFile }: MySqlGateway, target: MySqlTarget): string {
  return [
    "import pymysql",
    "",
    "conn = pymysql.connect(",
    `    host=${pyString(host)},`,
    `    port=${port},`,
    `    user=${pyString(target.agent)},`,
    `    password=${pyString(target.token)},`,
    `    database=${pyString(target.connection)},`,
    ...pythonTlsArguments(caFile, "    "),
    ")",
    "with conn.cursor() as cursor:",
    '    cursor.execute("select 1")',
    "    print(cursor.fetchone())",
  ].join("\n");
}

function sqlalchemySnippet(gateway: MySqlGateway, target: MySqlTarget): string {
  const url = mysqlUri(gateway, target).replace(/^mysql:/, "mysql+pymysql:");
  return [
    "from sqlalchemy import create_engine, text",
    "",
    "engine = create_engine(",
    `    ${pyString(url)},`,
    "    connect_args=dict(",
    ...pythonTlsArguments(gateway.caFile, "        "),
    "    ),",
    ")",
    "with engine.connect() as conn:",
    '    print(conn.execute(text("select 1")).scalar())',
  ].join("\n");
}

/** Single quotes keep a shell from expanding anything in a token or a path. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'"'"'`)}'`;
}

/** A Python string literal: JSON's escapes are a subset of Python's. */
export function pyString(text: string): string {
  return JSON.stringify(text);
}
