import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import { DOCKER_HUB_NAMES } from './reference.js';

/** Credentials for one registry: a user and password (or token), or an OAuth2 refresh token. */
export interface Credential {
  username?: string;
  password?: string;
  /** docker login's `identitytoken`: exchanged at the token endpoint for access tokens. */
  identityToken?: string;
}

export type Credentials = Map<string, Credential>;

export function registryKey(name: string): string {
  const host = name
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_NAMES.includes(host) ? 'docker.io' : host;
}

/**
 * The `credentials` input: lines of `registry=username:password`, or a Docker config JSON
 * (`{"auths": {...}}`). Every secret goes through `mask` before anything can print it.
 */
export function parseCredentialsInput(text: string, mask: (s: string) => void): Credentials {
  const out: Credentials = new Map();
  const value = text.trim();
  if (value === '') return out;
  if (value.startsWith('{')) return readDockerConfig(value, 'input "credentials"', mask);
  for (const [i, raw] of value.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const colon = line.indexOf(':', eq + 1);
    if (eq <= 0 || colon < 0) {
      // Never echo the line: it may hold a password.
      throw new UserError(
        `input "credentials": line ${i + 1} is not of the form registry=username:password (or a Docker config JSON)`,
      );
    }
    const password = line.slice(colon + 1);
    if (password) mask(password);
    out.set(registryKey(line.slice(0, eq).trim()), {
      username: line.slice(eq + 1, colon),
      password,
    });
  }
  return out;
}

/** Where docker/login-action (and `docker login`) keep their logins: $DOCKER_CONFIG/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** The logins in a Docker config file; none when there is no such file. */
export function dockerConfigCredentials(
  file: string | undefined,
  mask: (s: string) => void,
): Credentials {
  if (!file || !existsSync(file)) return new Map();
  return readDockerConfig(readFileSync(file, 'utf8'), file, mask);
}

function readDockerConfig(text: string, where: string, mask: (s: string) => void): Credentials {
  let config: { auths?: Record<string, Record<string, string>> };
  try {
    config = JSON.parse(text);
  } catch {
    throw new UserError(`${where}: not valid JSON; allowed: a Docker config ({"auths": {...}})`);
  }
  const out: Credentials = new Map();
  for (const [name, entry] of Object.entries(config.auths ?? {})) {
    const cred: Credential = {};
    if (entry.auth) {
      mask(entry.auth);
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new UserError(
          `${where}: auths.${quote(name)}.auth is not base64 of username:password`,
        );
      }
      cred.username = decoded.slice(0, colon);
      cred.password = decoded.slice(colon + 1);
    }
    if (entry.username) cred.username = entry.username;
    if (entry.password) cred.password = entry.password;
    if (entry.identitytoken) cred.identityToken = entry.identitytoken;
    if (cred.password) mask(cred.password);
    if (cred.identityToken) mask(cred.identityToken);
    if (cred.password || cred.identityToken) out.set(registryKey(name), cred);
  }
  return out;
}

/** Explicit credentials win over the Docker config, registry by registry. */
export function mergeCredentials(explicit: Credentials, config: Credentials): Credentials {
  return new Map([...config, ...explicit]);
}
