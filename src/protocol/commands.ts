import type {BodyParser, CommandSpec} from './flow-contract.js'
import {type FlowName, PROTOCOL_FLOWS, type ProtocolFlows} from './flows.js'
import {DECLARED_FLOWS} from './sync-categories.js'

/**
 * Long-link command ids (PROTOCOL.md §4.3), derived from the commands every flow declares. Ids
 * come from each flow's range: 1–99 core, 100–199 talk, 200–299 social flows.
 */

type Commands = ProtocolFlows['commands'][number]
export type CmdName = Commands['name']
export type CmdId = Commands['id']

/** `CMD.BOTTLE_PICK` is 221, typed as the literal. */
export const CMD = Object.fromEntries(PROTOCOL_FLOWS.flatMap((f): readonly CommandSpec[] => f.commands).map((c) => [c.name, c.id])) as {
  readonly [C in Commands as C['name']]: C['id']
}

/** A declared command with its parsers bound to the declared flows, as a receiver calls them. */
export interface DeclaredCommand {
  readonly name: CmdName
  readonly id: CmdId
  readonly direction: CommandSpec['direction']
  readonly flow: FlowName
  /** The declaration as its flow wrote it. */
  readonly spec: CommandSpec
  /** Checks the body of the frame this command is sent as; absent when it is not read (NOOP). */
  readonly parseBody?: (body: unknown) => unknown
  /** Checks a request's reply body; absent for a push and for an empty reply. */
  readonly parseReply?: (body: unknown) => unknown
}

function declared(flow: FlowName, spec: CommandSpec): DeclaredCommand {
  const bind = (parse: BodyParser) => (v: unknown) => parse(v, DECLARED_FLOWS)
  const parseReply = spec.direction === 'request' && spec.reply !== 'empty' ? bind(spec.reply) : undefined
  return {name: spec.name as CmdName, id: spec.id as CmdId, direction: spec.direction, flow, spec, parseBody: spec.body && bind(spec.body), parseReply}
}

const BY_ID = new Map<number, DeclaredCommand>(
  PROTOCOL_FLOWS.flatMap((f) => (f.commands as readonly CommandSpec[]).map((c) => [c.id, declared(f.name, c)] as const)),
)

/** Every declared command, the flows' order. */
export const COMMANDS: readonly DeclaredCommand[] = [...BY_ID.values()]

/** The declared command of an id; undefined for an unknown cmd. */
export function commandOf(cmd: number): DeclaredCommand | undefined {
  return BY_ID.get(cmd)
}

export function cmdName(cmd: number): string {
  return BY_ID.get(cmd)?.name ?? `CMD_${cmd}`
}

export function isKnownCmd(cmd: number): cmd is CmdId {
  return BY_ID.has(cmd)
}

/** The reply parser of a request cmd (what LongLink.call checks a reply with); undefined when its reply has no body to check. */
export function replyParser(cmd: number): ((body: unknown) => unknown) | undefined {
  return BY_ID.get(cmd)?.parseReply
}

/** seq 0 marks a push from the server; client seqs start at 1. */
export const PUSH_SEQ = 0
