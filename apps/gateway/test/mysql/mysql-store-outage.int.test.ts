import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTcpRelay, type TcpRelay } from "../../../../test/tcp-relay";
import { until } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";
import { gatewayMariadbTarget, mariadbCli } from "../support/mariadb-cli";

/**
 * A MySQL login while Sluice's own store is away (the gateway reaches it through a relay the test
 * cuts): refused as retryable, in the packet the client expects, with a message that names the
 * store; the `mariadb` client (Connector/C, strict about sequence ids) reports it as such.
 */
let harness: Harness;
let stage: MariaStage;
let relay: TcpRelay;

beforeAll(async () => {
  stage = await createMariaStage("outage", (database) => `CREATE TABLE ${database}.t (id INT);`);
  const store = new URL(inject("adminUrl"));
  relay = await startTcpRelay({ host: store.hostname, port: Number(store.port) });
  harness = await startHarness({ mysqlPort: 0, storeRoute: relay.urlThrough });
  await stage.addConnection(harness);
});
afterAll(async () => {
  await relay?.restore().catch(() => {});
  await harness?.stop();
  await relay?.close();
  await stage?.drop();
});

/** `mariadb -e "SELECT 41 + 1"` through the gateway: what it printed, or the error it printed. */
const mariadbLogin = () => mariadbCli(gatewayMariadbTarget(harness, "maria"), "SELECT 41 + 1");

describe("a MySQL login while the store is down", () => {
  it("is refused with a retryable error that names the store, then succeeds once it is back", async () => {
    expect(await mariadbLogin()).toEqual({ stdout: "42\n" });
    await relay.cut();
    const refused = await mariadbLogin();
    expect(refused.stderr).toMatch(
      /ERROR 1040 \(08004\).*Sluice cannot reach its store to check this login; retry in a moment/,
    );
    expect(harness.logs.filter((line) => line.includes("internal error"))).toEqual([]);
    await relay.restore();
    const next = await until(async () => ((await mariadbLogin()).stdout ? true : null), {
      what: "a MySQL login once the store is back",
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(next).toBe(true);
  }, 60_000);
});
