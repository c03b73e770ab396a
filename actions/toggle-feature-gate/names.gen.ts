// Generated from actions/toggle-feature-gate/action.yml by `npm run docs`; do not edit. A test fails when it drifts.
export const INPUTS = ['profile', 'environment', 'gates', 'target', 'namespace', 'name', 'kubeconfig', 'path', 'emulation', 'hypervisor', 'resource', 'pointer', 'format', 'wait', 'timeout', 'restore', 'dry-run'] as const;
export type Input = (typeof INPUTS)[number];
export const OUTPUTS = ['changed', 'enabled', 'disabled', 'previous', 'generation', 'patch'] as const;
export type Output = (typeof OUTPUTS)[number];
