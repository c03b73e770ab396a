import { describe, expect, it } from '@jest/globals';
import {
  balanceShards,
  expectedDurations,
  lowerBound,
  type ShardTest,
} from '../../actions/select-tests/shards.js';
import { compileGoRegexp, loadGoRegexp } from '../../shared/labels/re2.js';
import { select, selectOptions } from './support/select.js';
import { makeWorkspace } from './support/workspace.js';

// The label filters and patterns below compile RE2 synchronously, as the step does once loaded.
await loadGoRegexp();

/** A seeded pseudo-random generator, so each case is the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('longest-processing-time-first shards', () => {
  it.each([
    [10, 3, 1],
    [200, 7, 2],
    [1000, 16, 3],
    [5, 5, 4],
    [40, 9, 5],
  ])(
    '%i tests in %i shards (seed %i): every test once, within 4/3 of the lower bound',
    (n, k, seed) => {
      const r = rng(seed);
      // Long-tailed durations, like e2e suites: most specs short, a few very long.
      const tests: ShardTest[] = Array.from({ length: n }, (_, i) => ({
        id: `t${i}`,
        seconds: Math.round(1 + 600 * r() ** 4),
        known: true,
      }));
      const shards = balanceShards(tests, k);
      const ids = shards.flatMap((s) => s.tests.map((t) => t.id)).sort();
      expect(ids).toEqual(tests.map((t) => t.id).sort());
      for (const s of shards) {
        expect(s.tests.length).toBeGreaterThan(0);
        expect(s.seconds).toBeCloseTo(
          s.tests.reduce((a, t) => a + t.seconds, 0),
          6,
        );
      }
      const longest = Math.max(...shards.map((s) => s.seconds));
      const bound = lowerBound(tests, k);
      const total = tests.reduce((a, t) => a + t.seconds, 0);
      const pmax = Math.max(...tests.map((t) => t.seconds));
      expect(longest).toBeGreaterThanOrEqual(bound);
      // The list-scheduling guarantee: the last test put on the longest shard started no later
      // than the average of the others.
      expect(longest).toBeLessThanOrEqual(total / k + (1 - 1 / k) * pmax + 1e-9);
      // And on these long-tailed suites, within a third of what any split could reach.
      expect(longest / bound).toBeLessThanOrEqual(4 / 3);
    },
  );

  it("meets Graham's worst case exactly, and the lower bound when longest-first is optimal", () => {
    const worst = [3, 3, 2, 2, 2].map((s, i) => ({ id: `t${i}`, seconds: s, known: true }));
    expect(balanceShards(worst, 2).map((s) => s.seconds)).toEqual([7, 5]);
    const easy = [9, 5, 4, 3, 3].map((s, i) => ({ id: `t${i}`, seconds: s, known: true }));
    expect(balanceShards(easy, 2).map((s) => s.seconds)).toEqual([12, 12]);
    expect(lowerBound(easy, 2)).toBe(12);
  });

  it('never leaves a shard empty while another has two tests, even with zero durations', () => {
    const tests = Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, seconds: 0, known: true }));
    expect(balanceShards(tests, 4).map((s) => s.tests.length)).toEqual([2, 2, 1, 1]);
    expect(balanceShards(tests.slice(0, 2), 4).map((s) => s.tests.length)).toEqual([1, 1, 0, 0]);
  });

  it('counts unknown tests at the mean known duration', () => {
    const { tests, known, mean } = expectedDurations(
      ['a', 'b', 'c'],
      (id) => ({ a: 10, b: 30 })[id],
    );
    expect(known).toBe(2);
    expect(mean).toBe(20);
    expect(tests).toEqual([
      { id: 'a', seconds: 10, known: true },
      { id: 'b', seconds: 30, known: true },
      { id: 'c', seconds: 20, known: false },
    ]);
  });
});

describe('shards of the KubeVirt-like inventory, timed by a past Ginkgo JUnit report', () => {
  const ws = makeWorkspace();
  const opts = (index: number) =>
    selectOptions(ws, {
      environment: 'test-emulation',
      'shard-count': '3',
      'shard-index': String(index),
      timings: 'timings/*.xml',
    });

  it('splits all selected tests across jobs, balanced against max(longest, total/n)', async () => {
    const all = await Promise.all([1, 2, 3].map((i) => select(opts(i))));
    const union = all.flatMap((s) => s.tests ?? []);
    expect(union.sort()).toEqual([...(all[0].selected ?? [])].sort());
    expect(new Set(union).size).toBe(34);
    const sel = all[0];
    expect(sel.timingsKnown).toBe(31); // Ginkgo "[It] text [labels]" names matched the spec texts
    const longest = Math.max(...(sel.shards ?? []).map((s) => s.seconds));
    expect(longest).toBeLessThanOrEqual((4 / 3) * (sel.lowerBound ?? 0));
    // Each job's exact names go to ginkgo as a focus; Ginkgo matches it against
    // "<suite description> <spec text>", so exactly this shard's specs run.
    expect(all[1].args).toHaveLength(1);
    // The same tests as the shard the first job computed (only a job's own shard is put back
    // in inventory order).
    expect([...(all[1].tests ?? [])].sort()).toEqual(sel.shards?.[1].tests.map((t) => t.id).sort());
    const focus = compileGoRegexp(all[1].args[0].replace(/^--focus=/, ''));
    const ran = (sel.selected ?? []).filter((id) => focus.test(`Tests Suite ${id}`));
    expect(ran).toEqual(all[1].tests);
  });
});
