import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readQuarantine } from '../../actions/select-tests/quarantine.js';
import { historyCommand } from '../../bin/history.js';
import { DirectoryStore } from '../../shared/history/directory-store.js';
import { testKey, type HistoryOutcome } from '../../shared/history/entry.js';
import { quarantineId } from '../../bin/history.js';

/**
 * `virt-ci history` over history folders written the way publish-junit writes them: the
 * table with each environment's flake rate against its budget, the JSON report, the
 * quarantine file select-tests reads, and one line naming the flag for each bad one.
 */
const NOW = new Date('2026-11-20T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

const PROFILE = [
  'version: 1',
  'defaults:',
  '  flake: {budget: 0.5%, threshold: 2 in 10, expiry: 7d}',
  'environments:',
  '  test-kvm: {}',
  '  dev:',
  '    flake: {budget: 50%}',
  '  short:',
  '    flake: {keep: 2}',
  '',
].join('\n');

async function write(
  dir: string,
  environment: string,
  sha: string,
  time: string,
  tests: Record<string, HistoryOutcome>,
): Promise<void> {
  await new DirectoryStore(dir).write({
    repository: 'octo-org/octo-repo',
    workflow: 'ci',
    environment,
    runId: `${environment}-${time}`,
    runAttempt: 1,
    sha: sha.padEnd(40, '0'),
    branch: 'main',
    time,
    tests: new Map(
      Object.entries(tests).map(([name, outcome]) => [
        testKey('pkg', name),
        { outcome, attempts: 1, durationMs: 1500 },
      ]),
    ),
  });
}

/** test-kvm: F flaky on a and b (failed and passed on b), G failing now; dev: one clean run. */
async function history(): Promise<string> {
  const dir = tmp('cli-history-');
  for (const env of ['test-kvm', 'short']) {
    await write(dir, env, 'a', hoursAgo(5), { F: 'flaky', G: 'passed', S: 'skipped' });
    await write(dir, env, 'b', hoursAgo(4), { F: 'failed', G: 'passed' });
    await write(dir, env, 'b', hoursAgo(3), { F: 'passed', G: 'passed' });
    await write(dir, env, 'c', hoursAgo(2), { F: 'passed', G: 'failed' });
  }
  await write(dir, 'dev', 'a', hoursAgo(1), { X: 'passed' });
  return dir;
}

/** A working folder, with the profile as .github/virt-ci.yaml when given. */
function cwdWith(profile?: string): string {
  const cwd = tmp('cli-history-cwd-');
  if (profile !== undefined) {
    mkdirSync(path.join(cwd, '.github'));
    writeFileSync(path.join(cwd, '.github', 'virt-ci.yaml'), profile);
  }
  return cwd;
}

async function cli(
  args: string[],
  cwd = cwdWith(PROFILE),
): Promise<{ code: number; lines: string[] }> {
  let out = '';
  const code = await historyCommand(args, (s) => void (out += s), { cwd, now: NOW });
  return { code, lines: out.replace(/\n$/, '').split('\n') };
}

describe('virt-ci history: the table and the JSON report', () => {
  it('shows each environment with its flake rate against its flake budget, then its flaky and failing tests', async () => {
    const dir = await history();
    const cwd = cwdWith(PROFILE);
    const r = await cli([dir, '--json', 'report.json'], cwd);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      'environment  runs  passed  time a run  flake rate  budget',
      'dev             1  100.0%        1.5s       0.00%  50.00%  within budget',
      'short           4   62.5%          3s      25.00%   0.50%  over budget',
      'test-kvm        4   62.5%          3s      25.00%   0.50%  over budget',
      '',
      'short:',
      '  flaky 50.0% (2 of 4): pkg.F',
      '  failing now: pkg.G',
      '',
      'test-kvm:',
      '  flaky 50.0% (2 of 4): pkg.F',
      '  failing now: pkg.G',
    ]);
    const report = JSON.parse(readFileSync(path.join(cwd, 'report.json'), 'utf8')) as unknown[];
    expect(report).toContainEqual({
      environment: 'test-kvm',
      runs: 4,
      passRate: 62.5,
      meanDurationS: 3,
      flakeRate: 0.25,
      budget: 0.005,
      overBudget: true,
      flaky: [{ id: 'pkg.F', rate: 0.5, flakyRuns: 2, runs: 4 }],
      failingNow: ['pkg.G'],
    });
  });

  it('takes the folder as DIR, --dir D or --dir=D, and one environment over a period', async () => {
    const dir = await history();
    const cwd = cwdWith(PROFILE);
    const one = await cli([dir, '--environment', 'test-kvm', '--period', '3h'], cwd);
    expect(one.lines).toEqual([
      'environment  runs  passed  time a run  flake rate  budget',
      'test-kvm        2   75.0%          3s       0.00%   0.50%  within budget',
      '',
      'test-kvm:',
      '  failing now: pkg.G',
    ]);
    expect(
      (await cli(['--dir', dir, '--environment', 'test-kvm', '--period=3h'], cwd)).lines,
    ).toEqual(one.lines);
    expect(
      (await cli([`--dir=${dir}`, '--environment=test-kvm', '--period', '3h'], cwd)).lines,
    ).toEqual(one.lines);
    expect((await cli([dir, '--period', '30m'], cwd)).lines).toEqual([
      `no runs in ${dir} over the last 30m`,
    ]);
  });

  it('without a profile every environment has the default budget; --budget sets another', async () => {
    const dir = await history();
    const bare = await cli([dir, '--environment', 'dev'], cwdWith());
    expect(bare.lines).toEqual([
      'environment  runs  passed  time a run  flake rate  budget',
      'dev             1  100.0%        1.5s       0.00%   0.10%  within budget',
    ]);
    const wide = await cli([dir, '--environment', 'test-kvm', '--budget', '30%'], cwdWith());
    expect(wide.lines[1]).toBe(
      'test-kvm        4   62.5%          3s      25.00%  30.00%  within budget',
    );
  });

  it('reads another profile with --profile, and stops on a bad one with its file and line', async () => {
    const dir = await history();
    const cwd = cwdWith();
    writeFileSync(path.join(cwd, 'ci.yaml'), PROFILE.replace('budget: 50%', 'budget: 1%'));
    const r = await cli([dir, '--environment', 'dev', '--profile', 'ci.yaml'], cwd);
    expect(r.lines[1]).toBe(
      'dev             1  100.0%        1.5s       0.00%   1.00%  within budget',
    );
    writeFileSync(path.join(cwd, 'bad.yaml'), 'version: 1\ndefaults:\n  flake: {budget: "5"}\n');
    await expect(cli([dir, '--profile', 'bad.yaml'], cwd)).rejects.toThrow(
      /^bad\.yaml:3: defaults\.flake\.budget: "5" is not a budget; allowed: a percentage from 0% to 100%, e.g. "0\.5%"$/,
    );
  });

  it('reports an unreadable entry in one line and reads the rest', async () => {
    const dir = await history();
    writeFileSync(path.join(dir, 'dev', '2026-11-20T11-30-00-000Z_x-1_0000.json.gz'), 'not gzip');
    const r = await cli([dir, '--environment', 'dev']);
    expect(r.lines[0]).toMatch(
      /^skipped dev\/2026-11-20T11-30-00-000Z_x-1_0000\.json\.gz: not a gzipped .+$/,
    );
    expect(r.lines.slice(1)).toEqual([
      'environment  runs  passed  time a run  flake rate  budget',
      'dev             1  100.0%        1.5s       0.00%  50.00%  within budget',
    ]);
  });
});

