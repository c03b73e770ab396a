import type { LabelExpr } from './filter.js';

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
 * A JavaScript regex over test titles for the common `@tag` convention of playwright, jest and
 * mocha: each label becomes a look-ahead for `@label` as a whole word, so `&&`, `||` and `!`
 * keep their meaning inside a single `--grep`. Set operations have no title form: undefined.
 */
export function toTagRegex(expr: LabelExpr): string | undefined {
  const walk = (e: LabelExpr): string | undefined => {
    switch (e.kind) {
      case 'all':
        return '';
      case 'label':
        return `(?=.*@${escapeRegex(e.label)}(?![\\w:-]))`;
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

export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$/]/g, '\\$&');
}
