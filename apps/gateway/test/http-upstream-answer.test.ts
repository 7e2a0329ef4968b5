import { describe, expect, it, vi } from "vitest";
import { type AnswerSink, UpstreamAnswer } from "../src/http/upstream-answer";

/** An answer whose events are recorded, as undici's dispatcher would drive it. */
function answerWithEvents() {
  const events: string[] = [];
  const answer = new UpstreamAnswer({
    onHeaders: (answered) => events.push(`headers ${answered.status}`),
    onFailedBeforeHeaders: (error) => events.push(`failed before headers: ${error.message}`),
    describeBodyFailure: (error) => `body failed: ${error.message}`,
  });
  return { answer, events };
}

function recordingSink(wantsMore = true) {
  const got: string[] = [];
  const sink: AnswerSink = {
    data: (chunk) => {
      got.push(chunk.toString());
      return wantsMore;
    },
    end: () => got.push("end"),
    fail: (reason) => got.push(`fail: ${reason}`),
  };
  return { sink, got };
}

const header = (text: string) => Buffer.from(text, "latin1");

describe("an upstream answer delivered by the dispatcher", () => {
  it("keeps a whole small body that came before the relay attached, and skips 1xx answers", () => {
    const { answer, events } = answerWithEvents();
    answer.onConnect(() => {});
    expect(answer.onHeaders(103, [header("link"), header("</x>")], () => {})).toBe(true);
    expect(events).toEqual([]);
    answer.onHeaders(
      200,
      [header("Content-Type"), header("application/json"), header("ETag"), header('"é"')],
      () => {},
    );
    answer.onData(Buffer.from('{"a":'));
    answer.onData(Buffer.from("1}"));
    answer.onComplete();
    expect(events).toEqual(["headers 200"]);
    expect(answer.rawHeaders).toEqual(["Content-Type", "application/json", "ETag", '"é"']);
    expect(answer.isComplete).toBe(true);
    expect(Buffer.concat(answer.takeBody()).toString()).toBe('{"a":1}');
  });

  it("hands early chunks, then the rest and the end, to a sink attached later", () => {
    const { answer } = answerWithEvents();
    answer.onHeaders(200, [], () => {});
    answer.onData(Buffer.from("one"));
    const { sink, got } = recordingSink();
    answer.attach(sink);
    answer.onData(Buffer.from("two"));
    answer.onComplete();
    expect(got).toEqual(["one", "two", "end"]);
  });

  it("tells a sink attached after the body failed, in the words given for it", () => {
    const { answer } = answerWithEvents();
    answer.onHeaders(200, [], () => {});
    answer.onData(Buffer.from("part"));
    answer.onError(new Error("other side closed"));
    const { sink, got } = recordingSink();
    answer.attach(sink);
    expect(got).toEqual(["part", "fail: body failed: other side closed"]);
  });

  it("pauses the socket while no sink takes the body, and resumes it once one does", () => {
    const { answer } = answerWithEvents();
    const resume = vi.fn();
    answer.onHeaders(200, [], resume);
    expect(answer.onData(Buffer.alloc(128 * 1024))).toBe(true);
    expect(answer.onData(Buffer.alloc(128 * 1024))).toBe(false);
    answer.attach(recordingSink(true).sink);
    expect(resume).toHaveBeenCalledTimes(1);
  });

  it("leaves a paused socket paused when the sink is full too (its drain resumes it)", () => {
    const { answer } = answerWithEvents();
    const resume = vi.fn();
    answer.onHeaders(200, [], resume);
    answer.onData(Buffer.alloc(256 * 1024));
    answer.attach(recordingSink(false).sink);
    expect(resume).not.toHaveBeenCalled();
  });

  it("ended before the dispatcher gave it a socket: the caller hears at once, the call is aborted on connect", () => {
    const { answer, events } = answerWithEvents();
    answer.destroy(new Error("the upstream did not answer within 1 s"));
    expect(events).toEqual(["failed before headers: the upstream did not answer within 1 s"]);
    const abort = vi.fn();
    answer.onConnect(abort);
    expect(abort).toHaveBeenCalledWith(new Error("the upstream did not answer within 1 s"));
    // The dispatcher then reports the abort: not news to the caller.
    answer.onError(new Error("aborted"));
    expect(events).toHaveLength(1);
  });

  it("ended after the headers: the socket is aborted once, and a complete answer is left alone", () => {
    const { answer, events } = answerWithEvents();
    const abort = vi.fn();
    answer.onConnect(abort);
    answer.onHeaders(200, [], () => {});
    answer.destroy();
    answer.destroy();
    expect(abort).toHaveBeenCalledTimes(1);
    expect(events).toEqual(["headers 200"]);

    const complete = answerWithEvents().answer;
    const neverCalled = vi.fn();
    complete.onConnect(neverCalled);
    complete.onHeaders(204, [], () => {});
    complete.onComplete();
    complete.destroy();
    expect(neverCalled).not.toHaveBeenCalled();
  });
});
