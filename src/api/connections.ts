import type { Server, Socket } from 'node:net';

/**
 * Bounds on what one client can hold (issue 12, "Slow clients"): a client sending its headers byte
 * by byte used to keep its connection 30 s and more; an address could open connections without end.
 */
export interface ConnectionLimits {
  /** The whole header block must arrive within this (Node closes the socket with a 408). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  readonly requestTimeoutMs: number;
  /** Open connections one remote address may hold; the next one is closed at once. */
  readonly connectionsPerIpMax: number;
}

export const connectionLimitsDefault: ConnectionLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, connectionsPerIpMax: 256 };

/**
 * Node checks the header and request timeouts on a timer (`connectionsCheckingInterval`, 30 s by
 * default); checking at a quarter of the header bound keeps a slow client's stay near the bound.
 */
export function httpServerOptions(limits: ConnectionLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    connectionsCheckingInterval: Math.max(50, Math.floor(limits.headersTimeoutMs / 4)),
  };
}

/** Counts open connections per remote address and refuses those above the bound. */
export function boundConnectionsPerIp(server: Server, connectionsPerIpMax: number, onRefused: (address: string) => void): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > connectionsPerIpMax) {
      onRefused(address);
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
