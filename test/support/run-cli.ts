import {type ChildProcess, spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {afterEach} from 'vitest'

// Runs the built CLI (npm test builds first), as a user would.
export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
export const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

/** Runs `imh args…`; `env` is added to this process's environment. */
export function runCli(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1', ...env}})
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => reject(new Error(`imh ${args.join(' ')} did not exit in ${timeoutMs} ms`)), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/** stderr as one line: oclif wraps an error at the terminal's width behind ' ›   '. */
export function oneLine(stderr: string): string {
  return stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
}
