import type {EventEmitter} from 'node:events'
import type {RunEvents, TickSample} from '../types.js'
import {correctsOmission, formatElapsed, formatNumber, formatTrendValue, shownMetrics} from './format.js'

// Plain ANSI escapes instead of a terminal library: we only move up, clear and colour one word,
// which is not worth a dependency.
const CSI = '\u001b['
const clearFrom = (linesUp: number) => `\r${linesUp > 0 ? `${CSI}${linesUp}A` : ''}${CSI}0J`
const red = (s: string) => `${CSI}1;31m${s}${CSI}0m`

/** Where and how `attachProgress` reports. */
export interface ProgressOptions {
  /** Where to draw; TTY mode is chosen by its `isTTY`, lines are cut to its `columns`. */
  stream: NodeJS.WritableStream & {isTTY?: boolean; columns?: number}
  /** Print nothing at all during the run. */
  quiet?: boolean
  /** Without a TTY: seconds between plain lines; default 5. */
  plainIntervalS?: number
}

function count(tick: TickSample, name: string): number {
  return tick.counters[name] ?? 0
}

function metricCells(tick: TickSample, corrected: boolean): Array<[string, string, string]> {
  return shownMetrics(Object.keys(tick.metrics), corrected).map((name) => {
    const m = tick.metrics[name]!
    return m.count > 0 ? [name, formatTrendValue(name, m.p50, 'ms'), formatTrendValue(name, m.p99, 'ms')] : [name, '-', '-']
  })
}

// Only counters a scenario actually reports, so an http run does not show sent/s=0 twice.
function optionalRates(counters: Record<string, number>, perS: (n: number) => string, sep: string): string {
  return (['sent', 'delivered', 'iterations', 'http_reqs', 'qr_logins'] as const)
    .filter((k) => counters[k] !== undefined)
    .map((k) => ` ${k}/s${sep}${perS(counters[k]!)}`).join('')
}

const BAR_WIDTH = 20

/** `00:12 / 00:30`, or just the elapsed time while the total is unknown. */
export function elapsedOfTotal(elapsedMs: number, totalMs: number | undefined, sep = ' / '): string {
  return totalMs ? `${formatElapsed(elapsedMs)}${sep}${formatElapsed(totalMs)}` : formatElapsed(elapsedMs)
}

/** `[######--------------]`: the share of the schedule run so far (full during the drain). */
export function progressBar(elapsedMs: number, totalMs: number): string {
  const done = Math.round(Math.min(1, Math.max(0, elapsedMs / totalMs)) * BAR_WIDTH)
  return `[${'#'.repeat(done)}${'-'.repeat(BAR_WIDTH - done)}]`
}

interface View {
  totalMs: number | undefined
  corrected: boolean
  color: boolean
}

function ttyBlock(tick: TickSample, totalErrors: number, v: View): string[] {
  const {color} = v
  const when = v.totalMs ? `${progressBar(tick.elapsedMs, v.totalMs)} ${elapsedOfTotal(tick.elapsedMs, v.totalMs)}` : formatElapsed(tick.elapsedMs)
  const head = `${when}  clients ${tick.vus}`
    + `${optionalRates(tick.counters, String, ' ')}  errors/s ${count(tick, 'errors')}  errors ${totalErrors}`
    + `  loop lag ${formatNumber(tick.maxEventLoopLagMs)}ms${tick.saturated ? `  ${color ? red('SATURATED') : 'SATURATED'}` : ''}`
  const cells = metricCells(tick, v.corrected)
  const width = Math.max(0, ...cells.map(([n]) => n.length))
  return [head, ...cells.map(([n, p50, p99]) => `  ${n.padEnd(width)}  p50 ${p50.padStart(9)}  p99 ${p99.padStart(9)}`)]
}

