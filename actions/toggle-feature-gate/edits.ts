import { UserError, quote } from '../../shared/errors.js';
import { editList, formatGateString, parseGateString, type GateRequest } from './gates.js';
import {
  clone,
  escapeToken,
  getAt,
  isObject,
  setAt,
  type Json,
  type JsonObject,
} from './json-patch.js';

/**
 * How each target's object holds gates, as pure functions from the object as read to the
 * object as wanted. Live targets and files share them, so a KubeVirt CR in a cluster and one
 * rendered from an overlay are changed by the same rules.
 */
export interface Wanted {
  gates: GateRequest;
  /** developerConfiguration.useEmulation (KubeVirt only). */
  emulation?: boolean;
  /** spec.configuration.hypervisors[0].name (KubeVirt only). */
  hypervisor?: string;
}

/** A gate's state as the object says it: on, off, or left to the component's default. */
export type GateState = 'enabled' | 'disabled' | 'default';

export interface Edit {
  /** Every pointer this edit may change; what restore puts back. */
  pointers: string[];
  desired: JsonObject;
  before: Record<string, GateState>;
  after: Record<string, GateState>;
  warnings: string[];
}

export const KV_DEV = '/spec/configuration/developerConfiguration';
export const KV_GATES = `${KV_DEV}/featureGates`;
export const KV_DISABLED = `${KV_DEV}/disabledFeatureGates`;
export const KV_EMULATION = `${KV_DEV}/useEmulation`;
export const KV_HYPERVISORS = '/spec/configuration/hypervisors';

export const HYPERVISOR_NAMES = ['kvm', 'hyperv-direct'] as const;

/** `mshv` is what the profile calls the Hyper-V direct stack KubeVirt names `hyperv-direct`. */
export function normalizeHypervisor(value: string): string {
  const v = value.trim().toLowerCase();
  const name = v === 'mshv' ? 'hyperv-direct' : v;
  if (!(HYPERVISOR_NAMES as readonly string[]).includes(name)) {
    throw new UserError(
      `input "hypervisor": ${quote(value)} is not a KubeVirt hypervisor; allowed: kvm | hyperv-direct (mshv)`,
    );
  }
  return name;
}

function stringList(obj: JsonObject, ptr: string, what: string): string[] {
  const v = getAt(obj, ptr);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new UserError(`${what}: ${ptr} is not a list of names`);
  }
  return v as string[];
}

function names(req: GateRequest): string[] {
  return [...req.enable, ...req.disable];
}

/**
 * KubeVirt: enabled = listed in featureGates; disabled = not there and listed in
 * disabledFeatureGates (beta gates are on unless listed there). Lists the object did not
 * have are only created when a name must go into them.
 */
export function editKubeVirt(obj: JsonObject, want: Wanted, what: string): Edit {
  const desired = clone(obj);
  const gates = stringList(obj, KV_GATES, what);
  const disabled = stringList(obj, KV_DISABLED, what);
  const state = (on: string[], off: string[]) =>
    Object.fromEntries(
      names(want.gates).map((n): [string, GateState] => [
        n,
        on.includes(n) ? 'enabled' : off.includes(n) ? 'disabled' : 'default',
      ]),
    );
  const newGates = editList(gates, want.gates.enable, want.gates.disable);
  const newDisabled = editList(disabled, want.gates.disable, want.gates.enable);
  if (getAt(obj, KV_GATES) !== undefined || newGates.length > 0) setAt(desired, KV_GATES, newGates);
  if (getAt(obj, KV_DISABLED) !== undefined || newDisabled.length > 0)
    setAt(desired, KV_DISABLED, newDisabled);
  const pointers = [KV_GATES, KV_DISABLED];
  const warnings: string[] = [];
  if (want.emulation !== undefined) {
    pointers.push(KV_EMULATION);
    setAt(desired, KV_EMULATION, want.emulation);
  }
  if (want.hypervisor !== undefined) {
    pointers.push(KV_HYPERVISORS);
    const current = getAt(obj, KV_HYPERVISORS);
    const already =
      Array.isArray(current) &&
      current.length === 1 &&
      isObject(current[0]) &&
      current[0].name === want.hypervisor;
    if (!already) setAt(desired, KV_HYPERVISORS, [{ name: want.hypervisor }]);
    if (want.hypervisor !== 'kvm' && !newGates.includes('ConfigurableHypervisor')) {
      warnings.push(
        `hypervisor ${want.hypervisor} is only honoured with the ConfigurableHypervisor gate enabled; add ConfigurableHypervisor=true to gates`,
      );
    }
  }
  return {
    pointers,
    desired,
    before: state(gates, disabled),
    after: state(newGates, newDisabled),
    warnings,
  };
}

