import {existsSync} from 'node:fs'
import {type Browser, chromium} from 'playwright-core'

/** Debian's Chromium, which the browser tests drive through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM)
/** Under CI=true a missing Chromium fails the browser tests instead of skipping them. */
export const chromiumRequired = process.env.CI === 'true'

/** Says loudly, once per test file, that its browser tests are skipped (outside CI only). */
export function warnIfSkipped(what: string): void {
  if (!haveChromium && !chromiumRequired) console.warn(`\n*** SKIPPING ${what}: ${CHROMIUM} not found (apt-get install chromium); CI requires them ***\n`)
}

/** Headless Chromium as the project runs it; throws (failing the suite) when it is missing. */
export async function launchChromium(what: string): Promise<Browser> {
  if (!haveChromium) throw new Error(`${CHROMIUM} is required in CI for ${what} (apt-get install chromium)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  })
}
