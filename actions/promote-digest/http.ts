import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  RetryableError,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  withRetry,
} from '../../shared/retry.js';

/** How long a request may go without a byte either way before it counts as a dropped one. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** The most of a small answer that is read: the manifest limit the distribution spec suggests. */
export const MAX_SMALL_BYTES = 4 * 1024 * 1024;

/**
 * A small answer read whole: a manifest, a HEAD, an upload session, a token, an error's text.
 * Every request goes over node:http, not fetch: fetch loads undici on first use, which costs
 * a step's start-up tens of milliseconds and about 13 MiB of memory.
 */
export class Answer {
  constructor(
    readonly status: number,
    private readonly headers: IncomingHttpHeaders,
    readonly body: Buffer,
    /** The answer was over the limit: `body` is empty and the rest was not read. */
    readonly tooLarge = false,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  header(name: string): string | null {
    return headerOf(this.headers, name);
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json(): unknown {
    return JSON.parse(this.text());
  }
}

export function headerOf(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

export interface SmallRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Replayable: sent again on a retry or a redirect. */
  body?: string | Buffer;
  /** Read at most this much of the answer's body (default MAX_SMALL_BYTES). */
  maxBytes?: number;
}

/**
 * One small request, its answer read whole (at most `maxBytes`). No byte for `idleMs` while
 * waiting, sending or reading drops it with a RetryableError.
 */
export async function smallRequest(
  url: string | URL,
  o: SmallRequest,
  idleMs: number,
): Promise<Answer> {
  const method = o.method ?? 'GET';
  const res = await nodeRequest(String(url), {
    method,
    headers: o.headers ?? {},
    body: o.body,
    idleMs,
  });
  return readAnswer(res, method, o.maxBytes ?? MAX_SMALL_BYTES);
}

async function readAnswer(res: IncomingMessage, method: string, max: number): Promise<Answer> {
  const status = res.statusCode ?? 0;
  const tooLarge = () => {
    res.destroy();
    return new Answer(status, res.headers, Buffer.alloc(0), true);
  };
  // A HEAD's Content-Length is that of the body it does not send (a blob's size).
  if (method !== 'HEAD' && Number(res.headers['content-length'] ?? 0) > max) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return tooLarge();
    chunks.push(chunk);
  }
  return new Answer(status, res.headers, Buffer.concat(chunks));
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** What a retried request went through: how many retries it took before its answer. */
export interface Attempts {
  retries: number;
}

/**
 * smallRequest under the policy: 429/408/5xx answers, connection faults (also while the
 * answer is read) and idle timeouts are retried; other answers are returned as they are.
 */
export async function requestRetrying(
  url: string | URL,
  o: SmallRequest,
  policy: RetryPolicy,
  idleMs: number,
  attempts: Attempts = { retries: 0 },
): Promise<Answer> {
  return withRetry(async (attempt) => {
    attempts.retries = attempt;
    const res = await smallRequest(url, o, idleMs);
    if (isRetryableStatus(res.status)) {
      throw new RetryableError(
        `${o.method ?? 'GET'} ${String(url)}: HTTP ${res.status}`,
        parseRetryAfter(res.header('retry-after')),
      );
    }
    return res;
  }, policy);
}

interface NodeRequestOptions {
  method: string;
  headers: Record<string, string>;
  /** A stream is sent once; bytes are sent again on a redirect. */
  body?: Readable | string | Buffer;
  idleMs: number;
}

const REDIRECTS = [301, 302, 303, 307, 308];

/**
 * One request over node:http(s), the body piped in and the answer's body handed over as a
 * Node stream: blobs go from socket to socket with backpressure and no copy per chunk (web
 * streams from fetch copy each one), so memory stays flat whatever the blob's size. The
 * socket's idle timeout covers waiting, sending and receiving alike. Connections are kept
 * alive between requests (Node's global agent). Redirects are followed (blob storage behind
 * a CDN) unless the body was a stream, without the authorization once the origin changes.
 */
export async function nodeRequest(url: string, o: NodeRequestOptions): Promise<IncomingMessage> {
  let target = new URL(url);
  let { headers, method, body } = o;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(target, { ...o, method, headers, body });
    const location = res.headers.location;
    const streamed = !!body && typeof body === 'object' && !Buffer.isBuffer(body);
    if (streamed || !location || !REDIRECTS.includes(res.statusCode ?? 0)) return res;
    res.resume();
    if (hop >= 5) throw new RetryableError(`${o.method} ${url}: more than 5 redirects`);
    const next = new URL(location, target);
    const drop = (name: string) => {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([k]) => k.toLowerCase() !== name),
      );
    };
    if (next.origin !== target.origin) drop('authorization');
    // As browsers and fetch do: a 303, or a 301/302 after a POST, goes on as a GET.
    if (res.statusCode === 303 || (method === 'POST' && [301, 302].includes(res.statusCode!))) {
      if (method !== 'HEAD') method = 'GET';
      body = undefined;
      drop('content-type');
      drop('content-length');
    }
    target = next;
  }
}

async function requestOnce(url: URL, o: NodeRequestOptions): Promise<IncomingMessage> {
  // node:https (TLS) loads only for an https registry.
  const client = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: o.method, headers: o.headers });
    const body = o.body;
    const stream = body && typeof body === 'object' && !Buffer.isBuffer(body) ? body : undefined;
    req.setTimeout(o.idleMs, () =>
      req.destroy(
        new RetryableError(`${o.method} ${url.pathname}: no bytes for ${seconds(o.idleMs)}`),
      ),
    );
    req.on('error', (err) => {
      stream?.destroy();
      reject(err);
    });
    req.once('response', (res) => {
      // An error of the answer's body (the idle timeout, a reset) reaches its reader; until
      // one reads it, it is kept in `res.errored` (a pipeline finds it there) rather than
      // thrown as an unhandled event.
      req.on('error', (err) => res.destroy(err));
      res.on('error', () => undefined);
      resolve(res);
    });
    if (!stream) {
      req.end(body as string | Buffer | undefined);
      return;
    }
    // A body that fails (or failed already) takes the request down with it.
    pipeline(stream, req).catch((err: unknown) => reject(err));
  });
}
