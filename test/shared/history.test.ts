import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readQuarantine } from '../../actions/select-tests/quarantine.js';
import { classify, flakeStats } from '../../shared/history/analysis.js';
import { CacheStore } from '../../shared/history/cache-store.js';
import { DirectoryStore } from '../../shared/history/directory-store.js';
import {
  decodeRun,
  encodeRun,
  inflateOptions,
  type HistoryOutcome,
  type HistoryRun,
} from '../../shared/history/entry.js';
import { active, overBudget, quarantineFile } from '../../shared/history/quarantine.js';
import { parseThreshold } from '../../shared/history/policy.js';
import { startCacheService } from '../setup-hypervisor/cache-service.js';
import { historyRun } from '../support/history-run.js';

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

/** A run of one environment; `tests` maps a test id to its outcome. */
const run = (
  tests: Record<string, HistoryOutcome>,
  over: Partial<Omit<HistoryRun, 'tests'>> = {},
) => historyRun(tests, over, 1200);

describe('history entries', () => {
  it('keep every field through encoding, and a 10k-test run stays well under 1 MB', () => {
    const tests: Record<string, HistoryOutcome> = {};
    for (let i = 0; i < 10_000; i++) {
      tests[`[sig-compute]VirtualMachine area ${Math.floor(i / 40)} should behave in case ${i}`] =
        i % 97 === 0 ? 'failed' : i % 13 === 0 ? 'skipped' : 'passed';
    }
    const r = run(tests, { runAttempt: 2, branch: 'feature/x' });
    const bytes = encodeRun(r);
    expect(bytes.length).toBeLessThan(400_000);
    expect(decodeRun(bytes)).toEqual(r);
  });

  it('name what is wrong with truncated, foreign or hand-edited data', () => {
    const good = encodeRun(run({ a: 'passed' }));
    expect(decodeRun(good.subarray(0, good.length / 2))).toMatchObject({
      bad: expect.stringMatching(/^not a gzipped history entry/),
    });
    const entry = (head: unknown, ids?: unknown) =>
      gzipSync(
        ids === undefined
          ? JSON.stringify(head)
          : `${JSON.stringify(head)}\n${JSON.stringify(ids)}\n`,
      );
    expect(decodeRun(entry({ v: 2 }))).toEqual({
      bad: 'history version 2; this version reads 1',
    });
    const { tests: _tests, ...facts } = run({});
    const edited = { ...facts, v: 1, outcomes: '9', attempts: [1], ms: [0] };
    expect(decodeRun(entry(edited, ['a']))).toEqual({
      bad: 'test "a" has no valid outcome, attempts and time',
    });
    expect(decodeRun(entry({ ...edited, outcomes: '00' }, ['a']))).toEqual({
      bad: 'the columns differ in length (1 ids, 2 outcomes, 1 attempts, 1 times)',
    });
    expect(decodeRun(entry({ ...edited, outcomes: '0' }))).toEqual({
      bad: 'the entry has no ids line',
    });
    expect(decodeRun(entry({ ...edited, outcomes: '0' }, [7]))).toEqual({
      bad: 'test id 1 is not a string',
    });
    expect(decodeRun(entry({ ...facts, v: 1, tests: { a: [0, 1, 0] } }, ['a']))).toEqual({
      bad: '"outcomes", "attempts" and "ms" are not the columns of a run',
    });
    expect(decodeRun(gzipSync('{"v":1,'))).toMatchObject({
      bad: expect.stringMatching(/^not a JSON history entry/),
    });
  });
});

