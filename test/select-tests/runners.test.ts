import { describe, expect, it } from '@jest/globals';
import { parseLabelFilter } from '../../shared/labels/filter.js';
import { compileGoRegexp, loadGoRegexp } from '../../shared/labels/re2.js';
import { exactRegex, runnerArgs } from '../../actions/select-tests/runners.js';
import { shellQuote } from '../../shared/exec.js';
import { toTagRegex } from '../../shared/labels/compose.js';

// The label filters and patterns below compile RE2 synchronously, as the step does once loaded.
await loadGoRegexp();

const args = (runner: Parameters<typeof runnerArgs>[0]['runner'], filter: string, extra = {}) =>
  runnerArgs({ runner, filter, expr: parseLabelFilter(filter), focus: '', skip: '', ...extra });

describe('runner arguments', () => {
  it('ginkgo takes the filter as it is', () => {
    expect(args('ginkgo', '!l1hv-new && !mshv', { focus: 'VMI', skip: 'SR-IOV' })).toEqual([
      '--label-filter=!l1hv-new && !mshv',
      '--focus=VMI',
      '--skip=SR-IOV',
    ]);
  });

  it('go has no labels: exact names, one anchored pattern per level of the name', () => {
    expect(args('go', '', { focus: 'TestKVM', skip: 'Slow' })).toEqual([
      '-run',
      'TestKVM',
      '-skip',
      'Slow',
    ]);
    expect(
      args('go', 'kvm', { exact: ['TestOpen/dev', 'TestOpen/sys', 'TestCreate.VM', 'TestA/b/c'] }),
    ).toEqual(['-run', '^TestOpen$/^(?:dev|sys)$|^(?:TestCreate\\.VM)$|^TestA$/^b$/^(?:c)$']);
    expect(args('go', 'kvm', { exact: [] })).toEqual(['-run', '^$']);
    expect(() => args('go', 'kvm')).toThrow(/go cannot apply a label filter without an inventory/);
  });

  it('pytest gets a marker expression with the right precedence', () => {
    expect(args('pytest', 'a || b && !c')).toEqual(['-m', 'a or b and not c']);
    expect(args('pytest', '(a || b) && !(c || d)')).toEqual(['-m', '(a or b) and not (c or d)']);
    expect(args('pytest', '', { focus: 'kvm|mshv', skip: 'slow' })).toEqual([
      '-k',
      '(kvm or mshv) and not slow',
    ]);
    expect(() => args('pytest', 'Feature: isEmpty')).toThrow(/pytest cannot apply a label filter/);
    expect(() => args('pytest', '', { focus: 'kvm.*' })).toThrow(
      /input "focus": "kvm\.\*" cannot be passed to pytest -k/,
    );
  });

  it('jest, mocha and playwright get @tag look-aheads that keep the boolean meaning', () => {
    const [flag, pattern] = args('jest', '(kvm || mshv) && !slow', { skip: 'flaky' });
    expect(flag).toBe('--testNamePattern');
    const re = new RegExp(pattern);
    expect(re.test('boots a VM @kvm')).toBe(true);
    expect(re.test('boots a VM @mshv @slow')).toBe(false);
    expect(re.test('boots a VM @kvm flaky')).toBe(false);
    expect(re.test('boots a VM @kvmx')).toBe(false);
    expect(re.test('boots a VM')).toBe(false);
    expect(
      args('playwright', 'smoke', { nativeShard: { index: 2, count: 4 }, skip: 'slow' }),
    ).toEqual([
      '--grep',
      `/${toTagRegex(parseLabelFilter('smoke'))}/`,
      '--grep-invert',
      '/slow/',
      '--shard=2/4',
    ]);
    expect(args('mocha', '', { exact: ['a suite a test'] })).toEqual([
      '--grep',
      '^(?:a suite a test)$',
    ]);
  });

  it("playwright's exact names end its grep title after a space, with case, before its tags", () => {
    const [flag, pattern] = args('playwright', 'kvm', { exact: ['vm boots a VM', 'a+b'] });
    expect(flag).toBe('--grep');
    // Playwright reads `/source/flags` as a regex literal, anything else with the gi flags.
    const [, source, flags] = /^\/(.*)\/([gi]*)$/.exec(pattern) ?? [];
    const re = new RegExp(source, flags);
    expect(re.test('chromium tests/vm.spec.ts vm boots a VM')).toBe(true);
    expect(re.test('chromium tests/vm.spec.ts vm boots a VM @smoke @slow')).toBe(true);
    expect(re.test('tests/ab.spec.ts a+b')).toBe(true);
    expect(re.test('chromium tests/vm.spec.ts vm boots a VM twice')).toBe(false);
    expect(re.test('chromium tests/vm.spec.ts vm Boots a VM')).toBe(false);
    expect(re.test('chromium tests/vm.spec.ts xvm boots a VM')).toBe(false);
    expect(re.test('tests/ab.spec.ts aab')).toBe(false);
  });

  it('exact-name regexes match exactly those names in Go and JavaScript syntax', () => {
    const ids = ['[sig-network]Networking should (re)connect', 'a+b', 'x'];
    const re = compileGoRegexp(exactRegex(ids));
    for (const id of ids) expect(re.test(id)).toBe(true);
    expect(re.test('[sig-network]Networking should (re)connect twice')).toBe(false);
    expect(re.test('aab')).toBe(false);
  });

  it('shell quoting survives a POSIX shell', () => {
    expect(shellQuote(['--label-filter=a && !b'])).toBe(`'--label-filter=a && !b'`);
    expect(shellQuote(["it's"])).toBe(`'it'\\''s'`);
    expect(shellQuote([''])).toBe(`''`);
    expect(shellQuote(['-run', '^(?:TestA)$'])).toBe(`-run '^(?:TestA)$'`);
  });
});
