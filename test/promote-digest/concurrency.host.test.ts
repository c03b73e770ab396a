import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PromotionError, promote } from '../../actions/promote-digest/promote.js';
import { run } from '../../actions/promote-digest/promote-digest.js';
import type { PromotionStatement } from '../../actions/promote-digest/types.js';
import { scaledPolicy } from '../../shared/retry.js';
import { sha, writeImage, writeIndex } from './support/images.js';
import { deps, options, runDeps, runOptions } from './support/options.js';
import { startProxy } from './support/proxy.js';
import { type RegistryHandle, inspectRaw, skopeoPush, startRegistry } from './support/registry.js';
import { requireTools } from '../support/tools.js';

requireTools('docker-registry', 'skopeo');

// Promotions racing each other against real docker-registry instances, each run in this
// process the way the step runs it (run(): promotion, then record). What a tag holds at the
// end is read with skopeo, a client this project did not write.
let src: RegistryHandle;
let dst: RegistryHandle;
let work: string;
/** Eight different images, pushed to src/app:s0 .. s7. */
const digests: string[] = [];

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  work = mkdtempSync(path.join(os.tmpdir(), 'pd-race-'));
  const layout = path.join(work, 'img');
  for (let i = 0; i < 8; i++) {
    digests.push(writeImage(layout, { layers: [20_000, 5_000], tag: `s${i}` }).digest);
  }
  await Promise.all(digests.map((_, i) => skopeoPush(layout, `s${i}`, `${src.host}/app:s${i}`)));
});

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
});

const holds = async (ref: string) => sha(await inspectRaw(ref));

/** `count` runs at once, run i promoting src/app:s<source(i)> to `target`. */
async function race(count: number, source: (i: number) => number, target: string, name: string) {
  const outcomes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      run(
        runOptions(work, {
          source: `${src.host}/app:s${source(i)}`,
          targets: [target],
          overwrite: false,
          record: `${name}-${i}.json`,
        }),
        runDeps(),
      ),
    ),
  );
  const winner = await holds(target);
  return outcomes.map((outcome, i) => {
    const file = path.join(work, `${name}-${i}.json`);
    const record = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as PromotionStatement)
      : undefined;
    return { outcome, digest: digests[source(i)], record, winner };
  });
}

