import { UserError } from '../../shared/errors.js';
import type { RetryPolicy } from '../../shared/retry.js';
import type { Credential } from './credentials.js';
import { type Answer, requestRetrying } from './http.js';

/** A parsed `WWW-Authenticate` header (RFC 7235; the Docker token spec's Bearer parameters). */
interface Challenge {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
  scope?: string;
  error?: string;
}

export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(m[2]); p; p = re.exec(m[2])) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return {
    scheme,
    realm: params.realm,
    service: params.service,
    scope: params.scope,
    error: params.error,
  };
}

interface Token {
  header: string;
  expiresAt: number;
}

/**
 * Authorization for one registry host: anonymous until the registry asks, then Basic with the
 * stored credential, or a Bearer token fetched from the challenge's realm for exactly the
 * scopes a request needs (cached per scope set until shortly before it expires).
 */
export class Authorizer {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, Token>();

  constructor(
    private readonly host: string,
    private readonly credential: Credential | undefined,
    private readonly mask: (s: string) => void,
    private readonly policy: () => RetryPolicy,
    private readonly count: () => void,
    private readonly idleTimeoutMs: number,
  ) {}

  /** The header to send now, if the registry has asked for one before. */
  async header(scopes: string[]): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') return this.basic();
    const key = [...new Set(scopes)].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.header;
    const token = await this.fetchToken(ch, [...new Set(scopes)].sort());
    this.tokens.set(key, token);
    return token.header;
  }

  /**
   * Learn from a 401/403. Returns the scopes to ask for next, or undefined when asking again
   * cannot help.
   */
  learn(header: string | null, scopes: string[], alreadyFresh: boolean): string[] | undefined {
    const ch = parseChallenge(header);
    if (!ch) return undefined;
    const before = this.challenge;
    this.challenge = ch;
    this.tokens.delete([...new Set(scopes)].sort().join(' '));
    const next = [...scopes];
    if (ch.scope) {
      for (const s of ch.scope.split(' ')) if (!next.includes(s)) next.push(s);
    }
    const changed =
      !before ||
      before.scheme !== ch.scheme ||
      before.realm !== ch.realm ||
      next.length !== scopes.length;
    return changed || !alreadyFresh ? next : undefined;
  }

  private basic(): string {
    const c = this.credential;
    if (!c?.password) {
      throw new UserError(
        `registry ${this.host} asks for a login; give credentials (input "credentials" or docker/login-action)`,
      );
    }
    const value = Buffer.from(`${c.username ?? ''}:${c.password}`).toString('base64');
    this.mask(value);
    return `Basic ${value}`;
  }

  private async fetchToken(ch: Challenge, scopes: string[]): Promise<Token> {
    if (!ch.realm) {
      throw new UserError(`registry ${this.host} asked for a Bearer token without naming a realm`);
    }
    const url = new URL(ch.realm);
    const c = this.credential;
    let res: Answer;
    this.count();
    if (c?.identityToken) {
      // docker login stores an OAuth2 refresh token for some registries (ACR, GAR).
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: c.identityToken,
        client_id: 'virt-ci',
      });
      if (ch.service) form.set('service', ch.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await requestRetrying(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        },
        this.policy(),
        this.idleTimeoutMs,
      );
    } else {
      if (ch.service) url.searchParams.set('service', ch.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (c?.password) {
        const basic = Buffer.from(`${c.username ?? ''}:${c.password}`).toString('base64');
        this.mask(basic);
        headers.authorization = `Basic ${basic}`;
      }
      res = await requestRetrying(url, { headers }, this.policy(), this.idleTimeoutMs);
    }
    if (res.status === 401 || res.status === 403) {
      throw new UserError(
        c
          ? `registry ${this.host}: the token service ${url.origin} refused the credentials (HTTP ${res.status})`
          : `registry ${this.host} asks for a login; give credentials (input "credentials" or docker/login-action)`,
      );
    }
    if (!res.ok) {
      throw new UserError(
        `registry ${this.host}: the token service ${url.origin} answered HTTP ${res.status}`,
      );
    }
    const body = res.json() as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const token = body.access_token || body.token;
    if (!token) {
      throw new UserError(
        `registry ${this.host}: the token service ${url.origin} returned no token`,
      );
    }
    this.mask(token);
    // Tokens live 60 s unless told otherwise (the token spec's minimum); renew 10 s early.
    const life = Math.max(body.expires_in ?? 60, 20) * 1000;
    return { header: `Bearer ${token}`, expiresAt: Date.now() + life - 10_000 };
  }
}
