/**
 * The first byte of a client command packet.
 * @see https://mariadb.com/kb/en/2-text-protocol/
 */
export enum CommandCode {
  Sleep = 0x00,
  Quit = 0x01,
  InitDb = 0x02,
  Query = 0x03,
  FieldList = 0x04,
  CreateDb = 0x05,
  DropDb = 0x06,
  Refresh = 0x07,
  Shutdown = 0x08,
  Statistics = 0x09,
  ProcessInfo = 0x0a,
  Connect = 0x0b,
  ProcessKill = 0x0c,
  Debug = 0x0d,
  Ping = 0x0e,
  ChangeUser = 0x11,
  BinlogDump = 0x12,
  StmtPrepare = 0x16,
  StmtExecute = 0x17,
  StmtSendLongData = 0x18,
  StmtClose = 0x19,
  StmtReset = 0x1a,
  SetOption = 0x1b,
  StmtFetch = 0x1c,
  ResetConnection = 0x1f,
}
