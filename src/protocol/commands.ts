/**
 * Long-link command ids (PROTOCOL.md §4.3). NOOP = 6 and seq 0 for pushes follow Tencent Mars.
 * Later protocol sections take ids from their own ranges: 100–199 talk, 200–299 social flows.
 */
export const CMD = {
  AUTH: 1,
  SEND_MSG: 2,
  SYNC: 3,
  SYNC_NOTIFY: 4,
  ERROR: 5,
  NOOP: 6,
  // Real-time talk call signalling (PROTOCOL.md §11.2).
  TALK_INVITE: 100,
  TALK_RING: 101,
  TALK_JOIN: 102,
  TALK_JOINED: 103,
  TALK_HANGUP: 104,
  TALK_ENDED: 105,
  // Nearby people (PROTOCOL.md §12).
  LBS_REPORT: 200,
  NEARBY: 201,
  // Shake (§13): SHAKE is answered at once, SHAKE_MATCH is pushed when the window closes.
  SHAKE: 210,
  SHAKE_MATCH: 211,
  // Drift bottle (§14).
  BOTTLE_THROW: 220,
  BOTTLE_PICK: 221,
  BOTTLE_REPLY: 222,
} as const

export type CmdName = keyof typeof CMD
export type CmdId = (typeof CMD)[CmdName]

const NAMES = new Map<number, CmdName>(Object.entries(CMD).map(([name, id]) => [id, name as CmdName]))

export function cmdName(cmd: number): string {
  return NAMES.get(cmd) ?? `CMD_${cmd}`
}

export function isKnownCmd(cmd: number): cmd is CmdId {
  return NAMES.has(cmd)
}

/** seq 0 marks a push from the server; client seqs start at 1. */
export const PUSH_SEQ = 0
