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

/**
 * fetch() with an idle timeout, for the small requests (manifests, HEADs, tokens; blobs go
 * through nodeRequest): the request is aborted when no byte has come for `idleMs` — while
 * waiting for the answer and while its body is read.
 * A hung registry then costs a bounded wait and a retry, not the runner's job timeout. The
 * abort reason is a RetryableError, so the callers' retries treat it as a transient fault.
 */
export async function idleFetch(
  url: string | URL,
  init: RequestInit,
  idleMs: number,
): Promise<Response> {
  const controller = new AbortController();
  const what = `${init.method ?? 'GET'} ${new URL(url).pathname}`;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  const touch = () => {
    stop();
    timer = setTimeout(
      () => controller.abort(new RetryableError(`${what}: no bytes for ${seconds(idleMs)}`)),
      idleMs,
    );
    // A timer left behind a cancelled body must not keep the process alive.
    timer.unref();
  };
  touch();
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: controller.signal });
  } catch (err) {
    stop();
    throw controller.signal.aborted ? controller.signal.reason : err;
  }
  if (!res.body) {
    stop();
    return res;
  }
  touch();
  const watched = res.body.pipeThrough(activity(touch, stop));
  return new Response(watched, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** A pass-through that tells `onChunk` each chunk (the same object: nothing is copied). */
function activity(onChunk: () => void, onEnd: () => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      onChunk();
      controller.enqueue(chunk);
    },
    flush: onEnd,
  });
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** What a retried request went through: how many retries it took before its answer. */
export interface Attempts {
  retries: number;
}

/**
 * idleFetch under the policy: 429/408/5xx answers, connection faults and idle timeouts are
 * retried; other answers are returned as they are. The body must be replayable.
 */
export async function fetchRetrying(
  url: string | URL,
  init: RequestInit,
  policy: RetryPolicy,
  idleMs: number,
  attempts: Attempts = { retries: 0 },
): Promise<Response> {
  return withRetry(async (attempt) => {
    attempts.retries = attempt;
    const res = await idleFetch(url, init, idleMs);
    if (isRetryableStatus(res.status)) {
      await res.body?.cancel().catch(() => undefined);
      throw new RetryableError(
        `${init.method ?? 'GET'} ${String(url)}: HTTP ${res.status}`,
        parseRetryAfter(res.headers.get('retry-after')),
      );
    }
    return res;
  }, policy);
}

interface NodeRequestOptions {
  method: string;
  headers: Record<string, string>;
  body?: import('node:stream').Readable;
  idleMs: number;
}

/**
 * One request over node:http(s), the body piped in and the answer's body handed over as a
 * Node stream: blobs go from socket to socket with backpressure and no copy per chunk (web
 * streams from fetch copy each one), so memory stays flat whatever the blob's size. The
 * socket's idle timeout covers waiting, sending and receiving alike. GETs follow redirects
 * (blob storage behind a CDN), without the authorization once the origin changes.
 */
export async function nodeRequest(
  url: string,
  o: NodeRequestOptions,
): Promise<import('node:http').IncomingMessage> {
  let target = new URL(url);
  let headers = o.headers;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(target, { ...o, headers });
    const location = res.headers.location;
    if (o.body || !location || ![301, 302, 303, 307, 308].includes(res.statusCode ?? 0)) {
      return res;
    }
    res.resume();
    if (hop >= 5) throw new RetryableError(`${o.method} ${url}: more than 5 redirects`);
    const next = new URL(location, target);
    if (next.origin !== target.origin) {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'),
      );
    }
    target = next;
  }
}

async function requestOnce(
  url: URL,
  o: NodeRequestOptions,
): Promise<import('node:http').IncomingMessage> {
  // node:https (TLS) loads only for an https registry.
  const client = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: o.method, headers: o.headers });
    req.setTimeout(o.idleMs, () =>
      req.destroy(
        new RetryableError(`${o.method} ${url.pathname}: no bytes for ${seconds(o.idleMs)}`),
      ),
    );
    req.on('error', (err) => {
      o.body?.destroy();
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
    if (!o.body) {
      req.end();
      return;
    }
    // A body that fails (or failed already) takes the request down with it.
    pipeline(o.body, req).catch((err: unknown) => reject(err));
  });
}
