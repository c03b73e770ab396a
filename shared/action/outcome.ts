import type { AnnotationLevel, AnnotationProperties } from './runner.js';

/**
 * What an action's work returns, for the wrapper to apply to the runner. The work itself
 * never talks to the runner: it returns this, even when it fails part way (then `failure` is
 * set and the rest says what was done before it).
 */
export interface Annotation extends AnnotationProperties {
  level: AnnotationLevel;
  message: string;
}

export type OutputValue = string | number | boolean | object | undefined;

export interface Outcome<R = unknown, S = unknown> {
  /** Step outputs; objects become JSON, numbers and booleans strings, undefined is left out. */
  outputs: Record<string, OutputValue>;
  /** Markdown appended to the job summary (trimmed under GitHub's limit). */
  summary?: string;
  annotations?: Annotation[];
  /** Shown as warning annotations. */
  warnings?: string[];
  /** Log lines worth showing that need no attention. */
  notes?: string[];
  /** Variables for later steps (GITHUB_ENV). */
  env?: Record<string, string>;
  /** Values to mask, found during the work (the inputs' secrets are masked before it). */
  secrets?: string[];
  /** Saved for the post step; validated there before use. */
  state?: S;
  /** The typed result, for a caller that composes actions (the root action). */
  result?: R;
  /** The step fails with this message, after everything above is applied. */
  failure?: Error;
}

/** A failure that still carries what was done before it. */
export function failed<R, S>(err: unknown, partial: Partial<Outcome<R, S>> = {}): Outcome<R, S> {
  return {
    outputs: {},
    ...partial,
    failure: err instanceof Error ? err : new Error(String(err)),
  };
}

export function outputString(value: OutputValue): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