// A line wider than the terminal wraps, and then "up N lines" no longer reaches the block's top.
function fit(line: string, columns: number | undefined): string {
  if (!columns || columns < 2) return line
  const visible = line.replace(/\u001b\[[0-9;]*m/g, '')
  return visible.length < columns ? line : visible.slice(0, columns - 1)
}

/**
 * Shows a run's progress on `o.stream` until the engine emits `done`.
 *
 * On a TTY a small block is redrawn in place every tick: a bar and elapsed / total time of the
 * schedule, this second's counters and p50/p99 per metric (`_uncorrected` twins only when the run
 * corrects for coordinated omission), total errors, and a SATURATED marker; the last state stays
 * on screen. Without a TTY one
 * plain line (`[elapsed/total]`) is written every `plainIntervalS` seconds (rates averaged over that window,
 * percentiles of its last second, `saturated` if any second in it was), plus a final line at
 * `done`. Notes print as `· <note>` in both modes.
 *
 * @returns a function that detaches early (the listeners also detach themselves on `done`).
 */
export function attachProgress(engine: EventEmitter<RunEvents>, o: ProgressOptions): () => void {
  if (o.quiet) return () => {}
  const tty = o.stream.isTTY === true
  const color = tty && !process.env['NO_COLOR']
  const interval = Math.max(1, o.plainIntervalS ?? 5)
  const write = (s: string) => void o.stream.write(s)

  let totalErrors = 0
  const view: View = {totalMs: undefined, corrected: true, color}
  let last: TickSample | undefined
  let drawn = 0
  let span = {fromSecond: 0, counters: {} as Record<string, number>, saturated: false, ticks: 0}

  const draw = (tick: TickSample) => {
    const lines = ttyBlock(tick, totalErrors, view).map((l) => fit(l, o.stream.columns))
    write(`${clearFrom(drawn)}${lines.join('\n')}\n`)
    drawn = lines.length
  }

  const plainLine = (tick: TickSample) => {
    const seconds = Math.max(1, tick.second - span.fromSecond)
    const perS = (n: number) => String(Math.round(n / seconds))
    const c = span.counters
    const metrics = metricCells(tick, view.corrected).map(([n, p50, p99]) => ` ${n} p50=${p50} p99=${p99}`).join('')
    write(`[${elapsedOfTotal(tick.elapsedMs, view.totalMs, '/')}] clients=${tick.vus}`
      + `${optionalRates(c, perS, '=')} errors=${totalErrors}${metrics}${span.saturated ? ' saturated' : ''}\n`)
    span = {fromSecond: tick.second, counters: {}, saturated: false, ticks: 0}
  }

  const onStart = (s: RunEvents['start'][0]) => {
    view.totalMs = s.scheduleMs
    view.corrected = correctsOmission(s.meta.scenarios)
    totalErrors = 0
    last = undefined
    span = {fromSecond: 0, counters: {}, saturated: false, ticks: 0}
  }
  const onTick = (tick: TickSample) => {
    totalErrors += count(tick, 'errors')
    last = tick
    if (tty) return draw(tick)
    for (const [k, v] of Object.entries(tick.counters)) span.counters[k] = (span.counters[k] ?? 0) + v
    span.saturated ||= tick.saturated
    span.ticks++
    if (tick.second - span.fromSecond >= interval) plainLine(tick)
  }
  const onNote = (note: string) => {
    if (!tty) return write(`· ${note}\n`)
    // The note goes above the live block, which is then drawn again beneath it.
    write(`${clearFrom(drawn)}· ${note}\n`)
    drawn = 0
    if (last) draw(last)
  }
  const detach = () => {
    engine.off('start', onStart)
    engine.off('tick', onTick)
    engine.off('note', onNote)
    engine.off('done', onDone)
  }
  const onDone = () => {
    // On a TTY the block already sits above the cursor: leaving it is what keeps it visible.
    if (!tty && last && span.ticks > 0) plainLine(last)
    detach()
  }

  engine.on('start', onStart)
  engine.on('tick', onTick)
  engine.on('note', onNote)
  engine.on('done', onDone)
  return detach
}
