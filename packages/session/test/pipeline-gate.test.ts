import { describe, expect, it } from "vitest";
import { couldReadDifferently, PipelineGate } from "../src/pipeline-gate";

const message = (body: Buffer) => Buffer.concat([Buffer.from("P"), Buffer.alloc(4), body]);

describe("the pipeline gate behind statements that may run unjudged code", () => {
  it("stays open for statements that run only judged code", () => {
    const gate = new PipelineGate();
    gate.afterQuery(0, false);
    gate.afterBind("", false);
    gate.afterExecute("");
    gate.afterSync(1);
    expect(gate.whenOpen()).toBeNull();
    expect(gate.refusalInBatch(message(Buffer.from("SELECT 'é'")))).toBeNull();
  });

  it("holds everything after such a Query until that Query's ReadyForQuery", async () => {
    const gate = new PipelineGate();
    gate.afterQuery(4, true);
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
    gate.afterBind("p", true);
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

  it("forgets a portal rebound to a judged statement or closed", () => {
    const gate = new PipelineGate();
    gate.afterBind("p", true);
    gate.afterBind("p", false);
    gate.afterBind("q", true);
    gate.afterClosePortal("q");
    gate.afterExecute("p");
    gate.afterExecute("q");
    expect(gate.refusalInBatch(message(Buffer.from("é")))).toBeNull();
  });

  it("a Query inside a tainted batch ends it and holds what follows until its own ReadyForQuery", () => {
    const gate = new PipelineGate();
    gate.afterBind("", true);
    gate.afterExecute("");
    gate.afterQuery(2, false);
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
