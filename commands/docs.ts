import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Command, Flags} from '@oclif/core'
import {type GeneratedBlock, blockProblem, replaceBlock} from '../src/common/doc-blocks.js'
import {EXIT} from '../src/common/exit-codes.js'
import {packageRoot} from '../src/common/package-root.js'
import {conformDocs} from '../src/conform/docs.js'
import {loadDocBlocks} from '../src/load/docs/index.js'
import {adapterDocBlocks} from '../src/load/docs/adapter-docs.js'
import {serverDocBlocks} from '../reference-server/docs.js'

/** Every generated block of the docs, one source per layer; test/docs-current.test.ts holds them current. */
export async function generatedBlocks(): Promise<GeneratedBlock[]> {
  return [...serverDocBlocks(), ...conformDocs(), ...loadDocBlocks(), ...await adapterDocBlocks()]
}

export default class Docs extends Command {
  static override hidden = true
  static override summary = 'Rewrite the generated blocks of README.md and docs/ from the code (for contributors: `npm run docs`).'
  static override flags = {
    check: Flags.boolean({description: 'write nothing; exit 1 when a block is out of date'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Docs)
    const byFile = new Map<string, GeneratedBlock[]>()
    for (const b of await generatedBlocks()) byFile.set(b.file, [...(byFile.get(b.file) ?? []), b])
    const stale: string[] = []
    for (const [file, blocks] of byFile) {
      const path = join(packageRoot(), file)
      const before = await readFile(path, 'utf8')
      const problems = blocks.flatMap((b) => blockProblem(before, b) ?? [])
      if (problems.length === 0) continue
      stale.push(...problems)
      if (!flags.check) await writeFile(path, blocks.reduce((doc, b) => replaceBlock(doc, b.block, b.content), before))
    }
    if (flags.check && stale.length > 0) this.error(stale.join('\n'), {exit: EXIT.FAILED})
    this.log(stale.length === 0 ? 'every generated block is current' : `${flags.check ? 'out of date' : 'rewrote'}: ${stale.length} block(s)`)
  }
}
