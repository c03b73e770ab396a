import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  cleanLabel,
  LabelFilterError,
  matchesLabels,
  parseLabelFilter,
} from '../../shared/labels/filter.js';
import { compileGoRegexp, GoRegexpError, loadGoRegexp } from '../../shared/labels/re2.js';
import { fixtures } from '../support/harness.js';

// The label filters and patterns below compile RE2 synchronously, as the step does once loaded.
await loadGoRegexp();

interface Case {
  filter: string;
  labels?: string[];
  match?: boolean;
  error?: boolean;
  location?: number;
  message?: string;
  description?: string;
}

const dir = path.join(fixtures, 'conformance', 'ginkgo');
const cases = JSON.parse(readFileSync(path.join(dir, 'label-filter-cases.json'), 'utf8')) as Case[];
const validation = JSON.parse(
  readFileSync(path.join(dir, 'label-validation-cases.json'), 'utf8'),
) as Array<{ label: string; cleaned: string; valid: boolean }>;

function parseError(filter: string): LabelFilterError {
  try {
    parseLabelFilter(filter);
  } catch (err) {
    if (err instanceof LabelFilterError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe("Ginkgo's label-filter table", () => {
  it('holds all 252 cases', () => {
    expect(cases).toHaveLength(252);
  });

  const matching = cases.filter((c) => !c.error);
  it.each(matching.map((c, i) => [i, c.filter, c.labels, c.match] as const))(
    'match case %i: %j on %j -> %j',
    (_i, filter, labels, match) => {
      expect(matchesLabels(parseLabelFilter(filter), labels ?? [])).toBe(match);
    },
  );

  const failing = cases.filter((c) => c.error);
  it.each(failing.map((c, i) => [i, c.filter, c.location, c.message] as const))(
    'error case %i: %j fails at %j with %j',
    (_i, filter, location, message) => {
      const err = parseError(filter);
      if (location !== undefined) expect(err.location).toBe(location);
      if (message !== undefined) expect(err.reason).toBe(message);
    },
  );
});

describe("Ginkgo's label validation", () => {
  it.each(validation.map((v) => [v.label, v.valid, v.cleaned] as const))(
    '%j valid=%j cleaned=%j',
    (label, valid, cleaned) => {
      expect(cleanLabel(label)).toBe(valid ? cleaned : undefined);
    },
  );
});

describe('RE2 patterns', () => {
  it("reports Go's compile errors", () => {
    const msg = (p: string) => {
      try {
        compileGoRegexp(p);
      } catch (err) {
        expect(err).toBeInstanceOf(GoRegexpError);
        return (err as Error).message;
      }
      return 'compiled';
    };
    expect(msg('[a')).toBe('error parsing regexp: missing closing ]: `[a`');
    expect(msg('(a')).toBe('error parsing regexp: missing closing ): `(a`');
    expect(msg('a)')).toBe('error parsing regexp: unexpected ): `a)`');
    expect(msg('*a')).toBe('error parsing regexp: missing argument to repetition operator: `*`');
    expect(msg('a**')).toBe('error parsing regexp: invalid nested repetition operator: `**`');
    expect(msg('\\q')).toBe('error parsing regexp: invalid escape sequence: `\\q`');
    expect(msg('a\\')).toBe('error parsing regexp: trailing backslash at end of expression: ``');
    expect(msg('[z-a]')).toBe('error parsing regexp: invalid character class range: `z-a`');
  });

  it('translates RE2 syntax JavaScript spells differently', () => {
    expect(compileGoRegexp('(?i)^kvm$').test('KVM')).toBe(true);
    expect(compileGoRegexp('(?P<arch>x86|arm)_64').test('arm_64')).toBe(true);
    expect(compileGoRegexp('[[:digit:]]+\\z').test('abc12')).toBe(true);
    expect(compileGoRegexp('\\Qa.b\\E').test('axb')).toBe(false);
    expect(compileGoRegexp('\\Qa.b\\E').test('a.b')).toBe(true);
    expect(compileGoRegexp('\\pL{2}').test('é!ü')).toBe(false);
    expect(compileGoRegexp('\\pL{2}').test('éü')).toBe(true);
    expect(compileGoRegexp('a{2}').test('aa')).toBe(true);
    expect(compileGoRegexp('a{,2}').test('a{,2}')).toBe(true);
    expect(compileGoRegexp('\\!\\-\\#').test('!-#')).toBe(true);
  });

  it('labels match regexes as written, set keys case-insensitively', () => {
    const expr = parseLabelFilter('/^Net/ && Arch: containsAny {x86_64, ARM64}');
    expect(matchesLabels(expr, ['Network', 'arch:arm64'])).toBe(true);
    expect(matchesLabels(expr, ['network', 'arch:arm64'])).toBe(false);
    expect(matchesLabels(expr, ['Network', 'arch:s390x'])).toBe(false);
  });
});
