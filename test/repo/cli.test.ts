import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findNode24 } from '../../shared/harness/runner.js';
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
    ]) {
      const r = virtCi(...args);
      expect({ args, status: r.status }).toEqual({ args, status: 0 });
      expect(r.stdout).toContain('usage:');
      expect(r.stdout).not.toContain('▶ dev');
    }
  });

  it('refuses a --workspace that does not exist instead of creating it', () => {
    const r = virtCi('run', 'select-tests', '--workspace', 'no-such-folder');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^virt-ci: --workspace ".*no-such-folder": does not exist$/);
    expect(spawnSync('test', ['-e', path.join(r.cwd, 'no-such-folder')]).status).toBe(1);
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
