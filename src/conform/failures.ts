/** A requirement the target broke: the case's verdict is fail (MUST) or non-strict (SHOULD). */
export class CaseFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CaseFailure'
  }
}

/** The target lacks an optional capability, or asks for longer waits than the suite allows. */
export class NotApplicable extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotApplicable'
  }
}
