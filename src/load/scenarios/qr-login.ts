import {QrBrowser} from '../../client/qr-browser.js'
import {QrPhone} from '../../client/qr-phone.js'
import {fetchSchedulerAnswer} from '../../client/resolve.js'
import {ShortClient} from '../../client/short-client.js'
import {ImhError, isImhError} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {number} from '../profile/fields.js'
import {errorCode, schedulerUrl} from './context.js'
import {LOAD_PASSWORD, usernameFor} from './load-client.js'
import {defineScenario, option} from './scenario-module.js'

/**
 * QR-code web login (PROTOCOL.md §10). Each VU is a browser holding long polls on its login page
 * and the phone of one logged-in user: after a while (1/loginRate on average) the phone scans, the
 * user reads the prompt (confirmDelay), the phone confirms, and the browser exchanges the ticket
 * for a web session; then the page starts over with a new code.
 */
export const qrLogin = defineScenario({
  kind: 'qr-login',
  summary: 'QR-code web login (PROTOCOL.md §10): browsers hold long polls on their login pages while phones scan and confirm.',
  details: 'Each VU is a browser long-polling its login page\'s check endpoint and the phone of one logged-in user; the phone scans after a random wait (1/`loginRate` on average), confirms after `confirmDelay`, and the browser exchanges the ticket for a web session, then starts over. Open models: each iteration is a user who scans at once. The progress\'s clients column counts the polls held.',
  needsScheduler: true,
  options: {
    loginRate: option({field: 'loginRate', check: number({above: 0}), default: 0.1, doc: 'logins per second each browser goes through (VU executors)'}),
    confirmDelayMs: option({field: 'confirmDelay', check: durationField(), default: 500, doc: "time between the phone's scan and its confirm"}),
  },
  metrics: [
    trend('qr_scan_notify', "qr-login: the phone's scan request sent → the browser's pending poll answers 201"),
    trend('qr_confirm_login', "qr-login: the phone's confirm request sent → the browser's pending poll answers 200"),
    trend('qr_login_total', 'qr-login: the login page asks for a code → the browser holds a web session (includes the time until the phone scans)'),
    counter('qr_polls', 'qr-login: long polls the browsers sent (each held up to the hold time)'),
    counter('qr_logins', 'qr-login: web sessions obtained through scan, confirm and ticket'),
  ],
  rate: {sets: 'loginRate', as: 'rate', unit: 'logins', counts: 'qr_logins'},
  create(ctx) {
    const scheduler = schedulerUrl(ctx)
    const {recorder, clock} = ctx
    const o = ctx.options
    const meanWait = 1000 / o.loginRate
    const timeoutMs = o.requestTimeoutMs

    return {
      async create(index) {
        const dispatcher = ctx.addresses.dispatcherFor(index, scheduler)
        const answer = await fetchSchedulerAnswer(scheduler, {clientId: `qr-${index}`, dispatcher})
        const qrBase = answer.groups.qr[0]
        const shortBase = answer.groups.short[0]
        if (!qrBase || !shortBase) throw new ImhError('IMH_ERR_SCHEDULER_UNAVAILABLE', 'the scheduler lists no qr or short address')
        const short = new ShortClient(shortBase, {dispatcher, timeoutMs})
        const credentials = {username: usernameFor(ctx, index), password: LOAD_PASSWORD}
        await short.register(credentials).catch((err) => {
          if (!isImhError(err, 'IMH_ERR_USER_EXISTS')) throw err
        })
        const t0 = clock.now()
        await short.login(credentials)
        recorder.trend('login', clock.now() - t0)
        const browser = new QrBrowser(qrBase, {dispatcher, timeoutMs})
        const phone = new QrPhone(qrBase, short.token!, {dispatcher, timeoutMs})

        /** One login from the page's request for a code to the web session. */
        const cycle = async (openedAt: number, waitMs: number, signal?: AbortSignal): Promise<void> => {
          const login = await browser.newLogin()
          const sent = {scan: 0, confirm: 0}
          const phoneSide = (async () => {
            await clock.sleep(waitMs, signal).catch(() => undefined)
            if (signal?.aborted) return
            sent.scan = clock.now()
            await phone.scan(login.qrText)
            await clock.sleep(o.confirmDelayMs)
            sent.confirm = clock.now()
            await phone.confirm(login.uuid)
          })()
          // The browser side may fail first; the phone's failure must then not go unhandled.
          phoneSide.catch(() => undefined)
          let last = 0
          for (;;) {
            recorder.add('qr_polls')
            ctx.gauges.connected++
            let reply
            try {
              reply = await browser.poll(login.uuid, last, {signal})
            } catch (err) {
              // The schedule ended while the page waited for a scan: leave, it is no error.
              if (signal?.aborted) break
              throw err
            } finally {
              ctx.gauges.connected--
            }
            const at = clock.now()
            if (reply.code === 408) continue
            if (reply.code === 201) {
              recorder.trend('qr_scan_notify', at - sent.scan)
              last = 201
              continue
            }
            if (reply.code === 200) {
              recorder.trend('qr_confirm_login', at - sent.confirm)
              await browser.redeem(reply.redirectUrl)
              recorder.trend('qr_login_total', clock.now() - openedAt)
              recorder.add('qr_logins')
              break
            }
            throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `the login poll answered ${reply.code} while the phone was scanning and confirming`)
          }
          await phoneSide.catch((err) => {
            if (!signal?.aborted) throw err
          })
        }
        const guarded = async (openedAt: number, waitMs: number, signal?: AbortSignal): Promise<void> => {
          try {
            await cycle(openedAt, waitMs, signal)
          } catch (err) {
            recorder.error(errorCode(err))
            // A failing target must not turn this loop into a busy one.
            await clock.sleep(1000, signal).catch(() => undefined)
          }
        }
        const vu: VirtualUser = {
          async loop(signal) {
            while (!signal.aborted) await guarded(clock.now(), ctx.random() * 2 * meanWait, signal)
          },
          // Open model: an iteration is a user who scans at once; timed from its intended start.
          iterate: (intendedMs) => guarded(intendedMs, 0),
          close: async () => {},
        }
        return vu
      },
    }
  },
})
