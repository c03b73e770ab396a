import { describe, expect, it } from '@jest/globals';
import {
  formatReference,
  parseReference,
  parseTarget,
  schemeFor,
} from '../../actions/promote-digest/reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('image references', () => {
  it.each([
    [
      'alpine',
      { registry: 'docker.io', host: 'registry-1.docker.io', repository: 'library/alpine' },
    ],
    [
      'docker.io/kubevirt/virt-launcher:v1.3',
      { registry: 'docker.io', repository: 'kubevirt/virt-launcher', tag: 'v1.3' },
    ],
    [
      'index.docker.io/library/busybox:1',
      { registry: 'docker.io', repository: 'library/busybox', tag: '1' },
    ],
    [
      `ghcr.io/virt-ci/app@${D}`,
      { registry: 'ghcr.io', host: 'ghcr.io', repository: 'virt-ci/app', digest: D },
    ],
    [
      `localhost:5000/a/b:dev@${D}`,
      { registry: 'localhost:5000', repository: 'a/b', tag: 'dev', digest: D },
    ],
    [
      'docker://quay.io/kubevirt/virt-handler:latest',
      { registry: 'quay.io', repository: 'kubevirt/virt-handler', tag: 'latest' },
    ],
  ])('%s', (text, expected) => {
    expect(parseReference(text, 'input "source"')).toMatchObject({ kind: 'registry', ...expected });
  });

  it('reads oci:<dir>:<tag> and oci:<dir>@digest relative to the workspace', () => {
    expect(parseReference('oci:build/image:dev', 'x', '/ws')).toEqual({
      kind: 'oci',
      dir: '/ws/build/image',
      written: 'build/image',
      tag: 'dev',
      digest: undefined,
    });
    expect(parseReference(`oci:image@${D}`, 'x', '/ws')).toMatchObject({
      dir: '/ws/image',
      digest: D,
    });
  });

  it('turns :tag targets into the source repository with that tag', () => {
    const src = parseReference(`ghcr.io/o/app@${D}`, 'x');
    expect(formatReference(parseTarget(':test-kvm', src, '/ws'))).toBe('ghcr.io/o/app:test-kvm');
    const layout = parseReference('oci:img:dev', 'x', '/ws');
    expect(formatReference(parseTarget(':test-mshv', layout, '/ws'))).toBe('oci:img:test-mshv');
  });

  it('rejects malformed references with one line naming the input and what is allowed', () => {
    expect(() => parseReference('ghcr.io/o/App:dev', 'input "source"')).toThrow(
      'input "source": "ghcr.io/o/App:dev" is not an image reference; allowed: [registry/]repository[:tag][@sha256:...] (lowercase repository) or oci:<dir>:<tag>',
    );
    expect(() => parseReference('ghcr.io/o/app@sha256:xyz', 'input "source"')).toThrow(
      'input "source": "ghcr.io/o/app@sha256:xyz" has digest "sha256:xyz"; allowed: sha256: and 64 lowercase hex digits',
    );
    expect(() => parseReference('ghcr.io/o/app:-bad', 'input "source"')).toThrow(/has tag "-bad"/);
    expect(() => parseTarget(':', parseReference('a/b:c', 'x'), '/ws')).toThrow(
      'input "targets": ":" is not a tag; allowed: :<tag> with letters, digits, _ . -',
    );
  });

  it('speaks plain HTTP only to loopback and listed insecure registries', () => {
    expect(schemeFor('127.0.0.1:5000', [])).toBe('http');
    expect(schemeFor('localhost:5000', [])).toBe('http');
    expect(schemeFor('[::1]:5000', [])).toBe('http');
    expect(schemeFor('registry.lab:5000', [])).toBe('https');
    expect(schemeFor('registry.lab:5000', ['Registry.lab:5000'])).toBe('http');
    expect(schemeFor('ghcr.io', ['registry.lab:5000'])).toBe('https');
  });
});
