/** Runs fn and returns the error it throws; fails the test if it does not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected the call to throw')
}

/** `CODE:field` of the ImhError fn throws (field from its details); undefined when it does not throw. */
export function thrownField(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    const e = err as {code?: unknown; details?: {field?: unknown}}
    if (typeof e?.code === 'string') return `${e.code}:${String(e.details?.field)}`
    throw err
  }
  return undefined
}
