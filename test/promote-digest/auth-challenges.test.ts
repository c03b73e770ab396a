import { describe, expect, it } from '@jest/globals';
import { Authorizer, parseChallenge } from '../../actions/promote-digest/auth.js';
import { parseCredentialsInput } from '../../actions/promote-digest/credentials.js';

describe('challenges and credentials', () => {
  it('parses Bearer challenges with quoted, escaped and unquoted parameters', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull",error="insufficient_scope"',
      ),
    ).toEqual({
      scheme: 'bearer',
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/alpine:pull',
      error: 'insufficient_scope',
    });
    expect(parseChallenge('Basic realm=basic-realm')).toMatchObject({
      scheme: 'basic',
      realm: 'basic-realm',
    });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
  });

  it('reads registry=user:password lines and Docker configs, normalizing Docker Hub', () => {
    const seen: string[] = [];
    const c = parseCredentialsInput('ghcr.io=bot:ghp_x:y\nhttps://index.docker.io/v1/=me:pw', (s) =>
      seen.push(s),
    );
    expect(c.get('ghcr.io')).toEqual({ username: 'bot', password: 'ghp_x:y' });
    expect(c.get('docker.io')).toEqual({ username: 'me', password: 'pw' });
    const auth = Buffer.from('u:p').toString('base64');
    const j = parseCredentialsInput(JSON.stringify({ auths: { 'quay.io': { auth } } }), (s) =>
      seen.push(s),
    );
    expect(j.get('quay.io')).toEqual({ username: 'u', password: 'p' });
    expect(seen).toEqual(expect.arrayContaining(['ghp_x:y', 'pw', auth, 'p']));
    expect(() => parseCredentialsInput('ghcr.io token-only-secret', () => undefined)).toThrow(
      'input "credentials": line 1 is not of the form registry=username:password (or a Docker config JSON)',
    );
  });

  it('asks again with the wider scope an insufficient_scope answer names, and gives up when nothing changes', () => {
    const auth = new Authorizer(
      'r.example',
      undefined,
      () => undefined,
      () => {
        throw new Error('no network');
      },
      () => undefined,
      1000,
    );
    const realm = 'Bearer realm="https://r.example/token",service="r.example"';
    expect(auth.learn(`${realm},scope="repository:a:pull"`, ['repository:a:pull'], false)).toEqual([
      'repository:a:pull',
    ]);
    expect(
      auth.learn(
        `${realm},scope="repository:b:pull",error="insufficient_scope"`,
        ['repository:a:pull,push'],
        true,
      ),
    ).toEqual(['repository:a:pull,push', 'repository:b:pull']);
    expect(
      auth.learn(`${realm},scope="repository:a:pull"`, ['repository:a:pull'], true),
    ).toBeUndefined();
    expect(auth.learn(null, ['repository:a:pull'], true)).toBeUndefined();
  });
});
