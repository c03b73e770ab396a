import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PromotionError, promote } from '../../actions/promote-digest/promote.js';
import { type Desc, sha, writeImage } from './support/images.js';
import { deps, options } from './support/options.js';
import { type Proxy, startProxy } from './support/proxy.js';
import { type RegistryHandle, inspectRaw, skopeoPush, startRegistry } from './support/registry.js';
import { requireTools } from '../support/tools.js';

requireTools('docker-registry', 'skopeo');

// Blobs copied in parallel, against real docker-registry instances behind the fault proxy:
// the bound holds, a failing blob lets the others settle before the promotion fails (and
// nothing of the image is left named in the target), and faults of blobs in flight at
// once are each retried. What a target holds is read with skopeo afterwards.
let src: RegistryHandle;
let dst: RegistryHandle;
let srcProxy: Proxy;
let dstProxy: Proxy;
let work: string;
/** One image of 12 layers and a config: 13 blobs. */
let many: Desc;
let layers: string[];
let old: string;

const BLOBS = 13;
const isBlobGet = (m: string, p: string) => m === 'GET' && /\/blobs\/sha256:/.test(p);
const isUpload = (m: string, p: string) => p.includes('/blobs/uploads/');

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  [srcProxy, dstProxy] = await Promise.all([startProxy(src.host), startProxy(dst.host)]);
  work = mkdtempSync(path.join(os.tmpdir(), 'pd-parallel-'));
  const layout = path.join(work, 'img');
  many = writeImage(layout, {
    layers: Array.from({ length: BLOBS - 1 }, (_, i) => 40_000 + i * 1000),
    tag: 'many',
  });
  old = writeImage(layout, { layers: [1000], tag: 'old' }).digest;
  await skopeoPush(layout, 'many', `${src.host}/app:many`);
  layers = JSON.parse(await inspectRaw(`${src.host}/app:many`)).layers.map(
    (l: { digest: string }) => l.digest,
  );
});

beforeEach(() => {
  for (const p of [srcProxy, dstProxy]) {
    p.faults.length = 0;
    p.hits.length = 0;
    p.log.length = 0;
  }
});

afterAll(async () => {
  await Promise.all([srcProxy?.stop(), dstProxy?.stop()]);
  await Promise.all([src?.stop(), dst?.stop()]);
});

const holds = async (ref: string) => sha(await inspectRaw(ref));

/**
 * Upload sessions docker-registry still holds open for a repository. A cancelled one keeps
 * an empty folder (only `hashstates`); an open one has its `startedat` and `data`.
 */
function openUploads(repository: string): string[] {
  const dir = path.join(dst.dir, 'data/docker/registry/v2/repositories', repository, '_uploads');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((id) => existsSync(path.join(dir, id, 'startedat')));
}

