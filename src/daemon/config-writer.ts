// The master's configuration owner: every change is serialised, bumps the serial number,
// is written durably with the ssconf files, and is then distributed to the other nodes.
import type {Logger} from 'pino';
import {writeConfig, type ConfigData} from '../config/config.js';
import {ssconfValues, writeSsconf} from '../config/ssconf.js';
import {parseJson, stringifyJson} from '../json/lossless.js';
import type {GanetiPaths} from '../paths.js';
import type {NodeRpcClient} from '../rpc/client.js';
import {distributeConfig} from '../rpc/config-sync.js';

interface PendingChange {
  mutate: (cfg: ConfigData) => void;
  resolve: (cfg: ConfigData) => void;
  reject: (err: unknown) => void;
}

export class ConfigWriter {
  private cfg: ConfigData;
  /** cfg as written to disk (JSON + newline): copies are parsed from it, nodes are sent it. */
  private text: string;
  /** Changes waiting for the write in progress to end; they go to disk together. */
  private pending: PendingChange[] = [];
  private writing = false;
  /** The ssconf values on disk, once this writer has written them (saves reading every file). */
  private ssconfOnDisk: Record<string, string> | null = null;
  constructor(
    private readonly paths: GanetiPaths,
    cfg: ConfigData,
    private readonly log: Logger,
    private readonly rpc: NodeRpcClient | null,
    /** Called after each change is on disk locally. */
    private readonly onChange: (cfg: ConfigData) => void = () => undefined,
  ) {
    this.cfg = cfg;
    this.text = stringifyJson(cfg) + '\n';
  }

  get current(): ConfigData {
    return this.cfg;
  }

  /**
   * Applies `mutate` to a copy of the configuration and makes it current. A mutator that
   * throws changes nothing. Resolves once the other nodes were told of this version or a newer
   * one (failures are logged). Changes are applied in order; those that arrive while a write
   * is in progress are applied together and written once when it ends (group commit: parallel
   * jobs share one durable write instead of queueing behind each other's fsyncs). While one
   * version is being sent, the next ones are written locally and then go out together as the
   * newest, so the nodes receive versions in order.
   */
  update(mutate: (cfg: ConfigData) => void): Promise<ConfigData> {
    const local = new Promise<ConfigData>((resolve, reject) => this.pending.push({mutate, resolve, reject}));
    if (!this.writing) void this.writeBatches();
    return local.then(async (next) => {
      await this.distributed(next.serial_no);
      return next;
    });
  }

  private async writeBatches(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        const {next, applied} = this.apply(batch);
        if (applied.length === 0) continue;
        next.mtime = Date.now() / 1000;
        const text = stringifyJson(next) + '\n';
        try {
          await writeConfig(this.paths.configFile, next, text);
          await this.writeSsconf(ssconfValues(next));
        } catch (err) {
          for (const c of applied) c.reject(err);
          continue;
        }
        this.cfg = next;
        this.text = text;
        this.onChange(next);
        for (const c of applied) c.resolve(next);
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * Applies the changes of a batch in order, each one bumping the serial number. A change
   * that throws is rejected; the copy is then rebuilt from the changes applied before it
   * (mutators depend only on the configuration they are given), so it leaves nothing behind.
   */
  private apply(batch: PendingChange[]): {next: ConfigData; applied: PendingChange[]} {
    // A copy parsed from the text on disk: several times cheaper than structuredClone for a
    // configuration of hundreds of instances (measured: 1.5–3 ms against 18–88 ms for 500).
    let next = this.copy();
    const applied: PendingChange[] = [];
    for (const change of batch) {
      try {
        change.mutate(next);
        next.serial_no += 1;
        applied.push(change);
      } catch (err) {
        change.reject(err);
        next = this.copy();
        for (const c of applied) {
          c.mutate(next);
          next.serial_no += 1;
        }
      }
    }
    return {next, applied};
  }

  private copy(): ConfigData {
    return parseJson(this.text) as ConfigData;
  }

  private async writeSsconf(values: Record<string, string>): Promise<void> {
    const known = this.ssconfOnDisk;
    const changed = known === null ? values : Object.fromEntries(Object.entries(values).filter(([k, v]) => known[k] !== v));
    this.ssconfOnDisk = null;
    if (Object.keys(changed).length > 0) await writeSsconf(this.paths, changed);
    this.ssconfOnDisk = values;
  }

  private sentSerial = 0;
  /** Per node, the ssconf values it was last sent successfully (as JSON). */
  private readonly ssconfSent = new Map<string, string>();
  private sending: Promise<void> | null = null;

  /** Waits until a version at least `serial` reached the other nodes (or failed to). */
  private async distributed(serial: number): Promise<void> {
    if (this.rpc === null) return;
    while (this.sentSerial < serial) {
      if (this.sending === null) {
        const rpc = this.rpc;
        const cfg = this.cfg;
        const text = this.text;
        this.sending = (async () => {
          const failures = await distributeConfig(rpc, this.paths, cfg, text, {ssconfSent: this.ssconfSent});
          for (const f of failures)
            this.log.warn({node: f.node, procedure: f.procedure, error: f.error}, 'configuration distribution failed');
          this.sentSerial = Math.max(this.sentSerial, cfg.serial_no);
        })().finally(() => {
          this.sending = null;
        });
      }
      await this.sending;
    }
  }

  /** Sends the current configuration and ssconf to one node (a master candidate coming back). */
  async pushTo(node: string): Promise<void> {
    if (this.rpc === null) return;
    const cfg = this.cfg;
    this.ssconfSent.delete(node);
    const failures = await distributeConfig(this.rpc, this.paths, cfg, this.text, {only: [node], ssconfSent: this.ssconfSent});
    if (failures.length > 0) throw new Error(failures.map((f) => `${f.procedure}: ${f.error}`).join('; '));
  }
}
