/**
 * The retry policy of every network client: a failed call is retried 3 times, after 2 s, 4 s
 * and 8 s (±20 % jitter), on 429, 5xx and connection faults; a Retry-After header is honoured.
 * Tests hand the clients a policy of their own (shorter waits, a fake clock) as a dependency.
 */
export interface RetryPolicy {
  delaysMs: number[];
  jitter: number;
  /** Longest wait accepted from a Retry-After header. */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function defaultPolicy(over: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    delaysMs: [2000, 4000, 8000],
    jitter: 0.2,
    maxRetryAfterMs: 120_000,
    sleep,
    random: Math.random,
    ...over,
  };
}

/** The policy with every wait multiplied by `factor` (tests: 0 retries at once). */
export function scaledPolicy(factor: number, over: Partial<RetryPolicy> = {}): RetryPolicy {
  const base = defaultPolicy(over);
  return {
    ...base,
    delaysMs: base.delaysMs.map((d) => d * factor),
    maxRetryAfterMs: base.maxRetryAfterMs * factor,
  };
}

/** Thrown by a call to say "this may work if tried again", with an optional server hint. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

const RESET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CLOSED',
]);

/**
 * True for connection resets, refused connections and time-outs, however deeply wrapped
 * (fetch's "fetch failed" names the real fault in its cause; a bad URL or port is not one).
 */
export function isTransientNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: string }).code;
    if (code && RESET_CODES.has(code)) return true;
    if ((e as Error).name === 'AbortError' && (e as { timeout?: boolean }).timeout) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599 && status !== 501);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export function backoffDelay(policy: RetryPolicy, retry: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const base = policy.delaysMs[Math.min(retry, policy.delaysMs.length - 1)];
  return Math.round(base * (1 + policy.jitter * (2 * policy.random() - 1)));
}

/**
 * Run `fn`; retry when it throws a RetryableError or a transient network error. `fn` receives
 * the attempt number (0 first).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = defaultPolicy(),
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const retryable = err instanceof RetryableError || isTransientNetworkError(err);
      if (!retryable || attempt >= policy.delaysMs.length) throw err;
      const delayMs = backoffDelay(
        policy,
        attempt,
        err instanceof RetryableError ? err.retryAfterMs : undefined,
      );
      policy.onRetry?.({ attempt: attempt + 1, delayMs, reason: (err as Error).message });
      await policy.sleep(delayMs);
    }
  }
}

/**
 * fetch() under the policy: 429/408/5xx answers and connection faults are retried; other
 * answers are returned as they are. The request body must be replayable (string/Buffer), or
 * give `body` as a function that makes a fresh one per attempt.
 */
export async function fetchWithRetry(
  url: string | URL,
  init: Omit<RequestInit, 'body'> & {
    body?: RequestInit['body'] | (() => RequestInit['body']);
  } = {},
  policy: RetryPolicy = defaultPolicy(),
): Promise<Response> {
  return withRetry(async () => {
    const body = typeof init.body === 'function' ? init.body() : init.body;
    const res = await fetch(url, { ...init, body } as RequestInit);
    if (isRetryableStatus(res.status)) {
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      await res.body?.cancel().catch(() => undefined);
      throw new RetryableError(
        `${init.method ?? 'GET'} ${String(url)}: HTTP ${res.status}`,
        retryAfter,
      );
    }
    return res;
  }, policy);
}
