import { describe, expect, it } from '@jest/globals';
import { titleLabels, toTagRegex } from '../../shared/labels/compose.js';
import { matchesLabels, parseLabelFilter } from '../../shared/labels/filter.js';
import { loadGoRegexp } from '../../shared/labels/re2.js';

await loadGoRegexp();

describe('a label in a title is @name between whitespace (or the ends)', () => {
  it.each([
    ['boots a VM @kvm', ['kvm']],
    ['@kvm boots', ['kvm']],
    ['boots\t@kvm\n@slow', ['kvm', 'slow']],
    ['mails admin@kvm.example', []],
    ['boots @kvm.example', ['kvm.example']],
    ['boots @kvm, then @mshv', ['mshv']],
    ['(@kvm) boots', []],
    ['boots @Feature:Snapshot @:bad @key:', ['Feature:Snapshot']],
    ['boots @ alone and @@twice', ['@twice']],
    ['boots @KVM and @kvm', ['KVM', 'kvm']],
  ])('%j', (title, labels) => {
    expect(titleLabels(title)).toEqual(labels);
  });
});

describe('the @tag pattern for title runners holds exactly where the labels read from the title match', () => {
  const titles = [
    'vm boots a VM @kvm',
    'vm boots a VM @KVM in upper case',
    'vm boots a VM @kvm-nested',
    'vm mails admin@kvm.example',
    'vm migrates @kvm @slow',
    'vm runs @mshv',
    'vm runs @Feature:Snapshot',
    '@emulation at the start',
    'vm @kvm\tafter a tab',
    'vm no labels',
  ];
  const filters = [
    'kvm',
    'KVM',
    '!kvm',
    'kvm && !slow',
    'kvm || mshv',
    '!(kvm || emulation)',
    'Feature:Snapshot',
    'kvm-nested, emulation',
  ];

  it.each(filters)('%s', (filter) => {
    const expr = parseLabelFilter(filter);
    const pattern = toTagRegex(expr);
    expect(pattern).toBeDefined();
    // jest adds the i flag to --testNamePattern; mocha adds none: the answer is the same.
    for (const flags of ['', 'i']) {
      const re = new RegExp(pattern as string, flags);
      for (const title of titles) {
        expect([title, flags, re.test(title)]).toEqual([
          title,
          flags,
          matchesLabels(expr, titleLabels(title)),
        ]);
      }
    }
  });

  it('regexes and set operations have no title form', () => {
    expect(toTagRegex(parseLabelFilter('/^k/'))).toBeUndefined();
    expect(toTagRegex(parseLabelFilter('Feature: containsAny Snapshot'))).toBeUndefined();
  });
});
