import {appendFile} from 'node:fs/promises'

/**
 * GitHub Actions' workflow commands and job summary, for every command that reports to CI.
 * Annotations are lines on stdout (`::error title=…::message`), which the runner turns into marks
 * on the run and the pull request; the job summary is markdown appended to the file
 * GITHUB_STEP_SUMMARY names. Outside Actions (the variable unset) nothing is written.
 */

// https://docs.github.com/actions/reference/workflow-commands-for-github-actions: data escapes
// %, CR and LF; property values also ':' and ','.
const data = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const property = (s: string): string => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

/** One annotation line: `level` error or warning, shown with `title`. */
export function annotation(level: 'error' | 'warning' | 'notice', title: string, message: string): string {
  return `::${level} title=${property(title)}::${data(message)}`
}

/** Whether this process runs as a GitHub Actions step (it has a job summary to write to). */
export function inGithubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.GITHUB_STEP_SUMMARY)
}

/** Appends `markdown` to the job summary and prints the annotations; does nothing outside Actions. */
export async function reportToGithub(markdown: string, annotations: readonly string[], env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (!inGithubActions(env)) return
  await appendFile(env.GITHUB_STEP_SUMMARY!, markdown.endsWith('\n') ? markdown : `${markdown}\n`)
  for (const a of annotations) out.write(`${a}\n`)
}
