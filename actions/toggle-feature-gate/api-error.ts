/**
 * An answer of the Kubernetes API server that is not a success. It keeps the server's Status
 * body (reason, message) so callers can tell a conflict from a refusal. Apart from the client
 * so that code which only inspects errors does not load the HTTP stack.
 */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: KubeStatus | undefined,
    readonly method: string,
    readonly path: string,
    /** The API server's Warning headers on this answer. */
    readonly warnings: string[] = [],
  ) {
    super(`${method} ${path}: HTTP ${status}${body?.message ? `: ${body.message}` : ''}`);
    this.name = 'ApiError';
  }
}

/**
 * The texts of `Warning` headers (RFC 7234 warn-code warn-agent "warn-text"), as
 * kube-apiserver sends them: `299 - "text"`, one per header or several joined by commas.
 */
export function parseWarnings(header: string | string[] | undefined): string[] {
  const lines = Array.isArray(header) ? header : header ? [header] : [];
  const out: string[] = [];
  for (const line of lines) {
    for (const m of line.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) {
      out.push(m[1].replace(/\\(.)/g, '$1'));
    }
  }
  return out;
}
