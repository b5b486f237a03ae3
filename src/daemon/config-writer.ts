// The master's configuration owner: every change is serialised, bumps the serial number,
// is written durably with the ssconf files, and is then distributed to the other nodes.
import type {Logger} from 'pino';
import {writeConfig, type ConfigData} from '../config/config.js';
import {ssconfValues, writeSsconf} from '../config/ssconf.js';
import {stringifyJson} from '../json/lossless.js';
import type {GanetiPaths} from '../paths.js';
import type {NodeRpcClient} from '../rpc/client.js';
import {distributeConfig} from '../rpc/config-sync.js';

export class ConfigWriter {
  private cfg: ConfigData;
  private chain: Promise<unknown> = Promise.resolve();
  /** Called after each change is on disk locally. */
  onChange: (cfg: ConfigData) => void = () => undefined;

  constructor(
    private readonly paths: GanetiPaths,
    cfg: ConfigData,
    private readonly log: Logger,
    private readonly rpc: NodeRpcClient | null,
  ) {
    this.cfg = cfg;
  }

  get current(): ConfigData {
    return this.cfg;
  }

  /**
   * Applies `mutate` to a copy of the configuration and makes it current. A mutator that
   * throws changes nothing. Resolves once the other nodes were told of this version or a newer
   * one (failures are logged). Local writes are serialised; while one version is being sent,
   * the next changes are written locally and then go out together as the newest version, so
   * the nodes receive versions in order and parallel jobs do not queue behind each other's RPCs.
   */
  update(mutate: (cfg: ConfigData) => void): Promise<ConfigData> {
    const run = this.chain.then(async () => {
      const next = structuredClone(this.cfg);
      mutate(next);
      next.serial_no += 1;
      next.mtime = Date.now() / 1000;
      await writeConfig(this.paths.configFile, next);
      await writeSsconf(this.paths, ssconfValues(next));
      this.cfg = next;
      this.onChange(next);
      return next;
    });
    this.chain = run.catch(() => undefined);
    return run.then(async (next) => {
      await this.distributed(next.serial_no);
      return next;
    });
  }

  private sentSerial = 0;
  private sending: Promise<void> | null = null;

  /** Waits until a version at least `serial` reached the other nodes (or failed to). */
  private async distributed(serial: number): Promise<void> {
    if (this.rpc === null) return;
    while (this.sentSerial < serial) {
      if (this.sending === null) {
        const rpc = this.rpc;
        const cfg = this.cfg;
        this.sending = (async () => {
          const failures = await distributeConfig(rpc, this.paths, cfg, stringifyJson(cfg) + '\n');
          for (const f of failures) this.log.warn({node: f.node, procedure: f.procedure, error: f.error}, 'configuration distribution failed');
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
    const failures = await distributeConfig(this.rpc, this.paths, cfg, stringifyJson(cfg) + '\n', {only: [node]});
    if (failures.length > 0) throw new Error(failures.map((f) => `${f.procedure}: ${f.error}`).join('; '));
  }
}
