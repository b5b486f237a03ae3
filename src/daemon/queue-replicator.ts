// Job queue replication to the master candidates (docs/architecture.md). Every queue write is
// handed over after it is durable locally: one ordered stream of operations per candidate,
// consecutive file writes batched into one request (the newest content of a file wins; a
// batch waits up to BATCH_LINGER_MS for more), never failing the caller. A submission waits
// for its files with `flush` (write + replicate, then answer); batches in flight meanwhile
// gather the next submissions, so concurrent ones share requests. A candidate that fails is
// dropped from the stream and, once it answers again, resynchronised from scratch: purge,
// every live job plus serial/version, drain flag (after `beforeResync`, which brings its
// configuration up to date).
import type {Logger} from 'pino';
import type {GanetiPaths} from '../paths.js';
import {RPC_TIMEOUT_URGENT_MS, RpcError, type NodeRpcClient} from '../rpc/client.js';
import {encodeContent, type EncodedContent} from '../rpc/file-content.js';
import {makeVirtualPath} from '../rpc/virtual-path.js';
import type {QueueObserver} from '../queue/store.js';
import type {NodedArgs, NodedProcedure, NodedResult} from '../rpc/noded-contract.js';

const MAX_BATCH_FILES = 1000;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** How long a batch of file writes waits for more writes before it is sent. */
const BATCH_LINGER_MS = 50;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10_000;

type Op = (
  | {kind: 'update'; files: Map<string, EncodedContent>; bytes: number; since: number; urgent: boolean}
  | {kind: 'rename'; pairs: Array<[string, string]>}
  | {kind: 'drain'; flag: boolean}
) & {
  /** Called once the operation was sent, failed, or was dropped (its content then goes with a resync). */
  settled: Array<() => void>;
};

function settle(ops: Iterable<Op | null>): void {
  for (const op of ops) {
    if (op === null) continue;
    const waiters = op.settled.splice(0);
    for (const w of waiters) w();
  }
}

/**
 * What a resynchronisation uploads: every file of the live queue, and the drain flag. A file
 * whose content is a function is read when sent (null: gone meanwhile, skipped).
 */
export interface QueueSnapshot {
  files: Array<[path: string, content: string | (() => Promise<string | null>)]>;
  drained: boolean;
}

class Link {
  state: 'ok' | 'resync' | 'down' = 'down';
  ops: Op[] = [];
  inflight: Op | null = null;
  inflightSince = 0;
  busy = false;
  batched = true;
  retryMs = RETRY_MIN_MS;
  /** A failure was reported since the last success (later ones are logged at debug level). */
  failing = false;
  timer: NodeJS.Timeout | null = null;
  linger: NodeJS.Timeout | null = null;
  constructor(readonly node: string) {}
}