describe('history entries, inflated in one piece', () => {
  const tests: Record<string, HistoryOutcome> = {};
  for (let i = 0; i < 2000; i++) tests[`kubevirt.io/tests\u0000VM ${i} boots`] = 'passed';
  const r = run(tests);
  const bytes = encodeRun(r);

  it('ask zlib for one chunk one byte longer than the text the trailer gives', () => {
    const text = gunzipSync(bytes);
    expect(text.length).toBeGreaterThan(16 * 1024);
    expect(inflateOptions(bytes)).toEqual({ chunkSize: text.length + 1 });
    expect(inflateOptions(gzipSync('{}'))).toEqual({ chunkSize: 16 * 1024 });
    expect(inflateOptions(Buffer.from([1, 2]))).toEqual({});
  });

  it('read an entry of two gzip members, whose trailer gives only the last one', async () => {
    // The trailer says 1 byte: zlib is asked for its smallest chunks, and joins them.
    const text = gunzipSync(bytes);
    const twoMembers = Buffer.concat([gzipSync(text.subarray(0, -1)), gzipSync('\n')]);
    expect(inflateOptions(twoMembers)).toEqual({ chunkSize: 16 * 1024 });
    expect(text.length).toBeGreaterThan(4 * 16 * 1024);
    expect(decodeRun(twoMembers)).toEqual(r);
    const dir = tmp('history-');
    await new DirectoryStore(dir).write(r);
    const [file] = readdirSync(path.join(dir, 'test-kvm'));
    writeFileSync(path.join(dir, 'test-kvm', file), twoMembers);
    const read = await new DirectoryStore(dir).read({ environment: 'test-kvm' });
    expect(read.skipped).toEqual([]);
    expect(read.runs).toEqual([r]);
  });

  it('refuse an entry whose trailer lies about its length, asking for at most 8 MiB', async () => {
    const lying = Buffer.from(bytes);
    lying.writeUInt32LE(0xffffffff, lying.length - 4);
    expect(inflateOptions(lying)).toEqual({ chunkSize: 8 * 1024 * 1024 });
    expect(decodeRun(lying)).toMatchObject({
      bad: expect.stringMatching(/^not a gzipped history entry/),
    });
    const dir = tmp('history-');
    mkdirSync(path.join(dir, 'test-kvm'), { recursive: true });
    writeFileSync(path.join(dir, 'test-kvm', '2026-11-30T00-00-00-000Z_x-1_0.json.gz'), lying);
    const read = await new DirectoryStore(dir).read({ environment: 'test-kvm' });
    expect(read.runs).toEqual([]);
    expect(read.skipped).toEqual([
      expect.stringMatching(/\.json\.gz: not a gzipped history entry/),
    ]);
  });
});

describe('the directory store', () => {
  it('keeps every run of jobs writing at once, and reads the newest first', async () => {
    const store = new DirectoryStore(tmp('history-'));
    const runs = Array.from({ length: 8 }, (_, i) => run({ [`t${i}`]: 'passed' }));
    await Promise.all(runs.map((r) => store.write(r)));
    const read = await store.read({ environment: 'test-kvm' });
    expect(read.skipped).toEqual([]);
    expect(read.runs.map((r) => r.runId)).toEqual(runs.map((r) => r.runId).reverse());
  });

  it('keeps the last N runs of each environment, and reads by limit and period', async () => {
    const dir = tmp('history-');
    const store = new DirectoryStore(dir, { keep: 3 });
    const kvm = Array.from({ length: 5 }, () => run({ a: 'passed' }));
    for (const r of kvm) await store.write(r);
    await store.write(run({ a: 'failed' }, { environment: 'test-mshv' }));
    expect(readdirSync(path.join(dir, 'test-kvm'))).toHaveLength(3);
    const all = await store.read();
    expect(all.runs.map((r) => r.environment).sort()).toEqual([
      'test-kvm',
      'test-kvm',
      'test-kvm',
      'test-mshv',
    ]);
    const two = await store.read({ environment: 'test-kvm', limit: 2 });
    expect(two.runs.map((r) => r.runId)).toEqual([kvm[4].runId, kvm[3].runId]);
    const since = await store.read({ environment: 'test-kvm', since: new Date(kvm[4].time) });
    expect(since.runs.map((r) => r.runId)).toEqual([kvm[4].runId]);
  });

  it('skips what it cannot read with one line each, and reads the rest', async () => {
    const dir = tmp('history-');
    const store = new DirectoryStore(dir);
    await store.write(run({ a: 'passed' }));
    mkdirSync(path.join(dir, 'test-kvm'), { recursive: true });
    writeFileSync(path.join(dir, 'test-kvm', '2026-11-30T00-00-00-000Z_x-1_0.json.gz'), 'edited');
    const read = await store.read({ environment: 'test-kvm' });
    expect(read.runs).toHaveLength(1);
    expect(read.skipped).toEqual([
      expect.stringMatching(
        /^test-kvm\/2026-11-30T00-00-00-000Z_x-1_0\.json\.gz: not a gzipped history entry/,
      ),
    ]);
  });
});

