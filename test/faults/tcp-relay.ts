import { connect, createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

/** A TCP relay on 127.0.0.1 in front of a server, which a test can cut off and restore. */
export interface TcpRelay {
  port: number
  /**
   * `refuse`: every open connection is reset and new ones are dropped at once (a stopped
   * server). `blackhole`: connections stay open but nothing passes (a network partition).
   */
  cut(mode: 'refuse' | 'blackhole'): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const pairs = new Set<[Socket, Socket]>()
  let state: 'open' | 'refuse' | 'blackhole' = 'open'
  const server = createServer((inbound) => {
    if (state === 'refuse') {
      inbound.resetAndDestroy()
      return
    }
    const outbound = connect(target.port, target.host)
    const pair: [Socket, Socket] = [inbound, outbound]
    pairs.add(pair)
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (state === 'open') to.write(chunk)
      })
    forward(inbound, outbound)
    forward(outbound, inbound)
    const end = () => {
      pairs.delete(pair)
      inbound.destroy()
      outbound.destroy()
    }
    for (const socket of pair) socket.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const resetAll = () => {
    for (const [inbound, outbound] of pairs) {
      inbound.resetAndDestroy()
      outbound.destroy()
    }
    pairs.clear()
  }
  return {
    port: (server.address() as AddressInfo).port,
    cut(mode) {
      state = mode
      if (mode === 'refuse') resetAll()
    },
    restore() {
      // Connections that lived through a black hole lost bytes: they cannot be trusted again.
      if (state === 'blackhole') resetAll()
      state = 'open'
    },
    close() {
      resetAll()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
