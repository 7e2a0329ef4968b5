import { randomUUID } from "node:crypto";
import type net from "node:net";
import tls from "node:tls";
import { AgentLogin, agreedCapabilities, isDeprecateEof } from "@sluice/mysql-session/agent-login";
import { MySqlClientError } from "@sluice/mysql-session/mysql-client-error";
import { recordableStatement } from "@sluice/mysql-session/recordable-statement";
import { MySqlRelay, type RelayAction } from "@sluice/mysql-session/relay";
import { sessionStartRefusal } from "@sluice/mysql-session/session-start-refusal";
import { MAX_JOINED_PAYLOAD_BYTES, MAX_LOGIN_PAYLOAD_BYTES } from "@sluice/mysql-wire/limits";
import { MySqlWireError } from "@sluice/mysql-wire/mysql-wire-error";
import { framePacket, type Packet } from "@sluice/mysql-wire/packet-buffer";
import { encodeOk } from "@sluice/mysql-wire/responses";
import type { LiveSession } from "../connection-deps";
import type { MySqlListenerOptions } from "./mysql-listener";
import type { MySqlSessionIds } from "./mysql-session-ids";
import { openMySqlUpstream } from "./mysql-upstream";
import { PacketPump } from "./packet-pump";

/**
 * One agent connection: the I/O loop around the session's steps (AgentLogin, UpstreamLogin,
 * MySqlRelay), which never touch a socket themselves.
 */
