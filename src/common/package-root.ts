import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let cached: string | undefined

/**
 * The directory of imharness's package.json, found by walking up from this module: the same
 * answer from src/ under vitest and from dist/ after a build or an npm install.
 */
export function packageRoot(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const file = join(dir, 'package.json')
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as {name?: string}).name === 'imharness') return (cached = dir)
    const up = dirname(dir)
    if (up === dir) throw new Error('imharness package.json not found above ' + fileURLToPath(import.meta.url))
    dir = up
  }
}

/** A compiled module of this package: dist/<path>.js, whichever tree the caller runs from. */
export function compiledModule(relative: string): string {
  return join(packageRoot(), 'dist', relative)
}

/**
 * The module a new process starts from: the single-file build of `bundle` (dist/bundle/<bundle>.js,
 * written by build/bundle.mjs) when there is one, else the compiled module `plain`. A process
 * starts in about half the CPU from a bundle (build/bundle.mjs says why); `IMH_BUNDLE=0` picks
 * the plain modules, e.g. under `tsc --watch`, which refreshes dist/src but not the bundles.
 */
export function entryModule(bundle: string, plain: string): string {
  const bundled = join(packageRoot(), 'dist/bundle', `${bundle}.js`)
  return process.env.IMH_BUNDLE !== '0' && existsSync(bundled) ? bundled : compiledModule(plain)
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version: string}).version
}
