#!/usr/bin/env node
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {setFlagsFromString} from 'node:v8'

const isLoad = process.argv[2] === 'load'
// `imh load`'s own process only coordinates (workers generate the load): V8 would otherwise grow
// its young generation to 16 MB semi-spaces while modules load and keep them resident for the run,
// ~9 MB of the coordinator's RSS (bench/peers idle job). A semi-space cannot be capped once the heap
// exists, but its growth can; set before anything else allocates. Other commands (serve) keep V8's
// defaults.
if (isLoad) setFlagsFromString('--semi-space-growth-factor=1')

// oclif checks Node against its own engines range (>=18) with semver on import, ~10% of a
// command's start-up; ours (package.json, >=20.18.1, which npm checks at install) implies it.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute} = await import('@oclif/core')
if (isLoad) {
  // Without a manifest oclif imports every command to list them (the reference server, the
  // conformance runner, the docs generator): ~10 MB the coordinator would hold for nothing. `imh
  // load` is found through oclif's explicit discovery instead, from the one module it needs.
  // From its single-file bundle when there is one (build/bundle.mjs: half the start-up CPU).
  const root = fileURLToPath(new URL('..', import.meta.url))
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const bundled = process.env.IMH_BUNDLE !== '0' && existsSync(new URL('../dist/bundle/load-command.js', import.meta.url))
  const target = bundled ? './dist/bundle/load-command.js' : './dist/commands/load.js'
  pjson.oclif = {...pjson.oclif, commands: {strategy: 'explicit', target, identifier: 'LOAD_COMMAND'}}
  await execute({loadOptions: {root, pjson}})
} else {
  await execute({dir: import.meta.url})
}
