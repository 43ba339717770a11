// A loopback HTTP server on a free port, returning a handle with its base URL and close().
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpHandle {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  host = '127.0.0.1',
  port = 0,
): Promise<HttpHandle> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${p}`,
    port: p,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
