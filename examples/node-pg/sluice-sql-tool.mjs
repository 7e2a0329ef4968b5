import pg from "pg";

/**
 * The SQL tools of a Node agent (list tables, describe a table, run a query), reaching the data
 * through Sluice with `pg`. The connection string is the one the console issues for the agent;
 * `ca` is the gateway's CA (pg takes no CA from the environment or from a `sslrootcert` it cannot
 * read relative to you, so it is passed here).
 */
export class SluiceSqlTool {
  constructor({ connectionString, ca }) {
    this.pool = new pg.Pool({ connectionString, ssl: ca ? { ca } : undefined, max: 2 });
    this.notices = [];
    // Sluice tells a waiting agent why it waits ("waiting for approval: review R-7 by …").
    this.pool.on("connect", (client) => client.on("notice", (notice) => this.notices.push(notice.message)));
  }

  // Plain catalog queries: Sluice returns the structure catalogs in clear (examples/README.md).
  async listTables() {
    const result = await this.pool.query(
      "SELECT c.relname AS name FROM pg_catalog.pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'p') ORDER BY 1",
    );
    return result.rows.map((row) => row.name);
  }

  async describeTable(table) {
    const result = await this.pool.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = ('public.' || quote_ident($1))::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [table],
    );
    return result.rows;
  }

  /** Rows, or Sluice's refusal with its hint: what a model reads to decide its next step. */
  async runQuery(sql, onNotice) {
    const before = this.notices.length;
    const client = await this.pool.connect();
    const forward = (notice) => onNotice?.(notice.message);
    client.on("notice", forward);
    try {
      const result = await client.query(sql);
      return {
        ok: true,
        columns: result.fields.map((field) => field.name),
        rows: result.rows.map((row) => Object.values(row)),
        notices: this.notices.slice(before),
      };
    } catch (error) {
      return {
        ok: false,
        error: error.message,
        hint: error.hint ?? null,
        notices: this.notices.slice(before),
      };
    } finally {
      client.off("notice", forward);
      client.release();
    }
  }

  close() {
    return this.pool.end();
  }
}
