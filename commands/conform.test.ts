import {afterEach, describe, expect, it, vi} from 'vitest'
import {packageRoot} from '../src/common/package-root.js'
import {EXIT} from '../src/common/exit-codes.js'
import {ALL_CASES} from '../src/conform/index.js'
import Conform from './conform.js'

/** Runs `imh conform` in-process and returns what it printed on stdout. */
async function run(argv: string[]): Promise<string> {
  let out = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  await Conform.run(argv, packageRoot())
  return out
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('imh conform --list', () => {
  it('selects by flow and by section, and says which flow each case is of', async () => {
    const qr = JSON.parse(await run(['--list', '--json', '--flow', 'qr'])) as {id: string; flow: string}[]
    expect(qr.map((c) => c.id)).toEqual(ALL_CASES.filter((c) => c.flow === 'qr').map((c) => c.id))
    const s6 = JSON.parse(await run(['--list', '--json', '--section', '6'])) as {id: string; section: string; flow: string}[]
    expect(s6.length).toBeGreaterThan(0)
    for (const c of s6) expect([c.section.split('.')[0], c.flow]).toEqual(['6', 'core'])
  })

  it('refuses a section no case cites with the usage exit code', async () => {
    await expect(run(['--list', '--section', '7'])).rejects.toMatchObject({oclif: {exit: EXIT.USAGE}, message: expect.stringContaining('--section "7"')})
  })
})

describe('imh conform --max-wait', () => {
  it('refuses a wait outside 1 to 3600 seconds with the usage exit code, naming the flag', async () => {
    for (const bad of ['0', '3601', 'soon']) {
      await expect(run(['--list', '--max-wait', bad])).rejects.toMatchObject({oclif: {exit: EXIT.USAGE}, message: expect.stringContaining('--max-wait')})
    }
  })
})
