// Generated from actions/setup-hypervisor/action.yml by `npm run docs`; do not edit. A test fails when it drifts.
export const INPUTS = ['profile', 'environment', 'mode', 'fallback', 'packages', 'cache', 'start-libvirt', 'device-access', 'verify', 'kvm-device', 'mshv-device'] as const;
export type Input = (typeof INPUTS)[number];
export const OUTPUTS = ['hypervisor', 'accelerator', 'emulation', 'device', 'nested', 'qemu-version', 'libvirt-uri', 'cache-hit'] as const;
export type Output = (typeof OUTPUTS)[number];
