/**
 * Verifiers captured from PostgreSQL 15.20 (UTF8) with
 * `set password_encryption='scram-sha-256'; create role scram_probe login password '<secret>';
 *  select rolpassword from pg_authid where rolname='scram_probe'`.
 */
export const POSTGRES_VERIFIERS = {
  pencil:
    "SCRAM-SHA-256$4096:2sFbdxXmlrYKdl3qQKb8sQ==$g8k9yVuetRk4BOZh85i9G5yRhtkCdMPCoCCT+ExzLCA=:JnSmTyzUp+DWuWMoExeopwuLhhQ2ufScOJV1lzPX3WU=",
  /** Non-ASCII but already SASLprep-stable (NFC, nothing mapped), so raw UTF-8 must agree. */
  café: "SCRAM-SHA-256$4096:aPyqK3j77Ovj0r+Pn0WAMA==$hRkbVSbSImxtVrAZecBHhANkNRm4qwbJcYQpNwJZ7Tk=:rW7pdCgEDtkcYFHYMx5tZcqbtwY92Op6TrYk2pRCoDg=",
} as const;

/**
 * The SCRAM-SHA-256 exchange published in RFC 7677 section 3 (user "user", password "pencil").
 * @see https://www.rfc-editor.org/rfc/rfc7677#section-3
 */
export const RFC_7677 = {
  password: "pencil",
  username: "user",
  clientNonce: "rOprNGfwEbeRWgbNEkqO",
  serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
  salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
  iterations: 4096,
  clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
  serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  clientFinal:
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
} as const;