describe('classification', () => {
  const opts = { defaultBranch: 'main', newAfter: 3, persistentAfter: 3 };

  it('tells new failures, known flaky, persistent and fixed tests apart', () => {
    const history = [
      run(
        { stable: 'passed', breaks: 'passed', wobbly: 'failed', stuck: 'failed', heals: 'failed' },
        { sha: 'c1' },
      ),
      run(
        { stable: 'passed', breaks: 'passed', wobbly: 'passed', stuck: 'failed', heals: 'failed' },
        { sha: 'c1' },
      ),
      run(
        { stable: 'passed', breaks: 'passed', wobbly: 'passed', stuck: 'passed', heals: 'failed' },
        { sha: 'c2' },
      ),
    ].reverse();
    // Newest first: `stuck` passed on c2, then failed on c3 and c4, and fails now.
    const earlier = [
      run({ stuck: 'failed' }, { sha: 'c4' }),
      run({ stuck: 'failed' }, { sha: 'c3' }),
      ...history,
    ];
    const current = run(
      { stable: 'passed', breaks: 'failed', wobbly: 'failed', stuck: 'failed', heals: 'passed' },
      { sha: 'c5' },
    );
    const c = classify(current, earlier, opts);
    expect(c.newFailures).toEqual(['breaks']);
    expect(c.knownFlaky.map((f) => f.id)).toEqual(['wobbly']);
    expect(c.persistent).toEqual([{ id: 'stuck', runs: 3, since: 'c3' }]);
    expect(c.fixed).toEqual(['heals']);
    expect(c.otherFailures).toEqual([]);
  });

  it('calls a failure that passed on a re-run of the same commit flaky, never new', () => {
    const first = run({ t: 'failed' }, { sha: 'c9', runAttempt: 1, runId: '77' });
    const rerun = run({ t: 'passed' }, { sha: 'c9', runAttempt: 2, runId: '77' });
    expect(flakeStats([rerun, first]).get('t')).toEqual({ rate: 0.5, flakyRuns: 1, runs: 2 });
    const again = run({ t: 'failed' }, { sha: 'c9', runAttempt: 3, runId: '77' });
    const c = classify(again, [rerun, first], opts);
    expect(c.knownFlaky.map((f) => f.id)).toEqual(['t']);
    expect(c.newFailures).toEqual([]);
  });

  it('never compares one environment with another, nor a branch run with the default branch', () => {
    const mshv = [1, 2, 3].map((i) =>
      run({ t: 'passed' }, { environment: 'test-mshv', sha: `m${i}` }),
    );
    expect(classify(run({ t: 'failed' }, { sha: 'm4' }), mshv, opts).newFailures).toEqual([]);
    const branch = [1, 2, 3].map((i) => run({ t: 'passed' }, { branch: 'feature', sha: `b${i}` }));
    const c = classify(run({ t: 'failed' }, { sha: 'b4' }), branch, opts);
    expect(c.newFailures).toEqual([]);
    expect(c.otherFailures).toEqual(['t']);
  });
});

