// A string parsed from a request in many pieces is a rope of them (a V8 ConsString): the first
// operation that reads its characters copies it whole into one flat string, in one step (60 MiB:
// 60-170 ms at load 9-10, the longest stop left while such a request was handled). Long ones are
// remembered here with their parts, so that the writer of a job file (sliced-stringify) escapes
// them part by part and the copy is never made. A Map finds such a string without reading it:
// V8 hashes a string this long by its length only and compares the same string by identity.

/** Strings shorter than this are copied quickly enough (a few ms). */
export const MIN_PARTED_CHARS = 4 * 1024 * 1024;

const parted = new Map<string, readonly string[]>();

/** Remembers that `whole` is the concatenation of `parts`, until forgotten. */
export function rememberParts(whole: string, parts: readonly string[]): void {
  parted.set(whole, parts);
}

/** The parts of a remembered string, or undefined. */
export function partsOf(s: string): readonly string[] | undefined {
  return s.length < MIN_PARTED_CHARS ? undefined : parted.get(s);
}

export function forgetParts(strings: Iterable<string>): void {
  for (const s of strings) parted.delete(s);
}

/** How many strings are remembered (tests). */
export function partedCount(): number {
  return parted.size;
}
