import { describe, expect, it } from "vitest";
import { connectInstructions } from "../src/app/(console)/connections/connect-snippets";

const GATEWAY = {
  host: "gw.local",
  postgresPort: 15432,
  mysqlPort: 13306,
  httpPort: 18080,
  caFile: "/etc/sluice/ca.crt",
};
const target = { connection: "shop", agent: "bot-1", token: "sk_abc'def" };

describe("connection snippets by kind", () => {
  it("gives a Postgres connection its postgresql URI on the Postgres listener", () => {
    const { address, snippets } = connectInstructions(GATEWAY, { ...target, type: "POSTGRES" });
    expect(address.code).toMatch(
      /^postgresql:\/\/bot-1:sk_abc'def@gw\.local:15432\/shop\?sslmode=verify-full/,
    );
    expect(snippets.map((snippet) => snippet.label)).toContain("psql");
  });

  it("gives a MySQL connection the mysql CLI and PyMySQL on the MySQL listener, with TLS verified", () => {
    const { address, snippets } = connectInstructions(GATEWAY, { ...target, type: "MYSQL" });
    expect(address.code).toBe("mysql://bot-1:sk_abc'def@gw.local:13306/shop");
    const cli = snippets.find((snippet) => snippet.label.startsWith("mysql"))?.code;
    // The quote inside the token cannot end the shell word early.
    expect(cli).toBe(
      `mysql -h gw.local -P 13306 -u bot-1 -p'sk_abc'"'"'def' --ssl-ca=/etc/sluice/ca.crt --ssl-verify-server-cert shop`,
    );
    const python = snippets.find((snippet) => snippet.label.includes("PyMySQL"))?.code ?? "";
    expect(python).toContain("port=13306,");
    expect(python).toContain(`password="sk_abc'def",`);
    expect(python).toContain('ssl_ca="/etc/sluice/ca.crt"');
    expect(python).toContain("ssl_verify_identity=True");
    expect(snippets.map((snippet) => snippet.label)).toEqual([
      "mysql / mariadb CLI",
      "Node (mysql2)",
      "Python (PyMySQL)",
      "Python (SQLAlchemy)",
    ]);
    const sqlalchemy = snippets[3]?.code ?? "";
    expect(sqlalchemy).toContain('"mysql+pymysql://bot-1:sk_abc\'def@gw.local:13306/shop"');
    expect(sqlalchemy).toContain("ssl_verify_identity=True");
    expect(snippets[1]?.code).toContain('ssl: { ca: readFileSync("/etc/sluice/ca.crt", "utf8") }');
  });

  it("asks for TLS even when the CA file is unknown", () => {
    const gateway = { ...GATEWAY, caFile: null };
    const cli = connectInstructions(gateway, { ...target, type: "MYSQL" }).snippets[0]?.code;
    expect(cli).toContain("--ssl ");
    const curl = connectInstructions(gateway, { ...target, type: "HTTP" }).snippets[0]?.code;
    expect(curl).not.toContain("--cacert");
    expect(curl).toContain("https://");
  });

  it("gives an HTTP connection its base URL, curl and requests with the token as a bearer", () => {
    const { address, snippets } = connectInstructions(GATEWAY, { ...target, type: "HTTP" });
    expect(address.code).toBe("https://gw.local:18080/shop/");
    expect(snippets[0]).toEqual({
      label: "curl",
      code: `curl --cacert /etc/sluice/ca.crt -H 'Authorization: Bearer sk_abc'"'"'def' https://gw.local:18080/shop/`,
    });
    const python = snippets[1]?.code ?? "";
    expect(python).toContain(`headers={"Authorization": "Bearer sk_abc'def"}`);
    expect(python).toContain('verify="/etc/sluice/ca.crt"');
  });
});
