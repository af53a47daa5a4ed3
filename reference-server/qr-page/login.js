// The QR-code login page (PROTOCOL.md §10.6): a plain browser script, no build step.
// body[data-state] follows the page: loading | waiting | scanned | logged-in | expired | cancelled | error.
'use strict'
;(function () {
  // Every endpoint sits next to this script: …/qr/login.js → …/qr/new, …/qr/check, …
  const base = new URL('.', document.currentScript.src)
  const RETRIES = 3
  const RETRY_DELAY_MS = 1000
  const $ = (id) => document.getElementById(id)
  const qr = $('qr'), user = $('user'), avatar = $('avatar'), nickname = $('nickname')
  const status = $('status'), newCode = $('new-code'), reload = $('reload')

  /** Worth retrying: HTTP 5xx, a network error or the client time-out. */
  class Transient extends Error {}
  /** The page has moved on (a new code was asked for): the old run ends quietly. */
  class Stale extends Error {}

  let current = null // AbortController of the running login attempt

  function show(state, text) {
    document.body.dataset.state = state
    status.textContent = text
  }

  /** GET url and return its JSON object; 5xx and network failures throw Transient. */
  async function getJson(url, signal, {timeoutMs = 15000, token} = {}) {
    const ctl = new AbortController()
    const stop = () => ctl.abort()
    signal.addEventListener('abort', stop)
    const timer = setTimeout(stop, timeoutMs)
    let res, text
    try {
      res = await fetch(url, {signal: ctl.signal, cache: 'no-store', headers: token ? {authorization: 'Bearer ' + token} : {}})
      text = await res.text()
    } catch (err) {
      if (signal.aborted) throw new Stale()
      throw new Transient(ctl.signal.aborted ? 'no answer in time' : 'network error')
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', stop)
    }
    if (res.status >= 500) throw new Transient('server error (HTTP ' + res.status + ')')
    let body
    try {
      body = JSON.parse(text)
    } catch {
      body = null
    }
    if (!res.ok || typeof body !== 'object' || body === null) {
      throw new Error(body && typeof body.errMsg === 'string' ? body.errMsg : 'unexpected answer (HTTP ' + res.status + ')')
    }
    return body
  }

  /** fn(), tried again up to RETRIES times, RETRY_DELAY_MS apart, while it fails with Transient. */
  async function retrying(signal, fn) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        if (!(err instanceof Transient) || attempt >= RETRIES) throw err
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS))
        if (signal.aborted) throw new Stale()
      }
    }
  }

  async function login(signal) {
    show('loading', 'Getting a login code…')
    const code = await retrying(signal, () => getJson(new URL('new', base), signal))
    const holdMs = Number(code.holdMs) || 25000
    document.body.dataset.uuid = code.uuid
    qr.src = code.qrImageUrl
    qr.hidden = false
    show('waiting', 'Scan this code with the app on your phone.')
    let last = 0 // the last code other than 408 (§10.3)
    for (;;) {
      const url = new URL('check', base)
      url.search = new URLSearchParams({uuid: code.uuid, last: String(last)}).toString()
      const reply = await retrying(signal, () => getJson(url, signal, {timeoutMs: holdMs + 10000}))
      switch (reply.code) {
        case 408: // nothing happened during the hold
          continue
        case 201:
          last = 201
          nickname.textContent = reply.nickname
          avatar.alt = 'Avatar of ' + reply.nickname
          if (reply.avatarUrl) avatar.src = reply.avatarUrl
          user.hidden = false
          show('scanned', 'Scanned. Confirm on your phone.')
          continue
        case 200:
          return finish(signal, reply.redirectUrl)
        case 202:
          return offerNewCode('cancelled', 'Login was cancelled on the phone.')
        case 400:
          return offerNewCode('expired', 'This code has expired.')
        default:
          throw new Error('unexpected poll code ' + reply.code)
      }
    }
  }

  async function finish(signal, redirectUrl) {
    status.textContent = 'Confirmed. Logging in…'
    // The server names itself by its public host, which need not be the host this page was opened
    // with (localhost vs 127.0.0.1), and it sends no CORS headers: redeem the ticket next to this script.
    let exchange = new URL(redirectUrl, base)
    if (exchange.origin !== location.origin) exchange = new URL('login' + exchange.search, base)
    const ticket = await retrying(signal, () => getJson(exchange, signal))
    const session = await retrying(signal, () => getJson(new URL('session', base), signal, {token: ticket.webToken}))
    qr.hidden = true
    nickname.textContent = session.nickname
    document.body.dataset.userId = session.userId
    show('logged-in', 'Logged in as ' + session.nickname)
  }

  function offerNewCode(state, text) {
    qr.hidden = true
    user.hidden = true
    show(state, text + ' Get a new code to try again.')
    newCode.hidden = false
    newCode.focus()
  }

  function start() {
    if (current) current.abort()
    const run = (current = new AbortController())
    qr.hidden = user.hidden = newCode.hidden = reload.hidden = true
    qr.removeAttribute('src')
    avatar.removeAttribute('src')
    nickname.textContent = ''
    delete document.body.dataset.userId
    delete document.body.dataset.uuid
    login(run.signal).catch((err) => {
      if (err instanceof Stale || run.signal.aborted) return
      qr.hidden = user.hidden = true
      show('error', (err instanceof Transient ? 'The server cannot be reached' : 'Login failed: ' + err.message) + '. Please reload the page.')
      reload.hidden = false
    })
  }

  qr.addEventListener('error', () => {
    if (!qr.getAttribute('src') || document.body.dataset.state !== 'waiting') return
    if (current) current.abort()
    offerNewCode('error', 'The QR code did not load.')
  })
  newCode.addEventListener('click', start)
  reload.addEventListener('click', () => location.reload())
  start()
})()
