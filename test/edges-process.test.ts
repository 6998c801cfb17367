import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { runCli, serverEnv, startServer, type ServerProcess } from './support/process.js';
import { freshStore } from './support/stores.js';

/** Issue 12: the operator key's shape, slow clients, one address's connections, SIGTERM's bound. */
const drops: (() => Promise<void>)[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const d of drops) await d();
});

async function sqliteEnv(extra: Record<string, string> = {}) {
  const fresh = await freshStore('sqlite');
  drops.push(fresh.drop);
  const { env, operatorKey } = serverEnv(fresh.store);
  return { env: { ...env, ...extra }, operatorKey };
}

/** Resolves with how long the server kept the socket open. */
function closedAfter(socket: Socket): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends a request's header block one byte at a time, every `everyMs`, until the socket closes. */
function dribble(socket: Socket, everyMs: number): void {
  const text = 'GET /healthz HTTP/1.1\r\nHost: x\r\n' + 'X-Slow: ' + 'a'.repeat(10_000);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++] as string);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  socket.on('error', () => undefined);
}

describe('HUTONG_ADMIN_KEY', () => {
  it('a key without the ok_ prefix is refused by the configuration', () => {
    for (const key of ['secret-operator-key', 'sk_test_abcdefgh', 'ok_', 'ok_has space', 'ok_a/b+c=']) {
      expect(() => loadConfig({ HUTONG_ADMIN_KEY: key }), key).toThrow(/HUTONG_ADMIN_KEY must start with ok_/);
    }
    expect(loadConfig({ HUTONG_ADMIN_KEY: 'ok_abcdefgh' }).adminKey).toBe('ok_abcdefgh');
    expect(loadConfig({}).adminKey).toBeUndefined();
  });

  it('hutong start refuses to start with such a key, and says why', async () => {
    const { env } = await sqliteEnv({ HUTONG_ADMIN_KEY: 'my-operator-password', PORT: '0' });
    const started = Date.now();
    const result = await runCli(['start', '--no-demo'], env, 30_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HUTONG_ADMIN_KEY must start with ok_');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);
});

describe('slow clients and SIGTERM, on the started service', () => {
  it('a client sending its headers byte by byte is cut off at the header timeout', async () => {
    const { env } = await sqliteEnv({ HUTONG_HEADERS_TIMEOUT_MS: '1000' });
    const server = await startServer(env);
    servers.push(server);
    const socket = await open(server.url);
    const closed = closedAfter(socket);
    dribble(socket, 100);
    const keptMs = await closed;
    expect(keptMs).toBeGreaterThanOrEqual(900);
    expect(keptMs).toBeLessThan(3_000);
    // Other clients are served as usual.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('one address holds at most HUTONG_CONNECTIONS_PER_IP_MAX connections', async () => {
    const { env } = await sqliteEnv({ HUTONG_CONNECTIONS_PER_IP_MAX: '4' });
    const server = await startServer(env);
    servers.push(server);
    const sockets = await Promise.all(Array.from({ length: 6 }, () => open(server.url)));
    const outcomes = await Promise.all(
      sockets.map(
        (s) =>
          new Promise<'closed' | 'open'>((resolve) => {
            s.on('error', () => undefined);
            const timer = setTimeout(() => resolve('open'), 1_000);
            s.once('close', () => {
              clearTimeout(timer);
              resolve('closed');
            });
          }),
      ),
    );
    // startServer's own keep-alive probe may still hold one of the four.
    expect(outcomes.filter((o) => o === 'open').length).toBeLessThanOrEqual(4);
    expect(outcomes.filter((o) => o === 'closed').length).toBeGreaterThanOrEqual(2);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('SIGTERM exits within the shutdown bound while a client holds a connection', async () => {
    const { env } = await sqliteEnv({ HUTONG_HEADERS_TIMEOUT_MS: '60000', HUTONG_SHUTDOWN_TIMEOUT_MS: '2000' });
    const server = await startServer(env);
    servers.push(server);
    const slow = await open(server.url);
    dribble(slow, 200);
    const idle = await open(server.url);
    idle.on('error', () => undefined);
    idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    expect(code).not.toBe('hung');
    expect(Date.now() - started).toBeLessThan(4_000);
    slow.destroy();
    idle.destroy();
  }, 60_000);
});
