import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP endpoint whose target a test moves, the way a proxy's writer endpoint moves to a new master:
 * new connections go to the current target; old ones stay where they were (the worst case for a
 * pool), unless `cut()` ends them. The app's tests cannot start the toolkit's HAProxy, so this stands
 * in for it; toolkit/nginx and toolkit/haproxy tests run the real one.
 */
export interface TcpSwitch {
  port: number;
  /** Where new connections go; undefined: accepted and closed at once (no server behind). */
  target: { host: string; port: number } | undefined;
  /** Ends every open session now. */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpSwitch(target: { host: string; port: number }): Promise<TcpSwitch> {
  const sessions = new Set<Socket>();
  const control: TcpSwitch = {
    port: 0,
    target,
    cut: () => {
      for (const s of sessions) s.destroy();
      sessions.clear();
    },
    close: () =>
      new Promise((resolve) => {
        control.cut();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    const to = control.target;
    if (!to) {
      client.destroy();
      return;
    }
    const upstream = createConnection(to);
    const pair = [client, upstream];
    for (const s of pair) {
      sessions.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sessions.delete(s);
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  control.port = (server.address() as { port: number }).port;
  return control;
}
