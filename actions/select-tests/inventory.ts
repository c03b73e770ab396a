import { readFileSync } from 'node:fs';
import { UserError, quote } from '../../shared/errors.js';
import { titleLabels } from '../../shared/labels/compose.js';
import type { FoundFile } from './files.js';

/** One test the suite knows about: its id (what runners select by) and its labels. */
export interface InventoryTest {
  id: string;
  /** Shared between tests where they are the same: never changed in place. */
  labels: readonly string[];
  /**
   * Ginkgo's suite description, when known: Ginkgo matches --focus and --skip against
   * "<suite description> <spec text>", not the spec text alone.
   */
  suite?: string;
}

export type InventoryFormat = 'ginkgo' | 'junit' | 'list';

export interface Inventory {
  tests: InventoryTest[];
  formats: InventoryFormat[];
  files: string[];
  /**
   * Each test's position in `tests`, by id: made to find ids seen twice, and kept so that
   * reading timings needs no index of its own. Absent once `tests` is changed (go's leaves).
   */
  positions?: Positions;
}

/** Where each id is in a list of tests. */
export interface Positions {
  /** The id's position, or undefined for an id not in the list. */
  get(id: string): number | undefined;
}

const HASH_START = 0x811c9dc5 | 0;

/** FNV-1a over UTF-16 code units, from `h` on: an id made of texts is hashed text by text. */
function hashOn(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** The hash, its bits mixed for the table's index; never 0, which marks a free slot. */
function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) | 1;
}

const idHash = (id: string) => finish(hashOn(HASH_START, id));

/**
 * The inventory's tests by id: open addressing over one Int32Array of (hash, position)
 * pairs. Not a Map, for a large suite: the hashes are made from the report's flat texts as
 * the ids are (a Map hashes each id again, walking its rope), a probe reads a few adjacent
 * numbers rather than entries and keys spread over the heap, and growing it leaves no
 * garbage. Together about half of what a Map of 100k ids costs.
 */
class IdIndex implements Positions {
  private slots = new Int32Array(2 * 1024);
  private mask = 1023;
  private count = 0;

  constructor(private readonly tests: readonly InventoryTest[]) {}

  get(id: string): number | undefined {
    const at = this.find(id, idHash(id));
    return at < 0 ? undefined : at;
  }

