import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { UserError } from '../../shared/errors.js';
import type { Options } from '../../actions/select-tests/types.js';
import { compileGoRegexp, loadGoRegexp } from '../../shared/labels/re2.js';
import { toTagRegex } from '../../shared/labels/compose.js';
import { parseLabelFilter } from '../../shared/labels/filter.js';
import { select, selectOptions } from './support/select.js';
import { makeWorkspace } from './support/workspace.js';

// The label filters and patterns below compile RE2 synchronously, as the step does once loaded.
await loadGoRegexp();

function options(
  ws: string,
  values: Record<string, string>,
  env: Record<string, string> = {},
): Options {
  return selectOptions(ws, values, env);
}

const L1HV = [
  '[sig-compute]L1 virtualization host should start a nested VM on an L1VH node',
  '[sig-compute]L1 virtualization host should report the L1VH capability in node labels',
  '[sig-compute]L1 virtualization host should live migrate between L1VH nodes',
  '[sig-compute]L1 virtualization host should keep the guest clock stable after migration',
  '[sig-compute]L1 virtualization host should refuse L1VH when the gate is off',
  '[sig-compute]MSHV hypervisor with L1VH should run a nested guest under MSHV',
  '[sig-operator]Operator should enable HyperVL1VH through the KubeVirt CR',
];

