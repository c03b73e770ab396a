import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PromotionError, promote } from '../../actions/promote-digest/promote.js';
import { sha, writeImage } from './support/images.js';
import { deps, options } from './support/options.js';
import { type Proxy, startProxy } from './support/proxy.js';
import { type RegistryHandle, inspectRaw, skopeoPush, startRegistry } from './support/registry.js';
import { requireTools } from '../support/tools.js';

requireTools('docker-registry', 'skopeo');

// Faults injected by a loopback proxy in front of real docker-registry instances; the retry
// waits are those of scaledPolicy(0): none. Tags are checked with skopeo afterwards.
let src: RegistryHandle;
let dst: RegistryHandle;
let srcProxy: Proxy;
let dstProxy: Proxy;
let work: string;
let digest: string;
let old: string;

const isBlobGet = (m: string, p: string) => m === 'GET' && /\/blobs\/sha256:/.test(p);

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  [srcProxy, dstProxy] = await Promise.all([startProxy(src.host), startProxy(dst.host)]);
  work = mkdtempSync(path.join(os.tmpdir(), 'pd-faults-'));
  const layout = path.join(work, 'img');
  digest = writeImage(layout, { layers: [400_000, 300_000], tag: 'new' }).digest;
  old = writeImage(layout, { layers: [1000], tag: 'old' }).digest;
  await skopeoPush(layout, 'new', `${src.host}/app:dev`);
  for (const tag of ['kvm', 'emulation']) await skopeoPush(layout, 'old', `${dst.host}/app:${tag}`);
});

beforeEach(() => {
  srcProxy.faults.length = 0;
  dstProxy.faults.length = 0;
  srcProxy.hits.length = 0;
  dstProxy.hits.length = 0;
});

afterAll(async () => {
  await Promise.all([srcProxy?.stop(), dstProxy?.stop()]);
  await Promise.all([src?.stop(), dst?.stop()]);
});

const tagOf = async (ref: string) => sha(await inspectRaw(ref));

describe('promotion under faults', () => {
  it('fails cleanly when every blob download is cut, leaving the target tags as they were', async () => {
    srcProxy.faults.push({ match: isBlobGet, times: Infinity, action: 'reset' });
    const err = await promote(
      options(work, {
        source: `${srcProxy.host}/app:dev`,
        targets: [`${dst.host}/app:kvm`, `${dst.host}/app:emulation`],
      }),
      deps(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromotionError);
    // The cut lands in the body (the blob copy starts over) or before it (the GET is retried):
    // either way the blob is named and nothing moved.
    expect((err as Error).message).toMatch(
      /(copying blob sha256:[a-f0-9]{64} \(\d+ bytes\) from .*|GET \/v2\/app\/blobs\/sha256:[a-f0-9]{64}) failed after retries: .*; no target tag was moved$/,
    );
    expect((err as PromotionError).result.targets.map((t) => t.status)).toEqual([
      'not moved',
      'not moved',
    ]);
    expect(await tagOf(`${dst.host}/app:kvm`)).toBe(old);
    expect(await tagOf(`${dst.host}/app:emulation`)).toBe(old);
  });

  it('completes when a connection resets mid-blob and the registry answers 503 and 429 with Retry-After', async () => {
    srcProxy.faults.push({ match: isBlobGet, times: 2, action: 'reset' });
    dstProxy.faults.push(
      {
        match: (m, p) => m === 'POST' && p.includes('/blobs/uploads/'),
        times: 1,
        action: { status: 503 },
      },
      {
        match: (m, p) => m === 'PUT' && p.includes('/manifests/'),
        times: 1,
        action: { status: 429, retryAfter: '1' },
      },
    );
    const r = await promote(
      options(work, {
        source: `${srcProxy.host}/app:dev`,
        targets: [`${dstProxy.host}/app:kvm`],
      }),
      deps(),
    );
    expect(srcProxy.hits.filter((h) => h.startsWith('reset'))).toHaveLength(2);
    expect(dstProxy.hits.map((h) => h.split(' ')[0])).toEqual(['503', '429']);
    // each fault costs one retry: two resets, one 503, one 429
    expect(r.stats.retries).toBe(4);
    expect(r.targets[0]).toMatchObject({ status: 'moved', previous: old });
    expect(await tagOf(`${dst.host}/app:kvm`)).toBe(digest);
  });

  it('puts moved tags back when a later tag cannot be written', async () => {
    await skopeoPush(path.join(work, 'img'), 'old', `${dst.host}/app:kvm`);
    dstProxy.faults.push({
      match: (m, p) => m === 'PUT' && p.endsWith('/manifests/emulation'),
      times: Infinity,
      action: { status: 500 },
    });
    const err = await promote(
      options(work, {
        source: `${src.host}/app:dev`,
        targets: [`${dstProxy.host}/app:kvm`, `${dstProxy.host}/app:emulation`],
      }),
      deps(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromotionError);
    expect((err as Error).message).toContain(`put back ${dstProxy.host}/app:kvm`);
    expect((err as PromotionError).result.targets.map((t) => t.status)).toEqual([
      'rolled back',
      'failed',
    ]);
    expect(await tagOf(`${dst.host}/app:kvm`)).toBe(old);
    expect(await tagOf(`${dst.host}/app:emulation`)).toBe(old);
  });
});
