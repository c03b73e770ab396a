import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A throw-away self-signed certificate made by openssl, for the tests' local TLS servers. */
export function selfSignedCert(cn: string, extra: string[] = []): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  return { key, cert };
}
