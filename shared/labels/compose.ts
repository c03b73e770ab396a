import { cleanLabel, type LabelExpr } from './filter.js';

/**
 * Building and translating label filters: joining scopes into one Ginkgo expression, and
 * spelling an expression for runners that have no label filter of their own.
 */

/** `a && b && ...` over the non-empty parts; a part with operators keeps its own parentheses. */
export function andFilters(parts: readonly string[]): string {
  const used = parts.map((p) => p.trim()).filter((p) => p !== '');
  if (used.length === 1) return used[0];
  return used.map((p) => (isAtom(p) ? p : `(${p})`)).join(' && ');
}

/** `a || b` over labels (already checked with cleanLabel). */
export function anyOf(labels: readonly string[]): string {
  return labels.length > 1 ? `(${labels.join(' || ')})` : (labels[0] ?? '');
}

/** `!a && !b` over labels. */
export function noneOf(labels: readonly string[]): string {
  return labels.map((l) => `!${l}`).join(' && ');
}

function isAtom(filter: string): boolean {
  return /^!?[^&|!,()/]+$/.test(filter) && !/:\s/.test(filter);
}

/**
 * pytest's `-m` marker expression (`and`, `or`, `not`, parentheses) for filters made only of
 * plain labels; undefined when the filter uses regexes or set operations, or a label is not
 * a marker name pytest can parse.
 */
export function toPytestMarkers(expr: LabelExpr): string | undefined {
  const walk = (e: LabelExpr, parent: number): string | undefined => {
    switch (e.kind) {
      case 'all':
        return undefined;
      case 'label':
        return /^[A-Za-z_][\w.:+\-[\]\\/]*$/.test(e.label) ? e.label : undefined;
      case 'not': {
        const inner = walk(e.expr, 3);
        return inner === undefined ? undefined : `not ${inner}`;
      }
      case 'and':
      case 'or': {
        const p = e.kind === 'and' ? 2 : 1;
        const l = walk(e.left, p);
        const r = walk(e.right, p);
        if (l === undefined || r === undefined) return undefined;
        const s = `${l} ${e.kind} ${r}`;
        return p < parent ? `(${s})` : s;
      }
      default:
        return undefined;
    }
  };
  return walk(expr, 0);
}

/**
 * How a label is written in a test title, for runners that have no labels of their own (jest,
 * mocha, playwright, go, and pytest ids): `@name`, where the `@` starts the title or follows
 * whitespace, and the name runs to the next whitespace or the end of the title. A name Ginkgo
 * would refuse as a label (one with any of `&|!,()/`, or empty) is no label. Labels compare as
 * Ginkgo's do, ignoring case: `@KVM` is the label `kvm`; `admin@kvm.example` holds none.
 */
const TITLE_LABEL = /(?:^|\s)@(\S+)/g;

/** The labels a title carries as `@name` tags, in order, each once. */
export function titleLabels(title: string): string[] {
  if (!title.includes('@')) return [];
  const out: string[] = [];
  for (const m of title.matchAll(TITLE_LABEL)) {
    const label = cleanLabel(m[1]);
    if (label !== undefined && !out.includes(label)) out.push(label);
  }
  return out;
}

/**
 * A JavaScript regex over test titles that holds exactly when the title's `@name` tags (as
 * titleLabels reads them) satisfy the filter: each label becomes a look-ahead for the tag
 * with its boundaries, its letters matched in either case, so `&&`, `||` and `!` keep their
 * meaning in one pattern, with or without the runner's `i` flag. Regexes and set operations
 * have no title form: undefined.
 */
export function toTagRegex(expr: LabelExpr): string | undefined {
  const walk = (e: LabelExpr): string | undefined => {
    switch (e.kind) {
      case 'all':
        return '';
      case 'label':
        return `(?=[\\s\\S]*(?:^|\\s)@${caseless(e.label)}(?!\\S))`;
      case 'not': {
        const inner = walk(e.expr);
        return inner === undefined ? undefined : `(?!${inner})`;
      }
      case 'and': {
        const l = walk(e.left);
        const r = walk(e.right);
        return l === undefined || r === undefined ? undefined : l + r;
      }
      case 'or': {
        const l = walk(e.left);
        const r = walk(e.right);
        return l === undefined || r === undefined ? undefined : `(?:${l}|${r})`;
      }
      default:
        return undefined;
    }
  };
  const body = walk(expr);
  return body === undefined ? undefined : `^${body}`;
}

/** `kvm` as `[kK][vV][mM]`: Ginkgo's case rule for labels, whatever flags the runner adds. */
function caseless(label: string): string {
  return Array.from(label)
    .map((c) => {
      const lower = c.toLowerCase();
      const upper = c.toUpperCase();
      return lower !== upper && lower.length === 1 && upper.length === 1
        ? `[${lower}${upper}]`
        : escapeRegex(c);
    })
    .join('');
}

export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$/]/g, '\\$&');
}
