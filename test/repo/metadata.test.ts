import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { syncReadmes } from '../../bin/readme-tables.js';
import { findNode24 } from '../../shared/harness/runner.js';
import { fixtures, repoRoot } from '../support/harness.js';

interface Meta {
  name: string;
  description: string;
  inputs?: Record<string, { description?: string; default?: unknown; required?: boolean }>;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string };
}

const actionDirs = readdirSync(path.join(repoRoot, 'actions')).filter((d) =>
  existsSync(path.join(repoRoot, 'actions', d, 'action.yml')),
);
const metadataFiles = [
  ...actionDirs.map((d) => path.join('actions', d, 'action.yml')),
  ...(existsSync(path.join(repoRoot, 'action.yml')) ? ['action.yml'] : []),
];
const load = (rel: string) => parseYaml(readFileSync(path.join(repoRoot, rel), 'utf8')) as Meta;

describe('action metadata', () => {
  it('has the five actions of the contract', () => {
    expect(actionDirs.sort()).toEqual(
      [
        'promote-digest',
        'publish-junit',
        'select-tests',
        'setup-hypervisor',
        'toggle-feature-gate',
      ].sort(),
    );
  });

  const schema = JSON.parse(
    readFileSync(
      path.join(fixtures, 'conformance', 'schemas', 'github-action.schema.json'),
      'utf8',
    ),
  );
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it.each(metadataFiles)('%s is valid against the action-metadata schema', (rel) => {
    const meta = load(rel);
    const ok = validate(meta);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each(metadataFiles)(
    '%s runs on node24 from a committed bundle, with everything documented',
    (rel) => {
      const meta = load(rel);
      expect(meta.runs.using).toBe('node24');
      for (const script of [meta.runs.main, meta.runs.post].filter(Boolean) as string[]) {
        const bundle = path.resolve(repoRoot, path.dirname(rel), script);
        expect(path.relative(repoRoot, bundle)).toMatch(/^dist\/[a-z-]+\/index\.js$/);
        expect(existsSync(bundle)).toBe(true);
      }
      expect(meta.description.length).toBeGreaterThan(20);
      for (const [name, input] of Object.entries(meta.inputs ?? {})) {
        expect(`${name}: ${input.description ?? ''}`.length).toBeGreaterThan(name.length + 15);
      }
      for (const [name, output] of Object.entries(meta.outputs ?? {})) {
        expect(`${name}: ${output.description ?? ''}`.length).toBeGreaterThan(name.length + 10);
      }
      expect(meta.inputs?.profile?.default).toBe('.github/virt-ci.yaml');
      expect(meta.inputs).toHaveProperty('environment');
    },
  );

  it('keeps every README table in step with its action.yml', () => {
    expect(syncReadmes(repoRoot, false)).toEqual([]);
  });

  it.each(actionDirs)('actions/%s/README.md shows a copy-paste workflow step', (dir) => {
    const readme = readFileSync(path.join(repoRoot, 'actions', dir, 'README.md'), 'utf8');
    expect(readme).toContain(`uses: virt-ci/virt-ci/actions/${dir}@v1`);
  });
});

describe('workflows', () => {
  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  const lint = (...files: string[]) =>
    spawnSync(tsx, [path.join(repoRoot, 'scripts', 'lint-workflows.ts'), ...files], {
      encoding: 'utf8',
      cwd: repoRoot,
    });

  it("pass actionlint and GitHub's workflow parser, the project's own and the examples", () => {
    const r = lint();
    expect(r.stdout).toMatch(
      /lint-workflows: \d+ workflow\(s\), \d+ action\.yml file\(s\), 0 problem\(s\)/,
    );
    expect(r.status).toBe(0);
  });

  it('the linter does catch a broken workflow and a broken action.yml', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lint-'));
    writeFileSync(
      path.join(dir, 'bad.yml'),
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n        bogus: 1\n',
    );
    writeFileSync(
      path.join(dir, 'action.yml'),
      'name: x\ndescription: y\nruns:\n  using: node24\n  mian: index.js\n',
    );
    const r = lint(path.join(dir, 'bad.yml'), path.join(dir, 'action.yml'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/bad\.yml:6:\d+: actionlint: property "evnt" is not defined/);
    expect(r.stdout).toMatch(/bad\.yml: workflow-parser: .*Unexpected value 'bogus'/);
    expect(r.stdout).toMatch(/action\.yml: action-parser: .*mian/);
  });

  it("knows today's runner labels and catches a misspelt virt-ci input", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lint-'));
    writeFileSync(
      path.join(dir, 'labels.yml'),
      [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    steps:',
        '      - uses: virt-ci/virt-ci/actions/select-tests@v1',
        '        with:',
        '          lable-filter: kvm',
        '',
      ].join('\n'),
    );
    const r = lint(path.join(dir, 'labels.yml'));
    expect(r.stdout).not.toMatch(/ubuntu-24\.04/);
    expect(r.stdout).toMatch(
      /labels\.yml:8: virt-ci\/virt-ci\/actions\/select-tests@v1 has no input "lable-filter"; did you mean "label-filter"\?/,
    );
    expect(r.status).toBe(1);
  });
});

describe('bundles', () => {
  it('carry no source maps and no machine paths', () => {
    const dist = path.join(repoRoot, 'dist');
    for (const dir of readdirSync(dist)) {
      const files = readdirSync(path.join(dist, dir));
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      for (const file of files.filter((f) => f.endsWith('.js'))) {
        const text = readFileSync(path.join(dist, dir, file), 'utf8');
        expect(text).not.toMatch(/sourceMappingURL=/);
        expect(text).not.toContain(repoRoot);
      }
    }
  });

  it('the CLI runs and lists the actions', () => {
    const out = execFileSync(
      findNode24(repoRoot),
      [path.join(repoRoot, 'dist', 'cli', 'index.js'), 'help'],
      { encoding: 'utf8' },
    );
    expect(out).toContain('virt-ci run <action>');
  });
});
