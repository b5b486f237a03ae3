/**
 * As Ganeti's commands do (cli._InitReasonTrail): an opcode's reason trail gets the user's
 * --reason, then the client command, each with a nanosecond timestamp.
 */
export function extendReasonTrail(trail: unknown, reason: string | undefined, client: string, command: string): unknown[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  const out = Array.isArray(trail) ? [...(trail as unknown[])] : [];
  if (reason !== undefined) out.push(['gnt:user', reason, now]);
  out.push([`gnt:client:${client}`, command, now]);
  return out;
}