/** CDI: `spec.config.featureGates` lists the enabled gates; anything else is off. */
export const CDI_GATES = '/spec/config/featureGates';

export function editCdi(obj: JsonObject, want: Wanted, what: string): Edit {
  return editListAt(obj, CDI_GATES, want, what);
}

export function editListAt(obj: JsonObject, ptr: string, want: Wanted, what: string): Edit {
  const list = stringList(obj, ptr, what);
  const next = editList(list, want.gates.enable, want.gates.disable);
  const desired = clone(obj);
  if (getAt(obj, ptr) !== undefined || next.length > 0) setAt(desired, ptr, next);
  const state = (l: string[]) =>
    Object.fromEntries(
      names(want.gates).map((n): [string, GateState] => [
        n,
        l.includes(n) ? 'enabled' : 'disabled',
      ]),
    );
  return { pointers: [ptr], desired, before: state(list), after: state(next), warnings: [] };
}

/** Each wanted gate with the value it should get: the enabled ones, then the disabled. */
function eachWanted(want: Wanted, fn: (name: string, on: boolean) => void): void {
  for (const n of want.gates.enable) fn(n, true);
  for (const n of want.gates.disable) fn(n, false);
}

/** A gate's state in a name→bool map: absent means the operator's default. */
function stateOf(v: unknown): GateState {
  return v === true ? 'enabled' : v === false ? 'disabled' : 'default';
}

/** A name→bool map at `ptr` (HCO's own gates, kind's featureGates). */
export function editMapAt(obj: JsonObject, ptr: string, want: Wanted, what: string): Edit {
  const map = getAt(obj, ptr);
  if (map !== undefined && map !== null && !isObject(map)) {
    throw new UserError(`${what}: ${ptr} is not a map of gate names to true/false`);
  }
  const desired = clone(obj);
  const pointers: string[] = [];
  const before: Record<string, GateState> = {};
  const after: Record<string, GateState> = {};
  eachWanted(want, (n, on) => {
    const p = `${ptr}/${escapeToken(n)}`;
    before[n] = stateOf(map ? map[n] : undefined);
    after[n] = on ? 'enabled' : 'disabled';
    pointers.push(p);
    setAt(desired, p, on);
  });
  return { pointers, desired, before, after, warnings: [] };
}

/** A `A=true,B=false` string at `ptr`, rewritten in place with the order kept. */
export function editStringAt(obj: JsonObject, ptr: string, want: Wanted, what: string): Edit {
  const v = getAt(obj, ptr);
  if (v !== undefined && v !== null && typeof v !== 'string') {
    throw new UserError(`${what}: ${ptr} is not a string`);
  }
  const map = parseGateString(v ?? '', `${what}: ${ptr}`);
  const before: Record<string, GateState> = {};
  const after: Record<string, GateState> = {};
  eachWanted(want, (n, on) => {
    before[n] = stateOf(map.get(n));
    after[n] = on ? 'enabled' : 'disabled';
    map.set(n, on);
  });
  const desired = clone(obj);
  const text = formatGateString(map);
  setAt(desired, ptr, text);
  return { pointers: [ptr], desired, before, after, warnings: [] };
}

