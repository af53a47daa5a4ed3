// bench/lib/sync-prof-preload.mjs: a CPU profile of one window of a process's life, for bench:sync's
// --cpu-prof. Loaded with NODE_OPTIONS=--import=<this file> and IMH_SYNC_PROF=DIR,FROM_S,TO_S; a
// forked load worker inherits both. `node --cpu-prof` is no use there: the coordinator kills its
// workers once their final report is in, before a profile written at exit is on disk, and a
// whole-life profile mixes module loading, logins and the drain into the steady seconds.
import {Session} from 'node:inspector'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const [dir, fromS, toS] = (process.env.IMH_SYNC_PROF ?? '').split(',')
if (dir && Number(toS) > Number(fromS)) {
  const session = new Session()
  session.connect()
  const role = process.send ? 'worker' : process.argv.includes('serve') ? 'serve' : 'main'
  setTimeout(() => {
    session.post('Profiler.enable', () => session.post('Profiler.start'))
    setTimeout(() => {
      session.post('Profiler.stop', (err, res) => {
        if (err) return
        mkdirSync(dir, {recursive: true})
        writeFileSync(join(dir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(res.profile))
      })
    }, (Number(toS) - Number(fromS)) * 1000).unref()
  }, Number(fromS) * 1000).unref()
}
