import {DelegatingStore} from './delegating-store.js'

/**
 * A correct server that makes §3.4's other allowed choice: a login closes the user's live long
 * link at once (the node kicks it, §5.5), not when the new token AUTHs.
 */
export class LoginKickStore extends DelegatingStore {
  override async issueToken(userId: string): Promise<string> {
    const token = await this.inner.issueToken(userId)
    await this.inner.publish({type: 'kick', userId, keep: ''})
    return token
  }
}
