import {rawRequest} from '../../client/http-json.js'
import {groupUrl} from '../../client/group-url.js'
import {type Feature, type Group, featureFlow, isImhError} from '../../protocol/index.js'
import {Unimplemented} from '../failures.js'
import type {FeatureProbe} from '../types.js'

/**
 * Feature probes (PROTOCOL.md §2.2): each sends an optional flow's first command once, with an
 * empty body (no state changes on a server that knows it: it answers IMH_ERR_BAD_BODY, or
 * whatever the command answers), and reports the feature unimplemented when the answer is
 * IMH_ERR_UNKNOWN_CMD or 404. Any other answer, or none, lets the cases run: they judge it.
 */

/** The first request command of `feature`'s flow on an authenticated long link. */
export function firstCommandProbe(feature: Feature): FeatureProbe {
  const cmd = featureFlow(feature).commands.find((c) => c.direction === 'request')
  if (!cmd) throw new Error(`flow ${feature} declares no long-link request to probe`)
  return async (ctx) => {
    const {link} = await ctx.authedLink()
    try {
      await link.request(cmd.id, {})
    } catch (err) {
      if (isImhError(err, 'IMH_ERR_UNKNOWN_CMD')) throw new Unimplemented(`the long link answered ${cmd.name} (cmd ${cmd.id}) with IMH_ERR_UNKNOWN_CMD`)
    }
  }
}

/** The first short-link route of `feature`'s flow (PROTOCOL.md §3), with a fresh user's token when it takes one. */
export function firstRouteProbe(feature: Feature): FeatureProbe {
  const route = Object.values(featureFlow(feature).shortRoutes)[0]
  if (!route) throw new Error(`flow ${feature} declares no short-link route to probe`)
  return async (ctx) => {
    const headers: Record<string, string> = route.method === 'POST' ? {'content-type': 'application/json'} : {}
    if (route.auth) headers.authorization = `Bearer ${(await ctx.newUser('probe')).token}`
    const res = await ctx.short().raw(route.method, route.path, {body: route.method === 'POST' ? '{}' : undefined, headers})
    notFound(res.status, res.json, `the short link answered ${route.method} ${route.path}`)
  }
}

/** A route of the group the feature is served on (its first address; the runner has checked the group lists one). */
export function groupRouteProbe(group: Group, method: 'GET' | 'POST', path: string): FeatureProbe {
  return async (ctx) => {
    const base = ctx.answer.groups[group][0]!
    const res = await rawRequest(method, groupUrl(base, path), {}, {dispatcher: ctx.target.dispatcher, timeoutMs: ctx.ms(10_000), trace: ctx.trace.sink})
    notFound(res.status, res.json, `the ${group} group answered ${method} ${path}`)
  }
}

function notFound(status: number, json: unknown, what: string): void {
  if (status !== 404) return
  const code = (json as {code?: unknown} | undefined)?.code
  throw new Unimplemented(`${what} with 404${typeof code === 'string' ? ` ${code}` : ''}`)
}
