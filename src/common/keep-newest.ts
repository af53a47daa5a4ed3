/**
 * Forgets the oldest keys (in insertion order) of a Set or Map until at most `cap` are left: a
 * bounded memory of what a long-running client has seen recently (moments it reacted to, calls it
 * answered, pages it cached), so that its bookkeeping stays flat however long the run.
 */
export function keepNewest<K>(keys: Set<K> | Map<K, unknown>, cap: number): void {
  // Deleting while iterating a Set or Map is well defined: the iteration goes on past the deleted key.
  for (const k of keys.keys()) {
    if (keys.size <= cap) return
    keys.delete(k)
  }
}
