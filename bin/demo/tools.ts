import os from 'node:os';
import { qemuBinary } from '../../actions/setup-hypervisor/verify.js';
import { findExecutable } from '../../shared/exec.js';

/**
 * The real tools some demo steps need and the one command that installs each. A step looks
 * its tool up on PATH, as the action or the test would when it spawns it, so the demo can
 * show the step as skipped, with the way to get the tool, instead of failing it.
 */
const QEMU = `sudo apt-get install -y ${os.arch() === 'arm64' ? 'qemu-system-arm' : 'qemu-system-x86'} qemu-utils`;
// Debian's own kubernetes-client carries a kustomize too old for the overlay's patches.
const KUBECTL =
  'sudo apt-get install -y kubectl, from the Kubernetes apt repository (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/)';

export const INSTALL: Record<string, string> = {
  kubectl: KUBECTL,
  'qemu-img': QEMU,
  'qemu-system-x86_64': QEMU,
  'qemu-system-aarch64': QEMU,
};

/** The QEMU system emulator setup-hypervisor checks the accelerator with on this machine. */
export const QEMU_SYSTEM = qemuBinary();

export function onPath(tool: string, searchPath = process.env.PATH ?? ''): boolean {
  return findExecutable(tool, searchPath) !== undefined;
}

/** Why a tool cannot be used here and how to get it, in one line; undefined when it is on PATH. */
export function absent(tool: string): string | undefined {
  return onPath(tool) ? undefined : notOnPath(tool);
}

export function notOnPath(tool: string): string {
  const install = INSTALL[tool];
  return `${tool} is not on PATH${install ? `; install: ${install}` : ''}`;
}
