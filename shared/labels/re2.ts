import type { RE2JS } from 're2js';

/**
 * Ginkgo compiles `/regex/` labels, `--focus` and `--skip` with Go's regexp package (RE2
 * syntax). JavaScript's RegExp differs in syntax, flags and errors, so patterns are compiled
 * by re2js, a port of RE2/J: Go's syntax, Go's matches and Go's error texts, with no
 * translation in between.
 */
export class GoRegexpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoRegexpError';
  }
}

/** A compiled Go pattern; `test` finds a match anywhere in the text, as Go's MatchString. */
export interface GoRegexp {
  readonly source: string;
  test(text: string): boolean;
}

const cache = new Map<string, GoRegexp>();
let engine: typeof import('re2js') | undefined;

/**
 * Load the RE2 engine. Compiling is synchronous (the label-filter parser compiles as it goes),
 * the engine is not small, and most selections use no pattern at all: a caller that may need
 * one awaits this first.
 */
export async function loadGoRegexp(): Promise<void> {
  engine ??= await import('re2js');
}

/** Compile a Go (RE2) pattern; throws GoRegexpError with Go's own message on bad syntax. */
export function compileGoRegexp(pattern: string): GoRegexp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (!engine) throw new Error('compileGoRegexp: the RE2 engine is not loaded (loadGoRegexp)');
  let re: RE2JS;
  try {
    re = engine.RE2JS.compile(pattern);
  } catch (err) {
    if (err instanceof engine.RE2JSException) throw new GoRegexpError(goMessage(err.message));
    throw err;
  }
  const compiled: GoRegexp = { source: pattern, test: (text) => re.matcher(text).find() };
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/**
 * Go always names the offending text, even when it is empty ("trailing backslash at end of
 * expression: ``"); RE2/J, and so re2js, leaves an empty one out.
 */
function goMessage(message: string): string {
  return /^error parsing regexp: [^`]*$/.test(message) ? `${message}: \`\`` : message;
}

/** A pattern that matches exactly `text`, in Go's syntax and in JavaScript's (regexp.QuoteMeta). */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
