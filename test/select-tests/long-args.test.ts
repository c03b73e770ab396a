import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { commandLines, MAX_ARG_STRLEN } from '../../actions/select-tests/command-line.js';
import { goRunPattern, runnerArgs, type Runner } from '../../actions/select-tests/runners.js';
import { trieAlternation } from '../../actions/select-tests/trie.js';
import { parseLabelFilter } from '../../shared/labels/filter.js';
import { compileGoRegexp, loadGoRegexp } from '../../shared/labels/re2.js';
import { select, selectOptions } from './support/select.js';
import { makeWorkspace } from './support/workspace.js';

await loadGoRegexp();

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Names that share prefixes the way a suite's do, with the characters that need quoting. */
function names(n: number, seed: number): string[] {
  const r = rng(seed);
  const parts = ['[sig-compute]VM', 'should', 'boot (twice)', 'a|b', 'x.y*', '😀', 'é', ' ', '\n'];
  return Array.from({ length: n }, () => {
    let s = '';
    const k = 1 + Math.floor(r() * 5);
    for (let i = 0; i < k; i++) s += parts[Math.floor(r() * parts.length)];
    return s;
  });
}

describe('exact names as a trie', () => {
  it.each([1, 2, 3, 4, 5])('matches exactly the names, in RE2 and JavaScript (seed %i)', (seed) => {
    const ids = [...names(300, seed), '', 'a', 'ab', 'abc'];
    const pattern = `^(?:${trieAlternation(ids)})$`;
    expect(pattern).not.toMatch(/\n/);
    const re2 = compileGoRegexp(pattern);
    const js = new RegExp(pattern, 'u');
    const set = new Set(ids);
    for (const id of ids) {
      expect(re2.test(id)).toBe(true);
      expect(js.test(id)).toBe(true);
    }
    // Prefixes, extensions and near misses of the names.
    const others = ids.flatMap((id) => [id.slice(0, -1), `${id}z`, `z${id}`, id.slice(1)]);
    for (const o of others) {
      expect(re2.test(o)).toBe(set.has(o));
      expect(js.test(o)).toBe(set.has(o));
    }
  });

  it('is far shorter than the plain list for a suite of shared container texts', () => {
    const ids = Array.from(
      { length: 2000 },
      (_, i) => `[sig-compute]Area ${Math.floor(i / 50)} should behave in case ${i}`,
    );
    const plain = runnerArgs({
      runner: 'ginkgo',
      filter: '',
      expr: parseLabelFilter(''),
      focus: '',
      skip: '',
      exact: ids,
    });
    const compact = runnerArgs({
      runner: 'ginkgo',
      filter: '',
      expr: parseLabelFilter(''),
      focus: '',
      skip: '',
      exact: ids,
      compact: true,
    });
    expect(compact[0].length * 3).toBeLessThan(plain[0].length);
  });
});

/** Ids with no prefix to share: what the trie cannot shorten. */
const random = (n: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () =>
    Array.from({ length: 60 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(r() * 26)]).join(''),
  );
};

const request = (runner: Runner, exact: string[], extra = {}) => ({
  runner,
  filter: 'kvm',
  expr: parseLabelFilter('kvm'),
  focus: '',
  skip: '',
  exact,
  ...extra,
});

