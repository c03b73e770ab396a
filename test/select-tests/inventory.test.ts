import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { readInventory, parseGinkgoJUnitName } from '../../actions/select-tests/inventory.js';
import { readQuarantine } from '../../actions/select-tests/quarantine.js';
import { readTimings } from '../../actions/select-tests/timings.js';
import { fixtures } from '../support/harness.js';
import { makeWorkspace } from './support/workspace.js';

const conformance = path.join(fixtures, 'conformance', 'junit', 'action-junit-report');
const found = (file: string) => ({ file, display: path.basename(file) });

describe('inventory files', () => {
  const ws = makeWorkspace();
  const write = (name: string, text: string) => {
    writeFileSync(path.join(ws, name), text);
    return found(path.join(ws, name));
  };

  it('reads a Ginkgo dry-run report: specs only, labels inherited from containers', async () => {
    const inv = await readInventory([found(path.join(ws, 'kubevirt-dry-run.json'))]);
    expect(inv.formats).toEqual(['ginkgo']);
    expect(inv.tests).toHaveLength(34);
    expect(inv.tests.find((t) => t.id.endsWith('should run a nested guest under MSHV'))).toEqual({
      id: '[sig-compute]MSHV hypervisor with L1VH should run a nested guest under MSHV',
      labels: ['sig-compute', 'mshv', 'l1hv-new', 'Serial'],
      suite: 'Tests Suite',
    });
  });

  it('reads JUnit from other producers: the testcase names are the ids', async () => {
    const inv = await readInventory([
      found(path.join(conformance, 'test_results__python__report.xml')),
    ]);
    expect(inv.formats).toEqual(['junit']);
    expect(inv.tests.map((t) => t.id)).toContain('test_which_succeeds');
    expect(inv.tests.every((t) => t.labels.length === 0 && t.suite === undefined)).toBe(true);
  });

  it("parses Ginkgo's JUnit names into spec text and labels", () => {
    expect(parseGinkgoJUnitName('[It] VMI should boot [sig-compute, Feature:Snapshot]')).toEqual({
      id: 'VMI should boot',
      labels: ['sig-compute', 'Feature:Snapshot'],
    });
    expect(parseGinkgoJUnitName('[It] VMI should boot')).toEqual({
      id: 'VMI should boot',
      labels: [],
    });
    expect(parseGinkgoJUnitName('[BeforeSuite]')).toBeUndefined();
    expect(parseGinkgoJUnitName('test_plain')).toBeUndefined();
  });

  it("splits Ginkgo's JUnit names exactly as the pattern that defines them", () => {
    // The definition; the reader splits names by hand, for speed on large suites.
    const reference = /^\[(It|Entry|Measure)\] (.*?)(?: \[([^\]]*)\])?$/s;
    const parts = ['[It] ', '[Entry] ', 'x', ' ', '[', ']', ' [', 'a, b', '\n', ':'];
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % parts.length;
    for (let i = 0; i < 20000; i++) {
      let name = i % 3 ? '[It] ' : '';
      for (let n = next() % 7; n >= 0; n--) name += parts[next()];
      const m = reference.exec(name);
      const want = m
        ? { id: m[2], labels: m[3] ? m[3].split(', ').filter((l) => l !== '') : [] }
        : undefined;
      expect([name, parseGinkgoJUnitName(name)]).toEqual([name, want]);
    }
  });

  it('reads {id, labels} lists and merges an id seen twice', async () => {
    const a = write('a.json', JSON.stringify([{ id: 'x', labels: ['kvm'] }, 'y']));
    const b = write('b.yaml', 'tests:\n  - {id: x, labels: [slow]}\n');
    const inv = await readInventory([a, b]);
    expect(inv.tests).toEqual([
      { id: 'x', labels: ['kvm', 'slow'] },
      { id: 'y', labels: [] },
    ]);
  });

  it('names the file and entry of a bad inventory', async () => {
    await expect(readInventory([write('c.json', '[{"name": "x"}]')])).rejects.toThrow(
      'c.json: entry 1 has no "id" string; allowed: {id: "...", labels: [...]} or a plain id',
    );
    await expect(readInventory([write('d.json', '{"foo": 1}')])).rejects.toThrow(
      'd.json: not an inventory; allowed: a Ginkgo JSON report (--dry-run --json-report), JUnit XML, or a list of {id, labels}',
    );
    await expect(readInventory([write('e.json', '[{')])).rejects.toThrow(
      /^e\.json: not valid JSON: /,
    );
  });
});

describe('timings', () => {
  it('answer to name, classname.name and Ginkgo spec text, averaging runs', async () => {
    const ws = makeWorkspace();
    const t = await readTimings([
      found(path.join(conformance, 'test_results__python__report.xml')),
      found(path.join(ws, 'timings', 'junit.functest.xml')),
    ]);
    expect(t.get('python.test_sample.test_which_succeeds')).toBeCloseTo(0.001);
    expect(t.get('test_which_succeeds')).toBeCloseTo(0.001);
    expect(t.get('[sig-compute]VMI lifecycle should start a VirtualMachineInstance')).toBeCloseTo(
      30.37,
    );
    t.record('again', '', 10);
    t.record('again', '', 20);
    expect(t.get('again')).toBe(15);
    expect(t.get('never ran')).toBeUndefined();
  });
});

describe('quarantine file errors', () => {
  const ws = makeWorkspace({
    'q1.yaml': 'tests:\n  - {id: x, until: next week}\n',
    'q2.txt': 'label:a,b\n',
    'q3.yaml': 'flaky: [x]\n',
  });
  it('name the file, the entry and what is allowed', async () => {
    await expect(readQuarantine(ws, 'q1.yaml')).rejects.toThrow(
      'q1.yaml: tests[0]: until "next week" is not a date; allowed: YYYY-MM-DD',
    );
    await expect(readQuarantine(ws, 'q2.txt')).rejects.toThrow(
      'q2.txt:1: "a,b" is not a valid Ginkgo label',
    );
    await expect(readQuarantine(ws, 'q3.yaml')).rejects.toThrow(
      'q3.yaml: unknown field "flaky"; allowed: tests, labels',
    );
    await expect(readQuarantine(ws, 'gone.txt')).rejects.toThrow(
      'input "quarantine": "gone.txt" does not exist (relative to the workspace)',
    );
  });
});
