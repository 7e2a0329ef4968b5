/**
 * The type bytes of backend (server → client) messages, beside ClientCode for the other direction.
 * Every place that reads or writes a server message's type uses these names, not letters or hex.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export enum ServerCode {
  ParseComplete = 0x31, // 1
  BindComplete = 0x32, // 2
  CloseComplete = 0x33, // 3
  NotificationResponse = 0x41, // A
  CommandComplete = 0x43, // C
  DataRow = 0x44, // D
  ErrorResponse = 0x45, // E
  CopyInResponse = 0x47, // G
  CopyOutResponse = 0x48, // H
  EmptyQueryResponse = 0x49, // I
  BackendKeyData = 0x4b, // K
  NoticeResponse = 0x4e, // N
  Authentication = 0x52, // R
  ParameterStatus = 0x53, // S
  RowDescription = 0x54, // T
  FunctionCallResponse = 0x56, // V
  CopyBothResponse = 0x57, // W
  ReadyForQuery = 0x5a, // Z
  CopyDone = 0x63, // c
  CopyData = 0x64, // d
  NoData = 0x6e, // n
  PortalSuspended = 0x73, // s
  ParameterDescription = 0x74, // t
  NegotiateProtocolVersion = 0x76, // v
}

/**
 * The one byte of ReadyForQuery: where the session's transaction stands.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-READYFORQUERY
 */
export enum TransactionStatus {
  Idle = 0x49, // I
  InTransaction = 0x54, // T
  Failed = 0x45, // E
}

/** The Int32 after an Authentication ('R') message's header: which request or answer it is. */
export enum AuthenticationCode {
  Ok = 0,
  CleartextPassword = 3,
  MD5Password = 5,
  SASL = 10,
  SASLContinue = 11,
  SASLFinal = 12,
}

/**
 * The first byte of a Close or Describe body, and of a gateway-built Describe: what it names.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DESCRIBE
 */
export enum TargetCode {
  Statement = 0x53, // S
  Portal = 0x50, // P
}

/**
 * The one-letter field codes of ErrorResponse and NoticeResponse the gateway writes or reads.
 * @see https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
export const ErrorField = {
  /** Localized severity. */
  Severity: "S",
  /** Severity, never localized (PostgreSQL 9.6+): what clients prefer. */
  SeverityText: "V",
  Code: "C",
  Message: "M",
  Detail: "D",
  Hint: "H",
  Position: "P",
  Where: "W",
  /** Where in the server's source the error was raised: file, line, routine. */
  File: "F",
  Line: "L",
  Routine: "R",
} as const;