describe('arguments over the kernel limit for one argument', () => {
  const limit = MAX_ARG_STRLEN - 1;

  it('ginkgo: one run with several --focus flags, which Ginkgo ORs', () => {
    const ids = random(3000, 7);
    const suites = ids.map(() => 'Tests Suite');
    const lines = commandLines(request('ginkgo', ids, { suites }), '/tmp/x.args');
    expect(lines.long).toBe(true);
    expect(lines.runs).toHaveLength(1);
    const [run] = lines.runs;
    expect(run[0]).toBe('--label-filter=kvm');
    const focus = run.slice(1);
    expect(focus.length).toBeGreaterThan(1);
    for (const f of focus) {
      expect(f.startsWith('--focus=')).toBe(true);
      expect(Buffer.byteLength(f)).toBeLessThanOrEqual(limit);
    }
    expect(lines.args === run).toBe(true);
    // Ginkgo joins its --focus values with "|" and matches "<suite> <spec text>"
    // (internal/focus.go): exactly the ids, and none of their look-alikes.
    const re = compileGoRegexp(focus.map((f) => f.slice('--focus='.length)).join('|'));
    for (const id of ids) expect(re.test(`Tests Suite ${id}`)).toBe(true);
    for (const id of ids.slice(0, 200)) {
      expect(re.test(`Tests Suite ${id}x`)).toBe(false);
      expect(re.test(`Tests Suite ${id.slice(1)}`)).toBe(false);
    }
  });

  it.each(['go', 'jest', 'mocha', 'playwright'] as const)(
    '%s: several runs, each under the limit, that select each test once',
    (runner) => {
      const ids = random(3000, 11);
      const lines = commandLines(request(runner, ids), '/tmp/x.args');
      expect(lines.long).toBe(true);
      expect(lines.runs.length).toBeGreaterThan(1);
      const hits = new Map<string, number>();
      for (const run of lines.runs) {
        for (const a of run) expect(Buffer.byteLength(a)).toBeLessThanOrEqual(limit);
        const pattern = run[1].replace(/^\/(.*)\/$/, '$1');
        const re = runner === 'go' ? compileGoRegexp(pattern) : new RegExp(pattern);
        for (const id of ids) if (re.test(id)) hits.set(id, (hits.get(id) ?? 0) + 1);
      }
      expect(ids.every((id) => hits.get(id) === 1)).toBe(true);
      // The args output is still one run that selects all of them (for a command line that
      // takes it), in the shorter form.
      expect(lines.args).toHaveLength(2);
    },
  );

  it('go: runs split the subtests of one parent and keep the parent levels', () => {
    const ids = random(3000, 3).map((id, i) => `TestP${i % 3}/${id}`);
    const lines = commandLines(request('go', ids), '/tmp/x.args');
    for (const run of lines.runs) expect(run[1]).toMatch(/^\^TestP\d\$\/\^\(\?:/);
    expect(goRunPattern(['TestA/b'], true)).toBe('^TestA$/^(?:b)$');
  });

  it('pytest reads its arguments from the file (@file, pytest 8.2 and later)', () => {
    const ids = random(3000, 5).map((id) => `tests/test_x.py::${id}`);
    const lines = commandLines(
      request('pytest', ids, { filter: '', expr: parseLabelFilter('') }),
      '/tmp/x.args',
    );
    expect(lines.args).toEqual(['@/tmp/x.args']);
    expect(lines.runs).toHaveLength(1);
    expect(lines.runs[0].join('\n') === ids.join('\n')).toBe(true);
  });

  it('what fits stays as it was, with no notice', () => {
    const lines = commandLines(request('jest', ['a', 'b']), '/tmp/x.args');
    expect(lines).toMatchObject({ long: false, args: ['--testNamePattern', '^(?:a|b)$'] });
    expect(lines.runs).toEqual([lines.args]);
  });
});

describe('the arguments file of a step', () => {
  it('lists the arguments, one a line, and the notice names it', async () => {
    const ws = makeWorkspace();
    const ids = random(6000, 9).map((id) => ({ id, labels: ['kvm'] }));
    writeFileSync(path.join(ws, 'many.json'), JSON.stringify(ids));
    const sel = await select(
      selectOptions(ws, {
        inventory: 'many.json',
        'shard-count': '2',
        'shard-index': '1',
      }),
    );
    expect(sel.long).toBeDefined();
    expect(path.dirname(sel.argsFile ?? '')).toBe(path.join(ws, '.runner-temp'));
    const lines = readFileSync(sel.argsFile ?? '', 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).join('\n') === sel.args.join('\n')).toBe(true);
    expect(sel.args.length).toBeGreaterThan(1);
    expect(sel.notices.join('\n')).toMatch(
      /too long for one command line or environment variable \(Linux: 128 KiB an argument\): read them from the args-file output, one argument a line/,
    );
  });
});
