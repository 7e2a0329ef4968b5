/** A byte stream that breaks the MySQL protocol; the session closes the connection with it. */
export class MySqlWireError extends Error {}