  /** Records `at` as the position of `id` (hash `hash`) if it has none: its position, or -1. */
  add(id: string, hash: number, at: number): number {
    const seen = this.find(id, hash);
    if (seen >= 0) return seen;
    if (2 * (this.count + 1) > this.mask + 1) this.grow();
    let slot = hash & this.mask;
    while (this.slots[2 * slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = at;
    this.count++;
    return -1;
  }

  private find(id: string, hash: number): number {
    const { slots, mask } = this;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const h = slots[2 * slot];
      if (h === 0) return -1;
      if (h === hash && this.tests[slots[2 * slot + 1]].id === id) return slots[2 * slot + 1];
    }
  }

  private grow(): void {
    const old = this.slots;
    this.mask = 2 * this.mask + 1;
    this.slots = new Int32Array(2 * (this.mask + 1));
    for (let k = 0; k < old.length; k += 2) {
      if (old[k] === 0) continue;
      let slot = old[k] & this.mask;
      while (this.slots[2 * slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[2 * slot] = old[k];
      this.slots[2 * slot + 1] = old[k + 1];
    }
  }
}

/**
 * Ginkgo writes JUnit names as `[It] container text leaf text [label, label]`; the id is the
 * spec's full text, the same as in its JSON report, and the bracketed labels are its labels.
 * As a regex: `^\[(It|Entry|Measure)\] (.*?)(?: \[([^\]]*)\])?$` with the `s` flag; split by
 * hand below, since timings read it for every testcase of a large suite. The prefix's length,
 * or 0 for another name:
 */
function ginkgoPrefix(name: string): number {
  if (name.charCodeAt(0) !== 0x5b /* [ */) return 0;
  switch (name.charCodeAt(1)) {
    case 0x49 /* I */:
      return name.startsWith('[It] ') ? 5 : 0;
    case 0x45 /* E */:
      return name.startsWith('[Entry] ') ? 8 : 0;
    case 0x4d /* M */:
      return name.startsWith('[Measure] ') ? 10 : 0;
    default:
      return 0;
  }
}

/**
 * Where the spec text and the labels are in a Ginkgo JUnit name: false for another name, else
 * true with the offsets in `bounds` (labels -1 for none). Offsets in one shared record, so
 * that reading the text of every testcase of a large report makes the text and nothing else.
 */
const bounds = { start: 0, end: 0, labels: -1 };

function ginkgoBounds(name: string): boolean {
  const start = ginkgoPrefix(name);
  if (start === 0) return false;
  const last = name.length - 1;
  bounds.start = start;
  bounds.end = name.length;
  bounds.labels = -1;
  if (last < start || name.charCodeAt(last) !== 93 /* ] */) return true;
  // The shortest text: the first " [" after the last "]" but the final one.
  const p = name.indexOf(' [', Math.max(start, name.lastIndexOf(']', last - 1) + 1));
  if (p < 0 || p + 1 > last - 1) return true;
  bounds.end = p;
  bounds.labels = p + 2;
  return true;
}

function splitGinkgoJUnitName(name: string): { text: string; labels?: string } | undefined {
  if (!ginkgoBounds(name)) return undefined;
  const text = name.slice(bounds.start, bounds.end);
  return bounds.labels < 0
    ? { text }
    : { text, labels: name.slice(bounds.labels, name.length - 1) };
}

/**
 * Ginkgo also writes its suite-level nodes as test cases (`[SynchronizedBeforeSuite]`,
 * `[ReportAfterSuite] Autogenerated ReportAfterSuite for --junit-report`...): not specs.
 */
const GINKGO_SUITE_NODE =
  /^\[(?:BeforeSuite|SynchronizedBeforeSuite|AfterSuite|SynchronizedAfterSuite|ReportBeforeSuite|ReportAfterSuite|DeferCleanup \(Suite\))\](?: |$)/;

/** The spec text of a Ginkgo JUnit name, or undefined for another name. */
export function ginkgoSpecText(name: string): string | undefined {
  return ginkgoBounds(name) ? name.slice(bounds.start, bounds.end) : undefined;
}

export function parseGinkgoJUnitName(name: string): InventoryTest | undefined {
  const m = splitGinkgoJUnitName(name);
  if (!m) return undefined;
  const labels = m.labels ? m.labels.split(', ').filter((l) => l !== '') : [];
  return { id: m.text, labels };
}

interface GinkgoSpecReport {
  ContainerHierarchyTexts?: string[] | null;
  ContainerHierarchyLabels?: (string[] | null)[] | null;
  LeafNodeType?: string;
  LeafNodeText?: string;
  LeafNodeLabels?: string[] | null;
  State?: string;
}

interface GinkgoReport {
  SuiteDescription?: string;
  SuiteLabels?: string[] | null;
  SpecReports?: GinkgoSpecReport[] | null;
}

function isGinkgoReport(doc: unknown): doc is GinkgoReport[] {
  return (
    Array.isArray(doc) &&
    doc.length > 0 &&
    doc.every((r) => r !== null && typeof r === 'object' && 'SpecReports' in r)
  );
}

/**
 * A spec's labels, as one list per distinct set: the suite's, the containers' and the spec's
 * own, each once, in the order first seen. The lists are the paths of a tree, a label a step,
 * so the specs of a suite, which share a few sets, share their lists too.
 */
interface LabelList {
  labels: readonly string[];
  next?: Map<string, LabelList>;
}

function withLabel(list: LabelList, label: string): LabelList {
  if (list.labels.includes(label)) return list;
  list.next ??= new Map();
  let next = list.next.get(label);
  if (!next) list.next.set(label, (next = { labels: [...list.labels, label] }));
  return next;
}

function withLabels(list: LabelList, labels: readonly string[] | null | undefined): LabelList {
  if (!labels?.length) return list;
  for (const label of labels) list = withLabel(list, label);
  return list;
}

// Long because it is one pass over a report that may hold 100k specs: nothing is made per
// spec but its record, its id and its hash, and the label lists are shared (above). An id of
// several texts is concatenated, a rope of them: join() would make it flat, but takes four
// times the memory, most of it garbage made while the parsed report is alive, which the
// collector then copies. A rope is stored and hashed as it is; V8 makes it flat where it is
// first read character by character (compared, or made a pattern of), if ever.
function fromGinkgo(
  reports: GinkgoReport[],
  display: string,
): { tests: InventoryTest[]; hashes: Int32Array } {
  const out: InventoryTest[] = [];
  let hashes = new Int32Array(1024);
  const noLabels: LabelList = { labels: [] };
  for (let r = 0; r < reports.length; r++) {
    const report = reports[r];
    const suite = report.SuiteDescription ?? '';
    const suiteLabels = withLabels(noLabels, report.SuiteLabels);
    const specs = report.SpecReports ?? [];
    for (let s = 0; s < specs.length; s++) {
      const spec = specs[s];
      // Suite set-up nodes (BeforeSuite, ReportAfterSuite...) are reports too, not specs.
      if (spec.LeafNodeType !== undefined && spec.LeafNodeType !== 'It') continue;
      if (spec.State === 'pending') continue;
      const leaf = spec.LeafNodeText;
      if (typeof leaf !== 'string') {
        throw new UserError(
          `${display}: [${r}].SpecReports[${s}] has no LeafNodeText; is this a Ginkgo JSON report?`,
        );
      }
      // The id: the non-empty texts, the containers' then the spec's, joined by spaces.
      let id = '';
      let hash = HASH_START;
      for (const t of spec.ContainerHierarchyTexts ?? []) {
        if (t === '') continue;
        if (id === '') id = t;
        else {
          id = `${id} ${t}`;
          hash = hashOn(hash, ' ');
        }
        hash = hashOn(hash, t);
      }
      if (leaf !== '') {
        if (id === '') id = leaf;
        else {
          id = `${id} ${leaf}`;
          hash = hashOn(hash, ' ');
        }
        hash = hashOn(hash, leaf);
      }
      if (out.length === hashes.length) {
        const more = new Int32Array(2 * hashes.length);
        more.set(hashes);
        hashes = more;
      }
      hashes[out.length] = finish(hash);
      let labels = suiteLabels;
      const levels = spec.ContainerHierarchyLabels ?? [];
      for (let l = 0; l < levels.length; l++) labels = withLabels(labels, levels[l]);
      labels = withLabels(labels, spec.LeafNodeLabels);
      out.push({ id, labels: labels.labels, suite });
    }
  }
  return { tests: out, hashes };
}

function fromList(doc: unknown, display: string): InventoryTest[] {
  const items =
    doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'tests' in doc
      ? (doc as { tests: unknown }).tests
      : doc;
  if (!Array.isArray(items)) {
    throw new UserError(
      `${display}: not an inventory; allowed: a Ginkgo JSON report (--dry-run --json-report), JUnit XML, or a list of {id, labels}`,
    );
  }
  return items.map((item, i) => {
    if (typeof item === 'string') return { id: item, labels: titleLabels(item) };
    const entry = item as { id?: unknown; labels?: unknown };
    if (
      item === null ||
      typeof item !== 'object' ||
      typeof entry.id !== 'string' ||
      entry.id === ''
    ) {
      throw new UserError(
        `${display}: entry ${i + 1} has no "id" string; allowed: {id: "...", labels: [...]} or a plain id`,
      );
    }
    const labels = entry.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
      throw new UserError(
        `${display}: entry ${i + 1} (${quote(entry.id)}): "labels" must be a list of strings`,
      );
    }
    return { id: entry.id, labels: union(labels as string[], titleLabels(entry.id)) };
  });
}

async function fromJUnit(found: FoundFile): Promise<InventoryTest[]> {
  const out: InventoryTest[] = [];
  // The XML reader loads only when there is JUnit to read.
  const { readJUnitFile } = await import('../../shared/junit/reader.js');
  await readJUnitFile(
    found.file,
    {
      onCase: (tc) => {
        if (GINKGO_SUITE_NODE.test(tc.name)) return;
        // Ginkgo's JUnit reporter writes the suite description as the classname.
        const ginkgo = parseGinkgoJUnitName(tc.name);
        // Other runners have no labels: a title carries them as @name tags.
        // jest-junit writes a top-level test as " title": the name the runner matches is trimmed.
        const id = tc.name.trim();
        out.push(ginkgo ? { ...ginkgo, suite: tc.classname } : { id, labels: titleLabels(id) });
      },
    },
    found.display,
  );
  return out;
}

async function readInventoryFile(
  found: FoundFile,
): Promise<{ tests: InventoryTest[]; format: InventoryFormat; hashes?: Int32Array }> {
  const lower = found.file.toLowerCase();
  if (lower.endsWith('.xml')) return { tests: await fromJUnit(found), format: 'junit' };
  let text: string;
  try {
    text = readFileSync(found.file, 'utf8');
  } catch (err) {
    throw new UserError(`${found.display}: cannot be read: ${(err as Error).message}`);
  }
  if (/^\s*</.test(text)) return { tests: await fromJUnit(found), format: 'junit' };
  let doc: unknown;
  try {
    // The YAML parser is loaded only for a YAML inventory: JSON, the common case, needs none.
    doc = lower.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (err) {
    throw new UserError(
      `${found.display}: not valid ${lower.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (isGinkgoReport(doc)) return { ...fromGinkgo(doc, found.display), format: 'ginkgo' };
  return { tests: fromList(doc, found.display), format: 'list' };
}

/** Read every file; an id seen twice (a spec in two reports) is one test with both label sets. */
export async function readInventory(files: readonly FoundFile[]): Promise<Inventory> {
  const tests: InventoryTest[] = [];
  const byId = new IdIndex(tests);
  const formats = new Set<InventoryFormat>();
  for (const found of files) {
    const read = await readInventoryFile(found);
    formats.add(read.format);
    for (let k = 0; k < read.tests.length; k++) {
      const t = read.tests[k];
      const at = byId.add(t.id, read.hashes ? read.hashes[k] : idHash(t.id), tests.length);
      if (at < 0) {
        // The readers' objects are this inventory's own: kept as they are, not copied.
        tests.push(t);
        continue;
      }
      const seen = tests[at];
      // A new array: a reader may share one labels array between tests.
      if (t.labels.some((l) => !seen.labels.includes(l)))
        seen.labels = union(seen.labels, t.labels);
    }
  }
  return { tests, formats: [...formats], files: files.map((f) => f.display), positions: byId };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/**
 * go test names a subtest `Parent/sub`, and runs the parent to reach it: a test with subtests
 * in the inventory is a container, not a test, and its labels are its subtests' too (as a
 * Ginkgo container's are its specs').
 */
export function goLeaves(tests: readonly InventoryTest[]): InventoryTest[] {
  const byId = new Map(tests.map((t) => [t.id, t]));
  const parents = new Set<string>();
  for (const t of tests) {
    for (let i = t.id.indexOf('/'); i > 0; i = t.id.indexOf('/', i + 1)) {
      if (byId.has(t.id.slice(0, i))) parents.add(t.id.slice(0, i));
    }
  }
  if (parents.size === 0) return [...tests];
  return tests
    .filter((t) => !parents.has(t.id))
    .map((t) => {
      const inherited: string[] = [];
      for (let i = t.id.indexOf('/'); i > 0; i = t.id.indexOf('/', i + 1)) {
        inherited.push(...(byId.get(t.id.slice(0, i))?.labels ?? []));
      }
      return inherited.length ? { ...t, labels: union(inherited, t.labels) } : t;
    });
}
