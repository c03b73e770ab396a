import { describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  backoffDelay,
  defaultPolicy,
  fetchWithRetry,
  parseRetryAfter,
  type RetryPolicy,
  withRetry,
  RetryableError,
} from '../../shared/retry.js';

function recordingPolicy(random = 0.5): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return {
    ...defaultPolicy({}),
    random: () => random,
    sleep: async (ms) => void waits.push(ms),
    waits,
  };
}

describe('retry policy', () => {
  it('waits 2 s, 4 s and 8 s, each within ±20 %', () => {
    const p = defaultPolicy({});
    for (const [retry, base] of [
      [0, 2000],
      [1, 4000],
      [2, 8000],
    ]) {
      expect(backoffDelay({ ...p, random: () => 0 }, retry)).toBe(base * 0.8);
      expect(backoffDelay({ ...p, random: () => 1 }, retry)).toBe(base * 1.2);
      expect(backoffDelay({ ...p, random: () => 0.5 }, retry)).toBe(base);
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('gives up after three retries and rethrows the last error', async () => {
    const policy = recordingPolicy();
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new RetryableError('HTTP 503');
      }, policy),
    ).rejects.toThrow('HTTP 503');
    expect(calls).toBe(4);
    expect(policy.waits).toEqual([2000, 4000, 8000]);
  });

  it('does not retry errors that are not transient', async () => {
    const policy = recordingPolicy();
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Error('HTTP 404');
      }, policy),
    ).rejects.toThrow('HTTP 404');
    expect(calls).toBe(1);
  });

  it('retries 429/5xx and connection resets from a real server, honouring Retry-After', async () => {
    const answers = ['reset', '503', '429', '200'];
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      const a = answers.shift();
      seen.push(a ?? 'none');
      if (a === 'reset') return req.socket.destroy();
      if (a === '503') return res.writeHead(503).end('busy');
      if (a === '429') return res.writeHead(429, { 'retry-after': '7' }).end();
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const policy = recordingPolicy();
    try {
      const res = await fetchWithRetry(`http://127.0.0.1:${port}/x`, {}, policy);
      expect(await res.text()).toBe('ok');
    } finally {
      server.close();
    }
    expect(seen).toEqual(['reset', '503', '429', '200']);
    expect(policy.waits).toEqual([2000, 4000, 7000]);
  });

  it('returns a 4xx answer as it is, without retrying', async () => {
    let n = 0;
    const server = http.createServer((_req, res) => {
      n++;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const res = await fetchWithRetry(`http://127.0.0.1:${port}/`, {}, recordingPolicy());
      expect(res.status).toBe(404);
      expect(n).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe('what counts as a transient fault', () => {
  it('retries a reset connection but not a request that can never work', async () => {
    const { isTransientNetworkError } = await import('../../shared/retry.js');
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(isTransientNetworkError(new TypeError('terminated', { cause: reset }))).toBe(true);
    expect(isTransientNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    // fetch() to a port it refuses outright fails at once with "bad port": no retry.
    const bad = await fetch('http://127.0.0.1:1/').catch((e: unknown) => e);
    expect((bad as Error).name).toBe('TypeError');
    expect(isTransientNetworkError(bad)).toBe(false);
    expect(isTransientNetworkError(new Error('HTTP 404'))).toBe(false);
  });
});
