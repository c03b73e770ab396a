import { UserError, quote } from './errors.js';

/**
 * Typed access to action inputs the way the runner passes them (INPUT_<NAME> variables,
 * action.yml defaults already applied). Inputs that a profile can supply carry no default in
 * action.yml, so that an empty value means "not given" and the profile can fill it; the
 * effective default is applied here and documented in action.yml's description.
 */
export type InputSource = (name: string) => string;

export function envInputSource(env: NodeJS.ProcessEnv = process.env): InputSource {
  return (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

export interface InputFallback<T> {
  /** A value from the profile's environment; used when the input is empty. */
  profile?: T | undefined;
  /** The effective default when neither the input nor the profile gives one. */
  default?: T;
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

/**
 * `N` is the action's input names, generated from its action.yml (`inputs.gen.ts`), so a
 * misspelt or renamed input is a compile error rather than a value that is silently empty.
 */
export class Inputs<N extends string = string> {
  constructor(private readonly source: InputSource = envInputSource()) {}

  /** Inputs from a plain record, for tests and for callers that are not the runner. */
  static of<N extends string>(values: Partial<Record<N, string>>): Inputs<N> {
    return new Inputs<N>((name) => values[name as N] ?? '');
  }

  /** The same source seen with another action's names (the root action reads its parts'). */
  as<M extends string>(): Inputs<M> {
    return new Inputs<M>(this.source);
  }

  /** The raw, trimmed value; empty when not given. */
  raw(name: N): string {
    return this.source(name).trim();
  }

  has(name: N): boolean {
    return this.raw(name) !== '';
  }

  string(name: N, fb: InputFallback<string> = {}): string {
    const value = this.raw(name);
    if (value !== '') return value;
    return fb.profile ?? fb.default ?? '';
  }

  required(name: N, fb: InputFallback<string> = {}): string {
    const value = this.string(name, fb);
    if (value === '') throw new UserError(`input "${name}" is required and was not given`);
    return value;
  }

  boolean(name: N, fb: InputFallback<boolean> = {}): boolean {
    const value = this.raw(name);
    if (value === '') return fb.profile ?? fb.default ?? false;
    return parseBoolean(value, `input "${name}"`);
  }

  enum<T extends string>(name: N, allowed: readonly T[], fb: InputFallback<T> = {}): T {
    const value = this.raw(name);
    if (value === '') {
      const v = fb.profile ?? fb.default;
      if (v === undefined) {
        throw new UserError(`input "${name}" is required; allowed: ${allowed.join(' | ')}`);
      }
      return v;
    }
    const lower = value.toLowerCase();
    const match = allowed.find((a) => a.toLowerCase() === lower);
    if (!match) {
      throw new UserError(
        `input "${name}": ${quote(value)} is not allowed; allowed: ${allowed.join(' | ')}`,
      );
    }
    return match;
  }

  integer(
    name: N,
    fb: InputFallback<number> & { min?: number; max?: number } = {},
  ): number | undefined {
    const value = this.raw(name);
    if (value === '') return fb.profile ?? fb.default;
    if (!/^[+-]?\d+$/.test(value)) {
      throw new UserError(`input "${name}": ${quote(value)} is not a whole number`);
    }
    const n = Number(value);
    if (fb.min !== undefined && n < fb.min) {
      throw new UserError(`input "${name}": ${n} is below the minimum ${fb.min}`);
    }
    if (fb.max !== undefined && n > fb.max) {
      throw new UserError(`input "${name}": ${n} is above the maximum ${fb.max}`);
    }
    return n;
  }

  /** A duration in milliseconds: `90s`, `5m`, `1h30m`, `250ms`, or plain seconds. */
  duration(name: N, fb: InputFallback<number> = {}): number {
    const value = this.raw(name);
    if (value === '') return fb.profile ?? fb.default ?? 0;
    return parseDuration(value, `input "${name}"`);
  }

  /** Items separated by commas or newlines; blanks and `#` comment lines dropped. */
  list(name: N, fb: InputFallback<string[]> = {}): string[] {
    const value = this.raw(name);
    if (value === '') return fb.profile ?? fb.default ?? [];
    return parseList(value);
  }

  /** Items separated by newlines only (for values that may hold commas, like globs `{a,b}`). */
  lines(name: N, fb: InputFallback<string[]> = {}): string[] {
    const value = this.raw(name);
    if (value === '') return fb.profile ?? fb.default ?? [];
    return value
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('#'));
  }

  /** `Name=true,Other=false` (comma or newline separated). A bare name means `bareValue`. */
  map(name: N, fb: InputFallback<Map<string, string>> & { bareValue?: string } = {}) {
    const value = this.raw(name);
    if (value === '') return fb.profile ?? fb.default ?? new Map<string, string>();
    return parseMap(value, `input "${name}"`, fb.bareValue);
  }
}

export function parseBoolean(value: string, what: string): boolean {
  const lower = value.trim().toLowerCase();
  if (TRUE.includes(lower)) return true;
  if (FALSE.includes(lower)) return false;
  throw new UserError(`${what}: ${quote(value)} is not a boolean; allowed: true | false`);
}

export function parseList(value: string): string[] {
  return value
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(value: string, what: string): number {
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    end = re.lastIndex;
  }
  if (end !== text.length || text.length === 0) {
    throw new UserError(
      `${what}: ${quote(value)} is not a duration; allowed: a number with ms, s, m or h (e.g. 90s, 5m, 1h30m)`,
    );
  }
  return Math.round(total);
}

export function parseMap(value: string, what: string, bareValue?: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of parseList(value)) {
    const eq = item.indexOf('=');
    let key: string;
    let val: string;
    if (eq < 0) {
      if (bareValue === undefined) {
        throw new UserError(`${what}: ${quote(item)} is not of the form Name=value`);
      }
      key = item;
      val = bareValue;
    } else {
      key = item.slice(0, eq).trim();
      val = item.slice(eq + 1).trim();
    }
    if (key === '') throw new UserError(`${what}: ${quote(item)} has an empty name`);
    if (out.has(key) && out.get(key) !== val) {
      throw new UserError(`${what}: ${quote(key)} is given twice with different values`);
    }
    out.set(key, val);
  }
  return out;
}
