/**
 * A number as producers write it: "1,234.5" (thousands, Surefire in some locales) and "0,5"
 * (a decimal comma) both occur; a lone comma without a point is a decimal comma.
 */
export function num(value: string | undefined): number {
  if (value === undefined) return 0;
  const quick = plainDecimal(value);
  if (quick >= 0) return quick;
  // Number() takes "", " 1.5 " and "1e3" as they are: the common case costs one call.
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  if (!value.includes(',')) return 0;
  const v = value.trim();
  const text = v.includes('.')
    ? v.replace(/,/g, '')
    : /^-?\d*,\d+$/.test(v)
      ? v.replace(',', '.')
      : '';
  const m = Number(text);
  return text && Number.isFinite(m) ? m : 0;
}

/**
 * "12" or "4.25" (digits, at most one point, 15 digits in all), else -1: the common time
 * attribute, read without the general number parser. Exact: both the digits and the power of
 * ten are exact doubles, so their quotient is the correctly rounded value, as Number() gives.
 */
function plainDecimal(value: string): number {
  const len = value.length;
  if (len === 0 || len > 16) return -1;
  let digits = 0;
  let scale = 0;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      n = n * 10 + (c - 0x30);
      digits++;
      if (scale > 0) scale++;
    } else if (c === 0x2e && scale === 0 && i > 0 && i < len - 1) scale = 1;
    else return -1;
  }
  if (digits > 15) return -1;
  return scale > 1 ? n / POWERS[scale - 1] : n;
}

// Written out: each literal is the exact power of ten.
const POWERS = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