describe('selection per environment of the seed profile (KubeVirt-like Ginkgo inventory)', () => {
  const ws = makeWorkspace();

  it('dev runs only the new L1HV specs', async () => {
    const sel = await select(options(ws, { environment: 'dev' }));
    expect(sel.filter).toBe('l1hv-new');
    expect(sel.inventory?.tests).toHaveLength(34); // 35 specs, one pending; suite nodes are not specs
    expect(sel.tests).toEqual(L1HV);
    expect(sel.args).toEqual(['--label-filter=l1hv-new']);
  });

  it('test-kvm leaves out l1hv-new and mshv, including labels inherited from containers', async () => {
    const sel = await select(options(ws, { environment: 'test-kvm' }));
    expect(sel.filter).toBe('!l1hv-new && !mshv');
    expect(sel.tests).toHaveLength(23);
    for (const id of L1HV) expect(sel.tests).not.toContain(id);
    expect(sel.tests).not.toContain(
      '[sig-storage]Storage on MSHV should attach a virtio-blk disk under MSHV',
    );
    expect(sel.tests).toContain('[sig-compute]VMI lifecycle should start a VirtualMachineInstance');
    expect(sel.tests).not.toContain(
      '[sig-compute]VM Live Migration should be pending until dedicated migration networks land',
    );
  });

  it.each(['test-emulation', 'test-mshv'])('%s runs everything', async (env) => {
    const sel = await select(options(ws, { environment: env }));
    expect(sel.filter).toBe('');
    expect(sel.tests).toHaveLength(34);
    expect(sel.args).toEqual([]);
  });

  it('an explicit label-filter wins over the profile and set operations work on Feature: labels', async () => {
    const sel = await select(
      options(ws, {
        environment: 'dev',
        'label-filter': 'Feature: containsAny LiveMigration && !Serial',
      }),
    );
    expect(sel.filter).toBe('Feature: containsAny LiveMigration && !Serial');
    expect(sel.tests).toEqual([
      '[sig-compute]L1 virtualization host should keep the guest clock stable after migration',
      '[sig-compute]VM Live Migration should migrate a VMI with a container disk',
      '[sig-compute]VM Live Migration should migrate a VMI with a PVC',
      '[sig-compute]VM Live Migration should abort a migration on timeout',
    ]);
  });

  it('focus and skip are Go regexes over the spec text', async () => {
    const sel = await select(
      options(ws, {
        environment: 'test-emulation',
        focus: '\\[sig-network\\]',
        skip: '(?i)sr-iov|DHCP',
      }),
    );
    expect(sel.tests).toEqual([
      '[sig-network]Networking should reach the VMI over the pod network',
      '[sig-network]Networking should attach a secondary bridge interface',
      '[sig-network]Networking should hot plug an interface',
      '[sig-network]Networking should keep the MAC address across restarts',
    ]);
    expect(sel.args).toEqual(['--focus=\\[sig-network\\]', '--skip=(?i)sr-iov|DHCP']);
  });

  it('quarantine (YAML) leaves out labels and tests, and lets expired entries run again', async () => {
    const sel = await select(
      options(ws, { environment: 'test-emulation', quarantine: 'quarantine.yaml' }),
      { now: () => new Date('2026-11-25T00:00:00Z') },
    );
    expect(sel.filter).toBe('!flaky');
    expect(sel.tests).toHaveLength(34 - 2 - 1);
    expect(sel.tests).not.toContain('[sig-network]Networking should serve DHCPv6 to the guest');
    expect(sel.tests).toContain(
      '[sig-compute]VMI lifecycle should stop a running VirtualMachineInstance',
    );
    expect(sel.skip).toBe(
      '(?:^| )(?:\\[sig-network\\]Networking should serve DHCPv6 to the guest)$',
    );
    // Ginkgo matches --skip against "<suite description> <spec text>".
    const skipRe = compileGoRegexp(sel.skip);
    expect(
      skipRe.test('Tests Suite [sig-network]Networking should serve DHCPv6 to the guest'),
    ).toBe(true);
    expect(
      skipRe.test('Tests Suite [sig-network]Networking should serve DHCPv6 to the guest twice'),
    ).toBe(false);
    expect(sel.warnings.join('\n')).toMatch(/ended on 2020-01-31/);
  });

  it('quarantine (text) takes ids and label: lines', async () => {
    const sel = await select(
      options(ws, { environment: 'test-kvm', quarantine: 'quarantine.txt' }),
    );
    expect(sel.filter).toBe('(!l1hv-new && !mshv) && !Feature:HotplugNICs');
    expect(sel.tests).toHaveLength(23 - 2);
  });

  it('PR labels from the event narrow the selection', async () => {
    const event = path.join(ws, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          number: 7,
          labels: [
            { name: 'virt-ci/focus:sig-network' },
            { name: 'virt-ci/skip:Serial' },
            { name: 'lgtm' },
          ],
        },
      }),
    );
    const sel = await select(
      options(ws, { environment: 'test-kvm' }, { GITHUB_EVENT_PATH: event }),
    );
    expect(sel.prLabels.source).toBe('event');
    expect(sel.filter).toBe('(!l1hv-new && !mshv) && sig-network && !Serial');
    expect(sel.tests).toHaveLength(5);
  });

  it('fail-on-empty fails with the count and the filter', async () => {
    const opts = options(ws, {
      environment: 'dev',
      'pr-labels': 'virt-ci/focus:sig-storage',
      'fail-on-empty': 'true',
    });
    await expect(select(opts)).rejects.toThrow(
      'no test matches: 34 tests in kubevirt-dry-run.json, none selected by "l1hv-new && sig-storage" (fail-on-empty is true)',
    );
    const quiet = await select({ ...opts, failOnEmpty: false });
    expect(quiet.tests).toEqual([]);
  });

  it('a bad filter fails with a Ginkgo message pointing at the position', async () => {
    await expect(select(options(ws, { 'label-filter': 'kvm & mshv' }))).rejects.toThrow(
      new UserError(
        `input "label-filter": syntax error at position 5: Invalid token '&'.  Did you mean '&&'? In: kvm >>&<< mshv`,
      ),
    );
    await expect(select(options(ws, { 'label-filter': '(kvm || mshv' }))).rejects.toThrow(
      "input \"label-filter\": syntax error at position 1: Mismatched '(' - could not find matching ')'. In: >>(<<kvm || mshv",
    );
  });

  it("a bad filter in the profile names the file and the environment's field", async () => {
    const broken = makeWorkspace();
    const profile = path.join(broken, '.github', 'virt-ci.yaml');
    writeFileSync(
      profile,
      readFileSync(profile, 'utf8').replace('"!l1hv-new && !mshv"', '"!l1hv-new && (mshv"'),
    );
    await expect(select(options(broken, { environment: 'test-kvm' }))).rejects.toThrow(
      ".github/virt-ci.yaml: environments.test-kvm.tests.labelFilter: syntax error at position 14: Mismatched '(' - could not find matching ')'. In: !l1hv-new && >>(<<mshv",
    );
  });

  it('a bad PR label, runner, inventory or regex fails with one clear line', async () => {
    await expect(select(options(ws, { 'pr-labels': 'virt-ci/skip:a|b' }))).rejects.toThrow(
      'pull request label "virt-ci/skip:a|b": "a|b" is not a valid Ginkgo label',
    );
    expect(() => options(ws, { runner: 'nose' })).toThrow(
      'input "runner": "nose" is not allowed; allowed: ginkgo | go | jest | pytest | playwright | mocha',
    );
    await expect(select(options(ws, { inventory: 'missing.json' }))).rejects.toThrow(
      'input "inventory": "missing.json" does not exist (relative to the workspace)',
    );
    await expect(select(options(ws, { focus: '[a' }))).rejects.toThrow(
      'input "focus": "[a": error parsing regexp: missing closing ]: `[a`',
    );
    await expect(select(options(ws, { 'shard-count': '2', 'shard-index': '3' }))).rejects.toThrow(
      'input "shard-index": 3 is above shard-count 2',
    );
  });

  it('matrix: the profile environments with their matrix fields', async () => {
    const sel = await select(options(ws, { matrix: 'true' }));
    expect(sel.matrix).toEqual({
      include: [
        {
          environment: 'dev',
          hypervisor: 'auto',
          'label-filter': 'l1hv-new',
          'runs-on': 'ubuntu-24.04',
        },
        {
          environment: 'test-kvm',
          hypervisor: 'kvm',
          'label-filter': '!l1hv-new && !mshv',
          'runs-on': 'ubuntu-24.04',
          shards: 2,
        },
        { environment: 'test-emulation', hypervisor: 'emulation', 'label-filter': '' },
        {
          environment: 'test-mshv',
          hypervisor: 'mshv',
          'label-filter': '',
          'runs-on': 'mshv-l1vh',
        },
      ],
    });
  });
});

