// Generated from action.yml by `npm run docs`; do not edit. A test fails when it drifts.
export const INPUTS = ['profile', 'environment', 'mode', 'fallback', 'packages', 'cache', 'start-libvirt', 'device-access', 'verify', 'kvm-device', 'mshv-device', 'gates', 'target', 'namespace', 'name', 'kubeconfig', 'path', 'emulation', 'hypervisor', 'resource', 'pointer', 'format', 'wait', 'timeout', 'restore', 'dry-run', 'label-filter', 'focus', 'skip', 'runner', 'inventory', 'pr-labels', 'token', 'quarantine', 'history', 'rerun', 'shard-count', 'shard-index', 'timings', 'fail-on-empty'] as const;
export type Input = (typeof INPUTS)[number];
export const OUTPUTS = ['hypervisor', 'accelerator', 'emulation', 'device', 'nested', 'qemu-version', 'libvirt-uri', 'cache-hit', 'changed', 'enabled', 'disabled', 'previous', 'generation', 'patch', 'label-filter', 'focus', 'skip', 'args', 'args-json', 'args-file', 'tests', 'count', 'total'] as const;
export type Output = (typeof OUTPUTS)[number];
