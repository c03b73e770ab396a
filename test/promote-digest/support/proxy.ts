import http from 'node:http';
import type net from 'node:net';

export interface Fault {
  /** Which requests it hits. */
  match: (method: string, path: string) => boolean;
  /** How many times (Infinity: always). */
  times: number;
  /** Let this many matching requests through untouched first. */
  skip?: number;
  /**
   * reset: cut the connection after half the body; stall: never answer; stall-body: send
   * the headers and half the body, then nothing more; corrupt: flip one byte of the body;
   * or answer this status (with a distribution error body naming `code`), after `afterMs`.
   */
  action:
    | 'reset'
    | 'stall'
    | 'stall-body'
    | 'corrupt'
    | { delayMs: number }
    | { status: number; retryAfter?: string; code?: string; afterMs?: number };
}

/** Requests of one kind under way at the proxy: now, at most at once, and in all. */
export interface Gauge {
  active: number;
  peak: number;
  total: number;
}

export interface Proxy {
  host: string;
  faults: Fault[];
  hits: string[];
  /** Every request as `METHOD /path?query`, in the order they came. */
  log: string[];
  /** Count the matching requests from now on, from arrival until their answer is over. */
  gauge(match: (method: string, path: string) => boolean): Gauge;
  /** Requests forwarded and request-body bytes received, for the benchmark. */
  counts: { requests: number; bytesIn: number };
  stop(): Promise<void>;
}

/**
 * A loopback proxy in front of a real registry that injects faults: connections reset in the
 * middle of a blob, 503/429 answers with Retry-After, failures of chosen writes (with a
 * distribution error code), requests never answered or bodies that stop half way, a flipped
 * byte, and requests held back to force an order between concurrent runs.
 */
export async function startProxy(upstream: string): Promise<Proxy> {
  const [uhost, uport] = upstream.split(':');
  const faults: Fault[] = [];
  const hits: string[] = [];
  const counts = { requests: 0, bytesIn: 0 };
  const log: string[] = [];
  const gauges: Array<{ match: (method: string, path: string) => boolean; g: Gauge }> = [];
  const server = http.createServer((req, res) => {
    counts.requests++;
    req.on('data', (chunk: Buffer) => (counts.bytesIn += chunk.length));
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    log.push(`${method} ${url}`);
    for (const { match, g } of gauges) {
      if (!match(method, url)) continue;
      g.active++;
      g.total++;
      g.peak = Math.max(g.peak, g.active);
      res.once('close', () => g.active--);
    }
    const matched = faults.find((f) => f.times > 0 && f.match(method, url));
    const fault = matched?.skip ? undefined : matched;
    if (matched?.skip) matched.skip--;
    else if (matched) matched.times--;
    if (fault?.action === 'stall') {
      hits.push(`stall ${method} ${url}`);
      req.resume();
      return;
    }
    if (fault && typeof fault.action === 'object' && 'delayMs' in fault.action) {
      // Held back whole: the body is read first, then the request goes on after the delay.
      hits.push(`delay ${method} ${url}`);
      const chunks: Buffer[] = [];
      const { delayMs } = fault.action;
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        setTimeout(() => {
          const up = http.request(
            { host: uhost, port: Number(uport), method, path: url, headers: req.headers },
            (ures) => {
              res.writeHead(ures.statusCode ?? 502, ures.headers);
              ures.pipe(res);
            },
          );
          up.on('error', () => res.destroy());
          up.end(Buffer.concat(chunks));
        }, delayMs),
      );
      return;
    }
    if (fault && typeof fault.action === 'object' && 'status' in fault.action) {
      const { status, retryAfter, code, afterMs } = fault.action;
      hits.push(`${status} ${method} ${url}`);
      req.resume();
      const headers: Record<string, string> = {};
      if (retryAfter) headers['retry-after'] = retryAfter;
      if (code) headers['content-type'] = 'application/json';
      const body = code
        ? JSON.stringify({ errors: [{ code, message: 'injected by the test proxy' }] })
        : undefined;
      setTimeout(() => res.writeHead(status, headers).end(body), afterMs ?? 0);
      return;
    }
    const up = http.request(
      { host: uhost, port: Number(uport), method, path: url, headers: req.headers },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        if (fault?.action === 'corrupt') {
          hits.push(`corrupt ${method} ${url}`);
          let first = true;
          ures.on('data', (chunk: Buffer) => {
            if (first && chunk.length) {
              first = false;
              chunk = Buffer.from(chunk);
              chunk[0] ^= 0xff;
            }
            res.write(chunk);
          });
          ures.on('end', () => res.end());
          return;
        }
        if (fault?.action === 'reset' || fault?.action === 'stall-body') {
          const cut = fault.action === 'reset';
          hits.push(`${fault.action} ${method} ${url}`);
          const half = Number(ures.headers['content-length'] ?? 0) / 2;
          let sent = 0;
          ures.on('data', (chunk: Buffer) => {
            if (sent + chunk.length >= half) {
              res.write(chunk.subarray(0, Math.max(1, half - sent)));
              ures.destroy();
              if (cut) (res.socket as net.Socket).destroy();
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
    log,
    gauge: (match) => {
      const g = { active: 0, peak: 0, total: 0 };
      gauges.push({ match, g });
      return g;
    },
    counts,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
