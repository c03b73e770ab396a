/**
 * A copy of `text` that shares no memory with the chunk it was parsed from. Strings handed out
 * by the reader may be slices of a 256 KB input chunk, which V8 keeps alive as long as the
 * slice lives; a caller keeping strings past the case (lists, maps) keeps copies instead.
 */
export function detach(text: string): string;
export function detach(text: string | undefined): string | undefined;
export function detach(text: string | undefined): string | undefined {
  if (text === undefined || text.length < 13) return text;
  // Joined to one character, the text is one new string when sliced again: V8 flattens the
  // join into a fresh copy first. A third of the cost of a round trip through a Buffer.
  return ` ${text}`.slice(1);
}
