// Master voting at start-up (docs/architecture.md: the local vote is counted locally): a
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
  /** Asks one node for its master; rejects on no answer (the caller bounds the time). */
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
        const vote = (await opts.ask(node)).trim().toLowerCase();
        return vote === '' ? {node, vote: null, error: 'empty answer'} : {node, vote};
      } catch (err) {
        return {node, vote: null, error: (err as Error).message};
      }
    }),
  );
}

export async function verifyMaster(opts: VotingOptions): Promise<VotingResult> {
  const me = opts.me.toLowerCase();
  const total = opts.others.length + 1;
  for (let attempt = 0; ; attempt++) {
    const answers = await round(opts);
    const tally = new Map<string, number>([[opts.localVote.toLowerCase(), 1]]);
    let unknown = 0;
    for (const a of answers) {
      opts.report(a.vote === null ? `node ${a.node}: no answer (${a.error ?? 'unknown error'})` : `node ${a.node}: votes for ${a.vote}`);
      if (a.vote === null) unknown++;
      else tally.set(a.vote, (tally.get(a.vote) ?? 0) + 1);
    }
    const inFavor = tally.get(me) ?? 0;
    const ranked = [...tally.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
    const table = ranked.map(([name, n]) => `${name}: ${n}`).join(', ');
    opts.report(`votes of ${total} nodes (round ${attempt + 1}): ${table}${unknown > 0 ? `, no answer: ${unknown}` : ''}`);
    if (2 * inFavor > total) return {won: true};
    const [top, topVotes] = ranked[0]!;
    if (2 * (inFavor + unknown) > total) {
      if (attempt < opts.retries) {
        await new Promise((r) => setTimeout(r, opts.intervalMs));
        continue;
      }
      return {
        won: false,
        message:
          `Couldn't gather voting results of enough nodes after ${attempt + 1} rounds: ${inFavor} of ${total} votes ` +
          `for ${me}, ${unknown} nodes didn't answer (top-voted node is ${top} with ${topVotes} votes). Aborting startup; ` +
          'use the --no-voting option if you understand what effects it has on the cluster state',
      };
    }
    return {
      won: false,
      message:
        top === me
          ? `It seems we are not the master (${inFavor} votes for, ${total - inFavor} votes against, out of ${total} nodes)`
          : `It seems we are not the master (top-voted node is ${top} with ${topVotes} out of ${total} votes; ` +
            `${me} has ${inFavor}${unknown > 0 ? `, ${unknown} nodes didn't answer` : ''})`,
    };
  }
}
