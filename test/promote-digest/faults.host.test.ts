import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PromotionError, promote } from '../../actions/promote-digest/promote.js';
import { sha, writeImage } from './support/images.js';
import { deps, options } from './support/options.js';
import { scaledPolicy } from '../../shared/retry.js';
import type { Log } from '../../shared/action/log.js';
import { silentLog } from '../../shared/action/log.js';
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
      /(copying blob sha256:[a-f0-9]{64} \(\d+ bytes\) from .*|GET \/v2\/app\/blobs\/sha256:[a-f0-9]{64}) failed after 3 retries: .*; no target tag was moved$/,
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

  it('drops a request that never gets an answer after the idle timeout and retries it', async () => {
    srcProxy.faults.push({ match: isBlobGet, times: 1, action: 'stall' });
    dstProxy.faults.push({
      match: (m, p) => m === 'HEAD' && p.endsWith('/manifests/kvm'),
      times: 1,
      action: 'stall',
    });
    const r = await promote(
      options(work, {
        source: `${srcProxy.host}/app:dev`,
        targets: [`${dstProxy.host}/stall/app:kvm`],
      }),
      deps({ idleTimeoutMs: 300 }),
    );
    expect(srcProxy.hits.filter((h) => h.startsWith('stall'))).toHaveLength(1);
    expect(dstProxy.hits.filter((h) => h.startsWith('stall'))).toHaveLength(1);
    expect(r.stats.retries).toBe(2);
    expect(r.targets[0]).toMatchObject({ status: 'created', holds: digest });
    expect(await tagOf(`${dst.host}/stall/app:kvm`)).toBe(digest);
  });

  it('drops a blob whose body stops half way after the idle timeout and copies it again', async () => {
    srcProxy.faults.push({ match: isBlobGet, times: 1, action: 'stall-body' });
    const lines: string[] = [];
    const r = await promote(
      options(work, {
        source: `${srcProxy.host}/app:dev`,
        targets: [`${dst.host}/stall-body/app:kvm`],
      }),
      deps({ idleTimeoutMs: 300, log: logTo(lines) }),
    );
    expect(srcProxy.hits.filter((h) => h.startsWith('stall-body'))).toHaveLength(1);
    expect(lines.some((l) => /^retry 1 in .*no bytes for 300 ms/.test(l))).toBe(true);
    expect(r.stats.blobsCopied).toBe(3);
    expect(await tagOf(`${dst.host}/stall-body/app:kvm`)).toBe(digest);
  });

  it('retries a manifest PUT the registry refuses with MANIFEST_BLOB_UNKNOWN (a blob a concurrent upload is committing)', async () => {
    dstProxy.faults.push({
      match: (m, p) => m === 'PUT' && /\/manifests\/sha256:/.test(p),
      times: 2,
      action: { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' },
    });
    const r = await promote(
      options(work, { source: `${src.host}/app:dev`, targets: [`${dstProxy.host}/race/app:kvm`] }),
      deps(),
    );
    expect(dstProxy.hits.filter((h) => h.startsWith('400 PUT'))).toHaveLength(2);
    expect(r.stats.retries).toBe(2);
    expect(await tagOf(`${dst.host}/race/app:kvm`)).toBe(digest);
  });

  it('does not retry a manifest PUT refused for another reason, and says it was not retried', async () => {
    dstProxy.faults.push({
      match: (m, p) => m === 'PUT' && /\/manifests\/sha256:/.test(p),
      times: Infinity,
      action: { status: 400, code: 'MANIFEST_INVALID' },
    });
    const err = await promote(
      options(work, { source: `${src.host}/app:dev`, targets: [`${dstProxy.host}/bad/app:kvm`] }),
      deps(),
    ).catch((e: unknown) => e);
    expect(dstProxy.hits.filter((h) => h.startsWith('400 PUT'))).toHaveLength(1);
    expect((err as Error).message).toBe(
      `${dstProxy.host}/bad/app: PUT manifest ${digest} answered HTTP 400 (MANIFEST_INVALID: injected by the test proxy); no target tag was moved`,
    );
  });

  it('fetches a blob corrupted on the way once more from the source', async () => {
    srcProxy.faults.push({ match: isBlobGet, times: 1, action: 'corrupt' });
    const lines: string[] = [];
    const r = await promote(
      options(work, {
        source: `${srcProxy.host}/app:dev`,
        targets: [`${dst.host}/corrupt/app:kvm`],
      }),
      deps({ log: logTo(lines) }),
    );
    const corrupted = srcProxy.hits.find((h) => h.startsWith('corrupt'))!.split('/blobs/')[1];
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `upload of ${corrupted} answered HTTP 400 \\(DIGEST_INVALID: .*\\); fetching it once more from `,
        ),
      ),
    );
    expect(r.stats.blobsCopied).toBe(3);
    expect(await tagOf(`${dst.host}/corrupt/app:kvm`)).toBe(digest);
  });

  it('fails on a blob that arrives corrupted twice, naming it, and moves no tag', async () => {
    srcProxy.faults.push({ match: isBlobGet, times: Infinity, action: 'corrupt' });
    const err = await promote(
      options(work, {
        source: `${srcProxy.host}/app:dev`,
        targets: [`${dst.host}/corrupt-twice/app:kvm`],
      }),
      deps({ retry: scaledPolicy(0), settleMs: 0 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromotionError);
    expect((err as Error).message).toMatch(
      /upload of sha256:[a-f0-9]{64} answered HTTP 400 \(DIGEST_INVALID: .*\); no target tag was moved$/,
    );
    // one fetch, one more; the other blobs stop once one failed
    const blob = (err as Error).message.match(/upload of (sha256:[a-f0-9]{64})/)![1];
    expect(srcProxy.hits.filter((h) => h.endsWith(blob))).toHaveLength(2);
    await expect(inspectRaw(`${dst.host}/corrupt-twice/app:kvm`)).rejects.toThrow(
      /manifest unknown/i,
    );
  });

  it('stops the other blobs at their next attempt once one blob has failed', async () => {
    // One layer fails at once (403); the config download keeps breaking mid-body.
    const m = JSON.parse(await inspectRaw(`${src.host}/app:dev`));
    const [first, second] = m.layers.map((l: { digest: string }) => l.digest);
    srcProxy.faults.push(
      {
        match: (me, p) => me === 'GET' && p.endsWith(first),
        times: Infinity,
        action: { status: 403 },
      },
      { match: (me, p) => me === 'GET' && p.endsWith(second), times: Infinity, action: 'reset' },
      {
        match: (me, p) => me === 'GET' && p.endsWith(m.config.digest),
        times: Infinity,
        action: 'reset',
      },
    );
    const err = await promote(
      options(work, {
        source: `${srcProxy.host}/app:dev`,
        targets: [`${dst.host}/stop/app:kvm`],
      }),
      deps({ retry: scaledPolicy(0.25) }),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`GET blob ${first} answered HTTP 403`));
    // Without the stop each would be tried 4 times (once and 3 retries); with it, the first
    // retry (after 500 ms) is not made: at most the attempts under way when the 403 came.
    const tries = (d: string) => srcProxy.hits.filter((h) => h.endsWith(d)).length;
    expect(tries(second) + tries(m.config.digest)).toBeLessThanOrEqual(2);
    await expect(inspectRaw(`${dst.host}/stop/app:kvm`)).rejects.toThrow(/manifest unknown/i);
  });
});

function logTo(lines: string[]): Log {
  return { ...silentLog, info: (line: string) => void lines.push(line) };
}
