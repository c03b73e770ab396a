import { KubeClient } from './kube-client.js';
import { connectionSecrets, type Connection } from './kubeconfig.js';
import type { Deps } from './types.js';

/**
 * A client for a loaded connection, under the run's retry policy and request timeout. The
 * connection's secrets are masked first, through deps.mask: the retry lines the client prints
 * reach the log before the step's outcome does. They are returned too, for outcome.secrets.
 */
export function connect(conn: Connection, deps: Deps): { client: KubeClient; secrets: string[] } {
  const secrets = connectionSecrets(conn);
  for (const s of secrets) deps.mask(s);
  const client = new KubeClient(conn, {
    requestTimeoutMs: deps.requestTimeoutMs,
    policy: deps.retry,
    onRetry: (line) => deps.log.info(line),
    // An exec plugin's renewed token is new: masked before any line that could show it.
    onSecret: (s) => {
      deps.mask(s);
      secrets.push(s);
    },
  });
  return { client, secrets };
}