describe('promotions racing for one tag', () => {
  it('8 runs from 8 sources to one absent tag (overwrite: false): exactly one created, 7 fail naming the winner, records only for the winner', async () => {
    for (let round = 0; round < 3; round++) {
      const target = `${dst.host}/race${round}/app:release`;
      const runs = await race(8, (i) => i, target, `distinct-${round}`);
      const winner = runs[0].winner;
      expect(digests).toContain(winner);
      const won = runs.filter((r) => !r.outcome.failure);
      expect(won).toHaveLength(1);
      expect(won[0].digest).toBe(winner);
      expect(won[0].outcome.outputs.promoted).toMatchObject([
        { target, status: 'created', holds: winner },
      ]);
      for (const lost of runs.filter((r) => r.outcome.failure)) {
        expect(lost.outcome.failure?.message).toContain(`${target} `);
        expect(lost.outcome.failure?.message).toMatch(
          new RegExp(`(now points at|holds) ${winner}`),
        );
        expect(lost.record).toBeUndefined();
      }
      expect(runs.filter((r) => r.record)).toHaveLength(1);
      expect(won[0].record?.subject[0].digest.sha256).toBe(winner.slice(7));
      expect(won[0].record?.predicate.targets).toMatchObject([{ ref: target, status: 'created' }]);
    }
  });

  it('8 runs from two sources (4 each) to one absent tag: the runs of the other source fail naming what the tag holds; every record matches the tag', async () => {
    const target = `${dst.host}/two/app:release`;
    const runs = await race(8, (i) => i % 2, target, 'two');
    const winner = runs[0].winner;
    expect([digests[0], digests[1]]).toContain(winner);
    for (const r of runs) {
      if (r.digest === winner) {
        // It promoted what the tag holds: created by it, or found there just before its write.
        expect(r.outcome.failure).toBeUndefined();
        const [entry] = r.outcome.outputs.promoted as Array<{ status: string; holds: string }>;
        expect(['created', 'unchanged']).toContain(entry.status);
        expect(entry.holds).toBe(winner);
        expect(r.record?.subject[0].digest.sha256).toBe(winner.slice(7));
      } else {
        expect(r.outcome.failure?.message).toMatch(new RegExp(`(now points at|holds) ${winner}`));
        expect(r.record).toBeUndefined();
      }
    }
    const created = runs.filter(
      (r) => (r.outcome.outputs.promoted as Array<{ status: string }>)[0].status === 'created',
    );
    expect(created.length).toBeGreaterThan(0);
    expect(created.every((r) => r.digest === winner)).toBe(true);
  });

  it('the last of two runs promoting to [x, y] at once fails when the targets end on different digests', async () => {
    // Run A's write of y is held back by a proxy, so run B moves both tags in between: x
    // ends at B, y at A. A writes last and reads both back: it reports the split.
    const proxy = await startProxy(dst.host);
    try {
      proxy.faults.push({
        match: (m, p) => m === 'PUT' && p.endsWith('/manifests/y'),
        times: 1,
        action: { delayMs: 1500 },
      });
      const a = promote(
        options(work, {
          source: `${src.host}/app:s0`,
          targets: [`${proxy.host}/split/app:x`, `${proxy.host}/split/app:y`],
        }),
        deps(),
      ).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 700));
      const b = await promote(
        options(work, {
          source: `${src.host}/app:s1`,
          targets: [`${dst.host}/split/app:x`, `${dst.host}/split/app:y`],
        }),
        deps(),
      );
      expect(b.targets.map((t) => t.holds)).toEqual([digests[1], digests[1]]);
      const err = (await a) as PromotionError;
      expect(err).toBeInstanceOf(PromotionError);
      expect(err.message).toBe(
        `the targets ended on different digests (${proxy.host}/split/app:x holds ${digests[1]}, ${proxy.host}/split/app:y holds ${digests[0]}): another promotion wrote some of them at the same time`,
      );
      expect(err.result.targets.map((t) => [t.status, t.holds])).toEqual([
        ['overwritten', digests[1]],
        ['created', digests[0]],
      ]);
      expect(await holds(`${dst.host}/split/app:x`)).toBe(digests[1]);
      expect(await holds(`${dst.host}/split/app:y`)).toBe(digests[0]);
    } finally {
      await proxy.stop();
    }
  });

  it('with overwrite: true a tag another run moved afterwards is a warning naming the digest it holds', async () => {
    const proxy = await startProxy(dst.host);
    try {
      // A's read-back is held back until B has moved the tag.
      proxy.faults.push({
        match: (m, p) => m === 'HEAD' && p.endsWith('/manifests/latest'),
        times: 1,
        skip: 1,
        action: { delayMs: 1500 },
      });
      const a = run(
        runOptions(work, {
          source: `${src.host}/app:s2`,
          targets: [`${proxy.host}/warn/app:latest`],
          record: 'warn.json',
        }),
        runDeps(),
      );
      await new Promise((r) => setTimeout(r, 700));
      await promote(
        options(work, { source: `${src.host}/app:s3`, targets: [`${dst.host}/warn/app:latest`] }),
        deps(),
      );
      const outcome = await a;
      expect(outcome.failure).toBeUndefined();
      expect(outcome.warnings).toEqual([
        `${proxy.host}/warn/app:latest holds ${digests[3]}, not ${digests[2]}: another promotion wrote it after this one`,
      ]);
      expect(outcome.outputs.promoted).toMatchObject([
        { status: 'overwritten', holds: digests[3] },
      ]);
      const record = JSON.parse(readFileSync(path.join(work, 'warn.json'), 'utf8'));
      expect(record.predicate.targets).toMatchObject([
        { status: 'overwritten', holds: digests[3] },
      ]);
      expect(await holds(`${dst.host}/warn/app:latest`)).toBe(digests[3]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('promotions of one image racing into a fresh repository', () => {
  it('16 runs at once all succeed: the registry-side blob race on the manifest PUT is retried', async () => {
    const layout = path.join(work, 'multi');
    const images = ['amd64', 'arm64'].map((arch) =>
      writeImage(layout, { arch, layers: [300_000, 200_000, 50_000] }),
    );
    const index = writeIndex(layout, images, 'v1');
    await skopeoPush(layout, 'v1', `${src.host}/multi:v1`);
    const retries: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) =>
        promote(
          options(work, {
            source: `${src.host}/multi:v1`,
            targets: [`${dst.host}/fresh/multi:t${i}`],
          }),
          deps({ retry: scaledPolicy(0.05) }),
        ).then((r) => retries.push(r.stats.retries)),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (let i = 0; i < 16; i++) {
      expect(await holds(`${dst.host}/fresh/multi:t${i}`)).toBe(index.digest);
    }
  });
});
