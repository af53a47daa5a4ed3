/** Runs fn and returns the error it throws; fails the test if it does not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected the call to throw')
}
