// A LUXI client process for the reliability suites, run by spawnDriver() in helpers.ts:
//   node --import tsx test/reliability/helpers-driver.ts '<json config>'
// Modes:
//   crash: submits jobs (SubmitJob and SubmitManyJobs) against a daemon that is killed and
//          restarted under it; every acknowledged id is appended to its own log and fsynced
//          before it is counted. Runs until SIGTERM.
//   load:  `clients` concurrent connections doing submit / WaitForJobChange / Query (and
//          ArchiveJob) for `durationMs`; prints latencies measured after `warmupMs`.
// The last stdout line is a JSON summary.
import {closeSync, fsyncSync, openSync, writeSync} from 'node:fs';
import {LuxiClient} from '../../src/protocol/client.js';
import {GanetiError, LuxiClientError} from '../../src/protocol/errors.js';
import {rng, sleep} from './helpers.js';

interface CrashConfig {
  mode: 'crash';
  log: string;
  seed: number;
  maxBatch: number;
  pauseMs: number;
  longFraction: number;
}

interface LoadConfig {
  mode: 'load';
  clients: number;
  durationMs: number;
  warmupMs: number;
  /** Archive each job once it is done and queried (keeps the live queue bounded). */
  archive: boolean;
}

type Config = CrashConfig | LoadConfig;

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

const FINAL = new Set(['success', 'error', 'canceled']);

async function crashMode(cfg: CrashConfig): Promise<void> {
  const rand = rng(cfg.seed);
  const fd = openSync(cfg.log, 'a');
  const errors = new Map<string, number>();
  let acked = 0;
  let requests = 0;
  let client: LuxiClient | null = null;
  const op = (): Record<string, unknown> => {
    const r = rand();
    const duration = r < cfg.longFraction ? 0.5 + rand() * 1.5 : r < 0.25 ? 0.02 + rand() * 0.2 : 0;
    return {OP_ID: 'OP_TEST_DELAY', duration: Math.round(duration * 1000) / 1000};
  };
  const job = (): Array<Record<string, unknown>> => Array.from({length: 1 + Math.floor(rand() * 3)}, op);
  const ack = (ids: number[]): void => {
    if (ids.length === 0) return;
    const text = ids.map((id) => `${id}\n`).join('');
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
    acked += ids.length;
  };
  while (!stopping) {
    client ??= new LuxiClient({timeoutMs: 60_000});
    requests++;
    try {
      if (rand() < 0.5) {
        ack([await client.submitJob(job())]);
      } else {
        const n = 1 + Math.floor(rand() * cfg.maxBatch);
        const res = await client.submitManyJobs(Array.from({length: n}, job));
        ack(res.filter((r) => r[0]).map((r) => r[1] as number));
        for (const r of res) if (!r[0]) errors.set(`per-job: ${String(r[1])}`, (errors.get(`per-job: ${String(r[1])}`) ?? 0) + 1);
      }
    } catch (err) {
      const key =
        err instanceof GanetiError ? `${err.cls}: ${err.message}` : err instanceof LuxiClientError ? `client ${err.kind}` : String(err);
      errors.set(key, (errors.get(key) ?? 0) + 1);
      client.close();
      client = null;
      await sleep(20 + rand() * 30);
      continue;
    }
    if (cfg.pauseMs > 0) await sleep(rand() * cfg.pauseMs);
  }
  client?.close();
  closeSync(fd);
  process.stdout.write(`${JSON.stringify({acked, requests, errors: Object.fromEntries(errors)})}\n`);
}

async function loadMode(cfg: LoadConfig): Promise<void> {
  const start = performance.now();
  const warmEnd = start + cfg.warmupMs;
  const end = start + cfg.durationMs;
  const lat = {submit: [] as number[], wfjc: [] as number[], query: [] as number[], archive: [] as number[], e2e: [] as number[]};
  const errors: string[] = [];
  let ops = 0;
  let jobs = 0;
  const record = (kind: keyof typeof lat, t0: number): void => {
    const t = performance.now();
    ops++;
    if (t0 >= warmEnd) lat[kind].push(Math.round((t - t0) * 100) / 100);
  };
  const worker = async (): Promise<void> => {
    const c = new LuxiClient({timeoutMs: 120_000});
    try {
      while (performance.now() < end && !stopping) {
        try {
          const t0 = performance.now();
          const id = await c.submitJob([{OP_ID: 'OP_TEST_DELAY', duration: 0}]);
          record('submit', t0);
          let prev: unknown[] | null = null;
          for (;;) {
            const t1 = performance.now();
            const r = await c.waitForJobChange(id, ['status'], prev, null, 10);
            record('wfjc', t1);
            if (r === 'nochange') continue;
            prev = r[0];
            if (FINAL.has(String(prev[0]))) break;
          }
          record('e2e', t0);
          if (prev?.[0] !== 'success') errors.push(`job ${id} ended ${String(prev?.[0])}`);
          const t2 = performance.now();
          const q = await c.query('job', ['id', 'status'], ['==', 'id', id]);
          record('query', t2);
          if (q.data.length !== 1 && q.data.length !== 0) errors.push(`query for job ${id} returned ${q.data.length} rows`);
          if (cfg.archive) {
            const t3 = performance.now();
            await c.archiveJob(id);
            record('archive', t3);
          }
          jobs++;
        } catch (err) {
          if (errors.length < 100) errors.push(String((err as Error).message ?? err));
          await sleep(10);
        }
      }
    } finally {
      c.close();
    }
  };
  await Promise.all(Array.from({length: cfg.clients}, worker));
  process.stdout.write(`${JSON.stringify({ops, jobs, errors, lat})}\n`);
}

if (config.mode === 'crash') await crashMode(config);
else if (config.mode === 'load') await loadMode(config);
else throw new Error(`unknown driver mode ${JSON.stringify(config)}`);
