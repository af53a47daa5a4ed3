import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'

// deploy/kubernetes/*.yaml and docs/distributed.md: the manifests agree with each other (kinds,
// labels, selectors, ports, volumes, env) and every `imh` command line in them and in the doc's
// code blocks uses flags the command has.

const root = new URL('../', import.meta.url)
const dir = new URL('deploy/kubernetes/', root)
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()

type Obj = Record<string, any>
interface Manifest {file: string; doc: Obj}

const manifests: Manifest[] = files.flatMap((file) => parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => {
  if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`)
  return {file, doc: d.toJS() as Obj}
}))

const KINDS: Record<string, string> = {Deployment: 'apps/v1', Service: 'v1', Job: 'batch/v1', PersistentVolumeClaim: 'v1'}
const NAME = 'app.kubernetes.io/name'
const of = (kind: string): Manifest[] => manifests.filter((m) => m.doc.kind === kind)
const podSpec = (m: Manifest): Obj => m.doc.spec.template.spec
const containers = (m: Manifest): Obj[] => (m.doc.spec?.template ? podSpec(m).containers : [])
const subset = (a: Obj, b: Obj): boolean => Object.entries(a).every(([k, v]) => b?.[k] === v)
const isImh = (c: Obj): boolean => String(c.image).startsWith('imharness:')

/** `--flag` and `-c` names of command `name`, or undefined when there is no such command. */
async function flagsOf(name: string): Promise<Set<string> | undefined> {
  const file = new URL(`commands/${name}.ts`, root)
  if (!existsSync(file)) return undefined
  const command = (await import(fileURLToPath(file))).default as {flags?: Record<string, {char?: string}>}
  const flags = new Set<string>(['help'])
  for (const [flag, spec] of Object.entries(command.flags ?? {})) {
    flags.add(flag)
    if (spec.char) flags.add(spec.char)
  }
  return flags
}

/** Splits a shell line into words (quotes honoured, no expansion). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!)
}

interface Use {where: string; command: string; flags: string[]}

/** The flags an `imh` invocation uses: `args` begins with the command's name. */
function use(where: string, args: readonly string[]): Use {
  const flags = args.slice(1).filter((a) => /^--?[a-z]/i.test(a)).map((a) => a.replace(/^--?/, '').replace(/=.*/, ''))
  return {where, command: args[0]!, flags}
}

/** `imh …` and `docker run … imharness:TAG …` command lines in the doc's code blocks. */
function docUses(): Use[] {
  const text = readFileSync(new URL('docs/distributed.md', root), 'utf8')
  const out: Use[] = []
  for (const block of text.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      for (const part of line.split(/&&|;|\||&(?!\d)/)) {
        const w = words(part.trim())
        // `imh …`, also behind a prefix (`ip netns exec NS imh …`), or the image's name in `docker run`.
        const at = w[0] === 'docker' && w[1] === 'run' ? w.findIndex((x) => x.startsWith('imharness:')) + 1 : w.indexOf('imh') + 1
        if (at > 0 && w[at]) out.push(use(`docs/distributed.md: ${line.trim()}`, w.slice(at)))
      }
    }
  }
  return out
}

const manifestUses = (): Use[] => manifests.flatMap((m) => containers(m).filter(isImh).map((c) => use(`${m.file} ${m.doc.metadata.name}/${c.name}`, c.args)))

describe('deploy/kubernetes manifests', () => {
  it('every document is a known kind of its apiVersion, named, labelled as part of imharness', () => {
    expect(files).toEqual(expect.arrayContaining(['redis.yaml', 'agents.yaml', 'coordinator-job.yaml', 'shards-indexed-job.yaml']))
    for (const {file, doc} of manifests) {
      expect(KINDS[doc.kind], `${file}: kind ${doc.kind}`).toBe(doc.apiVersion)
      expect(doc.metadata.name, file).toMatch(/^imh-[a-z0-9-]+$/)
      expect(doc.metadata.labels?.['app.kubernetes.io/part-of'], file).toBe('imharness')
      expect(doc.metadata.labels?.[NAME], file).toBeTruthy()
      if (doc.spec?.template) expect(subset(doc.metadata.labels, doc.spec.template.metadata.labels), `${file}: the pods carry the object's labels`).toBe(true)
    }
    expect(new Set(manifests.map((m) => `${m.doc.kind}/${m.doc.metadata.name}`)).size).toBe(manifests.length)
  })

  it("a Deployment's selector selects its own pods and no other workload's", () => {
    for (const d of of('Deployment')) {
      const sel = d.doc.spec.selector.matchLabels
      expect(subset(sel, d.doc.spec.template.metadata.labels), d.file).toBe(true)
      for (const other of [...of('Deployment'), ...of('Job')].filter((o) => o !== d)) expect(subset(sel, other.doc.spec.template.metadata.labels), `${d.file} selects ${other.file}'s pods`).toBe(false)
    }
  })

  it('a Service selects exactly one Deployment, whose container has the port it targets', () => {
    for (const s of of('Service')) {
      const targets = of('Deployment').filter((d) => subset(s.doc.spec.selector, d.doc.spec.template.metadata.labels))
      expect(targets.map((t) => t.doc.metadata.name), s.file).toHaveLength(1)
      const ports = containers(targets[0]!).flatMap((c) => c.ports ?? [])
      for (const p of s.doc.spec.ports) expect(ports.some((cp: Obj) => cp.name === p.targetPort || cp.containerPort === p.targetPort), `${s.file}: targetPort ${p.targetPort}`).toBe(true)
    }
  })

  it('redis:// URLs name a Service and its port; volumes name a claim that exists; $(VAR)s are declared in env', () => {
    const claims = of('PersistentVolumeClaim').map((c) => c.doc.metadata.name)
    for (const m of manifests) {
      for (const c of containers(m)) {
        const declared = new Set((c.env ?? []).map((e: Obj) => e.name))
        for (const arg of c.args ?? []) {
          for (const v of String(arg).matchAll(/\$\((\w+)\)/g)) expect(declared.has(v[1]), `${m.file}: $(${v[1]}) in args`).toBe(true)
          const url = /^redis:\/\/([^:/]+):(\d+)/.exec(String(arg))
          if (url) {
            const svc = of('Service').find((s) => s.doc.metadata.name === url[1])
            expect(svc, `${m.file}: ${arg}`).toBeDefined()
            expect(svc!.doc.spec.ports.map((p: Obj) => p.port), `${m.file}: ${arg}`).toContain(Number(url[2]))
          }
        }
        expect(c.resources?.requests, `${m.file}/${c.name}: resource requests`).toBeDefined()
      }
      for (const v of m.doc.spec?.template ? podSpec(m).volumes ?? [] : []) if (v.persistentVolumeClaim) expect(claims, m.file).toContain(v.persistentVolumeClaim.claimName)
    }
  })

  it('Jobs do not restart a run; the shard Job is Indexed and its --shard N is its completions', () => {
    for (const j of of('Job')) expect(podSpec(j).restartPolicy, j.file).toBe('Never')
    const indexed = of('Job').filter((j) => j.doc.spec.completionMode === 'Indexed')
    expect(indexed).toHaveLength(1)
    const args: string[] = containers(indexed[0]!)[0]!.args
    expect(args[args.indexOf('--shard') + 1]).toBe(`$(JOB_COMPLETION_INDEX)/${indexed[0]!.doc.spec.completions}`)
    const merge = of('Job').find((j) => containers(j).some((c) => c.args?.[0] === 'merge'))!
    const merged = containers(merge)[0]!.args.filter((a: string) => a.startsWith('/results/shard-'))
    expect(merged).toEqual(Array.from({length: indexed[0]!.doc.spec.completions}, (_, i) => `/results/shard-${i}.json`))
  })

  it('agents and coordinator use the same image and Redis; the coordinator asks for as many agents as the Deployment runs', () => {
    const imh = manifests.flatMap((m) => containers(m).filter((c) => String(c.image).startsWith('imharness')))
    expect(new Set(imh.map((c) => c.image)).size).toBe(1)
    const agents = of('Deployment').find((d) => containers(d).some((c) => c.args?.[0] === 'agent'))!
    const coordinator = of('Job').find((j) => containers(j).some((c) => c.args?.includes('--distributed')))!
    const agentArgs: string[] = containers(agents)[0]!.args
    const coordArgs: string[] = containers(coordinator)[0]!.args
    expect(coordArgs[coordArgs.indexOf('--redis') + 1]).toBe(agentArgs[agentArgs.indexOf('--redis') + 1])
    expect(Number(coordArgs[coordArgs.indexOf('--agents') + 1])).toBe(agents.doc.spec.replicas)
  })
})

describe('imh flags in deploy/ and docs/distributed.md', () => {
  const uses = [...manifestUses(), ...docUses()]

  it('finds the command lines', () => {
    expect(uses.filter((u) => u.where.startsWith('docs/')).length).toBeGreaterThan(10)
    expect(new Set(uses.map((u) => u.command))).toEqual(new Set(['agent', 'load', 'merge', 'serve']))
  })

  it('every flag used exists on its command', async () => {
    const wrong: string[] = []
    for (const u of uses) {
      const flags = await flagsOf(u.command)
      if (!flags) wrong.push(`${u.where}: there is no command imh ${u.command}`)
      else for (const f of u.flags) if (!flags.has(f)) wrong.push(`${u.where}: imh ${u.command} has no flag --${f}`)
    }
    expect(wrong).toEqual([])
  })
})
