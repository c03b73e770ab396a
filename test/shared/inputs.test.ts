import { describe, expect, it } from '@jest/globals';
import { Inputs, parseDuration, parseList, parseMap } from '../../shared/inputs.js';
import { UserError } from '../../shared/errors.js';

const inputs = (values: Record<string, string>) => new Inputs((name) => values[name] ?? '');

describe('typed inputs', () => {
  it('reads booleans in the forms YAML users write, and rejects others naming the input', () => {
    expect(inputs({ a: 'TRUE' }).boolean('a')).toBe(true);
    expect(inputs({ a: 'off' }).boolean('a')).toBe(false);
    expect(inputs({}).boolean('a', { profile: true, default: false })).toBe(true);
    expect(() => inputs({ wait: 'maybe' }).boolean('wait')).toThrow(
      'input "wait": "maybe" is not a boolean; allowed: true | false',
    );
  });

  it('matches enums case-insensitively and lists what is allowed', () => {
    const modes = ['auto', 'kvm', 'mshv', 'emulation'] as const;
    expect(inputs({ mode: 'KVM' }).enum('mode', modes)).toBe('kvm');
    expect(inputs({}).enum('mode', modes, { profile: 'mshv', default: 'auto' })).toBe('mshv');
    expect(inputs({}).enum('mode', modes, { default: 'auto' })).toBe('auto');
    expect(() => inputs({ mode: 'xen' }).enum('mode', modes)).toThrow(
      'input "mode": "xen" is not allowed; allowed: auto | kvm | mshv | emulation',
    );
  });

  it('gives explicit inputs precedence over the profile', () => {
    expect(inputs({ x: 'explicit' }).string('x', { profile: 'profile', default: 'd' })).toBe(
      'explicit',
    );
    expect(inputs({}).string('x', { profile: 'profile', default: 'd' })).toBe('profile');
    expect(inputs({ x: '   ' }).string('x', { default: 'd' })).toBe('d');
  });

  it('parses durations', () => {
    expect(parseDuration('5m', 'x')).toBe(300_000);
    expect(parseDuration('90s', 'x')).toBe(90_000);
    expect(parseDuration('1h30m', 'x')).toBe(5_400_000);
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('12', 'x')).toBe(12_000);
    expect(() => parseDuration('5 minutes', 'input "timeout"')).toThrow(
      /input "timeout": "5 minutes" is not a duration/,
    );
    expect(() => parseDuration('', 'input "timeout"')).toThrow(UserError);
  });

  it('splits lists on commas and newlines, dropping blanks and comments', () => {
    expect(parseList('a, b\n\n# note\nc,d ,')).toEqual(['a', 'b', 'c', 'd']);
    expect(inputs({ l: 'x\ny,z' }).lines('l')).toEqual(['x', 'y,z']);
  });

  it('parses Name=value maps; bare names take the given value; conflicts are errors', () => {
    expect([...parseMap('A=true, B=false\nC', 'input "gates"', 'true')]).toEqual([
      ['A', 'true'],
      ['B', 'false'],
      ['C', 'true'],
    ]);
    expect(() => parseMap('A=true,A=false', 'input "gates"')).toThrow(
      'input "gates": "A" is given twice with different values',
    );
    expect(() => parseMap('A', 'input "gates"')).toThrow('is not of the form Name=value');
    expect(() => parseMap('=x', 'input "gates"')).toThrow('has an empty name');
  });

  it('checks integers and their bounds', () => {
    expect(inputs({ n: '3' }).integer('n', { min: 1 })).toBe(3);
    expect(() => inputs({ n: '3.5' }).integer('n')).toThrow(
      'input "n": "3.5" is not a whole number',
    );
    expect(() => inputs({ n: '0' }).integer('n', { min: 1 })).toThrow(
      'input "n": 0 is below the minimum 1',
    );
  });
});