describe('flake budget', () => {
  it('quarantines what is over budget, in the file select-tests reads', async () => {
    const runs = [
      run({ flaky: 'flaky', ok: 'passed' }),
      run({ flaky: 'passed', ok: 'passed' }),
      run({ flaky: 'flaky', ok: 'flaky' }),
    ].reverse();
    const now = new Date(Date.parse(runs[0].time) + 3_600_000);
    // 14 days from the flaky run that put it over the threshold (the older of the two).
    const until = new Date(Date.parse(runs[2].time) + 14 * 86_400_000).toISOString().slice(0, 10);
    const entries = overBudget(runs, { ...parseThreshold('2 in 100', 'flake'), expiryDays: 14 });
    expect(entries).toEqual([
      {
        id: 'flaky',
        reason: 'flaky in 2 of its last 3 runs (threshold: 2 in 100)',
        until,
      },
    ]);
    expect(active(entries[0], now)).toBe(true);
    expect(active(entries[0], new Date(Date.parse(`${until}T00:00:00Z`) + 86_400_000))).toBe(false);
    const ws = tmp('quarantine-');
    writeFileSync(path.join(ws, 'quarantine.json'), quarantineFile(entries));
    const q = await readQuarantine(ws, 'quarantine.json', now);
    expect(q.active.map((e) => [e.kind, e.value])).toEqual([['test', 'flaky']]);
    expect(() => parseThreshold('2 of 100', 'flake')).toThrow(
      'flake: "2 of 100" is not a threshold; allowed: "N in M"',
    );
  });
});

describe('the cache store, against a local stand-in of the cache service', () => {
  it('restores the newest entry of the environment, adds this run and saves a new one', async () => {
    const service = await startCacheService();
    const cwd = process.cwd();
    /** A job of its own: a fresh workspace, the step's working directory, the cache's env. */
    const job = <T>(fn: (store: CacheStore) => Promise<T>) => {
      const workspace = tmp('history-ws-');
      process.chdir(workspace);
      const store = new CacheStore({
        repository: 'octo-org/octo-repo',
        workflow: 'ci',
        environment: 'test-kvm',
        folder: '.virt-ci/history',
        workspace,
      });
      return service.inProcessEnv(() => fn(store));
    };
    try {
      const first = run({ a: 'passed' });
      const second = run({ a: 'failed' });
      await job(async (s) => {
        expect((await s.read()).notes).toEqual([expect.stringMatching(/no entry for .* yet/)]);
        await s.write(first);
      });
      await job(async (s) => {
        expect((await s.read()).runs.map((r) => r.runId)).toEqual([first.runId]);
        await s.write(second);
      });
      await job(async (s) => {
        expect((await s.read()).runs.map((r) => r.runId)).toEqual([second.runId, first.runId]);
      });
      const keys = [...service.entries.values()].map((e) => e.key);
      expect(keys).toHaveLength(2);
      for (const k of keys)
        expect(k).toMatch(/^virt-ci-history-v1~octo-org_octo-repo~ci~test-kvm~/);
    } finally {
      process.chdir(cwd);
      await service.close();
    }
  });
});

describe('virt-ci history', () => {
  it('reports each environment over a period, the flakiest first, and writes JSON', async () => {
    const { historyCommand } = await import('../../bin/history.js');
    const dir = tmp('history-cli-');
    const store = new DirectoryStore(dir);
    const now = Date.now();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
    await store.write(run({ a: 'passed', b: 'flaky' }, { time: at(30 * 24), sha: 'old' }));
    await store.write(run({ a: 'passed', b: 'failed' }, { time: at(3), sha: 's1' }));
    await store.write(run({ a: 'passed', b: 'passed' }, { time: at(2), sha: 's1' }));
    await store.write(run({ a: 'failed', b: 'passed' }, { time: at(1), sha: 's2' }));
    let out = '';
    const json = path.join(dir, 'report.json');
    const code = await historyCommand([dir, '--period', '7d', '--json', json], (s) => {
      out += s;
    });
    expect(code).toBe(0);
    expect(out.split('\n').filter(Boolean)).toEqual([
      'environment  runs  passed  time a run  flake rate  budget',
      'test-kvm        3   66.7%        2.4s      16.67%   0.10%  over budget',
      'test-kvm:',
      '  flaky 33.3% (1 of 3): b',
      '  failing now: a',
    ]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Array<{ runs: number }>;
    expect(report[0].runs).toBe(3);
  });
});
