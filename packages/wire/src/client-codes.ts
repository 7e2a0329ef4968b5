/**
 * The type bytes of frontend (client → server) messages after the startup phase.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export enum ClientCode {
  Bind = 0x42, // B
  Close = 0x43, // C
  Describe = 0x44, // D
  Execute = 0x45, // E
  FunctionCall = 0x46, // F
  Flush = 0x48, // H
  Parse = 0x50, // P
  Query = 0x51, // Q
  Sync = 0x53, // S
  Terminate = 0x58, // X
  CopyDone = 0x63, // c
  CopyData = 0x64, // d
  CopyFail = 0x66, // f
  /** PasswordMessage, SASLInitialResponse and SASLResponse: the meaning depends on the auth state. */
  AuthResponse = 0x70, // p
}

const CLIENT_CODES: ReadonlySet<number> = new Set<number>([
  ClientCode.Bind,
  ClientCode.Close,
  ClientCode.Describe,
  ClientCode.Execute,
  ClientCode.FunctionCall,
  ClientCode.Flush,
  ClientCode.Parse,
  ClientCode.Query,
  ClientCode.Sync,
  ClientCode.Terminate,
  ClientCode.CopyDone,
  ClientCode.CopyData,
  ClientCode.CopyFail,
  ClientCode.AuthResponse,
]);

/** For the framing buffer: is this a frontend message type at all? Lets it refuse before the body. */
export function isClientMessageType(type: number): boolean {
  return CLIENT_CODES.has(type);
}
