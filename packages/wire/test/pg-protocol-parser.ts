import { EventEmitter } from "node:events";
import { parse } from "pg-protocol";
import { TAGGED_HEADER_BYTES } from "../src/limits";
import { printable } from "../src/printable";
import { WireError } from "../src/wire-error";

/**
 * pg-protocol's decoded server message. The package root does not export the type (nor the Parser
 * class), so it is read off the callback of the `parse` it does export.
 */
export type BackendMessage = Parameters<Parameters<typeof parse>[1]>[0];

export type ServerParser = {
  /**
   * Decodes one whole server message, as the FrameBuffer cut it: the caller keeps `raw` to relay it
   * byte for byte and gets the decoded form to act on (ReadyForQuery status, RowDescription, ...).
   * Synchronous: the message is returned, not delivered to a callback later.
   * DataRow values come back as UTF-8 text (pg-protocol has no binary mode), so binary-format
   * columns are for reading only; relay `raw`.
   * @throws WireError 08P01 for a buffer that is not exactly one message or that pg-protocol cannot
   * read, 0A000 for a type pg-protocol does not decode (NegotiateProtocolVersion 'v',
   * FunctionCallResponse 'V': it would report them as an "error").
   */
  decode(raw: Buffer): BackendMessage;
};

/** The type bytes pg-protocol's Parser has a case for (1.16.1 parser.ts `MessageCodes`). */
const DECODABLE_TYPES: ReadonlySet<number> = new Set(
  [..."123CZnARSKENTtsWIGHcdD"].map((letter) => letter.charCodeAt(0)),
);

/**
 * A test oracle, not production code: the gateway decodes the few server messages it acts on with
 * server-decoder.ts and relays the rest as bytes. Tests decode what the gateway writes with
 * pg-protocol's Parser (what node-postgres clients run), an implementation independent of ours.
 *
 * A server → gateway decoder over pg-protocol's Parser. The Parser keeps a partial message between
 * calls, so there is one per upstream connection (never shared), and a fresh one after a failure,
 * which would otherwise leave the bad message buffered to fail again.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export function createServerParser(): ServerParser {
  let feed = connectParser();
  return {
    decode(raw) {
      const type = checkOneMessage(raw);
      if (!DECODABLE_TYPES.has(type))
        throw new WireError(`server message type '${printable(type)}' is not decoded here`, "0A000");
      let messages: BackendMessage[];
      try {
        messages = feed(raw);
      } catch (error) {
        feed = connectParser();
        const reason = error instanceof Error ? error.message : String(error);
        throw new WireError(`malformed server message '${printable(type)}': ${reason}`);
      }
      const [message] = messages;
      if (messages.length !== 1 || !message) {
        feed = connectParser();
        throw new WireError(`server message '${printable(type)}' did not decode to one message`);
      }
      return message;
    },
  };
}

/** One-off decoding with a parser of its own; for a stream of messages, use createServerParser(). */
export function decodeWithPgProtocol(raw: Buffer): BackendMessage {
  return createServerParser().decode(raw);
}

/** The type byte of `raw`, once its length word says it is exactly one message. */
function checkOneMessage(raw: Buffer): number {
  if (raw.length < TAGGED_HEADER_BYTES || raw.readInt32BE(1) + 1 !== raw.length)
    throw new WireError("not exactly one server message");
  return raw[0] as number;
}

/**
 * pg-protocol exports its Parser only behind `parse(stream, callback)`, which listens for 'data'.
 * An EventEmitter stands in for the stream: `emit` calls listeners synchronously, so every message
 * in `raw` has been decoded when it returns. The promise `parse` returns waits for an 'end' that
 * never comes and is dropped with the emitter.
 */
function connectParser(): (raw: Buffer) => BackendMessage[] {
  const source = new EventEmitter();
  let received: BackendMessage[] = [];
  void parse(source as unknown as NodeJS.ReadableStream, (message) => received.push(message));
  return (raw) => {
    received = [];
    source.emit("data", raw);
    return received;
  };
}
