import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for GitHub's Actions cache service v2, the one @actions/cache 6 talks to
 * when ACTIONS_CACHE_SERVICE_V2 is set: Twirp JSON calls under
 * /twirp/github.actions.results.api.v1.CacheService/ (CreateCacheEntry,
 * FinalizeCacheEntryUpload, GetCacheEntryDownloadURL, per the service's cache.proto: an entry
 * is found by exact key or by restore-key prefix, and only with the same version), then a
 * signed blob URL: uploaded with Azure Blob's Put Blob (single shot) or Put Block + Put Block
 * List, downloaded with a plain GET. Messages are JSON with the proto field names, as the
 * client sends them. Entries are immutable: creating an existing key fails.
 */
interface Entry {
  key: string;
  version: string;
  blob?: Buffer;
  finalized: boolean;
}

export interface CacheService {
  url: string;
  env: Record<string, string>;
  entries: Map<string, Entry>;
  calls: string[];
  /**
   * Run `fn` with `env` in process.env: @actions/cache looks for its service there, not in
   * the step's environment, when a step runs in this process.
   */
  inProcessEnv<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Twirp's JSON carries the proto field names (size_bytes); protobuf JSON also allows lowerCamel. */
function field(input: Record<string, unknown>, name: string): unknown {
  return input[name] ?? input[name.replace(/_(.)/g, (_m, c: string) => c.toUpperCase())];
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

export async function startCacheService(): Promise<CacheService> {
  const entries = new Map<string, Entry>();
  const blocks = new Map<string, Map<string, Buffer>>();
  const calls: string[] = [];
  let base = '';

  const twirp = async (method: string, req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== 'Bearer test-runtime-token') {
      return json(res, 401, { code: 'unauthenticated', msg: 'no runtime token' });
    }
    const input = JSON.parse((await body(req)).toString('utf8') || '{}') as Record<string, unknown>;
    calls.push(method);
    switch (method) {
      case 'CreateCacheEntry': {
        const key = String(input.key);
        const version = String(input.version);
        const id = `${key}@${version}`;
        if (entries.has(id))
          return json(res, 409, { code: 'already_exists', msg: 'cache entry exists' });
        entries.set(id, { key, version, finalized: false });
        return json(res, 200, {
          ok: true,
          signed_upload_url: `${base}/blob/${encodeURIComponent(id)}?sig=upload`,
        });
      }
      case 'FinalizeCacheEntryUpload': {
        const id = `${String(input.key)}@${String(input.version)}`;
        const entry = entries.get(id);
        if (!entry?.blob) return json(res, 404, { code: 'not_found', msg: 'nothing uploaded' });
        if (Number(field(input, 'size_bytes')) !== entry.blob.length) {
          return json(res, 400, {
            code: 'invalid_argument',
            msg: 'size does not match the upload',
          });
        }
        entry.finalized = true;
        return json(res, 200, { ok: true, entry_id: String([...entries.keys()].indexOf(id) + 1) });
      }
      case 'GetCacheEntryDownloadURL': {
        const version = String(input.version);
        const done = [...entries.entries()].filter(([, e]) => e.finalized && e.version === version);
        const wanted = [
          String(input.key),
          ...((field(input, 'restore_keys') as string[] | undefined) ?? []),
        ];
        for (const [i, k] of wanted.entries()) {
          // an exact key first; for a restore key, the newest entry it prefixes
          const hit = [...done]
            .reverse()
            .find(([, e]) => (i === 0 ? e.key === k : e.key.startsWith(k)));
          if (hit) {
            return json(res, 200, {
              ok: true,
              signed_download_url: `${base}/blob/${encodeURIComponent(hit[0])}?sig=download`,
              matched_key: hit[1].key,
            });
          }
        }
        return json(res, 200, { ok: false, signed_download_url: '', matched_key: '' });
      }
      default:
        return json(res, 404, { code: 'bad_route', msg: `no method ${method}` });
    }
  };

  const blob = async (id: string, req: IncomingMessage, res: ServerResponse, url: URL) => {
    const entry = entries.get(id);
    if (!entry) return json(res, 404, { code: 'BlobNotFound' });
    const headers = {
      etag: '"0x1"',
      'last-modified': new Date().toUTCString(),
      'x-ms-request-id': '00000000-0000-0000-0000-000000000000',
      'x-ms-version': '2024-11-04',
    };
    if (req.method === 'PUT') {
      const data = await body(req);
      const comp = url.searchParams.get('comp');
      if (comp === 'block') {
        const list = blocks.get(id) ?? new Map<string, Buffer>();
        list.set(url.searchParams.get('blockid') ?? '', data);
        blocks.set(id, list);
      } else if (comp === 'blocklist') {
        const ids = [
          ...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g),
        ].map((m) => m[1]);
        const list = blocks.get(id) ?? new Map<string, Buffer>();
        entry.blob = Buffer.concat(ids.map((b) => list.get(b) ?? Buffer.alloc(0)));
        blocks.delete(id);
      } else {
        if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
          return json(res, 400, { code: 'MissingRequiredHeader' });
        }
        entry.blob = data;
      }
      calls.push(`PUT blob${comp ? ` ${comp}` : ''}`);
      res.writeHead(201, headers);
      return res.end();
    }
    if (req.method === 'GET' && entry.finalized && entry.blob) {
      calls.push('GET blob');
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-length': String(entry.blob.length),
      });
      return res.end(entry.blob);
    }
    return json(res, 404, { code: 'BlobNotFound' });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const route = url.pathname.startsWith(PREFIX)
      ? twirp(url.pathname.slice(PREFIX.length), req, res)
      : url.pathname.startsWith('/blob/')
        ? blob(decodeURIComponent(url.pathname.slice('/blob/'.length)), req, res, url)
        : Promise.resolve(json(res, 404, { msg: 'not found' }));
    route.catch((err: Error) => json(res, 500, { code: 'internal', msg: err.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    ACTIONS_CACHE_SERVICE_V2: 'true',
    ACTIONS_RESULTS_URL: `${base}/`,
    ACTIONS_RUNTIME_TOKEN: 'test-runtime-token',
  };
  return {
    url: base,
    env,
    entries,
    calls,
    inProcessEnv: async (fn) => {
      // The cache client stages its archives in RUNNER_TEMP, else in /home/actions/temp: a
      // step in this process gets a temporary folder of its own, as a runner gives it one.
      const stepEnv = { ...env, RUNNER_TEMP: mkdtempSync(path.join(os.tmpdir(), 'runner-temp-')) };
      const saved = Object.keys(stepEnv).map((k) => [k, process.env[k]] as const);
      Object.assign(process.env, stepEnv);
      try {
        return await fn();
      } finally {
        for (const [k, v] of saved) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        rmSync(stepEnv.RUNNER_TEMP, { recursive: true, force: true });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
