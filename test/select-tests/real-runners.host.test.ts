import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { run } from '../../actions/select-tests/select-tests.js';
import { findExecutable } from '../../shared/exec.js';
import { readJUnitFile } from '../../shared/junit/reader.js';
import { repoRoot } from '../support/harness.js';
import { selectOptions, testDeps } from './support/select.js';
import { ownFixtures } from './support/workspace.js';

/**
 * The real runners, on small suites with labels, subtests, parametrized cases and names that
 * look alike: for each selection, the tests the runner itself reports as run (its JUnit; go
 * test has none, so its -json events) are exactly select-tests' `tests` output.
 */
const suites = path.join(ownFixtures, 'suites');
const temp = mkdtempSync(path.join(os.tmpdir(), 'select-tests-runners-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

type Inputs = Record<string, string>;

interface Driver {
  /** Copy the suite, run all of it once, and leave the inventory in the workspace. */
  setUp(ws: string): Inputs;
  /** Run the runner with select-tests' arguments: the ids of the tests it ran. */
  ran(ws: string, args: string[]): Promise<string[]>;
  /** An id as the runner's report spells it (pytest's JUnit splits a node id). */
  reported?(id: string): string;
}

function exec(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return r;
}

function ok(r: ReturnType<typeof exec>, allowed: number[] = [0]): ReturnType<typeof exec> {
  if (!allowed.includes(r.status ?? -1))
    throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The testcases a JUnit file reports as run (not skipped), names trimmed. */
async function junitRan(file: string, name = (c: { name: string; classname: string }) => c.name) {
  const out: string[] = [];
  await readJUnitFile(
    file,
    {
      onCase: (tc) => {
        if (tc.outcome !== 'skipped') out.push(name(tc).trim());
      },
    },
    path.basename(file),
  );
  return out;
}

const node = process.execPath;
const jestBin = path.join(repoRoot, 'node_modules/jest/bin/jest.js');
const mochaBin = path.join(repoRoot, 'node_modules/mocha/bin/mocha.js');

const jest: Driver = {
  setUp(ws) {
    writeFileSync(path.join(ws, 'inventory.xml'), readFileSync(jestRun(ws, [])));
    return { runner: 'jest', inventory: 'inventory.xml' };
  },
  ran: (ws, args) => junitRan(jestRun(ws, args)),
};

function jestRun(ws: string, args: string[]): string {
  rmSync(path.join(ws, 'junit.xml'), { force: true });
  ok(
    exec(
      node,
      [
        jestBin,
        '--ci',
        `--reporters=${path.join(repoRoot, 'node_modules/jest-junit')}`,
        '--passWithNoTests',
        ...args,
      ],
      ws,
      {
        JEST_JUNIT_OUTPUT_DIR: ws,
        JEST_JUNIT_OUTPUT_NAME: 'junit.xml',
      },
    ),
  );
  return path.join(ws, 'junit.xml');
}

const mocha: Driver = {
  setUp(ws) {
    writeFileSync(path.join(ws, 'inventory.xml'), readFileSync(mochaRun(ws, [])));
    return { runner: 'mocha', inventory: 'inventory.xml' };
  },
  ran: (ws, args) => junitRan(mochaRun(ws, args)),
};

function mochaRun(ws: string, args: string[]): string {
  const file = path.join(ws, 'junit.xml');
  rmSync(file, { force: true });
  ok(
    exec(
      node,
      [
        mochaBin,
        '--reporter',
        'mocha-junit-reporter',
        '--reporter-options',
        `mochaFile=${file}`,
      ].concat(['*.spec.cjs'], args),
      ws,
    ),
  );
  return file;
}

const pytestCmd = findExecutable('pytest-3') ?? findExecutable('pytest') ?? 'pytest-3';
const PYTEST_ENV = { PYTHONDONTWRITEBYTECODE: '1' };

/** pytest's JUnit names a node id `tests.test_mod.Class` + `test_x[1]` (mangle_test_address). */
function pytestReported(id: string): string {
  const names = id.split('::');
  names[0] = names[0].replace(/\//g, '.').replace(/\.py$/, '');
  return `${names.slice(0, -1).join('.')}::${names[names.length - 1]}`;
}

const pytest: Driver = {
  setUp(ws) {
    ok(
      exec(
        pytestCmd,
        ['-p', 'no:cacheprovider', '--collect-only', '-q', '--inventory-out=inventory.json'],
        ws,
        PYTEST_ENV,
      ),
    );
    return { runner: 'pytest', inventory: 'inventory.json' };
  },
  async ran(ws, args) {
    rmSync(path.join(ws, 'junit.xml'), { force: true });
    // 5: nothing was selected, which is right for an empty shard.
    const r = exec(
      pytestCmd,
      ['-p', 'no:cacheprovider', '-q', '--junitxml=junit.xml', ...args],
      ws,
      PYTEST_ENV,
    );
    ok(r, [0, 5]);
    return junitRan(path.join(ws, 'junit.xml'), (c) => `${c.classname}::${c.name}`);
  },
  reported: pytestReported,
};

const goCmd = findExecutable('go');
const goEnv = () => ({
  GOCACHE: path.join(temp, 'gocache'),
  GOPATH: path.join(temp, 'gopath'),
  GOFLAGS: '-mod=mod',
  GOPROXY: 'off',
  GOTOOLCHAIN: 'local',
});

/** go test -json: the tests that passed or failed, parents left out (they run to reach a subtest). */
function goRun(ws: string, args: string[]): string[] {
  const r = ok(exec(goCmd ?? 'go', ['test', '-count=1', '-json', './...', ...args], ws, goEnv()));
  const names = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as { Action: string; Test?: string };
    if (e.Test && (e.Action === 'pass' || e.Action === 'fail')) names.add(e.Test);
  }
  const all = [...names];
  return all.filter((n) => !all.some((m) => m.startsWith(`${n}/`)));
}

const go: Driver = {
  setUp(ws) {
    // The inventory: every test name a full run reports (parents too) with labels.json's labels.
    const labels = JSON.parse(readFileSync(path.join(ws, 'labels.json'), 'utf8')) as Record<
      string,
      string[]
    >;
    const r = ok(exec(goCmd ?? 'go', ['test', '-count=1', '-json', './...'], ws, goEnv()));
    const ids = new Set<string>();
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { Action: string; Test?: string };
      if (e.Test && e.Action === 'run') ids.add(e.Test);
    }
    const inventory = [...ids].map((id) => ({ id, labels: labels[id] ?? [] }));
    writeFileSync(path.join(ws, 'inventory.json'), JSON.stringify(inventory));
    return { runner: 'go', inventory: 'inventory.json' };
  },
  ran: async (ws, args) => goRun(ws, args),
};

async function selection(ws: string, inputs: Inputs) {
  const outcome = await run(selectOptions(ws, inputs), testDeps());
  if (outcome.failure) throw outcome.failure;
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as string[];
  return {
    tests: json(outcome.outputs.tests),
    args: json(outcome.outputs['args-json']),
    warnings: outcome.warnings ?? [],
  };
}

interface Case {
  name: string;
  inputs: Inputs;
  /** What Ginkgo's semantics select, where the case pins it down. */
  expected?: string[];
}

const kvmJs = [
  'vm boots a VM @kvm',
  'vm boots a VM @kvm twice',
  'vm boots a VM on @KVM in upper case',
  'vm migrates a VM @kvm @slow',
];

function jsCases(): Case[] {
  return [
    {
      name: 'label kvm (any case, @ after a space)',
      inputs: { 'label-filter': 'kvm' },
      expected: kvmJs,
    },
    { name: '!kvm && !slow', inputs: { 'label-filter': '!kvm && !slow' } },
    { name: 'regex label /^m/', inputs: { 'label-filter': '/^m/' } },
    {
      name: 'focus and skip (Go regexes, with case)',
      inputs: { focus: 'boots a VM', skip: 'twice|upper' },
      expected: ['vm boots a VM @kvm', 'vm nested boots a VM @emulation'],
    },
    {
      name: 'parametrized cases by focus',
      inputs: { focus: 'case 1 @' },
      expected: ['vm runs case 1 @mshv'],
    },
    {
      name: 'shard 1 of 2',
      inputs: { 'label-filter': 'kvm || mshv', 'shard-count': '2', 'shard-index': '1' },
    },
    {
      name: 'shard 2 of 2',
      inputs: { 'label-filter': 'kvm || mshv', 'shard-count': '2', 'shard-index': '2' },
    },
    { name: 'nothing selected', inputs: { 'label-filter': 'no-such-label' }, expected: [] },
    {
      name: 'quarantine with a comment',
      inputs: { 'label-filter': 'kvm', quarantine: 'quarantine.txt' },
      expected: kvmJs.filter((id) => id !== 'vm boots a VM @kvm'),
    },
  ];
}

const QUARANTINE = {
  js: '# flaky\nvm boots a VM @kvm   # issue 412\n',
  pytest: 'tests/test_kvm_suite.py::test_boot  # issue 412\n',
  go: 'TestBoot # issue 412\n',
};

const runners: Array<{ name: string; driver: Driver; cases: Case[]; available: boolean }> = [
  { name: 'jest', driver: jest, cases: jsCases(), available: true },
  { name: 'mocha', driver: mocha, cases: jsCases(), available: true },
  {
    name: 'pytest',
    driver: pytest,
    available: findExecutable(path.basename(pytestCmd)) !== undefined,
    cases: [
      {
        name: 'label kvm (marker KVM too: labels ignore case)',
        inputs: { 'label-filter': 'kvm' },
        expected: ['test_boot', 'test_boot_twice', 'test_boot_upper_case', 'test_migrate'].map(
          (t) => `tests/test_kvm_suite.py::${t}`,
        ),
      },
      { name: '!kvm && !slow', inputs: { 'label-filter': '!kvm && !slow' } },
      {
        name: 'focus over node ids, not -k keywords',
        inputs: { focus: 'suite' },
        // Every id holds "suite" (the module's name): a regex over ids selects all ten.
      },
      {
        name: 'focus on one parametrized case',
        inputs: { focus: '\\[1\\]$' },
        expected: ['tests/test_kvm_suite.py::test_case[1]'],
      },
      {
        name: 'focus and skip with look-alike names',
        inputs: { focus: 'test_boot', skip: 'twice|upper' },
        expected: [
          'tests/test_kvm_suite.py::test_boot',
          'tests/test_kvm_suite.py::TestNested::test_boot',
          'tests/test_kvm_suite.py::TestNested::test_boot_under_mshv',
        ],
      },
      {
        name: 'shard 1 of 3',
        inputs: { 'label-filter': 'mshv || kvm', 'shard-count': '3', 'shard-index': '1' },
      },
      {
        name: 'shard 3 of 3',
        inputs: { 'label-filter': 'mshv || kvm', 'shard-count': '3', 'shard-index': '3' },
      },
      { name: 'nothing selected', inputs: { 'label-filter': 'no-such-label' }, expected: [] },
      {
        name: 'quarantine with a comment',
        inputs: { 'label-filter': 'kvm', quarantine: 'quarantine.txt' },
        expected: ['test_boot_twice', 'test_boot_upper_case', 'test_migrate'].map(
          (t) => `tests/test_kvm_suite.py::${t}`,
        ),
      },
    ],
  },
  {
    name: 'go',
    driver: go,
    available: goCmd !== undefined,
    cases: [
      {
        name: 'label kvm (inherited by subtests, KVM on a deep one)',
        inputs: { 'label-filter': 'kvm' },
        expected: [
          'TestBoot',
          'TestBootTwice',
          'TestMigrate/sub1',
          'TestMigrate/sub10',
          'TestMigrate/with_space',
          'TestCase/11/boot',
          'TestPing/sub2',
        ],
      },
      {
        name: 'one subtest of a test, not its look-alike sibling',
        inputs: { focus: '^TestMigrate/sub1$' },
        expected: ['TestMigrate/sub1'],
      },
      {
        name: 'focus and skip over the whole name',
        inputs: { focus: 'Boot|/2/', skip: 'Twice' },
        expected: ['TestBoot', 'TestCase/2/boot'],
      },
      {
        name: 'a test in two packages',
        inputs: { 'label-filter': 'emulation' },
        expected: ['TestShared'],
      },
      { name: 'regex label /^m/ && !slow', inputs: { 'label-filter': '/^m/ && !slow' } },
      {
        name: 'shard 1 of 2',
        inputs: { 'label-filter': 'kvm || mshv', 'shard-count': '2', 'shard-index': '1' },
      },
      {
        name: 'shard 2 of 2',
        inputs: { 'label-filter': 'kvm || mshv', 'shard-count': '2', 'shard-index': '2' },
      },
      { name: 'nothing selected', inputs: { 'label-filter': 'no-such-label' }, expected: [] },
      {
        name: 'quarantine with a comment',
        inputs: { 'label-filter': 'kvm && !slow', quarantine: 'quarantine.txt' },
        expected: ['TestBootTwice', 'TestCase/11/boot', 'TestPing/sub2'],
      },
    ],
  },
];

const sorted = (a: readonly string[]) => [...a].sort();
const available = (name: string) => runners.some((r) => r.name === name && r.available);

for (const r of runners) {
  (r.available ? describe : describe.skip)(
    `${r.name}: what the runner ran is the tests output`,
    () => {
      const ws = path.join(temp, r.name);
      let base: Inputs;
      beforeAll(() => {
        cpSync(path.join(suites, r.name), ws, { recursive: true });
        const q =
          r.name === 'pytest' ? QUARANTINE.pytest : r.name === 'go' ? QUARANTINE.go : QUARANTINE.js;
        writeFileSync(path.join(ws, 'quarantine.txt'), q);
        base = r.driver.setUp(ws);
      });

      it.each(r.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        const sel = await selection(ws, { ...base, ...c.inputs });
        // Order follows the inventory; go test reports its packages in parallel, in any order.
        if (c.expected) expect(sorted(sel.tests)).toEqual(sorted(c.expected));
        const ran = await r.driver.ran(ws, sel.args);
        const reported = r.driver.reported ?? ((id: string) => id);
        expect(sorted(ran)).toEqual(sorted(sel.tests.map(reported)));
      });
    },
  );
}

describe('the shards together are the selection, each test once', () => {
  it.each(['jest', 'go'].filter(available))('%s', async (name) => {
    const ws = path.join(temp, name);
    const base = { runner: name, inventory: name === 'go' ? 'inventory.json' : 'inventory.xml' };
    const all = await selection(ws, { ...base, 'label-filter': 'kvm || mshv' });
    const shards = await Promise.all(
      ['1', '2'].map((i) =>
        selection(ws, {
          ...base,
          'label-filter': 'kvm || mshv',
          'shard-count': '2',
          'shard-index': i,
        }),
      ),
    );
    expect(sorted(shards.flatMap((s) => s.tests))).toEqual(sorted(all.tests));
    expect(shards.every((s) => s.tests.length > 0)).toBe(true);
  });
});

describe('where a runner cannot select exactly, select-tests says so', () => {
  it('jest ignores case in --testNamePattern: two names that differ in case cannot be split', async () => {
    const ws = path.join(temp, 'jest');
    await expect(
      selection(ws, { runner: 'jest', inventory: 'inventory.xml', focus: '^Ping' }),
    ).rejects.toThrow(
      'input "runner": jest matches test names ignoring case, so "Ping the guest @net" cannot run without "ping the guest @net"',
    );
    // The reason, from jest itself: the exact name of one runs both.
    expect(sorted(await jest.ran(ws, ['--testNamePattern', '^(?:Ping the guest @net)$']))).toEqual([
      'Ping the guest @net',
      'ping the guest @net',
    ]);
  });

  it('mocha matches with case: the same focus selects one of them', async () => {
    const ws = path.join(temp, 'mocha');
    const sel = await selection(ws, {
      runner: 'mocha',
      inventory: 'inventory.xml',
      focus: 'net Ping',
    });
    expect(sel.tests).toEqual(['net Ping the guest @net']);
    expect(await mocha.ran(ws, sel.args)).toEqual(sel.tests);
  });

  it.each(['jest', 'mocha'])(
    '%s without an inventory: the @tag pattern selects what the inventory reader reads',
    async (name) => {
      const ws = path.join(temp, name);
      for (const filter of ['kvm', '!kvm && (mshv || emulation)', 'KVM && !slow']) {
        const withInventory = await selection(ws, {
          runner: name,
          inventory: 'inventory.xml',
          'label-filter': filter,
        });
        const without = await selection(ws, { runner: name, 'label-filter': filter });
        const driver = name === 'jest' ? jest : mocha;
        expect(sorted(await driver.ran(ws, without.args))).toEqual(sorted(withInventory.tests));
      }
    },
  );

  (available('pytest') ? it : it.skip)(
    'pytest without an inventory warns that -k and -m are not Ginkgo semantics',
    async () => {
      const ws = path.join(temp, 'pytest');
      const sel = await selection(ws, { runner: 'pytest', 'label-filter': 'kvm', focus: 'suite' });
      expect(sel.args).toEqual(['-m', 'kvm', '-k', 'suite']);
      expect(sel.warnings.join('\n')).toMatch(
        /pytest -k matches words in test, class, module and marker names, not a regex over ids; pytest -m compares marker names with their case/,
      );
      // Indeed: pytest runs three of the four tests labelled kvm (not the KVM marker), and -k
      // "suite" matched the module name.
      expect(sorted(await pytest.ran(ws, sel.args))).toEqual(
        sorted(
          ['test_boot', 'test_boot_twice', 'test_migrate'].map((t) =>
            pytestReported(`tests/test_kvm_suite.py::${t}`),
          ),
        ),
      );
    },
  );
});