describe('virt-ci history --quarantine', () => {
  it("writes the environment's quarantine by its flake policy, in the file select-tests reads", async () => {
    const dir = await history();
    const cwd = cwdWith(PROFILE);
    const r = await cli(
      [dir, '--environment', 'test-kvm', '--quarantine', 'q/quarantine.json'],
      cwd,
    );
    expect(r.code).toBe(0);
    expect(r.lines.slice(-2)).toEqual([
      'quarantine of test-kvm: 1 test(s) over 2 in 10, until 2026-11-27; written to q/quarantine.json',
      '  pkg.F: flaky in 2 of its last 4 runs (threshold: 2 in 10)',
    ]);
    const file = path.join(cwd, 'q', 'quarantine.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      tests: [
        {
          id: 'pkg.F',
          reason: 'flaky in 2 of its last 4 runs (threshold: 2 in 10)',
          until: '2026-11-27',
        },
      ],
    });
    const q = await readQuarantine(cwd, 'q/quarantine.json', NOW);
    expect(q.active.map((e) => [e.kind, e.value, e.until])).toEqual([
      ['test', 'pkg.F', '2026-11-27'],
    ]);
    expect(q.expired).toEqual([]);
  });

  it('--threshold and --expiry win over the profile; flake.keep bounds the runs looked at', async () => {
    const dir = await history();
    const cwd = cwdWith(PROFILE);
    const q = (name: string) => JSON.parse(readFileSync(path.join(cwd, name), 'utf8')) as unknown;
    await cli(
      [dir, '--environment', 'test-kvm', '--quarantine', 'a.json', '--threshold', '3 in 100'],
      cwd,
    );
    expect(q('a.json')).toEqual({ tests: [] });
    await cli([dir, '--environment', 'test-kvm', '--quarantine', 'b.json', '--expiry', '30d'], cwd);
    expect(q('b.json')).toMatchObject({ tests: [{ id: 'pkg.F', until: '2026-12-20' }] });
    // `short` keeps 2 runs: F's flaky runs are older than those.
    await cli([dir, '--environment', 'short', '--quarantine', 'c.json'], cwd);
    expect(q('c.json')).toEqual({ tests: [] });
    // Without a profile, the flags alone give the policy.
    const bare = cwdWith();
    await cli(
      [
        dir,
        '--environment',
        'test-kvm',
        '--quarantine',
        'd.json',
        '--threshold',
        '2 in 4',
        '--expiry',
        '1d',
      ],
      bare,
    );
    expect(JSON.parse(readFileSync(path.join(bare, 'd.json'), 'utf8'))).toEqual({
      tests: [
        {
          id: 'pkg.F',
          reason: 'flaky in 2 of its last 4 runs (threshold: 2 in 4)',
          until: '2026-11-21',
        },
      ],
    });
  });

  it('writes an empty quarantine for an environment of the profile with no runs in the period', async () => {
    const dir = await history();
    const cwd = cwdWith(PROFILE);
    const r = await cli(
      [dir, '--environment', 'test-kvm', '--period', '1h', '--quarantine', 'q.json'],
      cwd,
    );
    expect(r.lines).toEqual([
      `no runs in ${dir} over the last 1h`,
      '',
      'quarantine of test-kvm: 0 test(s) over 2 in 10, until 2026-11-27; written to q.json',
    ]);
    expect(JSON.parse(readFileSync(path.join(cwd, 'q.json'), 'utf8'))).toEqual({ tests: [] });
  });
});

