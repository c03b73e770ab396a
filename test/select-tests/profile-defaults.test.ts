import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { report } from '../../actions/select-tests/report.js';
import { readQuarantine } from '../../actions/select-tests/quarantine.js';
import { select, selectOptions } from './support/select.js';
import { makeWorkspace } from './support/workspace.js';

/** A profile whose defaults name files the planning job does not have yet. */
const PROFILE = `version: 1
defaults:
  tests:
    inventory: _out/dry-run.json
    quarantine: .github/quarantine.txt
    timings: '_out/previous/*.xml'
environments:
  e2e:
    tests: { labelFilter: '!flaky' }
  kvm:
    tests: { labelFilter: 'kvm', inventory: _out/kvm.json }
`;

describe('profile defaults are checked where they are used', () => {
  const ws = makeWorkspace({ '.github/virt-ci.yaml': PROFILE });

  it('matrix: true reads none of the files the profile names for the test jobs', async () => {
    const sel = await select(selectOptions(ws, { matrix: 'true' }));
    expect(sel.matrix?.include.map((e) => [e.environment, e['label-filter']])).toEqual([
      ['e2e', '!flaky'],
      ['kvm', 'kvm'],
    ]);
    expect(sel.inventory).toBeUndefined();
    expect(sel.quarantine).toBeUndefined();
  });

  it('a file from the profile that is missing names the profile field, not an input', async () => {
    await expect(select(selectOptions(ws, { environment: 'e2e' }))).rejects.toThrow(
      '.github/virt-ci.yaml: defaults.tests.quarantine: ".github/quarantine.txt" does not exist (relative to the workspace)',
    );
    await expect(
      select(selectOptions(ws, { environment: 'kvm', quarantine: 'none' })),
    ).rejects.toThrow(
      '.github/virt-ci.yaml: environments.kvm.tests.inventory: "_out/kvm.json" does not exist (relative to the workspace)',
    );
  });

  it('"none" overrides the profile; an explicit file is blamed on the input', async () => {
    const sel = await select(
      selectOptions(ws, { environment: 'e2e', inventory: 'none', quarantine: 'none' }),
    );
    expect(sel.inventory).toBeUndefined();
    expect(sel.args).toEqual(['--label-filter=!flaky']);
    await expect(
      select(selectOptions(ws, { environment: 'e2e', quarantine: 'none', inventory: 'gone.json' })),
    ).rejects.toThrow('input "inventory": "gone.json" does not exist (relative to the workspace)');
  });

  it('matrix: a bad filter in any environment fails the planning job and names its field', async () => {
    const bad = makeWorkspace({
      '.github/virt-ci.yaml': PROFILE.replace("labelFilter: 'kvm'", "labelFilter: 'kvm && /[a/'"),
    });
    await expect(select(selectOptions(bad, { matrix: 'true' }))).rejects.toThrow(
      '.github/virt-ci.yaml: environments.kvm.tests.labelFilter: syntax error at position 8: RegExp compilation error: error parsing regexp: missing closing ]: `[a` In: kvm && >>/<<[a/',
    );
  });
});

describe('a bad /regex/ in a label filter', () => {
  const ws = makeWorkspace();

  it("names the input, the position and Go's error, as Ginkgo does", async () => {
    await expect(
      select(selectOptions(ws, { 'label-filter': 'kvm || /^(mshv/', inventory: 'none' })),
    ).rejects.toThrow(
      'input "label-filter": syntax error at position 8: RegExp compilation error: error parsing regexp: missing closing ): `^(mshv` In: kvm || >>/<<^(mshv/',
    );
  });
});

describe('quarantine comments and counts', () => {
  const ws = makeWorkspace({
    'q.txt': [
      '# flaky since the 1.2 release',
      '[sig-network]Networking should serve DHCPv6 to the guest   # issue 412',
      'label:Serial  #  runs alone ',
      'no such test # typo',
      '',
    ].join('\n'),
  });

  it('reads `id  # reason`: the id trimmed, the reason kept', async () => {
    const q = await readQuarantine(ws, 'q.txt');
    expect(q.active).toEqual([
      {
        kind: 'test',
        value: '[sig-network]Networking should serve DHCPv6 to the guest',
        reason: 'issue 412',
      },
      { kind: 'label', value: 'Serial', reason: 'runs alone' },
      { kind: 'test', value: 'no such test', reason: 'typo' },
    ]);
  });

  it('the summary counts the tests really left out, not the entries', async () => {
    const opts = selectOptions(ws, {
      environment: 'test-emulation',
      quarantine: 'q.txt',
      'label-filter': 'sig-network || sig-compute',
    });
    const sel = await select(opts);
    expect(sel.tests).not.toContain('[sig-network]Networking should serve DHCPv6 to the guest');
    const without = await select({ ...opts, quarantine: undefined });
    const out = (without.tests ?? []).filter((id) => !sel.tests?.includes(id));
    expect(out.length).toBeGreaterThan(1);
    expect(sel.quarantinedOut).toBe(out.length);
    const summary = report(sel, opts).summary ?? '';
    expect(summary).toContain(
      `Quarantine (q.txt): ${out.length} tests left out by 3 entries in force`,
    );
  });

  it('an inline comment no longer becomes part of the id', async () => {
    writeFileSync(path.join(ws, 'q2.txt'), 'tests/test_kvm.py::test_create_vm  # issue 412\n');
    const sel = await select(
      selectOptions(ws, {
        runner: 'pytest',
        inventory: 'pytest-inventory.yaml',
        quarantine: 'q2.txt',
        'label-filter': 'kvm',
      }),
    );
    expect(sel.tests).toEqual([
      'tests/test_kvm.py::test_open_dev_kvm',
      'tests/test_l1hv.py::test_nested_guest',
    ]);
    expect(sel.quarantinedOut).toBe(1);
  });
});
