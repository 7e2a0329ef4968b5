import net from "node:net";

/** Fails with one line naming the port and the setting that changes it. */
export async function assertPortFree(port: number, setting: string, host = "127.0.0.1"): Promise<void> {
  const isFree = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!isFree) throw new PortInUseError(port, setting);
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly setting: string,
  ) {
    super(`port ${port} is already in use; set ${setting} to use another port`);
    this.name = "PortInUseError";
  }
}