export class QueueReplicator implements QueueObserver {
  private readonly links = new Map<string, Link>();
  private started = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly rpc: NodeRpcClient,
    private readonly paths: GanetiPaths,
    private readonly log: Logger,
    private readonly snapshot: () => QueueSnapshot,
    private readonly beforeResync: (node: string) => Promise<void> = async () => undefined,
  ) {}

  /** The candidates to replicate to (the master excluded); new ones are resynchronised. */
  setCandidates(names: string[]): void {
    for (const [name, link] of this.links) {
      if (!names.includes(name)) {
        if (link.timer !== null) clearTimeout(link.timer);
        if (link.linger !== null) clearTimeout(link.linger);
        settle([link.inflight, ...link.ops.splice(0)]);
        this.links.delete(name);
      }
    }
    for (const name of names) {
      if (this.links.has(name)) continue;
      const link = new Link(name);
      this.links.set(name, link);
      if (this.started) this.scheduleResync(link, 0);
    }
    this.checkIdle();
  }

  /** Begins replicating: every candidate is resynchronised first (its copy may be stale). */
  start(): void {
    this.started = true;
    for (const link of this.links.values()) this.scheduleResync(link, 0);
  }

  stop(): void {
    this.started = false;
    for (const link of this.links.values()) {
      if (link.timer !== null) clearTimeout(link.timer);
      if (link.linger !== null) clearTimeout(link.linger);
      link.timer = null;
      link.linger = null;
      settle([link.inflight, ...link.ops.splice(0)]);
    }
    this.checkIdle();
  }

  /** Names of candidates currently not receiving updates. */
  get downNodes(): string[] {
    return [...this.links.values()].filter((l) => l.state !== 'ok').map((l) => l.node);
  }

  /** Resolves when every reachable candidate is up to date, or after timeoutMs (false then). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /**
   * Resolves once every candidate that is up to date has received the current content of these
   * files (true), or after timeoutMs (false). A candidate that fails meanwhile is not waited
   * for: it gets the files with its resynchronisation. Nor is one whose request in flight is
   * older than timeoutMs: while it hangs (until the RPC timeout fails it), submissions do not
   * each wait for it.
   */
  flush(paths: string[], timeoutMs: number): Promise<boolean> {
    // No other master candidate: nothing to wait for (every SubmitJob asks).
    if (this.links.size === 0) return Promise.resolve(true);
    const names = new Set(paths.map((p) => makeVirtualPath(this.paths, p)));
    const waits: Array<Promise<void>> = [];
    for (const link of this.links.values()) {
      if (link.state !== 'ok') continue;
      if (link.inflight !== null && performance.now() - link.inflightSince > timeoutMs) continue;
      for (const op of [link.inflight, ...link.ops]) {
        if (op?.kind !== 'update' || ![...names].some((n) => op.files.has(n))) continue;
        op.urgent = true;
        waits.push(new Promise((resolve) => op.settled.push(resolve)));
      }
      if (link.linger !== null) {
        clearTimeout(link.linger);
        link.linger = null;
      }
      this.pump(link);
    }
    if (waits.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      void Promise.all(waits).then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  // --- QueueObserver: called after each durable local change ------------------------

  written(path: string, content: string | Buffer): void {
    this.enqueue(() => {
      const name = makeVirtualPath(this.paths, path);
      const encoded = encodeContent(typeof content === 'string' ? content : content.toString('utf8'));
      return (link) => {
        const last = link.ops.at(-1);
        const size = encoded[1].length + name.length;
        if (last?.kind === 'update' && last.files.size < MAX_BATCH_FILES && last.bytes + size <= MAX_BATCH_BYTES) {
          last.files.set(name, encoded);
          last.bytes += size;
        } else {
          link.ops.push({
            kind: 'update',
            files: new Map([[name, encoded]]),
            bytes: size,
            since: performance.now(),
            urgent: false,
            settled: [],
          });
        }
      };
    });
  }

  renamed(pairs: Array<[string, string]>): void {
    this.enqueue(() => {
      const virtual = pairs.map(([a, b]): [string, string] => [makeVirtualPath(this.paths, a), makeVirtualPath(this.paths, b)]);
      return (link) => {
        const last = link.ops.at(-1);
        if (last?.kind === 'rename') last.pairs.push(...virtual);
        else link.ops.push({kind: 'rename', pairs: [...virtual], settled: []});
      };
    });
  }

  drainChanged(flag: boolean): void {
    this.enqueue(() => (link) => link.ops.push({kind: 'drain', flag, settled: []}));
  }

  // --- streams ---------------------------------------------------------------------------

  private enqueue(prepare: () => (link: Link) => void): void {
    if (!this.started || this.links.size === 0) return;
    const targets = [...this.links.values()].filter((l) => l.state !== 'down');
    if (targets.length === 0) return;
    try {
      const add = prepare();
      for (const link of targets) {
        add(link);
        this.pump(link);
      }
    } catch (err) {
      this.log.error({err}, 'queue replication: cannot prepare an update');
    }
  }

  private pump(link: Link): void {
    if (link.busy || link.linger !== null || link.state !== 'ok' || !this.started) return;
    const head = link.ops[0];
    if (head === undefined) {
      this.checkIdle();
      return;
    }
    // A young batch waits a little: the next writes of the same files (a job that is
    // created, run and finished within that time) replace their earlier content in it.
    const wait =
      head.kind === 'update' && !head.urgent && head.files.size < MAX_BATCH_FILES ? head.since + BATCH_LINGER_MS - performance.now() : 0;
    if (wait > 0) {
      link.linger = setTimeout(() => {
        link.linger = null;
        this.pump(link);
      }, wait);
      return;
    }
    const op = link.ops.shift()!;
    link.busy = true;
    link.inflight = op;
    link.inflightSince = performance.now();
    this.send(link, op).then(
      () => {
        link.busy = false;
        link.inflight = null;
        settle([op]);
        this.pump(link);
      },
      (err: unknown) => {
        link.busy = false;
        link.inflight = null;
        settle([op]);
        this.fail(link, err);
      },
    );
  }

  private async send(link: Link, op: Op): Promise<void> {
    const call = <P extends NodedProcedure>(procedure: P, args: NodedArgs<P>): Promise<NodedResult<P>> =>
      this.rpc.call(link.node, procedure, args, RPC_TIMEOUT_URGENT_MS);
    switch (op.kind) {
      case 'update':
        if (link.batched) {
          try {
            await call('jobqueue_update_many', [[...op.files]]);
            return;
          } catch (err) {
            // A node daemon without the batch procedure (stock Ganeti): one file per call. Ganeti
            // 3.0's noded answers an unknown procedure by dropping the connection (its 404 page
            // fails to format), so any failure is checked with the per-file procedure: if that
            // works, the node has no batch procedure; if not, the node is down.
            const unknown = err instanceof RpcError && err.httpStatus === 404;
            if (!unknown) {
              const [first, ...rest] = op.files;
              if (first === undefined) throw err;
              await call('jobqueue_update', [first[0], first[1]]).catch(() => {
                throw err;
              });
              for (const [name, content] of rest) await call('jobqueue_update', [name, content]);
              link.batched = false;
              return;
            }
            link.batched = false;
          }
        }
        for (const [name, content] of op.files) await call('jobqueue_update', [name, content]);
        return;
      case 'rename':
        await call('jobqueue_rename', [op.pairs]);
        return;
      case 'drain':
        await call('jobqueue_set_drain_flag', [op.flag]);
        return;
    }
  }

  private fail(link: Link, err: unknown): void {
    if (!this.links.has(link.node)) return;
    link.state = 'down';
    settle(link.ops.splice(0));
    const msg = (err as Error).message;
    if (!link.failing) {
      link.failing = true;
      this.log.warn({node: link.node, error: msg}, 'job queue replication to this master candidate failed; it will be resynchronised');
      const failing = [...this.links.values()].filter((l) => l.failing).length;
      if (2 * failing > this.links.size) {
        this.log.error({failing, candidates: this.links.size}, 'job queue replication failed on most master candidates');
      }
    } else {
      this.log.debug({node: link.node, error: msg}, 'master candidate still unreachable');
    }
    this.scheduleResync(link, link.retryMs);
    link.retryMs = Math.min(RETRY_MAX_MS, link.retryMs * 2);
    this.checkIdle();
  }

  private scheduleResync(link: Link, delayMs: number): void {
    if (link.timer !== null) clearTimeout(link.timer);
    link.state = 'down';
    link.timer = setTimeout(() => {
      link.timer = null;
      void this.resync(link);
    }, delayMs);
    link.timer.unref();
  }

  private async resync(link: Link): Promise<void> {
    if (!this.started || !this.links.has(link.node) || link.busy) return;
    link.state = 'resync';
    link.busy = true;
    settle(link.ops.splice(0));
    const started = Date.now();
    try {
      await this.beforeResync(link.node);
      settle(link.ops.splice(0));
      const snap = this.snapshot();
      await this.rpc.call(link.node, 'jobqueue_purge', [], RPC_TIMEOUT_URGENT_MS);
      const emptyBatch = (): Op & {kind: 'update'} => ({kind: 'update', files: new Map(), bytes: 0, since: 0, urgent: true, settled: []});
      let batch = emptyBatch();
      for (const [path, source] of snap.files) {
        const content = typeof source === 'string' ? source : await source();
        if (content === null) continue;
        const name = makeVirtualPath(this.paths, path);
        const encoded = encodeContent(content);
        if (batch.files.size >= MAX_BATCH_FILES || batch.bytes + encoded[1].length > MAX_BATCH_BYTES) {
          await this.send(link, batch);
          batch = emptyBatch();
        }
        batch.files.set(name, encoded);
        batch.bytes += encoded[1].length + name.length;
      }
      if (batch.files.size > 0) await this.send(link, batch);
      await this.send(link, {kind: 'drain', flag: snap.drained, settled: []});
      link.state = 'ok';
      link.failing = false;
      link.retryMs = RETRY_MIN_MS;
      link.busy = false;
      this.log.info({node: link.node, files: snap.files.length, ms: Date.now() - started}, 'job queue of master candidate resynchronised');
      this.pump(link);
    } catch (err) {
      link.busy = false;
      this.fail(link, err);
    }
  }

  /** Nothing in flight or queued for any candidate that is reachable. */
  private isIdle(): boolean {
    return [...this.links.values()].every((l) => l.state === 'down' || (l.state === 'ok' && !l.busy && l.ops.length === 0));
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
