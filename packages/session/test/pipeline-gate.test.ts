import { describe, expect, it } from "vitest";
import { couldReadDifferently, PipelineGate, type PortalEffects } from "../src/pipeline-gate";

const RUNS_CODE: PortalEffects = { mayRunUnjudgedCode: true };
const JUDGED: PortalEffects = {};
const DROPS_PORTALS: PortalEffects = { dropsPortals: true };
const message = (body: Buffer) => Buffer.concat([Buffer.from("P"), Buffer.alloc(4), body]);

describe("the pipeline gate behind statements that may run unjudged code", () => {
  it("stays open for statements that run only judged code", () => {
    const gate = new PipelineGate();
    gate.afterQuery(0, JUDGED);
    gate.afterBind("", JUDGED);
    gate.afterExecute("");
    gate.afterSync(1);
    expect(gate.whenOpen()).toBeNull();
    expect(gate.refusalInBatch(message(Buffer.from("SELECT 'é'")))).toBeNull();
  });

  it("holds everything after such a Query until that Query's ReadyForQuery", async () => {
    const gate = new PipelineGate();
    gate.afterQuery(4, RUNS_CODE);
    const waiting = gate.whenOpen();
    expect(waiting).not.toBeNull();
    let isOpen = false;
    void waiting?.then(() => {
      isOpen = true;
    });
    gate.afterReady(3);
    await Promise.resolve();
    expect(isOpen).toBe(false);
    gate.afterReady(4);
    await waiting;
    expect(isOpen).toBe(true);
    expect(gate.whenOpen()).toBeNull();
  });

  it("taints the rest of a batch only once a portal of such a statement is Executed, then holds after its Sync", () => {
    const gate = new PipelineGate();
    gate.afterBind("p", RUNS_CODE);
    gate.afterBind("q", JUDGED);
    expect(gate.refusalInBatch(message(Buffer.from("é")))).toBeNull();
    gate.afterExecute("q");
    expect(gate.refusalInBatch(message(Buffer.from("é")))).toBeNull();
    gate.afterExecute("p");
    expect(gate.refusalInBatch(message(Buffer.from("é")))?.code).toBe("42501");
    expect(gate.refusalInBatch(message(Buffer.from("a\\b")))?.code).toBe("42501");
    expect(gate.refusalInBatch(message(Buffer.from("plain ascii")))).toBeNull();
    gate.afterSync(7);
    expect(gate.refusalInBatch(message(Buffer.from("é")))).toBeNull();
    expect(gate.whenOpen()).not.toBeNull();
    gate.afterReady(7);
    expect(gate.whenOpen()).toBeNull();
  });

  it("trusts a portal rebound to a judged statement, not one closed since", () => {
    const gate = new PipelineGate();
    gate.afterBind("p", RUNS_CODE);
    gate.afterBind("p", JUDGED);
    gate.afterExecute("p");
    expect(gate.refusalInBatch(message(Buffer.from("é")))).toBeNull();
    gate.afterBind("q", JUDGED);
    gate.afterClosePortal("q");
    // The name is free for a SQL DECLARE: whatever runs under it now was never judged here.
    gate.afterExecute("q");
    expect(gate.refusalInBatch(message(Buffer.from("é")))?.code).toBe("42501");
  });

  it("counts a portal never bound here (a SQL cursor Executed by name) as running unjudged code", () => {
    const gate = new PipelineGate();
    gate.afterQuery(0, JUDGED);
    gate.afterExecute("k");
    expect(gate.refusalInBatch(message(Buffer.from("é")))?.code).toBe("42501");
  });

  it("trusts no judged Bind's name after SQL that may close or replace portals, until bound again", () => {
    const viaQuery = new PipelineGate();
    viaQuery.afterBind("k", JUDGED);
    viaQuery.afterQuery(0, DROPS_PORTALS);
    viaQuery.afterExecute("k");
    expect(viaQuery.refusalInBatch(message(Buffer.from("é")))?.code).toBe("42501");

    // In one pipeline: the dropping portal's Execute (CLOSE k; DECLARE k …) is where it happens.
    const inBatch = new PipelineGate();
    inBatch.afterBind("k", JUDGED);
    inBatch.afterBind("close", DROPS_PORTALS);
    inBatch.afterExecute("k");
    expect(inBatch.refusalInBatch(message(Buffer.from("é")))).toBeNull();
    inBatch.afterExecute("close");
    expect(inBatch.refusalInBatch(message(Buffer.from("é")))).toBeNull();
    inBatch.afterBind("", JUDGED);
    inBatch.afterExecute("");
    expect(inBatch.refusalInBatch(message(Buffer.from("é")))).toBeNull();
    inBatch.afterExecute("k");
    expect(inBatch.refusalInBatch(message(Buffer.from("é")))?.code).toBe("42501");
  });

  it("trusts no name after unjudged code ran: it can DECLARE or CLOSE cursors too", () => {
    const viaQuery = new PipelineGate();
    viaQuery.afterBind("k", JUDGED);
    viaQuery.afterQuery(0, RUNS_CODE);
    viaQuery.afterReady(0);
    viaQuery.afterExecute("k");
    expect(viaQuery.refusalInBatch(message(Buffer.from("é")))?.code).toBe("42501");

    const viaExecute = new PipelineGate();
    viaExecute.afterBind("k", JUDGED);
    viaExecute.afterBind("code", RUNS_CODE);
    viaExecute.afterExecute("code");
    viaExecute.afterSync(0);
    viaExecute.afterReady(0);
    viaExecute.afterExecute("k");
    expect(viaExecute.refusalInBatch(message(Buffer.from("é")))?.code).toBe("42501");
  });

  it("a Query inside a tainted batch ends it and holds what follows until its own ReadyForQuery", () => {
    const gate = new PipelineGate();
    gate.afterBind("", RUNS_CODE);
    gate.afterExecute("");
    gate.afterQuery(2, JUDGED);
    expect(gate.whenOpen()).not.toBeNull();
    gate.afterReady(2);
    expect(gate.whenOpen()).toBeNull();
  });

  it("reads the header as no text, and any byte ≥ 0x80 or a backslash as readable differently", () => {
    expect(couldReadDifferently(Buffer.from([0x50, 0xff, 0x5c, 0x80, 0x00]))).toBe(false);
    expect(couldReadDifferently(message(Buffer.from([0x41, 0x80])))).toBe(true);
    expect(couldReadDifferently(message(Buffer.from([0x41, 0x5c])))).toBe(true);
    expect(couldReadDifferently(message(Buffer.from("SELECT 1")))).toBe(false);
  });
});
