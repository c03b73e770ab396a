import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { restoreFiles } from '../../actions/toggle-feature-gate/files.js';
import { PATCH_FILE } from '../../actions/toggle-feature-gate/overlay.js';
import { run } from '../../actions/toggle-feature-gate/toggle-feature-gate.js';
import {
  devConfig,
  kustomize,
  options,
  overlayWorkspace,
  runResult,
  testDeps,
} from './support/helpers.js';
import { requireTools } from '../support/tools.js';

requireTools('kubectl');

// The overlay target on real files, rendered by the real `kubectl kustomize`, both to read
// the current state and to check the result.

function overlayOpts(ws: string, over: Parameters<typeof options>[0] = {}) {
  return options({
    target: 'overlay',
    workspace: ws,
    path: path.join(ws, 'deploy', 'dev'),
    pathShown: 'deploy/dev',
    ...over,
  });
}

describe('overlay target', () => {
  it('adds a patch and a kustomization entry so kustomize renders the gates', async () => {
    const ws = overlayWorkspace();
    const dev = path.join(ws, 'deploy', 'dev');
    const r = await runResult(
      overlayOpts(ws, {
        want: { gates: { enable: ['HyperVL1VH'], disable: ['Snapshot', 'LiveMigration'] } },
      }),
    );
    expect(r.changed).toBe(true);
    expect(r.before).toEqual({
      HyperVL1VH: 'default',
      Snapshot: 'enabled',
      LiveMigration: 'default',
    });
    expect(r.after).toEqual({
      HyperVL1VH: 'enabled',
      Snapshot: 'disabled',
      LiveMigration: 'disabled',
    });
    const [kv] = kustomize(dev);
    expect(devConfig(kv)).toEqual({
      featureGates: ['DataVolumes', 'HyperVL1VH'],
      disabledFeatureGates: ['Snapshot', 'LiveMigration'],
    });
    // The rest of the CR and the overlay's own changes are untouched.
    expect((kv.metadata as { labels: object }).labels).toEqual({
      'virt-ci.dev/environment': 'dev',
    });
    expect((kv.spec as { imagePullPolicy: string }).imagePullPolicy).toBe('IfNotPresent');
    const kust = readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8');
    expect(kust).toContain('# The dev environment');
    expect(kust).toContain('- ../base # shared with every environment');
    expect(parseYaml(kust).patches).toEqual([{ path: PATCH_FILE }]);
    expect(r.previous).toEqual({
      '/spec/configuration/developerConfiguration/featureGates': ['DataVolumes', 'Snapshot'],
    });
    expect(r.patch.some((op) => op.op === 'test')).toBe(true);
  });

  it('changes nothing on a second identical run and says so', async () => {
    const ws = overlayWorkspace();
    const o = overlayOpts(ws, { want: { gates: { enable: ['HyperVL1VH'], disable: [] } } });
    await runResult(o);
    const dev = path.join(ws, 'deploy', 'dev');
    const files = ['kustomization.yaml', PATCH_FILE].map((f) =>
      readFileSync(path.join(dev, f), 'utf8'),
    );
    const again = await runResult(o);
    expect(again.changed).toBe(false);
    expect(again.patch).toEqual([]);
    expect(
      ['kustomization.yaml', PATCH_FILE].map((f) => readFileSync(path.join(dev, f), 'utf8')),
    ).toEqual(files);
  });

  it('updates its own patch file on a later toggle, keeping one kustomization entry', async () => {
    const ws = overlayWorkspace();
    const dev = path.join(ws, 'deploy', 'dev');
    await runResult(overlayOpts(ws, { want: { gates: { enable: ['HyperVL1VH'], disable: [] } } }));
    const r = await runResult(
      overlayOpts(ws, { want: { gates: { enable: [], disable: ['HyperVL1VH'] } } }),
    );
    expect(r.before).toEqual({ HyperVL1VH: 'enabled' });
    const [kv] = kustomize(dev);
    expect(devConfig(kv)).toEqual({
      featureGates: ['DataVolumes', 'Snapshot'],
      disabledFeatureGates: ['HyperVL1VH'],
    });
    expect(
      parseYaml(readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8')).patches,
    ).toHaveLength(1);
  });

  it('sets useEmulation and the hypervisor list in the same patch', async () => {
    const ws = overlayWorkspace();
    await runResult(
      overlayOpts(ws, {
        want: {
          gates: { enable: ['ConfigurableHypervisor'], disable: [] },
          emulation: true,
          hypervisor: 'hyperv-direct',
        },
      }),
    );
    const [kv] = kustomize(path.join(ws, 'deploy', 'dev'));
    expect(devConfig(kv)).toMatchObject({ useEmulation: true });
    expect(
      (kv.spec as { configuration: { hypervisors: unknown } }).configuration.hypervisors,
    ).toEqual([{ name: 'hyperv-direct' }]);
  });

  it('warns when a non-KVM hypervisor is set without the ConfigurableHypervisor gate', async () => {
    const ws = overlayWorkspace();
    const r = await runResult(
      overlayOpts(ws, {
        want: { gates: { enable: [], disable: [] }, hypervisor: 'hyperv-direct' },
      }),
    );
    expect(r.warnings).toEqual([
      'hypervisor hyperv-direct is only honoured with the ConfigurableHypervisor gate enabled; add ConfigurableHypervisor=true to gates',
    ]);
  });

  it('on a dry run shows the files it would write and writes none', async () => {
    const ws = overlayWorkspace();
    const dev = path.join(ws, 'deploy', 'dev');
    const before = readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8');
    const r = await runResult(
      overlayOpts(ws, { dryRun: true, want: { gates: { enable: ['HyperVL1VH'], disable: [] } } }),
    );
    expect(r.changed).toBe(true);
    expect(r.files.map((f) => f.file).sort()).toEqual([
      'deploy/dev/kustomization.yaml',
      `deploy/dev/${PATCH_FILE}`,
    ]);
    expect(r.files.find((f) => f.file.endsWith(PATCH_FILE))?.content).toContain('- HyperVL1VH');
    expect(existsSync(path.join(dev, PATCH_FILE))).toBe(false);
    expect(readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8')).toBe(before);
  });

  it('puts the overlay back when a later patch overrides the gates, and says why', async () => {
    const ws = overlayWorkspace();
    const dev = path.join(ws, 'deploy', 'dev');
    // A patch listed after ours pins the list: kustomize renders it, not our change.
    writeFileSync(
      path.join(dev, 'pin.yaml'),
      'apiVersion: kubevirt.io/v1\nkind: KubeVirt\nmetadata: {name: kubevirt, namespace: kubevirt}\nspec: {configuration: {developerConfiguration: {featureGates: [DataVolumes]}}}\n',
    );
    const kfile = path.join(dev, 'kustomization.yaml');
    writeFileSync(
      kfile,
      readFileSync(kfile, 'utf8') + `patches:\n  - path: ${PATCH_FILE}\n  - path: pin.yaml\n`,
    );
    writeFileSync(
      path.join(dev, PATCH_FILE),
      'apiVersion: kubevirt.io/v1\nkind: KubeVirt\nmetadata: {name: kubevirt, namespace: kubevirt}\n',
    );
    const kBefore = readFileSync(kfile, 'utf8');
    const pBefore = readFileSync(path.join(dev, PATCH_FILE), 'utf8');
    await expect(
      runResult(overlayOpts(ws, { want: { gates: { enable: ['HyperVL1VH'], disable: [] } } })),
    ).rejects.toThrow(
      `overlay "deploy/dev": after writing ${PATCH_FILE}, kubectl kustomize still renders other values at /spec/configuration/developerConfiguration/featureGates (a later patch overrides them?); the overlay was put back`,
    );
    expect(readFileSync(kfile, 'utf8')).toBe(kBefore);
    expect(readFileSync(path.join(dev, PATCH_FILE), 'utf8')).toBe(pBefore);
  });

  it('restores the files it wrote, and leaves alone a file changed since', async () => {
    const ws = overlayWorkspace();
    const dev = path.join(ws, 'deploy', 'dev');
    const kBefore = readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8');
    // What the post step is given: the state the run returns.
    const { state } = await run(
      overlayOpts(ws, { restore: true, want: { gates: { enable: ['HyperVL1VH'], disable: [] } } }),
      testDeps(),
    );
    expect(state?.kind).toBe('files');
    if (state?.kind !== 'files') return;
    const copy = structuredClone(state.files);
    expect(restoreFiles(state.files)).toEqual({
      restored: [path.join(dev, 'kustomization.yaml'), path.join(dev, PATCH_FILE)],
      skipped: [],
    });
    expect(readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8')).toBe(kBefore);
    expect(existsSync(path.join(dev, PATCH_FILE))).toBe(false);
    // Run again, then someone edits the kustomization: only the patch file is put back.
    const { state: state2 } = await run(
      overlayOpts(ws, { restore: true, want: { gates: { enable: ['HyperVL1VH'], disable: [] } } }),
      testDeps(),
    );
    if (state2?.kind !== 'files') throw new Error('no restore state');
    writeFileSync(
      path.join(dev, 'kustomization.yaml'),
      readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8') + '# edited\n',
    );
    expect(restoreFiles(state2.files).skipped).toEqual([path.join(dev, 'kustomization.yaml')]);
    expect(copy.before).toHaveLength(2);
  });

  it('edits an overlay with namePrefix, nameSuffix and namespace: the patch targets the CR as kustomize matches it', async () => {
    const ws = overlayWorkspace();
    const dev = path.join(ws, 'deploy', 'dev');
    const kfile = path.join(dev, 'kustomization.yaml');
    writeFileSync(
      kfile,
      readFileSync(kfile, 'utf8') + 'namePrefix: dev-\nnameSuffix: -a\nnamespace: kv-dev\n',
    );
    const r = await runResult(
      overlayOpts(ws, { want: { gates: { enable: ['HyperVL1VH'], disable: ['Snapshot'] } } }),
    );
    expect(r.changed).toBe(true);
    const [kv] = kustomize(dev);
    expect(kv.metadata).toMatchObject({ name: 'dev-kubevirt-a', namespace: 'kv-dev' });
    expect(devConfig(kv)).toEqual({
      featureGates: ['DataVolumes', 'HyperVL1VH'],
      disabledFeatureGates: ['Snapshot'],
    });
    expect(parseYaml(readFileSync(kfile, 'utf8')).patches).toEqual([
      { path: PATCH_FILE, target: { group: 'kubevirt.io', kind: 'KubeVirt', name: 'kubevirt' } },
    ]);
    // The rendered name is accepted too.
    const again = await runResult(
      overlayOpts(ws, {
        name: 'dev-kubevirt-a',
        want: { gates: { enable: ['HyperVL1VH'], disable: [] } },
      }),
    );
    expect(again.changed).toBe(false);
  });

  it('takes the gate operations out of a legacy patchesJson6902 (applied after patches), keeping what they did', async () => {
    const ws = overlayWorkspace();
    const dev = path.join(ws, 'deploy', 'dev');
    const kfile = path.join(dev, 'kustomization.yaml');
    const ops = [
      '- op: add',
      '  path: /spec/configuration/developerConfiguration/featureGates/-',
      '  value: NUMA',
      '- op: replace',
      '  path: /spec/imagePullPolicy',
      '  value: Always',
      '',
    ].join('\n');
    writeFileSync(path.join(dev, 'json6902.yaml'), ops);
    writeFileSync(
      kfile,
      readFileSync(kfile, 'utf8') +
        [
          'patchesJson6902:',
          '  - target: {group: kubevirt.io, version: v1, kind: KubeVirt, name: kubevirt}',
          '    path: json6902.yaml',
          'patches:',
          '  - target: {kind: KubeVirt}',
          '    patch: |-',
          '      - op: add',
          '        path: /spec/configuration/developerConfiguration/featureGates/-',
          '        value: CPUManager',
          '',
        ].join('\n'),
    );
    const kBefore = readFileSync(kfile, 'utf8');
    const { state, result } = await run(
      overlayOpts(ws, {
        restore: true,
        want: { gates: { enable: ['HyperVL1VH'], disable: ['Snapshot'] } },
      }),
      testDeps(),
    );
    expect(result?.before).toEqual({ HyperVL1VH: 'default', Snapshot: 'enabled' });
    const [kv] = kustomize(dev);
    expect(devConfig(kv)).toEqual({
      featureGates: ['DataVolumes', 'CPUManager', 'NUMA', 'HyperVL1VH'],
      disabledFeatureGates: ['Snapshot'],
    });
    // Their other operation stays; the gate operations are gone (the inline patch, left
    // empty, is no longer listed).
    expect((kv.spec as { imagePullPolicy: string }).imagePullPolicy).toBe('Always');
    expect(parseYaml(readFileSync(path.join(dev, 'json6902.yaml'), 'utf8'))).toEqual([
      { op: 'replace', path: '/spec/imagePullPolicy', value: 'Always' },
    ]);
    expect(parseYaml(readFileSync(kfile, 'utf8')).patches).toEqual([{ path: PATCH_FILE }]);
    if (state?.kind !== 'files') throw new Error('no restore state');
    restoreFiles(state.files);
    expect(readFileSync(kfile, 'utf8')).toBe(kBefore);
    expect(readFileSync(path.join(dev, 'json6902.yaml'), 'utf8')).toBe(ops);
  });

  it('fails a missing overlay, a folder with no kustomization and a missing KubeVirt in one line each', async () => {
    const ws = overlayWorkspace();
    const want = { gates: { enable: ['HyperVL1VH'], disable: [] } };
    await expect(
      runResult(overlayOpts(ws, { want, path: path.join(ws, 'nope'), pathShown: 'nope' })),
    ).rejects.toThrow('input "path": overlay "nope" does not exist or is not a folder');
    await expect(runResult(overlayOpts(ws, { want, path: ws, pathShown: '.' }))).rejects.toThrow(
      'input "path": overlay "." has no kustomization.yaml / kustomization.yml / Kustomization',
    );
    await expect(runResult(overlayOpts(ws, { want, name: 'other' }))).rejects.toThrow(
      'overlay "deploy/dev": renders no KubeVirt named "other"; found: kubevirt',
    );
  });

  it("reports a broken overlay with kustomize's own reason", async () => {
    const ws = overlayWorkspace();
    writeFileSync(
      path.join(ws, 'deploy', 'dev', 'kustomization.yaml'),
      'resources:\n  - ../missing\n',
    );
    await expect(
      runResult(overlayOpts(ws, { want: { gates: { enable: ['HyperVL1VH'], disable: [] } } })),
    ).rejects.toThrow(/^overlay "deploy\/dev": kubectl kustomize failed: .*missing/);
  });
});
