import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HISTORY_FLAGS } from '../../bin/history.js';
import { findNode24 } from '../../shared/harness/runner.js';
import { DirectoryStore } from '../../shared/history/directory-store.js';
import { testKey } from '../../shared/history/entry.js';
import { repoRoot } from '../support/harness.js';

const node = findNode24(repoRoot);
const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');

function virtCi(...args: string[]) {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  return { cwd, ...spawnSync(node, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 }) };
}

describe('virt-ci run --event', () => {
  it('names the event file and says it does not exist', () => {
    const r = virtCi('run', 'select-tests', '--event', 'no-such-event.json');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(
      /^virt-ci: --event ".*no-such-event\.json": does not exist; give a JSON webhook payload file$/,
    );
  });

  it('names the event file when it is not JSON, in one line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-event-'));
    const file = path.join(dir, 'event.json');
    writeFileSync(file, '{"pull_request": ');
    const r = virtCi('run', 'select-tests', '--event', file);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`--event ${JSON.stringify(file)}: not valid JSON (`);
  });
});

describe('virt-ci --help and typos', () => {
  it('shows the help for --help on every command, and never runs the demo for it', () => {
    for (const args of [
      ['run', 'select-tests', '--help'],
      ['demo', '--help'],
      ['lint', '-h'],
      ['history', '--help'],
    ]) {
      const r = virtCi(...args);
      expect({ args, status: r.status }).toEqual({ args, status: 0 });
      expect(r.stdout).toContain('usage:');
      expect(r.stdout).not.toContain('▶ dev');
    }
  });

  it('describes every flag of history in its --help', () => {
    const r = virtCi('history', '--help');
    expect(r.status).toBe(0);
    const usage = r.stdout.slice(r.stdout.indexOf('virt-ci history'));
    // Each flag the command takes has a line of its own: `--flag ARG  what it does`.
    for (const flag of HISTORY_FLAGS) {
      expect({
        flag,
        described: new RegExp(`^ {6}${flag} [A-Z]+(?: +\\S|\\n {23}\\S)`, 'm').test(usage),
      }).toEqual({ flag, described: true });
    }
  });

  it('refuses a --workspace that does not exist instead of creating it', () => {
    const r = virtCi('run', 'select-tests', '--workspace', 'no-such-folder');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^virt-ci: --workspace ".*no-such-folder": does not exist$/);
    expect(spawnSync('test', ['-e', path.join(r.cwd, 'no-such-folder')]).status).toBe(1);
  });
});

describe('virt-ci history', () => {
  it('writes the quarantine from a history folder, and refuses a bad flag in one line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-history-'));
    const store = new DirectoryStore(dir);
    const now = Date.now();
    for (const [i, outcome] of (['flaky', 'failed', 'passed'] as const).entries()) {
      await store.write({
        repository: 'octo-org/octo-repo',
        workflow: 'ci',
        environment: 'test-kvm',
        runId: String(i + 1),
        runAttempt: 1,
        sha: (i === 0 ? 'a' : 'b').repeat(40),
        branch: 'main',
        time: new Date(now - (3 - i) * 3_600_000).toISOString(),
        tests: new Map([[testKey('pkg', 'F'), { outcome, attempts: 1, durationMs: 10 }]]),
      });
    }
    const q = path.join(dir, 'quarantine.json');
    const r = virtCi('history', '--dir', dir, '--environment', 'test-kvm', '--quarantine', q);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^test-kvm +3 +33\.3% .* over budget$/m);
    expect(r.stdout).toContain('quarantine of test-kvm: 1 test(s) over 2 in 100');
    const written = JSON.parse(readFileSync(q, 'utf8')) as { tests: Array<{ id: string }> };
    expect(written.tests.map((t) => t.id)).toEqual(['pkg.F']);
    const bad = virtCi('history', dir, '--threshold', '2 of 100');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'virt-ci: --threshold: "2 of 100" is not a threshold; allowed: "N in M" with 1 ≤ N ≤ M ≤ 1000, e.g. "2 in 100"\n',
    );
  });
});

describe('virt-ci lint', () => {
  it('names each misspelt input of a virt-ci step with its line, and passes a correct workflow', () => {
    const r = virtCi('lint', '--help');
    expect(r.status).toBe(0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-lint-'));
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(
      bad,
      [
        'on: push',
        'jobs:',
        '  e2e:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v7',
        '        with: { fetch-depth: 0 }',
        '      - uses: virt-ci/virt-ci/actions/select-tests@v1',
        '        with:',
        '          lable-filter: kvm',
        '          inventory: tests.json',
        '      - uses: virt-ci/virt-ci@v1',
        '        with: { enviroment: test-kvm }',
        '',
      ].join('\n'),
    );
    const out = virtCi('lint', bad);
    expect(out.status).toBe(1);
    expect(out.stdout.trim().split('\n')).toEqual([
      `${path.relative(out.cwd, bad)}:10: virt-ci/virt-ci/actions/select-tests@v1 has no input "lable-filter"; did you mean "label-filter"?`,
      `${path.relative(out.cwd, bad)}:13: virt-ci/virt-ci@v1 has no input "enviroment"; did you mean "environment"?`,
      'virt-ci lint: 1 workflow(s), 2 problem(s)',
    ]);
    const good = path.join(dir, 'good.yml');
    writeFileSync(
      good,
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: virt-ci/virt-ci/actions/select-tests@v1\n        with:\n          label-filter: kvm\n',
    );
    expect(virtCi('lint', good).status).toBe(0);
  });
});
