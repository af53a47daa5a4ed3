/**
 * The URL of a route in the group at `base` (PROTOCOL.md §2.2): the route path is appended to the
 * base URL's path, never resolved against it, so `http://h/api` + `/register` is `/api/register`.
 * A query the base carries is kept and the route's joins it (servers ignore parameters they do not
 * know, §3.1); a fragment of the base is dropped, as a request never carries one.
 *
 * @param base a group address as the scheduler lists it (`http(s)://host[:port][/base][?query]`)
 * @param path a route path starting with `/`, optionally with its own `?query`
 */
export function groupUrl(base: string | URL, path: string): URL {
  const url = new URL(base)
  const q = path.indexOf('?')
  const route = q < 0 ? path : path.slice(0, q)
  url.pathname = url.pathname.replace(/\/+$/, '') + (route.startsWith('/') || route === '' ? route : `/${route}`)
  const query = [url.search.slice(1), q < 0 ? '' : path.slice(q + 1)].filter((s) => s !== '').join('&')
  url.search = query === '' ? '' : `?${query}`
  url.hash = ''
  return url
}
