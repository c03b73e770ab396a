import { describe, expect, it } from '@jest/globals';
import { select as run, selectOptions } from './support/select.js';
import { makeWorkspace } from './support/workspace.js';

const INVENTORY = `- id: tests/test_boot.py::test_boot
  labels: [kvm]
- id: tests/test_migrate.py::test_migrate
  labels: [kvm]
`;

async function select(ws: string, values: Record<string, string>) {
  return run(selectOptions(ws, values));
}

describe('a shard or a selection with no test runs nothing, never everything', () => {
  const ws = makeWorkspace({ 'pytest-inventory.yaml': INVENTORY });

  it('pytest with node ids: the third of three shards for two tests', async () => {
    const sel = await select(ws, {
      runner: 'pytest',
      inventory: 'pytest-inventory.yaml',
      'shard-count': '3',
      'shard-index': '3',
    });
    expect(sel.tests).toEqual([]);
    // No argument at all would make `pytest $ARGS` collect the whole suite.
    expect(sel.args).toEqual(['-m', 'virt_ci_none and not virt_ci_none']);
  });

  it('pytest with node ids: a regex label filter that selects none', async () => {
    const sel = await select(ws, {
      runner: 'pytest',
      inventory: 'pytest-inventory.yaml',
      'label-filter': '/^mshv$/',
    });
    expect(sel.tests).toEqual([]);
    expect(sel.args).toEqual(['-m', 'virt_ci_none and not virt_ci_none']);
  });

  it('playwright: the empty shard greps for nothing', async () => {
    const sel = await select(ws, {
      runner: 'playwright',
      inventory: 'pytest-inventory.yaml',
      'shard-count': '3',
      'shard-index': '3',
    });
    expect(sel.tests).toEqual([]);
    const [flag, pattern] = sel.args;
    expect(flag).toBe('--grep');
    // Playwright reads `/source/flags` as a regex literal, anything else with the gi flags.
    const literal = /^\/(.*)\/([gi]*)$/.exec(pattern);
    expect(literal).not.toBeNull();
    const re = new RegExp(literal?.[1] ?? '', literal?.[2]);
    for (const title of ['', 'chromium › boot.spec.ts › boots a VM', 'test_boot'])
      expect(re.test(title)).toBe(false);
  });
});
