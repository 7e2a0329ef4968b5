/** A sealed secret that cannot be opened or a key that cannot be used; never carries the secret. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}