describe('inventories in other forms', () => {
  const ws = makeWorkspace();

  it('a {id, labels} list drives pytest by node id (-m would compare marker case)', async () => {
    const sel = await select(
      options(ws, {
        runner: 'pytest',
        inventory: 'pytest-inventory.yaml',
        'label-filter': 'kvm && !slow',
      }),
    );
    expect(sel.tests).toEqual([
      'tests/test_kvm.py::test_open_dev_kvm',
      'tests/test_kvm.py::test_create_vm',
    ]);
    expect(sel.args).toEqual(sel.tests);
    const regex = await select(
      options(ws, {
        runner: 'pytest',
        inventory: 'pytest-inventory.yaml',
        'label-filter': '/^(kvm|mshv)$/ && smoke',
      }),
    );
    expect(regex.args).toEqual([
      'tests/test_kvm.py::test_open_dev_kvm',
      'tests/test_mshv.py::test_open_dev_mshv',
    ]);
  });

  it('mocha gets the @tag pattern when it selects what the inventory does, else exact names', async () => {
    writeFileSync(
      path.join(ws, 'mocha-tags.json'),
      JSON.stringify(['vm boots @kvm', 'vm boots @KVM twice', 'vm mails admin@kvm.example']),
    );
    writeFileSync(
      path.join(ws, 'mocha-list.json'),
      JSON.stringify([{ id: 'vm boots', labels: ['kvm'] }, 'vm mails admin@kvm.example']),
    );
    const tags = await select(
      options(ws, { runner: 'mocha', inventory: 'mocha-tags.json', 'label-filter': 'kvm' }),
    );
    expect(tags.tests).toEqual(['vm boots @kvm', 'vm boots @KVM twice']);
    expect(tags.args).toEqual(['--grep', toTagRegex(parseLabelFilter('kvm'))]);
    // Labels the titles do not carry: only the names select the same tests.
    const list = await select(
      options(ws, { runner: 'mocha', inventory: 'mocha-list.json', 'label-filter': 'kvm' }),
    );
    expect(list.args).toEqual(['--grep', '^(?:vm boots)$']);
    // A focus is a Go regex with Ginkgo's rules: the names, never the runner's own match.
    const focus = await select(
      options(ws, {
        runner: 'mocha',
        inventory: 'mocha-tags.json',
        'label-filter': 'kvm',
        focus: 'twice',
      }),
    );
    expect(focus.args).toEqual(['--grep', '^(?:vm boots @KVM twice)$']);
  });

  it('hands exact names that outgrow one command-line argument over in a file', async () => {
    const ids = Array.from({ length: 1500 }, (_, i) => ({
      id: `Test${i}_${'x'.repeat(100)}`,
      labels: ['kvm'],
    }));
    writeFileSync(path.join(ws, 'big.json'), JSON.stringify(ids));
    const big = await select(
      options(ws, { runner: 'go', inventory: 'big.json', 'label-filter': 'kvm' }),
    );
    expect(big.tests).toHaveLength(1500);
    // go test takes one -run pattern: the file lists several runs, each under the limit.
    expect(big.runs?.length).toBeGreaterThan(1);
    for (const run of big.runs ?? []) {
      expect(run[0]).toBe('-run');
      expect(Buffer.byteLength(run[1])).toBeLessThan(131072);
    }
    expect(big.notices.join('\n')).toMatch(
      /too long for one command line or environment variable \(Linux: 128 KiB an argument\): go takes one pattern, so the file lists \d runs of it/,
    );
    const file = readFileSync(big.argsFile ?? '', 'utf8');
    expect(file).toBe((big.runs ?? []).map((r) => r.map((a) => `${a}\n`).join('')).join('\n'));
    const small = await select(
      options(ws, { runner: 'go', inventory: 'pytest-inventory.yaml', 'label-filter': 'kvm' }),
    );
    expect(small.warnings).toEqual([]);
    expect(small.notices).toEqual([]);
    expect(small.runs).toEqual([small.args]);
    expect(readFileSync(small.argsFile ?? '', 'utf8')).toBe(
      small.args.map((a) => `${a}\n`).join(''),
    );
  });

  it('JUnit files (Ginkgo names) are an inventory with labels', async () => {
    const sel = await select(
      options(ws, {
        runner: 'go',
        inventory: 'timings/*.xml',
        'label-filter': 'mshv && !l1hv-new',
      }),
    );
    expect(sel.inventory?.formats).toEqual(['junit']);
    expect(sel.tests?.length).toBeGreaterThan(0);
    for (const id of sel.tests ?? []) expect(id).toMatch(/MSHV/);
    expect(sel.args[0]).toBe('-run');
  });
});
