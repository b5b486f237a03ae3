// Giving malloc's free pages back to the system (docs/architecture.md, "Memory"). glibc's free()
// returns memory only from the top of its heap: what connections that are gone left free in the
// middle (their read buffers) stays in the process, about 50-80 MB after 1,000 hostile
// connections, until malloc_trim(), which Node does not offer. It is called through koffi (a C
// FFI whose binaries come prebuilt in per-platform packages); where koffi or glibc is missing
// (another platform, musl), trimming is off and only V8's collection runs.

type Trim = (pad: number) => number;
interface Koffi {
  load(path: string): {func(definition: string): Trim};
}

let trim: Trim | null | undefined;
let loading: Promise<Trim | null> | undefined;

async function load(): Promise<Trim | null> {
  if (process.platform !== 'linux') return null;
  try {
    // Resolved at run time: an installation without koffi's binary for its platform still runs.
    const name = 'koffi';
    const mod = (await import(name)) as Koffi & {default?: Koffi};
    return (mod.default ?? mod).load('libc.so.6').func('int malloc_trim(size_t pad)');
  } catch {
    return null;
  }
}

/** Resolves once mallocTrim can run (true) or is known to be unavailable here (false). */
export async function mallocTrimReady(): Promise<boolean> {
  loading ??= load().then((fn) => (trim = fn));
  return (await loading) !== null;
}

/**
 * Returns malloc's free memory to the system; false when that is not available here or not
 * loaded yet (mallocTrimReady starts loading it).
 */
export function mallocTrim(): boolean {
  if (trim === undefined) void mallocTrimReady();
  if (typeof trim !== 'function') return false;
  trim(0);
  return true;
}
