import {type Server, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {SchedulerAnswer} from '../../src/protocol/index.js'

export interface AnnouncingScheduler {
  /** The scheduler to run the suite against: the real answer as `edit` changed it. */
  scheduler: string
  close(): Promise<void>
}

/**
 * A scheduler double in front of a real one: every answer is the real answer, fetched afresh, as
 * `edit` changes it — features announced that the server behind does not implement, groups emptied
 * or pointed elsewhere. The groups themselves are the real server's.
 */
export async function startAnnouncingScheduler(real: string, edit: (answer: SchedulerAnswer) => void): Promise<AnnouncingScheduler> {
  const server: Server = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real)).json()) as SchedulerAnswer
      edit(answer)
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(answer))
    })()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    scheduler: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns`,
    async close() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}
