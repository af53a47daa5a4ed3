#!/usr/bin/env node
// build/bundle.mjs: the second step of `npm run build`, after tsc. Bundles the two entry points a
// load run starts from — the `imh load` command (the coordinator's process) and the load worker
// (one process each) — into single files under dist/bundle/, their npm dependencies included.
//
// Why: a process that imports ~130 compiled ES modules plus ws's and the other packages' CommonJS
// files spends most of its start-up resolving, reading and lexing them: 0.20 s of the worker's
// 0.31 s CPU before its first request, and as much again in the coordinator, on every run. The
// bundled worker imports in 0.16 s (bare node: 0.11 s), and a 1-s, 1-VU http run went from
// 1.57 to 1.22 CPU seconds (bench:peers measures it as CPU per request over the whole run).
// rolldown is the bundler Vite (and so vitest) already installs; pinned as a devDependency.
//
// @oclif/core stays external: the command class must extend the Command the CLI itself loaded.
// Optional native add-ons ws looks for (bufferutil, utf-8-validate) stay runtime requires in
// their try/catch, as in the unbundled package. hdr-histogram-js is loaded through createRequire
// (src/common/histogram.ts) and resolves from dist/bundle/ to node_modules as before.
//
// bin/run.js and the worker pool use a bundle when it exists; IMH_BUNDLE=0 makes them use the
// plain compiled modules (for `tsc --watch`, which does not refresh the bundles).
import {rmSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'rolldown'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist/bundle')

/** Bundle name → the compiled module it starts from. The names are what the runtime looks for. */
export const BUNDLES = {
  'load-command': 'dist/commands/load.js',
  'worker-main': 'dist/src/load/worker-main.js',
}

rmSync(out, {recursive: true, force: true})
for (const [name, entry] of Object.entries(BUNDLES)) {
  await build({
    input: {[name]: join(root, entry)},
    platform: 'node',
    external: (id) => id === '@oclif/core' || id.startsWith('@oclif/core/'),
    output: {dir: out, format: 'esm', chunkFileNames: `${name}-[name]-[hash].js`},
    logLevel: 'warn',
  })
}
