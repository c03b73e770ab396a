/**
 * An error the user can act on. Its message is one line that names the input, file or
 * resource, what was wrong and what is allowed; the runner shows it without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*\n\s*/g, ' '), options);
    this.name = 'UserError';
  }
}

/** Quote a value for an error line: short, on one line, never mistaken for prose. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const oneLine = (text ?? String(value)).replace(/\r?\n/g, '\\n');
  return JSON.stringify(oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine);
}

/**
 * The message of anything thrown. Checked by shape, not `instanceof Error`: errors made in
 * another realm (Node's own socket errors under a VM context) are Errors without being
 * instances of this realm's Error.
 */
export function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  return String(err);
}

/** The error and the causes it wraps, outermost first, at most `depth` of them. */
export function* causes(err: unknown, depth = 5): Generator<unknown> {
  for (let e: unknown = err, i = 0; e !== undefined && e !== null && i < depth; i++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}
