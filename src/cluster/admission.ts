/**
 * Who gives way when unauthenticated connections pile up at the collector. Refusing newcomers would let idle
 * peers starve real runners (32 idle sockets used to lock every runner out); instead a newcomer is always let
 * in and, when a limit is reached, the oldest pending connection of the busiest address is cut. A real runner
 * proves itself in one round trip, so it is never the oldest for long; peers that never speak are cut by the
 * pre-auth timeout anyway. Pure: the collector applies the decision.
 */

export interface PendingPeer<K> {
  key: K;
  /** Remote IP address (no port). */
  ip: string;
  /** Monotonic arrival order. */
  since: number;
}

export interface AdmissionLimits {
  /** Unauthenticated connections held at once. */
  maxPending: number;
  /** Unauthenticated connections held at once from one address. */
  maxPerAddress: number;
}

/** The pending connections to cut so that `newcomerIp` fits (usually none or one), oldest first. */
export function evictionsFor<K>(pending: ReadonlyArray<PendingPeer<K>>, newcomerIp: string, limits: AdmissionLimits): K[] {
  const byIp = new Map<string, PendingPeer<K>[]>();
  for (const p of pending) {
    const list = byIp.get(p.ip) ?? [];
    list.push(p);
    byIp.set(p.ip, list);
  }
  for (const list of byIp.values()) list.sort((a, b) => a.since - b.since);
  const cut: K[] = [];
  const take = (ip: string) => {
    const list = byIp.get(ip);
    const victim = list?.shift();
    if (victim) cut.push(victim.key);
  };
  while ((byIp.get(newcomerIp)?.length ?? 0) >= limits.maxPerAddress) take(newcomerIp);
  let total = pending.length - cut.length;
  while (total >= limits.maxPending) {
    let busiest: string | undefined;
    for (const [ip, list] of byIp) {
      if (list.length === 0) continue;
      const best = busiest === undefined ? undefined : byIp.get(busiest);
      // The busiest address gives way; among equals, the one holding the oldest connection.
      if (!best || list.length > best.length || (list.length === best.length && list[0]!.since < best[0]!.since)) busiest = ip;
    }
    if (busiest === undefined) break;
    take(busiest);
    total--;
  }
  return cut;
}
