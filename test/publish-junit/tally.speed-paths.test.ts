import { describe, expect, it } from '@jest/globals';
import { Tally, hash53 } from '../../actions/publish-junit/tally.js';
import { readJUnit } from '../../shared/junit/reader.js';

/**
 * The tally's quick path: one hash per case (the n-th occurrence of a name hashed with seed n,
 * not a longer string hashed again). The counts must be the ones of the rule, whatever the
 * order of suites and reports.
 */
async function tally(reports: { report: string; xml: string; shared: boolean }[], fast = true) {
  const t = new Tally({ workspace: '/ws', flaky: true });
  for (const { report, xml, shared } of reports) {
    t.beginReport({ report, shared });
    await readJUnit([xml], report, { onCase: (c) => t.add(c) }, { fast });
    t.endReport();
  }
  return t;
}

const suite = (name: string, cases: string, props = '') =>
  `<testsuite name="${name}">${props}${cases}</testsuite>`;
const pass = (n: string) => `<testcase classname="c" name="${n}"/>`;
const fail = (n: string) => `<testcase classname="c" name="${n}"><failure message="m"/></testcase>`;
const GO = '<properties><property name="go.version" value="go1.22"/></properties>';

describe('tally: identities', () => {
  it('pairs the n-th case of a name in a run with the n-th in its rerun, and no other', async () => {
    for (const fast of [true, false]) {
      const t = await tally(
        [
          { report: 'r/run.xml', xml: suite('s', fail('x') + pass('x')), shared: true },
          { report: 'r/rerun.xml', xml: suite('s', pass('x') + fail('x')), shared: true },
        ],
        fast,
      );
      // The first x failed then passed: flaky. The second passed then failed: flaky too.
      expect(t.totals).toMatchObject({ total: 2, passed: 2, failed: 0, flaky: 2 });
    }
    const t = await tally([
      { report: 'r/run.xml', xml: suite('s', fail('x') + pass('x')), shared: true },
      { report: 'r/rerun.xml', xml: suite('s', pass('x')), shared: true },
    ]);
    // Only the first x was run again; the second stays a passed test of its own.
    expect(t.totals).toMatchObject({ total: 2, passed: 2, flaky: 1 });
  });

  it('takes each suite by its own properties, in any order of suites', async () => {
    const rerunning = suite('go', fail('x') + pass('x'), GO);
    const plain = suite('plain', fail('y') + pass('y'));
    for (const xml of [rerunning + plain, plain + rerunning, plain + rerunning + plain]) {
      const t = await tally([
        { report: 'r.xml', xml: `<testsuites>${xml}</testsuites>`, shared: false },
      ]);
      const plains = xml.split('name="plain"').length - 1;
      // gotestsum's repeated x is one flaky test; the plain suite's two y are two tests.
      expect(t.totals).toMatchObject({
        total: 1 + 2 * plains,
        flaky: 1,
        failed: plains,
        passed: 1 + plains,
      });
    }
  });

  it('hashes the n-th occurrence apart from the first', () => {
    const id = 'dir\u0000\u0000suite\u0000c\u0000x';
    expect(hash53(id)).toBe(hash53(id, 0));
    const seeds = new Set([0, 1, 2, 3].map((n) => hash53(id, n)));
    expect(seeds.size).toBe(4);
  });
});
