import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { run } from '../../actions/select-tests/select-tests.js';
import { findExecutable } from '../../shared/exec.js';
import { readJUnitFile } from '../../shared/junit/reader.js';
import { repoRoot } from '../support/harness.js';
import { selectOptions, testDeps } from './support/select.js';

/**
 * Selections over Linux's limit for one argument (128 KiB), with the real runners: the
 * arguments file, run the way the README shows (one run of the runner per group of lines),
 * runs exactly the selected tests, each once. 6000 tests with names that share no prefix
 * (nothing for the trie to shorten); the 4000 labelled kvm are selected.
 */
const temp = mkdtempSync(path.join(os.tmpdir(), 'select-tests-long-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const r = rng(42);
const NAMES = Array.from({ length: 6000 }, () =>
  Array.from({ length: 60 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(r() * 26)]).join(''),
);
const label = (i: number) => (i % 3 === 0 ? 'mshv' : 'kvm');
const KVM = NAMES.filter((_, i) => label(i) === 'kvm');

/**
 * The README's loop: one run of the runner per group of lines in the file (groups end at an
 * empty line), and one run with no arguments when the file lists none. `runner N ARGS...`
 * is the runner's command, N the run's number (for its report's name).
 */
const LOOP = `
mapfile -t lines < "$ARGS_FILE"
args=(); n=0; status=0
for line in "\${lines[@]}" ""; do
  if [ -n "$line" ]; then args+=("$line"); continue; fi
  if [ \${#args[@]} -gt 0 ] || [ $n -eq 0 ]; then
    n=$((n + 1)); runner "$n" "\${args[@]}" || status=1
  fi
  args=()
done
exit $status
`;

function bash(ws: string, runner: string, argsFile: string, env: Record<string, string> = {}) {
  const res = spawnSync('bash', ['-c', `runner() { ${runner}; }\n${LOOP}`], {
    cwd: ws,
    encoding: 'utf8',
    env: { ...process.env, ARGS_FILE: argsFile, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.status !== 0)
    throw new Error(`exit ${res.status}\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-3000)}`);
  return res;
}

async function select(ws: string, inputs: Record<string, string>) {
  const outcome = await run(selectOptions(ws, inputs), testDeps());
  if (outcome.failure) throw outcome.failure;
  const notes = (outcome.annotations ?? []).map((a) => a.message).join('\n');
  return {
    tests: outcome.result?.tests ?? [],
    args: outcome.outputs['args-json'] as string[],
    file: outcome.outputs['args-file'] as string,
    runs: outcome.result?.runs ?? [],
    notes,
  };
}

/** Every testcase the runs' JUnit files report as run, names trimmed. */
async function ranIn(dir: string, name = (c: { name: string; classname: string }) => c.name) {
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((n) => /^junit-\d+\.xml$/.test(n))) {
    await readJUnitFile(path.join(dir, f), {
      onCase: (tc) => {
        if (tc.outcome !== 'skipped') out.push(name(tc).trim());
      },
    });
  }
  return out.sort();
}

const sorted = (a: readonly string[]) => [...a].sort();
const node = process.execPath;

function workspace(name: string, files: Record<string, string>): string {
  const ws = path.join(temp, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    writeFileSync(path.join(ws, rel), text);
  }
  return ws;
}

const inventory = (ids: string[]) =>
  JSON.stringify(ids.map((id, i) => ({ id, labels: [label(i)] })));

describe('a selection over the limit for one argument runs exactly the selected tests', () => {
  it('jest: several runs of one pattern each', async () => {
    const title = (n: string) => `many ${n}`;
    const ws = workspace('jest', {
      'jest.config.cjs':
        "module.exports = { rootDir: __dirname, testMatch: ['**/*.spec.cjs'], testEnvironment: 'node', transform: {} };\n",
      'many.spec.cjs': `const names = ${JSON.stringify(NAMES)};\ndescribe('many', () => { for (const n of names) test(n, () => {}); });\n`,
      'inventory.json': inventory(NAMES.map(title)),
    });
    const sel = await select(ws, {
      runner: 'jest',
      inventory: 'inventory.json',
      'label-filter': 'kvm',
    });
    expect(sel.tests).toHaveLength(4000);
    expect(sel.runs.length).toBeGreaterThan(1);
    expect(sel.notes).toMatch(/jest takes one pattern, so the file lists \d runs of it/);
    const jest = path.join(repoRoot, 'node_modules/jest/bin/jest.js');
    const reporter = path.join(repoRoot, 'node_modules/jest-junit');
    bash(
      ws,
      `local n=$1; shift; JEST_JUNIT_OUTPUT_DIR=. JEST_JUNIT_OUTPUT_NAME=junit-$n.xml ${JSON.stringify(node)} ${JSON.stringify(jest)} --ci --reporters=${JSON.stringify(reporter)} --passWithNoTests "$@"`,
      sel.file,
    );
    const ran = await ranIn(ws);
    expect(ran.length).toBe(4000);
    expect(ran.join('\n') === sorted(KVM.map(title)).join('\n')).toBe(true);
  });

  it('mocha: several runs of one --grep each', async () => {
    const title = (n: string) => `many ${n}`;
    const ws = workspace('mocha', {
      'many.spec.cjs': `const names = ${JSON.stringify(NAMES)};\ndescribe('many', function () { for (const n of names) it(n, function () {}); });\n`,
      'inventory.json': inventory(NAMES.map(title)),
    });
    const sel = await select(ws, {
      runner: 'mocha',
      inventory: 'inventory.json',
      'label-filter': 'kvm',
    });
    expect(sel.runs.length).toBeGreaterThan(1);
    const mocha = path.join(repoRoot, 'node_modules/mocha/bin/mocha.js');
    bash(
      ws,
      `local n=$1; shift; ${JSON.stringify(node)} ${JSON.stringify(mocha)} --reporter mocha-junit-reporter --reporter-options mochaFile=junit-$n.xml many.spec.cjs "$@"`,
      sel.file,
      { NODE_PATH: path.join(repoRoot, 'node_modules') },
    );
    const ran = await ranIn(ws);
    expect(ran.join('\n') === sorted(KVM.map(title)).join('\n')).toBe(true);
  });

  const go = findExecutable('go');
  (go ? it : it.skip)('go test: several runs of one -run each, compiled once each', async () => {
    const ids = NAMES.map((n) => `TestMany/${n}`);
    const ws = workspace('go', {
      'go.mod': 'module example.com/many\n\ngo 1.19\n',
      'many/many_test.go': `package many\n\nimport "testing"\n\nvar names = []string{${NAMES.map((n) => JSON.stringify(n)).join(', ')}}\n\nfunc TestMany(t *testing.T) {\n\tfor _, n := range names {\n\t\tt.Run(n, func(t *testing.T) {})\n\t}\n}\n`,
      'inventory.json': JSON.stringify([
        { id: 'TestMany', labels: [] },
        ...ids.map((id, i) => ({ id, labels: [label(i)] })),
      ]),
    });
    const sel = await select(ws, {
      runner: 'go',
      inventory: 'inventory.json',
      'label-filter': 'kvm',
    });
    expect(sel.tests).toHaveLength(4000);
    expect(sel.runs.length).toBeGreaterThan(1);
    const res = bash(ws, `shift; ${JSON.stringify(go)} test -count=1 -json ./... "$@"`, sel.file, {
      GOCACHE: path.join(temp, 'gocache'),
      GOPATH: path.join(temp, 'gopath'),
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
    });
    const ran: string[] = [];
    for (const line of res.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { Action: string; Test?: string };
      if (e.Test?.includes('/') && (e.Action === 'pass' || e.Action === 'fail')) ran.push(e.Test);
    }
    expect(ran.length).toBe(4000);
    expect(sorted(ran).join('\n') === sorted(sel.tests).join('\n')).toBe(true);
  });

  /** pytest and its version, for the ones installed: Debian's (7.2) and a newer one. */
  const pytests = [findExecutable('pytest-3'), findExecutable('pytest')]
    .filter((p): p is string => p !== undefined)
    .map((cmd) => {
      const v = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
      const m = /pytest (\d+)\.(\d+)/.exec(`${v.stdout}${v.stderr}`);
      return { cmd, major: Number(m?.[1] ?? 0), minor: Number(m?.[2] ?? 0) };
    })
    .filter((p, i, all) => p.major > 0 && all.findIndex((q) => q.major === p.major) === i);
  const reads = (p: { major: number; minor: number }) =>
    p.major > 8 || (p.major === 8 && p.minor >= 2);

  it.each(pytests.map((p) => [`${p.major}.${p.minor}`, p] as const))(
    'pytest %s: the file, read by pytest itself (8.2 and later) or else by xargs',
    async (_v, p) => {
      const ws = workspace(`pytest-${p.major}`, {
        'pytest.ini': '[pytest]\n',
        'tests/test_many.py': `import pytest\n\nNAMES = ${JSON.stringify(NAMES)}\n\n\n@pytest.mark.parametrize("name", NAMES)\ndef test_case(name):\n    pass\n`,
        'inventory.json': inventory(NAMES.map((n) => `tests/test_many.py::test_case[${n}]`)),
      });
      const sel = await select(ws, {
        runner: 'pytest',
        inventory: 'inventory.json',
        'label-filter': 'kvm',
      });
      expect(sel.args).toEqual([`@${sel.file}`]);
      expect(sel.runs).toHaveLength(1);
      const env = { PYTHONDONTWRITEBYTECODE: '1' };
      const base = `-p no:cacheprovider -q --junitxml=junit-1.xml`;
      if (reads(p)) {
        const res = spawnSync(p.cmd, [...base.split(' '), ...sel.args], {
          cwd: ws,
          encoding: 'utf8',
          env: { ...process.env, ...env },
        });
        expect(res.status).toBe(0);
      } else {
        // An older pytest takes "@file" for a path; the README's loop passes the file's lines.
        const bad = spawnSync(p.cmd, [...base.split(' '), ...sel.args], {
          cwd: ws,
          encoding: 'utf8',
        });
        expect(bad.status).not.toBe(0);
        bash(ws, `shift; ${JSON.stringify(p.cmd)} ${base} "$@"`, sel.file, env);
      }
      const ran = await ranIn(ws, (c) => `${c.classname}::${c.name}`);
      const want = KVM.map((n) => `tests.test_many::test_case[${n}]`).sort();
      expect(ran.length).toBe(4000);
      expect(ran.join('\n') === want.join('\n')).toBe(true);
    },
  );
});
