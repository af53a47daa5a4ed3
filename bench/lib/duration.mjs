/** Seconds in an imh duration such as `90s`, `4m` or `1m30s`. */
export function parseDurationS(d) {
  let total = 0
  for (const [, n, unit] of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * {ms: 0.001, s: 1, m: 60, h: 3600}[unit]
  return total
}
