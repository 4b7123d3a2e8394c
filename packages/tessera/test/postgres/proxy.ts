/**
 * A TCP proxy the outage tests own, between the adapter and PostgreSQL, so that a test can take
 * "the database" away without touching the server other tests share.
 *
 * - `cut()`: the database is gone: every open connection is destroyed and nothing listens.
 * - `stall()`: the network is silent: connections stay open (and new ones are accepted) but no
 *   byte goes through in either direction, as in a partition; only timeouts notice. Bytes wait,
 *   as TCP retransmission would make them, and flow again on `restore()`.
 * - `restore()`: forwarding resumes on the same port.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private stalled = false;
  /** Connections accepted so far (a reconnecting pool shows up here). */
  accepted = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    public port = 0,
  ) {}

  static async start(targetHost = "127.0.0.1", targetPort = 5432): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port pointed at this proxy. */
  route(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.port);
    return parsed.toString();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    for (const socket of pair) {
      socket.on("error", end);
      socket.on("close", end);
    }
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => client.write(chunk));
    if (this.stalled) for (const socket of pair) socket.pause();
  }

  /** Destroys every connection and stops listening: clients see resets, then refused connections. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
    await closed;
  }

  /** Holds every byte from now on, in both directions, without closing anything. */
  stall(): void {
    this.stalled = true;
    for (const pair of this.pairs) for (const socket of pair) socket.pause();
  }

  /** Forwards again: resumes stalled connections, or listens again after a cut. */
  async restore(): Promise<void> {
    if (this.stalled) {
      this.stalled = false;
      for (const pair of this.pairs) for (const socket of pair) socket.resume();
    }
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
