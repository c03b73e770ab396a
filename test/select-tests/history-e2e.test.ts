import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CacheStore } from '../../shared/history/cache-store.js';
import { CACHE_FOLDER } from '../../shared/history/open.js';
import { startCacheService, type CacheService } from '../setup-hypervisor/cache-service.js';
import { errors, run } from '../support/harness.js';
import { A, C, rerunEnv, writeHistory } from './support/history.js';
import { makeWorkspace } from './support/workspace.js';

/**
 * The bundle, run as the runner runs it, reading a history of simulated runs (a test flaky on
 * two commits, a failure in attempt 1 of run 900): the quarantine it implies and the narrowed
 * re-run, from a history folder and from the Actions cache (a local stand-in of the service).
 */
const start = () => Date.now() - 10 * 3_600_000;
const notices = (r: Awaited<ReturnType<typeof run>>) =>
  r.annotations.filter((a) => a.level === 'notice').map((a) => a.message);

describe('select-tests with a history folder', () => {
  const ws = makeWorkspace();
  beforeAll(() => writeHistory(path.join(ws, 'ci-history'), start()));
  const inputs = {
    environment: 'test-kvm',
    history: 'ci-history',
    quarantine: 'auto',
    rerun: 'failed',
  };

  it('on a re-run attempt: what failed before, less the quarantine, and the summary says so', async () => {
    const r = await run('select-tests', { workspace: ws, inputs, env: rerunEnv(2) });
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs.tests)).toEqual([C]);
    expect(r.outputs.count).toBe('1');
    expect(r.summary).toContain('re-run of attempt 2: 1 of 22 selected tests failed in attempt 1');
    expect(r.summary).toContain('Quarantine (auto, from the history folder): 1 test left out');
    expect(r.summary).toContain(A);
    const file = readFileSync(r.outputs['args-file'], 'utf8');
    expect(file).toBe(
      JSON.parse(r.outputs['args-json'])
        .map((a: string) => `${a}\n`)
        .join(''),
    );
    expect(notices(r)).toEqual([]);
  });

  it('on attempt 1: the usual selection less the quarantine', async () => {
    const r = await run('select-tests', { workspace: ws, inputs, env: rerunEnv(1) });
    expect(errors(r)).toEqual([]);
    expect(r.outputs.count).toBe('22');
    expect(JSON.parse(r.outputs.tests)).not.toContain(A);
    expect(r.summary).not.toContain('re-run of attempt');
  });

  it('a re-run whose attempt before left nothing in the history selects as usual, in a notice', async () => {
    const r = await run('select-tests', { workspace: ws, inputs, env: rerunEnv(3) });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.count).toBe('22');
    expect(notices(r)).toEqual([
      'select-tests: re-run of attempt 3: the history has no entry of attempt 2 of run 900 for this environment (it may have failed before its tests were published); selecting as usual',
    ]);
  });

  it('quarantine: auto without a history fails in one line naming both inputs', async () => {
    const r = await run('select-tests', { workspace: ws, inputs: { quarantine: 'auto' } });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'input "quarantine": auto reads the quarantine from the test history, and input "history" is empty; set input "history" to cache or a folder path',
    ]);
  });
});

describe('select-tests with the history in the Actions cache', () => {
  let service: CacheService;
  const seed = mkdtempSync(path.join(os.tmpdir(), 'select-tests-seed-'));
  const cwd = process.cwd();
  beforeAll(async () => {
    service = await startCacheService();
    // publish-junit's side, in this process: the runs saved as one cache entry.
    process.chdir(seed);
    try {
      await service.inProcessEnv(() =>
        writeHistory(
          new CacheStore({
            repository: 'octo-org/octo-repo',
            workflow: 'ci',
            environment: 'test-kvm',
            folder: CACHE_FOLDER,
            workspace: seed,
          }),
          start(),
        ),
      );
    } finally {
      process.chdir(cwd);
    }
  });
  afterAll(async () => {
    await service.close();
    rmSync(seed, { recursive: true, force: true });
  });

  it('restores the newest entry of the environment and narrows the re-run', async () => {
    const ws = makeWorkspace();
    const before = service.calls.length;
    const r = await run('select-tests', {
      workspace: ws,
      inputs: { environment: 'test-kvm', history: 'cache', quarantine: 'auto', rerun: 'failed' },
      env: { ...rerunEnv(2), ...service.env },
    });
    expect(errors(r)).toEqual([]);
    expect(r.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    expect(JSON.parse(r.outputs.tests)).toEqual([C]);
    expect(r.summary).toContain('Quarantine (auto, from the cache): 1 test left out');
    const calls = service.calls.slice(before);
    expect(calls.some((c) => /GetCacheEntryDownloadURL/.test(c))).toBe(true);
    // select-tests only reads: it saves nothing.
    expect(calls.some((c) => /CreateCacheEntry|PUT/.test(c))).toBe(false);
  });

  it('an environment with no entry yet selects as usual, with a notice', async () => {
    const ws = makeWorkspace();
    const r = await run('select-tests', {
      workspace: ws,
      inputs: { environment: 'dev', history: 'cache', quarantine: 'auto' },
      env: { ...rerunEnv(1), ...service.env },
    });
    expect(errors(r)).toEqual([]);
    expect(r.outputs.count).toBe('7');
    expect(notices(r)).toEqual([
      expect.stringMatching(/^select-tests: history: no entry for virt-ci-history-\S*dev\S* yet$/),
    ]);
  });
});
