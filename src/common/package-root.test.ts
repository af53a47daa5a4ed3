import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {compiledModule, entryModule, packageRoot} from './package-root.js'

describe('entryModule', () => {
  const saved = process.env.IMH_BUNDLE
  afterEach(() => {
    if (saved === undefined) delete process.env.IMH_BUNDLE
    else process.env.IMH_BUNDLE = saved
  })

  it('starts from the bundle when the build wrote one, else from the compiled module', () => {
    delete process.env.IMH_BUNDLE
    const bundled = join(packageRoot(), 'dist/bundle/worker-main.js')
    expect(entryModule('worker-main', 'src/load/worker-main.js')).toBe(existsSync(bundled) ? bundled : compiledModule('src/load/worker-main.js'))
    expect(entryModule('no-such-bundle', 'src/load/worker-main.js')).toBe(compiledModule('src/load/worker-main.js'))
  })

  it('IMH_BUNDLE=0 always picks the compiled module (tsc --watch refreshes no bundle)', () => {
    process.env.IMH_BUNDLE = '0'
    expect(entryModule('worker-main', 'src/load/worker-main.js')).toBe(compiledModule('src/load/worker-main.js'))
  })
})
