import type {AddressInfo, Server} from 'node:net'

/** Listens on `host:port` (0: an ephemeral port); resolves with the bound port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    // An HTTP server's idle keep-alive connections would hold close() open.
    ;(server as {closeAllConnections?: () => void}).closeAllConnections?.()
  })
}

/** Formats host:port for a URL, bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
