import type { FlakeSettings } from '../profile.js';
import { UserError, quote } from '../errors.js';

/**
 * The flake policy in numbers, from the profile's `flake:` (Kyklos' process): the share of
 * test runs an environment may lose to flakes, the threshold that quarantines one test, how
 * long a quarantine lasts, whether each quarantined test gets a GitHub issue, and how much
 * history is kept.
 */
export interface FlakePolicy {
  /** Flaky share of test runs allowed (0.005 for `0.5%`). */
  budget: number;
  /** Flaky runs that put a test over budget… */
  count: number;
  /** …among this many of its newest runs. */
  of: number;
  /** Days a quarantine entry lasts before the test must prove itself again. */
  expiryDays: number;
  issues: boolean;
  /** Runs kept per environment. */
  keep: number;
  /** Runs older than this many days are dropped; undefined: no age limit. */
  periodDays?: number;
}

export const DEFAULT_POLICY: FlakePolicy = {
  budget: 0.001,
  count: 2,
  of: 100,
  expiryDays: 14,
  issues: false,
  keep: 100,
};

/** `0.5%` → 0.005. */
export function parseBudget(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  const n = Number(m?.[1]);
  if (!m || n > 100)
    throw new UserError(
      `${what}: ${quote(text)} is not a budget; allowed: a percentage from 0% to 100%, e.g. "0.5%"`,
    );
  return n / 100;
}

/** `2 in 100` → { count: 2, of: 100 }. */
export function parseThreshold(text: string, what: string): { count: number; of: number } {
  const m = /^\s*(\d+)\s+in\s+(\d+)\s*$/i.exec(text);
  const count = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || count < 1 || of < count || of > 1000) {
    throw new UserError(
      `${what}: ${quote(text)} is not a threshold; allowed: "N in M" with 1 ≤ N ≤ M ≤ 1000, e.g. "2 in 100"`,
    );
  }
  return { count, of };
}

/** `14d` → 14. */
export function parseDays(text: string, what: string): number {
  const m = /^\s*(\d+)\s*d\s*$/.exec(text);
  const n = Number(m?.[1]);
  if (!m || n < 1)
    throw new UserError(
      `${what}: ${quote(text)} is not a number of days; allowed: whole days from 1, e.g. "14d"`,
    );
  return n;
}

/** The policy of `settings` (one environment's, merged over the defaults). */
export function flakePolicy(settings: FlakeSettings, where = 'flake'): FlakePolicy {
  const p: FlakePolicy = { ...DEFAULT_POLICY };
  if (settings.budget !== undefined) p.budget = parseBudget(settings.budget, `${where}.budget`);
  if (settings.threshold !== undefined)
    Object.assign(p, parseThreshold(settings.threshold, `${where}.threshold`));
  if (settings.expiry !== undefined) p.expiryDays = parseDays(settings.expiry, `${where}.expiry`);
  if (settings.period !== undefined) p.periodDays = parseDays(settings.period, `${where}.period`);
  if (settings.issues !== undefined) p.issues = settings.issues;
  if (settings.keep !== undefined) p.keep = settings.keep;
  return p;
}
