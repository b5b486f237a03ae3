// A string parsed from a request in many pieces is a rope of them (a V8 ConsString): the first
// operation that reads its characters copies it whole into one flat string, in one step (60 MiB:
// 60-170 ms at load 9-10, the longest stop left while such a request was handled). Long ones are
// remembered here with their parts, so that the writer of a job file (sliced-stringify) escapes
// them part by part and the copy is never made. A Map finds such a string without reading it:
// V8 hashes a string this long by its length only and compares the same string by identity.

import {stringifyJson} from './lossless.js';

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

/** The first `n` characters of `s` (a remembered string is read from its parts, not made flat). */
export function head(s: string, n: number): string {
  if (s.length <= n) return s;
  const parts = partsOf(s);
  if (parts === undefined) return s.slice(0, n);
  let out = '';
  for (const part of parts) {
    if (out.length >= n) break;
    out += part.slice(0, n - out.length);
  }
  return out;
}

/** Characters of a request's value quoted in an error message (a 60 MiB name or filter is not written whole). */
export const QUOTED_CHARS = 4096;

/** `text` cut to `max` characters and "..." (a quote that jsonHead made `max + 1` long). */
export function ellipsis(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** `s`, or its first `max` characters and how many more there were (a value quoted in a message). */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${head(s, max)}... (${s.length - max} more characters)`;
}

/**
 * A copy of `v` whose JSON text (or any text that writes at least one character per value, in
 * order) begins with the same `n` characters as v's: every value written
 * adds at least one character, so the first n values met in writing order, and the first n
 * characters of each string, are all it needs. Quoting a 64 MiB request in a message costs
 * no more than quoting a small one.
 */
export function jsonHeadValue(v: unknown, n: number): unknown {
  let budget = n;
  const cut = (x: unknown): unknown => {
    budget--;
    if (typeof x === 'string') return head(x, n);
    if (x === null || typeof x !== 'object' || typeof (x as {toJSON?: unknown}).toJSON === 'function') return x;
    if (Array.isArray(x)) {
      const out: unknown[] = [];
      for (let i = 0; i < x.length && budget > 0; i++) out.push(cut(x[i]));
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const k in x) {
      if (budget <= 0) break;
      if (!Object.hasOwn(x, k)) continue;
      // (cut to 11 characters at least: a shorter cut could make an array index, which the copy
      // would put first)
      Object.defineProperty(out, head(k, Math.max(n, 11)), {
        value: cut((x as Record<string, unknown>)[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return cut(v);
}

/** stringifyJson(v).slice(0, n), without writing more of v than that needs; throws as stringifyJson does. */
export function jsonHead(v: unknown, n: number): string {
  return (stringifyJson(jsonHeadValue(v, n)) ?? '').slice(0, n);
}