/** Pick the editor for a value found at `ptr`, or the format asked for when nothing is there. */
export function editAuto(
  obj: JsonObject,
  ptr: string,
  want: Wanted,
  what: string,
  format: 'auto' | 'list' | 'map' | 'string',
): Edit {
  const v = getAt(obj, ptr);
  let f = format;
  if (f === 'auto') {
    f = Array.isArray(v) ? 'list' : isObject(v) ? 'map' : typeof v === 'string' ? 'string' : 'list';
  }
  if (f === 'list') return editListAt(obj, ptr, want, what);
  if (f === 'map') return editMapAt(obj, ptr, want, what);
  return editStringAt(obj, ptr, want, what);
}

/**
 * HCO: its own gates are a name→bool map in `spec.featureGates` (lowerCamelCase names such
 * as `downwardMetrics`); any other KubeVirt gate only reaches the KubeVirt CR HCO generates
 * through the `kubevirt.kubevirt.io/jsonpatch` annotation, a JSON patch HCO applies to it.
 * Enabling such a gate adds an `add .../featureGates/-` operation there; disabling removes
 * the operation this action (or anyone) added for that name — a gate HCO itself turns on
 * cannot be turned off this way.
 */
export const HCO_ANNOTATION = 'kubevirt.kubevirt.io/jsonpatch';
export const HCO_ANNOTATION_PTR = `/metadata/annotations/${escapeToken(HCO_ANNOTATION)}`;
export const HCO_GATES = '/spec/featureGates';
const KV_GATES_APPEND = `${KV_GATES}/-`;

function lcFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export function editHco(obj: JsonObject, want: Wanted, what: string): Edit {
  const hcoGates = getAt(obj, HCO_GATES);
  const own = isObject(hcoGates) ? hcoGates : {};
  const viaHco: GateRequest = { enable: [], disable: [] };
  const viaPatch: GateRequest = { enable: [], disable: [] };
  for (const n of want.gates.enable) (lcFirst(n) in own ? viaHco : viaPatch).enable.push(n);
  for (const n of want.gates.disable) (lcFirst(n) in own ? viaHco : viaPatch).disable.push(n);

  const mapped: GateRequest = {
    enable: viaHco.enable.map(lcFirst),
    disable: viaHco.disable.map(lcFirst),
  };
  const mapEdit = editMapAt(obj, HCO_GATES, { gates: mapped }, what);
  const desired = mapEdit.desired;
  const before: Record<string, GateState> = {};
  const after: Record<string, GateState> = {};
  for (const n of names(viaHco)) {
    before[n] = mapEdit.before[lcFirst(n)];
    after[n] = mapEdit.after[lcFirst(n)];
  }

  const raw = getAt(obj, HCO_ANNOTATION_PTR);
  let ops: Json[] = [];
  if (typeof raw === 'string' && raw.trim() !== '') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!Array.isArray(parsed)) throw new Error('not a list');
      ops = parsed as Json[];
    } catch {
      throw new UserError(
        `${what}: annotation ${HCO_ANNOTATION} is not a JSON patch list; fix or remove it first`,
      );
    }
  }
  const addsGate = (op: Json, n: string) =>
    isObject(op) && op.op === 'add' && op.path === KV_GATES_APPEND && op.value === n;
  const nextOps = ops.filter((op) => !viaPatch.disable.some((n) => addsGate(op, n)));
  for (const n of names(viaPatch)) {
    before[n] = ops.some((op) => addsGate(op, n)) ? 'enabled' : 'default';
  }
  for (const n of viaPatch.enable) {
    if (!nextOps.some((op) => addsGate(op, n)))
      nextOps.push({ op: 'add', path: KV_GATES_APPEND, value: n });
    after[n] = 'enabled';
  }
  for (const n of viaPatch.disable) after[n] = 'default';
  const pointers = [...mapEdit.pointers];
  if (names(viaPatch).length > 0) {
    pointers.push(HCO_ANNOTATION_PTR);
    const changed = nextOps.length !== ops.length || nextOps.some((op, i) => op !== ops[i]);
    if (changed) {
      setAt(desired, HCO_ANNOTATION_PTR, nextOps.length ? JSON.stringify(nextOps) : undefined);
    }
  }
  return { pointers, desired, before, after, warnings: [] };
}
