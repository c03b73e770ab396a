import http from 'node:http';
import type net from 'node:net';

export interface Fault {
  /** Which requests it hits. */
  match: (method: string, path: string) => boolean;
  /** How many times (Infinity: always). */
  times: number;
  /** reset: cut the connection after half the body; or answer this status. */
  action: 'reset' | { status: number; retryAfter?: string };
}

export interface Proxy {
  host: string;
  faults: Fault[];
  hits: string[];
  /** Requests forwarded and request-body bytes received, for the benchmark. */
  counts: { requests: number; bytesIn: number };
  stop(): Promise<void>;
}

/**
 * A loopback proxy in front of a real registry that injects faults: connections reset in the
 * middle of a blob, 503/429 answers with Retry-After, and failures of chosen writes.
 */
export async function startProxy(upstream: string): Promise<Proxy> {
  const [uhost, uport] = upstream.split(':');
  const faults: Fault[] = [];
  const hits: string[] = [];
  const counts = { requests: 0, bytesIn: 0 };
  const server = http.createServer((req, res) => {
    counts.requests++;
    req.on('data', (chunk: Buffer) => (counts.bytesIn += chunk.length));
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const fault = faults.find((f) => f.times > 0 && f.match(method, url));
    if (fault) fault.times--;
    if (fault && fault.action !== 'reset') {
      hits.push(`${fault.action.status} ${method} ${url}`);
      req.resume();
      const headers: Record<string, string> = {};
      if (fault.action.retryAfter) headers['retry-after'] = fault.action.retryAfter;
      res.writeHead(fault.action.status, headers).end();
      return;
    }
    const up = http.request(
      { host: uhost, port: Number(uport), method, path: url, headers: req.headers },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        if (fault?.action === 'reset') {
          hits.push(`reset ${method} ${url}`);
          const half = Number(ures.headers['content-length'] ?? 0) / 2;
          let sent = 0;
          ures.on('data', (chunk: Buffer) => {
            if (sent + chunk.length >= half) {
              res.write(chunk.subarray(0, Math.max(1, half - sent)));
              (res.socket as net.Socket).destroy();
              ures.destroy();
              return;
            }
            sent += chunk.length;
            res.write(chunk);
          });
          return;
        }
        ures.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    host: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    faults,
    hits,
    counts,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
