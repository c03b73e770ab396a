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
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: KubeStatus | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: HTTP ${status}${body?.message ? `: ${body.message}` : ''}`);
    this.name = 'ApiError';
  }
}
