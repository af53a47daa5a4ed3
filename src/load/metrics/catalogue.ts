/** How a metric aggregates: trends keep a latency histogram, counters a running sum. */
export type MetricKind = 'trend' | 'counter'
/**
 * `kB/s`: a rate in units of 1000 bytes per second. The histogram keeps integer millionths of the
 * recorded value, so a rate recorded in kB/s is kept to the byte per second (up to 3.6 GB/s).
 */
export type MetricUnit = 'ms' | 'count' | 'bytes' | 'kB/s'

/** One metric `imh load` records; `description` is user-facing (summaries, docs). */
export interface MetricDefinition {
  name: string
  kind: MetricKind
  unit: MetricUnit
  description: string
}

const trend = (name: string, description: string): MetricDefinition => ({name, kind: 'trend', unit: 'ms', description})
const counter = (name: string, description: string, unit: MetricUnit = 'count'): MetricDefinition => ({name, kind: 'counter', unit, description})

/** Every metric `imh load` knows, in the order summaries list them. */
export const METRICS: readonly MetricDefinition[] = [
  trend('heartbeat_rtt', 'heartbeat sent → heartbeat acknowledgement received on the long link'),
  trend('sync_latency', "sender's intended send time → the receiver holds the message after notify and pull (coordinated-omission corrected in open models)"),
  trend('sync_latency_uncorrected', 'actual send time → the receiver holds the message after notify and pull (not corrected for coordinated omission)'),
  trend('send_ack', "sender's intended send time → the server acknowledges the message (coordinated-omission corrected in open models)"),
  trend('send_ack_uncorrected', 'actual send time → the server acknowledges the message (not corrected for coordinated omission)'),
  trend('connect', 'protocol scenarios: opening the long link (TCP, TLS, WebSocket upgrade) until the AUTH reply; ws-ping: until the WebSocket is open'),
  trend('login', 'the short-link login request until its answer (the token)'),
  trend('scheduler', 'asking the scheduler which node serves the user until the answer arrives'),
  trend('http_req_duration', 'intended request time → response body fully received (http scenario; coordinated-omission corrected in open models)'),
  trend('http_req_duration_uncorrected', 'actual request time → response body fully received (http scenario; not corrected for coordinated omission)'),
  trend('qr_scan_notify', "qr-login: the phone's scan request sent → the browser's pending poll answers 201"),
  trend('qr_confirm_login', "qr-login: the phone's confirm request sent → the browser's pending poll answers 200"),
  trend('qr_login_total', 'qr-login: the login page asks for a code → the browser holds a web session (includes the time until the phone scans)'),
  trend('call_setup', 'talk: TALK_INVITE sent → the TALK_JOINED push (the callee joined), at the caller'),
  trend('stun_rtt', 'talk: STUN Binding request → its answer, per relay port that answered'),
  trend('relay_latency', "talk: one-way relay latency, the sender's send time → arrival at the other party (shared clock)"),
  trend('relay_rtt', 'talk with echo: relay datagram sent → its echo back from the relay'),
  trend('nearby_query', 'nearby: NEARBY request sent → its reply (one page of people, nearest first)'),
  trend('shake_match', 'shake: SHAKE sent → the SHAKE_MATCH push (includes the wait for the window to close)'),
  trend('bottle_pick', 'bottle: BOTTLE_PICK sent → its reply (a bottle or none)'),
  trend('moment_post', 'moments: the short-link post request → its answer (the moment id)'),
  trend('timeline_page', "moments: one page of the friends' timeline, request → answer"),
  trend('media_get', 'media: GET of an avatar or image from the media group, request → body fully received'),
  {name: 'download_throughput', kind: 'trend', unit: 'kB/s', description: 'download: body bytes of one whole download ÷ its time (first request sent → last byte received), in kB/s (1000 bytes per second)'},
  trend('relay_jitter', 'talk: RFC 3550 interarrival jitter at the end of each call, per receiving party'),
  trend('iteration_duration', 'login-storm: one whole login (scheduler, login, long link + AUTH, hold, close), from its intended start'),
  counter('sent', 'messages the clients sent'),
  counter('acked', 'messages the server acknowledged to their sender'),
  counter('delivered', 'messages that reached their receiver (first copy only)'),
  counter('duplicates', 'extra copies of messages a receiver already held'),
  counter('lost', 'acknowledged by the server but never delivered by the end of the drain'),
  counter('errors', 'failed operations of any kind; the summary breaks them down by error code'),
  counter('qr_polls', 'qr-login: long polls the browsers sent (each held up to the hold time)'),
  counter('qr_logins', 'qr-login: web sessions obtained through scan, confirm and ticket'),
  counter('calls', 'talk: calls placed, talked through and hung up'),
  counter('relay_sent', 'talk: relay datagrams the parties sent (priming datagrams included)'),
  counter('relay_received', 'talk: distinct relay datagrams that reached the other party (with echo: echoes back)'),
  counter('relay_lost', 'talk: relay datagrams missing between the lowest and highest seq a party received (with echo: sent − echoes)'),
  counter('relay_reordered', 'talk: relay datagrams that arrived after one with a higher seq'),
  counter('avatar_cache_hit', "nearby, shake, moments: avatars on screen that the client's avatar cache already held (no request)"),
  counter('avatar_cache_miss', 'nearby, shake, moments: avatars on screen the client had to fetch from the media group'),
  counter('shake_alone', 'shake: shakes whose window closed with nobody else in it'),
  counter('bottles_thrown', 'bottle: bottles thrown into the pool'),
  counter('bottles_picked', 'bottle: picks that got a bottle'),
  counter('bottles_empty', 'bottle: picks answered "no bottle"'),
  counter('bottle_replies', "bottle: replies delivered to the thrower's inbox and pulled by the thrower"),
  counter('moment_notices', 'moments: like and comment notices the authors pulled over the long link'),
  counter('iterations', 'scenario iterations completed'),
  counter('dropped_iterations', 'iterations an arrival-rate executor could not start because no VU was free (the target rate was not reached)'),
  counter('http_reqs', 'HTTP requests completed (http scenario)'),
  counter('download_bytes_verified', 'download: body bytes received and found equal to the content PROTOCOL.md §16.6 defines', 'bytes'),
  counter('data_sent', 'bytes the clients wrote to the network', 'bytes'),
  counter('data_received', 'bytes the clients read from the network', 'bytes'),
]

/**
 * Counters reported even when nothing incremented them, so 0 is a real observation. Only
 * `errors`: every scenario can fail. The coordinator sets the others (`lost`, `duplicates`,
 * `dropped_iterations`, …) itself when a scenario that produces them ran; otherwise a threshold
 * on them fails for lack of samples instead of passing on a run that never measured them.
 */
export const ALWAYS_REPORTED_COUNTERS: readonly string[] = ['errors']

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]))

/** The definition of a known metric; undefined for any other name. */
export function metricDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name)
}

/** The kind of a known metric; undefined for any other name. */
export function metricKind(name: string): MetricKind | undefined {
  return BY_NAME.get(name)?.kind
}