export function serveMySqlClient(
  socket: net.Socket,
  options: MySqlListenerOptions,
  registries: { track: (session: LiveSession) => () => void; sessionIds: MySqlSessionIds },
  onClosed: () => void,
): void {
  const { track, sessionIds } = registries;
  const gatewayConnectionId = sessionIds.allocate();
  let unregisterId: () => void = () => {};
  let client: net.Socket = socket;
  let upstream: net.Socket | tls.TLSSocket | null = null;
  let isClosed = false;
  /** Set once the session row exists: its end is recorded with the reason. */
  let sessionId: string | null = null;
  let untrack: () => void = () => {};
  /** Ends the session's relay (withdrawing a statement held for review) once it exists. */
  let endRelay: (reason: string) => void = () => {};
  // Read once: a socket the client closed during the login answers nothing (see client-address.ts).
  const clientAddress = socket.remoteAddress ?? "";
  const login = new AgentLogin({
    directory: options.directory,
    isTlsAvailable: options.tlsContext !== null,
    connectionId: gatewayConnectionId,
    ...(options.loginLimits ? { limits: options.loginLimits } : {}),
    clientAddress,
    log: options.log,
    ...(options.hooks?.onLoginRefused ? { onLoginRefused: options.hooks.onLoginRefused } : {}),
  });

  const close = (reason: string) => {
    if (isClosed) return;
    isClosed = true;
    options.log(`[mysql] connection closed: ${reason}`);
    client.end();
    endRelay(reason);
    upstream?.destroy();
    untrack();
    unregisterId();
    if (sessionId !== null) options.hooks?.onSessionEnd(sessionId, reason);
    onClosed();
  };
  const sendClient = (sequenceId: number, payload: Buffer) => {
    if (!isClosed) client.write(framePacket(sequenceId, payload));
  };
  const failWith = (error: unknown) => {
    if (error instanceof MySqlWireError) {
      sendClient(0, MySqlClientError.fatal(1156, "08S01", `protocol error: ${error.message}`).payload());
    } else {
      options.log(`[mysql] internal error: ${error instanceof Error ? error.stack : String(error)}`);
      sendClient(0, MySqlClientError.fatal(1105, "HY000", "internal gateway error").payload());
    }
    close(error instanceof Error ? error.message : String(error));
  };

  const clientPump = new PacketPump(MAX_LOGIN_PAYLOAD_BYTES, onLoginPacket, failWith);
  const listen = (target: net.Socket) => {
    target.on("data", (chunk: Buffer) => clientPump.push(chunk));
    target.on("error", (error) => close(`client socket: ${error.message}`));
    target.on("close", () => close("the client disconnected"));
  };
  listen(client);
  sendClient(0, login.greeting());

  async function onLoginPacket(packet: Packet): Promise<void> {
    const step = await login.onPacket(packet);
    switch (step.kind) {
      case "send":
        sendClient(step.sequenceId, step.payload);
        return;
      case "start-tls": {
        // Paused, so bytes given back with unshift wait in the socket for the TLS layer to read.
        client.pause();
        client.removeAllListeners("data");
        client.removeAllListeners("close");
        client.removeAllListeners("error");
        // A ClientHello that came in the same read as the SSLRequest goes back to the socket.
        const rest = clientPump.pauseAndTakeRest();
        if (rest.length > 0) client.unshift(rest);
        const secure = new tls.TLSSocket(client, {
          isServer: true,
          secureContext: options.tlsContext as tls.SecureContext,
        });
        client = secure;
        login.tlsStarted();
        listen(secure);
        clientPump.resume();
        return;
      }
      case "refuse":
        options.log(
          `[mysql] login refused${step.agentName ? ` for ${step.agentName}` : ""}: ${step.error.message}`,
        );
        sendClient(step.sequenceId, step.error.payload());
        close("login refused");
        return;
      case "authenticated":
        await connectUpstream(step);
        return;
    }
  }

  async function connectUpstream(
    step: Extract<Awaited<ReturnType<AgentLogin["onPacket"]>>, { kind: "authenticated" }>,
  ): Promise<void> {
    const { agent, connection } = step;
    const capabilities = agreedCapabilities(step.response);
    let relay: MySqlRelay | null = null;
    let upstreamThreadId = 0;
    const ready = openMySqlUpstream(connection, {
      agentCapabilities: capabilities,
      onSocket: (opened) => {
        upstream = opened;
      },
      onPacket: async (relayed) =>
        apply(
          relay?.onUpstreamPacket(relayed.sequenceId, relayed.payload) ?? [
            { kind: "close", reason: "the upstream spoke before the session began" },
          ],
        ),
      onClose: () => close("the upstream closed the connection"),
    });
    try {
      const opened = await ready;
      upstreamThreadId = opened.handshake.connectionId;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      options.log(`[mysql] upstream login for ${connection.name} failed: ${message}`);
      sendClient(
        step.sequenceId,
        MySqlClientError.fatal(
          1045,
          "28000",
          `Sluice could not log in to connection "${connection.name}": ${message}`,
        ).payload(),
      );
      close("upstream login failed");
      return;
    }
    try {
      // Audit first: the session row exists before any statement can reach the upstream.
      sessionId =
        (await options.hooks?.onSessionStart({
          agent,
          connection,
          clientAddress,
          isTls: client !== socket,
        })) ?? null;
    } catch (error) {
      options.log(
        `[mysql] could not record the session: ${error instanceof Error ? error.message : String(error)}`,
      );
      sendClient(step.sequenceId, sessionStartRefusal(error).payload());
      close("the session could not be recorded");
      return;
    }
    const identity = {
      agentId: agent.agentId,
      agentName: agent.agentName,
      groups: agent.groups,
      connectionId: connection.connectionId,
      connectionName: connection.name,
      sessionId: sessionId ?? randomUUID(),
    };
    const decisions = options.decisions.openSession(identity, {
      login: connection.user,
      // MySQL's default database is where unqualified names resolve: the path of one.
      startupSettings: [{ name: "search_path", value: connection.database }],
      // The relay keeps the catalog fresh; the decision is only ever asked from inside it.
      followed: () =>
        relay ? relay.followedColumns() : Promise.reject(new Error("the session has no relay yet")),
    });
    relay = new MySqlRelay({
      decisions,
      maskingRules: () => options.maskingRules(connection.connectionId),
      ...(options.isCallAllowed
        ? { isCallAllowed: (call) => options.isCallAllowed?.(connection.connectionId, call) ?? false }
        : {}),
      groups: agent.groups,
      hashKey: options.hashKey,
      ...(options.reading ? { reading: options.reading } : {}),
      catalog: options.catalogFor(connection),
      isDeprecateEof: isDeprecateEof(capabilities),
      log: options.log,
      killTargets: (id) =>
        sessionIds.upstreamThreadFor(id, { agentId: agent.agentId, connectionId: connection.connectionId }),
      hooks: {
        onVerdict: (sql, verdict) => {
          options.onVerdict?.(identity, sql, verdict);
          if (sessionId !== null)
            options.hooks?.onVerdict?.(sessionId, recordableStatement(sql, verdict), verdict);
        },
        ...(options.hooks?.onResultEvent
          ? {
              onResult: (event) => {
                if (sessionId !== null) options.hooks?.onResultEvent?.(sessionId, event);
              },
            }
          : {}),
      },
    });
    const started = relay;
    endRelay = (reason) => started.end(reason);
    if (isClosed) return;
    untrack = track({
      sessionId: identity.sessionId,
      agentId: agent.agentId,
      credentialId: agent.credentialId,
      loginGroups: agent.groups,
      // A workload session's groups and expiry, as on the Postgres path: the watcher checks both.
      ...(agent.tokenGroups ? { tokenGroups: agent.tokenGroups } : {}),
      ...(agent.tokenExpiresAt ? { tokenExpiresAt: agent.tokenExpiresAt } : {}),
      connectionId: connection.connectionId,
      terminate: (error) => {
        sendClient(0, MySqlClientError.fatal(1927, "70100", error.message).payload());
        close(error.message);
      },
    });
    unregisterId = sessionIds.register(gatewayConnectionId, {
      agentId: agent.agentId,
      connectionId: connection.connectionId,
      upstreamThreadId,
    });
    options.log(`[mysql] ${agent.agentName} connected to ${connection.name}`);
    sendClient(step.sequenceId, encodeOk({ status: 0x0002 }));
    clientPump.setHandler(async (packet) => {
      // A command sent before the last answer is complete waits for it (relay's IdleGate).
      await relay?.whenIdle();
      apply((await relay?.onClientPacket(packet.sequenceId, packet.payload, packet.raw)) ?? []);
    }, MAX_JOINED_PAYLOAD_BYTES);
  }

  function apply(actions: RelayAction[]): void {
    for (const action of actions) {
      if (action.kind === "to-client") sendClient(action.sequenceId, action.payload);
      else if (action.kind === "to-upstream") upstream?.write(action.raw);
      else close(action.reason);
    }
  }
}
