import { describe, expect, it } from '@jest/globals';
import { parseState } from '../../actions/toggle-feature-gate/state.js';

// The post step's check of what the main step saved: the runner hands the state back as text,
// so every field is checked before it is used, and a wrong one is named.

const live = {
  kind: 'live',
  target: 'kubevirt',
  connection: { kind: 'kubeconfig', file: '/ws/kubeconfig', context: 'ci' },
  path: '/apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts/kubevirt',
  object: 'KubeVirt kubevirt/kubevirt',
  previous: { '/spec/configuration/developerConfiguration/featureGates': ['A'] },
  set: { '/spec/configuration/developerConfiguration/featureGates': ['A', 'B'] },
  pointers: ['/spec/configuration/developerConfiguration/featureGates'],
  wait: true,
  timeoutMs: 300_000,
};
const files = {
  kind: 'files',
  target: 'overlay',
  files: {
    before: [{ file: '/ws/deploy/dev/virt-ci-feature-gates.yaml', content: null }],
    written: [{ file: '/ws/deploy/dev/virt-ci-feature-gates.yaml', content: 'kind: KubeVirt\n' }],
  },
};

describe('saved state', () => {
  it('reads back what the main step saves', () => {
    expect(parseState(structuredClone(live))).toEqual(live);
    expect(parseState(structuredClone(files))).toEqual(files);
    const inCluster = { ...live, connection: { kind: 'in-cluster' } };
    expect(parseState(inCluster)).toEqual(inCluster);
    // $KUBECONFIG merged from several files: the post step merges the same ones.
    const merged = {
      ...live,
      connection: { ...live.connection, files: ['/ws/kubeconfig', '/home/u/.kube/extra'] },
    };
    expect(parseState(structuredClone(merged))).toEqual(merged);
  });

  it.each([
    [null, 'the saved state\'s data is "null", not an object'],
    [{ kind: 'other' }, `the saved state's data.kind is "other", not live or files`],
    [{ ...live, target: 'xen' }, `the saved state's data.target is "xen", not one of kubevirt |`],
    [
      { ...live, connection: { kind: 'kubeconfig', context: 'ci' } },
      "the saved state's data.connection.file is missing (expected a string)",
    ],
    [
      { ...live, connection: { ...live.connection, files: ['/a', 3] } },
      `the saved state's data.connection.files is "[\\"/a\\",3]", not a list of file paths`,
    ],
    [
      { ...live, connection: { kind: 'token' } },
      `the saved state's data.connection.kind is "token", not kubeconfig or in-cluster`,
    ],
    [{ ...live, path: 'kubevirts/kubevirt' }, "the saved state's data.path is"],
    [
      { ...live, pointers: ['spec'] },
      `the saved state's data.pointers[0] is "spec", not a JSON pointer`,
    ],
    [{ ...live, previous: [] }, 'the saved state\'s data.previous is "[]", not an object'],
    [{ ...live, wait: 'yes' }, `the saved state's data.wait is "yes", not true or false`],
    [{ ...live, timeoutMs: -1 }, `the saved state's data.timeoutMs is "-1", not a positive number`],
    [
      { ...files, files: { before: [{ file: '/x', content: 3 }], written: [] } },
      `the saved state's data.files.before[0].content is "3", not a string or null`,
    ],
  ])('names what is wrong: %j', (data, message) => {
    expect(() => parseState(data)).toThrow(`toggle-feature-gate (post): ${message}`);
  });
});
