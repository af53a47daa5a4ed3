import {LoadWorker} from './worker.js'
import type {FromWorker, ToWorker} from './worker-protocol.js'

// Entry point of a forked worker process: messages in over IPC, messages out; exits after 'final'.
const send = (m: FromWorker): void => {
  process.send!(m, undefined, {}, () => {
    if (m.type === 'final') process.exit(0)
  })
}
const worker = new LoadWorker(send)
process.on('message', (m) => void worker.handle(m as ToWorker))
process.on('disconnect', () => process.exit(0))
