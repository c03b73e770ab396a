import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { fixtures, repoRoot } from '../support/harness.js';

// Every workflow and action.yml against SchemaStore's schemas, as editors and linters check them.
const schema = (name: string) =>
  JSON.parse(readFileSync(path.join(fixtures, 'schemastore', name), 'utf8')) as object;
const ajv = new Ajv({ strict: false, allErrors: true });
const validateWorkflow = ajv.compile(schema('github-workflow.json'));
const validateAction = ajv.compile(schema('github-action.json'));

const yamlIn = (dir: string): string[] =>
  readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return yamlIn(rel);
    return /\.ya?ml$/.test(e.name) ? [rel] : [];
  });

const workflows = [...yamlIn('.github/workflows'), ...yamlIn('examples')].filter(
  (f) => !f.endsWith('virt-ci.yaml'),
);
const actions = ['action.yml', ...yamlIn('actions').filter((f) => f.endsWith('action.yml'))];

describe("SchemaStore's schemas", () => {
  it.each(workflows)('%s is a valid workflow', (file) => {
    const ok = validateWorkflow(parseYaml(readFileSync(path.join(repoRoot, file), 'utf8')));
    expect(ok ? [] : validateWorkflow.errors).toEqual([]);
  });

  it.each(actions)('%s is valid action metadata', (file) => {
    const ok = validateAction(parseYaml(readFileSync(path.join(repoRoot, file), 'utf8')));
    expect(ok ? [] : validateAction.errors).toEqual([]);
  });

  it('would catch a mistake', () => {
    expect(
      validateAction({ name: 'x', description: 'y', runs: { using: 'node24', mian: 'a' } }),
    ).toBe(false);
    expect(validateWorkflow({ on: 'push', jobs: { a: { 'runs-on': 'x', stepz: [] } } })).toBe(
      false,
    );
  });
});
