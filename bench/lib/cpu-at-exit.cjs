// Preloaded by bench/distributed.mjs into `imh load` (NODE_OPTIONS=--require …): writes the
// process's own CPU time to $IMH_BENCH_CPU_FILE when it exits, so the bench reads the
// coordinator's CPU exactly, up to its last tick (/proc is gone by the time a sampler looks).
// Child processes inherit NODE_OPTIONS; only the first process to claim the file writes it.
const {openSync, writeSync, closeSync} = require('node:fs')
const file = process.env.IMH_BENCH_CPU_FILE
if (file) {
  let fd
  try {
    fd = openSync(file, 'wx')
  } catch {}
  if (fd !== undefined) {
    process.once('exit', () => {
      const {user, system} = process.cpuUsage()
      writeSync(fd, JSON.stringify({pid: process.pid, userS: user / 1e6, systemS: system / 1e6}))
      closeSync(fd)
    })
  }
}