describe('blobs copied in parallel', () => {
  it('copies many blobs at most `concurrency` at once, and reaches that many', async () => {
    // Each blob download is held back, so the transfers under way overlap and can be counted.
    srcProxy.faults.push({ match: isBlobGet, times: Infinity, action: { delayMs: 150 } });
    const gets = srcProxy.gauge(isBlobGet);
    const puts = dstProxy.gauge((m, p) => m === 'PUT' && isUpload(m, p));
    const r = await promote(
      options(work, {
        source: `${srcProxy.host}/app@${many.digest}`,
        targets: [`${dstProxy.host}/bound/app:v1`],
        concurrency: 3,
      }),
      deps(),
    );
    expect(gets.total).toBe(BLOBS);
    expect(gets.peak).toBe(3);
    expect(puts.peak).toBeLessThanOrEqual(3);
    expect(r.stats.blobsCopied).toBe(BLOBS);
    expect(await holds(`${dst.host}/bound/app:v1`)).toBe(many.digest);
    expect(openUploads('bound/app')).toEqual([]);
  });

  it('asks whether each blob is there without waiting for a transfer slot', async () => {
    dstProxy.faults.push({
      match: (m, p) => m === 'HEAD' && /\/blobs\/sha256:/.test(p),
      times: Infinity,
      action: { delayMs: 150 },
    });
    const heads = dstProxy.gauge((m, p) => m === 'HEAD' && /\/blobs\/sha256:/.test(p));
    await promote(
      options(work, {
        source: `${src.host}/app@${many.digest}`,
        targets: [`${dstProxy.host}/heads/app:v1`],
        concurrency: 2,
      }),
      deps(),
    );
    // Bounded too (16 at once), but not by the two transfers.
    expect(heads.total).toBe(BLOBS);
    expect(heads.peak).toBeGreaterThan(2);
    expect(heads.peak).toBeLessThanOrEqual(16);
    expect(await holds(`${dst.host}/heads/app:v1`)).toBe(many.digest);
  });

  it('one blob failing among many: the others settle first, no manifest or tag is written, no upload is left open', async () => {
    await skopeoPush(path.join(work, 'img'), 'old', `${dst.host}/fail/app:v1`);
    const bad = layers[5];
    const isBlobHead = (m: string, p: string) => m === 'HEAD' && /\/blobs\/sha256:/.test(p);
    // The failing blob goes first and is refused 300 ms later; three others start meanwhile
    // and are still under way (600 ms each) when the refusal comes; nine wait for a slot.
    dstProxy.faults.push({
      match: (m, p) => isBlobHead(m, p) && !p.endsWith(bad),
      times: Infinity,
      action: { delayMs: 100 },
    });
    srcProxy.faults.push(
      {
        match: (m, p) => m === 'GET' && p.endsWith(bad),
        times: Infinity,
        action: { status: 403, afterMs: 300 },
      },
      { match: isBlobGet, times: Infinity, action: { delayMs: 600 } },
    );
    const gets = srcProxy.gauge(isBlobGet);
    const uploads = dstProxy.gauge(isUpload);
    const err = await promote(
      options(work, {
        source: `${srcProxy.host}/app@${many.digest}`,
        targets: [`${dstProxy.host}/fail/app:v1`],
        concurrency: 4,
      }),
      deps(),
    ).catch((e: unknown) => e);
    // Reported only once nothing of this promotion is in flight any more.
    expect({ gets: gets.active, uploads: uploads.active }).toEqual({ gets: 0, uploads: 0 });
    expect(err).toBeInstanceOf(PromotionError);
    expect((err as Error).message).toMatch(
      new RegExp(`GET blob ${bad} answered HTTP 403.*; no target tag was moved$`),
    );
    expect((err as PromotionError).result.targets.map((t) => t.status)).toEqual(['not moved']);
    // The three under way finished; the nine waiting never started.
    expect(gets.total).toBe(4);
    expect(dstProxy.log.filter((l) => l.startsWith('PUT') && isUpload('PUT', l))).toHaveLength(3);
    expect(dstProxy.log.filter((l) => l.startsWith('PUT') && l.includes('/manifests/'))).toEqual(
      [],
    );
    expect(await holds(`${dst.host}/fail/app:v1`)).toBe(old);
    await expect(inspectRaw(`${dst.host}/fail/app@${many.digest}`)).rejects.toThrow(
      /manifest unknown/i,
    );
    expect(openUploads('fail/app')).toEqual([]);
  });

  it('retries the faults of blobs in flight at once, each once, and completes', async () => {
    srcProxy.faults.push({ match: isBlobGet, times: 3, action: 'reset' });
    dstProxy.faults.push(
      { match: (m, p) => m === 'POST' && isUpload(m, p), times: 2, action: { status: 503 } },
      {
        match: (m, p) => m === 'PUT' && isUpload(m, p),
        times: 1,
        action: { status: 429, retryAfter: '1' },
      },
    );
    const r = await promote(
      options(work, {
        source: `${srcProxy.host}/app@${many.digest}`,
        targets: [`${dstProxy.host}/faults/app:v1`],
        concurrency: 4,
      }),
      deps(),
    );
    expect(srcProxy.hits.filter((h) => h.startsWith('reset'))).toHaveLength(3);
    expect(dstProxy.hits.map((h) => h.split(' ')[0]).sort()).toEqual(['429', '503', '503']);
    expect(r.stats.retries).toBe(6);
    expect(r.stats.blobsCopied).toBe(BLOBS);
    expect(await holds(`${dst.host}/faults/app:v1`)).toBe(many.digest);
    expect(openUploads('faults/app')).toEqual([]);
  });

  it('one transfer at a time into two repositories of one registry: each blob crosses once, the second mounts it', async () => {
    dstProxy.counts.bytesIn = 0;
    const r = await promote(
      options(work, {
        source: `${src.host}/app@${many.digest}`,
        targets: [`${dstProxy.host}/one/app:v1`, `${dstProxy.host}/two/app:v1`],
        concurrency: 1,
      }),
      deps(),
    );
    expect(r.stats.blobsCopied).toBe(BLOBS);
    expect(r.stats.blobsMounted).toBe(BLOBS);
    const blobBytes = JSON.parse(await inspectRaw(`${src.host}/app:many`)) as {
      config: { size: number };
      layers: Array<{ size: number }>;
    };
    const total = blobBytes.config.size + blobBytes.layers.reduce((n, l) => n + l.size, 0);
    // The blobs once, and the manifest by digest and under the tag, into each repository.
    expect(dstProxy.counts.bytesIn).toBe(total + 4 * many.size);
    expect(await holds(`${dst.host}/one/app:v1`)).toBe(many.digest);
    expect(await holds(`${dst.host}/two/app:v1`)).toBe(many.digest);
  });
});