describe('virt-ci history: a bad flag is one line naming it and what it allows', () => {
  it.each([
    [
      ['--frobnicate', 'x'],
      '--frobnicate: unknown option; allowed: --dir, --environment, --period, --json, --profile, --quarantine, --threshold, --expiry, --budget (see virt-ci history --help)',
    ],
    [['--json'], '--json: needs a value; allowed: a file to write the report to'],
    [
      ['--environment', '--json', 'x'],
      '--environment: needs a value; allowed: an environment name',
    ],
    [
      ['--period', '2w'],
      '--period: "2w" is not a period; allowed: days or a duration, e.g. 7d, 12h, 90m',
    ],
    [
      ['--period', '0d'],
      '--period: "0d" is not a period; allowed: days or a duration, e.g. 7d, 12h, 90m',
    ],
    [
      ['--threshold', '2 of 100'],
      '--threshold: "2 of 100" is not a threshold; allowed: "N in M" with 1 ≤ N ≤ M ≤ 1000, e.g. "2 in 100"',
    ],
    [
      ['--expiry', '2w'],
      '--expiry: "2w" is not a number of days; allowed: whole days from 1, e.g. "14d"',
    ],
    [
      ['--budget', '5'],
      '--budget: "5" is not a budget; allowed: a percentage from 0% to 100%, e.g. "0.5%"',
    ],
    [
      ['--quarantine', 'q.json'],
      '--quarantine: needs --environment; allowed: one environment of the history, whose quarantine it is',
    ],
    [['--period', '7d', '--period', '1d'], '--period: given twice; allowed: once'],
    [
      ['--profile', 'no-such.yaml'],
      '--profile "no-such.yaml": does not exist; allowed: the profile file',
    ],
    [
      ['--environment', 'test-kmv'],
      '--environment "test-kmv": no runs of it in DIR; allowed: dev, short, test-kvm',
    ],
    [
      ['--environment', 'test-kmv', '--quarantine', 'q.json'],
      '--environment "test-kmv": not an environment of .github/virt-ci.yaml, so it has no flake policy; allowed: test-kvm, dev, short, default (or give --threshold and --expiry)',
    ],
  ])('%j', async (args, message) => {
    const dir = await history();
    const err = await cli([dir, ...args]).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).toBe('UserError');
    expect(err?.message).toBe(message.replace(' DIR;', ` ${dir};`));
  });

  it('names the folder that is missing, given either way, and a folder given twice', async () => {
    const cwd = cwdWith();
    await expect(cli(['--dir', 'no-such-folder'], cwd)).rejects.toThrow(
      /^--dir "no-such-folder": does not exist; allowed: the history folder \(publish-junit's "history" folder\)$/,
    );
    await expect(cli(['no-such-folder'], cwd)).rejects.toThrow(
      /^history folder "no-such-folder": does not exist; allowed/,
    );
    // With no folder named, the one history: cache restores into is looked for.
    await expect(cli([], cwd)).rejects.toThrow(/^--dir "\.virt-ci-history": does not exist/);
    await expect(cli(['a', 'b'], cwd)).rejects.toThrow(
      '"b": unexpected; name the history folder once (DIR or --dir), and options start with --',
    );
    await expect(cli(['a', '--dir', 'b'], cwd)).rejects.toThrow(
      '--dir: the history folder is already given as "a"',
    );
  });
});

describe('virt-ci history --quarantine ids', () => {
  it('names a Ginkgo test by its spec text and any other by classname.name', () => {
    expect(quarantineId(testKey('KubeVirt e2e', '[It] VM boots [sig-compute, l1hv-new]'))).toBe(
      'VM boots',
    );
    expect(quarantineId(testKey('pkg', 'TestA/sub'))).toBe('pkg.TestA/sub');
    expect(quarantineId(testKey('', 'plain'))).toBe('plain');
  });
});
