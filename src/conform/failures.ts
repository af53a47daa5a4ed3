/** A requirement the target broke: the case's verdict is fail (MUST) or non-strict (SHOULD). */
export class CaseFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CaseFailure'
  }
}

/**
 * The case cannot be judged here: the target asks for longer waits than the suite allows, or the
 * run cannot set up what the case needs. A feature the target does not offer is `Unimplemented`.
 */
export class NotApplicable extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotApplicable'
  }
}

/** A feature probe's finding: the target does not implement the optional feature (verdict `unimplemented`). */
export class Unimplemented extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Unimplemented'
  }
}
