import {arch, cpus, hostname, platform, release, totalmem} from 'node:os'
import {packageVersion} from '../common/package-root.js'
import type {Shard} from './executors/share.js'
import type {Profile, ProfileOverrides, RunMeta} from './types.js'

export function runMeta(o: {profile: Profile; target: string; embeddedServer: boolean; workers: number; overrides: ProfileOverrides; startedAt: Date; shard?: Shard}): RunMeta {
  const cpu = cpus()
  return {
    profile: o.profile.name,
    profileFile: o.profile.file,
    target: o.target,
    embeddedServer: o.embeddedServer,
    imhVersion: packageVersion(),
    node: process.version,
    machine: {platform: platform(), release: release(), arch: arch(), cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', totalMemoryMb: Math.round(totalmem() / 2 ** 20), hostname: hostname()},
    workers: o.workers,
    seed: o.profile.options.seed,
    ...(o.profile.options.transport ? {transport: o.profile.options.transport} : {}),
    startedAt: o.startedAt.toISOString(),
    durationMs: 0,
    overrides: o.overrides,
    scenarios: o.profile.scenarios.map((s) => ({name: s.name, scenario: s.scenario, executor: s.spec.executor})),
    regressions: [...o.profile.regressions],
    thresholds: o.profile.thresholds,
    ...(o.shard ? {shard: {index: o.shard.index, count: o.shard.count}} : {}),
  }
}
