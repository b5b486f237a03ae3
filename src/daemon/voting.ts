// Master voting at start-up (masterd.md §3.2, with the local vote counted locally): a
// strict majority of all nodes must name this node as the master.

export interface VoteAnswer {
  node: string;
  /** The master name the node reported, or null when it gave no usable answer. */
  vote: string | null;
  error?: string;
}

export interface VotingOptions {
  me: string;
  /** Master name in the local configuration (the local node's vote). */
  localVote: string;
  /** Every other node in the configuration, offline ones included. */
  others: string[];
  ask(node: string): Promise<string>;
  retries: number;
  intervalMs: number;
  report(line: string): void;
}

export type VotingResult = {won: true} | {won: false; message: string};

async function round(opts: VotingOptions): Promise<VoteAnswer[]> {
  return Promise.all(
    opts.others.map(async (node): Promise<VoteAnswer> => {
      try {
        return {node, vote: await opts.ask(node)};
      } catch (err) {
        return {node, vote: null, error: (err as Error).message};
      }
    }),
  );
}

export async function verifyMaster(opts: VotingOptions): Promise<VotingResult> {
  const total = opts.others.length + 1;
  for (let attempt = 0; ; attempt++) {
    const answers = await round(opts);
    const tally = new Map<string, number>();
    tally.set(opts.localVote, 1);
    let unknown = 0;
    for (const a of answers) {
      opts.report(a.vote === null ? `node ${a.node}: no answer (${a.error ?? 'unknown error'})` : `node ${a.node}: votes for ${a.vote}`);
      if (a.vote === null) unknown++;
      else tally.set(a.vote, (tally.get(a.vote) ?? 0) + 1);
    }
    const inFavor = tally.get(opts.me) ?? 0;
    const ranked = [...tally.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
    const table = ranked.map(([name, n]) => `${name}: ${n}`).join(', ');
    opts.report(`votes (${total} nodes): ${table}${unknown > 0 ? `, no answer: ${unknown}` : ''}`);
    if (2 * inFavor > total) return {won: true};
    if (2 * (inFavor + unknown) > total) {
      if (attempt >= opts.retries) {
        return {
          won: false,
          message:
            `Couldn't gather voting results of enough nodes: ${inFavor} of ${total} votes for ${opts.me}, ` +
            `${unknown} nodes didn't answer after ${attempt + 1} rounds. Aborting startup; ` +
            'use the --no-voting option if you understand what effects it has on the cluster state',
        };
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs));
      continue;
    }
    const [top, topVotes] = ranked[0]!;
    return {
      won: false,
      message:
        top === opts.me
          ? `It seems we are not the master (${inFavor} votes for, ${total - inFavor} votes against out of ${total})`
          : `It seems we are not the master (top-voted node is ${top} with ${topVotes} out of ${total} votes; ${opts.me} has ${inFavor})`,
    };
  }
}
