import { describe, expect, it } from '@jest/globals';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FIXTURES, options, runResult, tmpDir } from './support/helpers.js';

// The kind-config target on real files: comments, quoting and order kept.

describe('kind-config target', () => {
  function kindCopy() {
    const dir = tmpDir();
    const file = path.join(dir, 'cluster.yaml');
    copyFileSync(path.join(FIXTURES, 'kind', 'cluster.yaml'), file);
    return { dir, file };
  }
  const kindOpts = (dir: string, file: string, over: Parameters<typeof options>[0] = {}) =>
    options({
      target: 'kind-config',
      workspace: dir,
      path: file,
      pathShown: 'cluster.yaml',
      ...over,
    });

  it('sets the featureGates map and keeps comments, quoting and order', async () => {
    const { dir, file } = kindCopy();
    const r = await runResult(
      kindOpts(dir, file, {
        want: {
          gates: {
            enable: ['InPlacePodVerticalScaling', 'HyperVL1VH'],
            disable: ['VolumeSnapshotDataSource'],
          },
        },
      }),
    );
    expect(r.changed).toBe(true);
    expect(r.before).toEqual({
      InPlacePodVerticalScaling: 'disabled',
      HyperVL1VH: 'default',
      VolumeSnapshotDataSource: 'enabled',
    });
    const text = readFileSync(file, 'utf8');
    expect(parseYaml(text).featureGates).toEqual({
      VolumeSnapshotDataSource: false,
      InPlacePodVerticalScaling: true,
      HyperVL1VH: true,
    });
    expect(text).toContain('# A kind cluster for the e2e lane.');
    expect(text).toContain('# Needed by the CSI snapshotter.');
    expect(text).toContain('"InPlacePodVerticalScaling": true');
    expect(parseYaml(text).nodes).toHaveLength(2);
    const again = await runResult(
      kindOpts(dir, file, {
        want: {
          gates: {
            enable: ['InPlacePodVerticalScaling', 'HyperVL1VH'],
            disable: ['VolumeSnapshotDataSource'],
          },
        },
      }),
    );
    expect(again.changed).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('adds a featureGates map to a config that has none', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'kind.yaml');
    writeFileSync(file, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
    await runResult(
      kindOpts(dir, file, { want: { gates: { enable: ['HyperVL1VH'], disable: [] } } }),
    );
    expect(parseYaml(readFileSync(file, 'utf8'))).toEqual({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      featureGates: { HyperVL1VH: true },
    });
  });

  it('refuses a file that is not a kind config, or is missing, and writes nothing', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'pod.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\n');
    const want = { gates: { enable: ['HyperVL1VH'], disable: [] } };
    await expect(runResult(kindOpts(dir, file, { want, pathShown: 'pod.yaml' }))).rejects.toThrow(
      'pod.yaml: not a kind cluster config; expected kind: Cluster and apiVersion: kind.x-k8s.io/v1alpha4',
    );
    expect(readFileSync(file, 'utf8')).toBe('apiVersion: v1\nkind: Pod\n');
    await expect(
      runResult(kindOpts(dir, path.join(dir, 'nope.yaml'), { want, pathShown: 'nope.yaml' })),
    ).rejects.toThrow('input "path": kind config "nope.yaml" does not exist');
  });
});
