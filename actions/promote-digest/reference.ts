import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';

/**
 * Image references the way `docker pull` reads them, plus `oci:<dir>:<tag>` for a local OCI
 * image layout. Docker Hub names are normalized (docker.io, library/) so that credentials and
 * "same registry" checks compare like with like.
 */
export type Reference = RegistryReference | LayoutReference;

interface RegistryReference {
  kind: 'registry';
  /** The registry as users name it (docker.io for Docker Hub). */
  registry: string;
  /** Host[:port] the distribution API answers on. */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

interface LayoutReference {
  kind: 'oci';
  /** The layout directory, absolute. */
  dir: string;
  /** The directory as written, for messages. */
  written: string;
  tag?: string;
  digest?: string;
}

export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** The names Docker Hub goes by, in references and in the logins tools store for it. */
export const DOCKER_HUB_NAMES: readonly string[] = [
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
];

export function parseReference(text: string, what: string, workspace = process.cwd()): Reference {
  const value = text.trim();
  if (value.startsWith('oci:')) return parseLayout(value, what, workspace);
  const bare = value.replace(/^docker:\/\//, '');
  let rest = bare;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new UserError(
        `${what}: ${quote(value)} has digest ${quote(digest)}; allowed: sha256: and 64 lowercase hex digits`,
      );
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw new UserError(
        `${what}: ${quote(value)} has tag ${quote(tag)}; allowed: letters, digits, _ . - (up to 128, not starting with . or -)`,
      );
    }
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) {
    registry = parts.shift()!.toLowerCase();
  }
  if (DOCKER_HUB_NAMES.includes(registry)) registry = 'docker.io';
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) {
    throw new UserError(
      `${what}: ${quote(value)} is not an image reference; allowed: [registry/]repository[:tag][@sha256:...] (lowercase repository) or oci:<dir>:<tag>`,
    );
  }
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  return { kind: 'registry', registry, host, repository, tag, digest };
}

function parseLayout(value: string, what: string, workspace: string): LayoutReference {
  let rest = value.slice('oci:'.length);
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0 && DIGEST.test(rest.slice(at + 1))) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!TAG.test(tag)) {
        throw new UserError(
          `${what}: ${quote(value)} has tag ${quote(tag)}; allowed: letters, digits, _ . - (up to 128)`,
        );
      }
    }
  }
  if (rest === '') {
    throw new UserError(
      `${what}: ${quote(value)} names no directory; allowed: oci:<dir>:<tag> or oci:<dir>@sha256:...`,
    );
  }
  return { kind: 'oci', dir: path.resolve(workspace, rest), written: rest, tag, digest };
}

/** A target: a full reference, or `:tag` for the source repository with another tag. */
export function parseTarget(text: string, source: Reference, workspace: string): Reference {
  const value = text.trim();
  if (value.startsWith(':')) {
    const tag = value.slice(1);
    if (!TAG.test(tag)) {
      throw new UserError(
        `input "targets": ${quote(value)} is not a tag; allowed: :<tag> with letters, digits, _ . -`,
      );
    }
    return { ...source, tag, digest: undefined };
  }
  return parseReference(value, 'input "targets"', workspace);
}

/** Where the repository lives, without tag or digest. */
export function repositoryName(ref: Reference): string {
  if (ref.kind === 'oci') return `oci:${ref.written}`;
  return `${ref.registry}/${ref.repository}`;
}

export function formatReference(ref: Reference): string {
  const base = repositoryName(ref);
  if (ref.digest) return `${base}@${ref.digest}`;
  if (ref.tag) return `${base}:${ref.tag}`;
  return base;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** Plain HTTP only for loopback and registries the user listed as insecure. */
export function schemeFor(host: string, insecure: readonly string[]): 'http' | 'https' {
  if (LOOPBACK.test(host)) return 'http';
  return insecure.some((h) => h.toLowerCase() === host.toLowerCase()) ? 'http' : 'https';
}
