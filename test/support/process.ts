import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { StoreConfig } from '../../src/store/config.js';

/**
 * Helpers for tests that run the real `hutong` CLI as a child process (as an operator would), talk
 * to it over HTTP and kill it. Every child started here is SIGKILLed when the test process exits.
 */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `node --import tsx src/cli/main.ts …`: the CLI from source, without a build. */
const cliCommand = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;

const outputCharsMax = 32_000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** Keeps the last `outputCharsMax` characters of a stream (and drains it, so the child never blocks). */
function capture(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-outputCharsMax);
  });
  return () => text;
}

/** The DATABASE_URL the CLI reads for a store from `freshStore`. */
export function databaseUrlOf(store: StoreConfig): string {
  return store.dialect === 'sqlite' ? `sqlite:${store.path}` : store.url;
}

/** An environment for the CLI: ours, minus anything the test runner injected into Node itself. */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  return { ...env, ...vars };
}

/** The environment a server needs, with a fresh operator key and vault key. */
export function serverEnv(store: StoreConfig): { env: Record<string, string>; operatorKey: string } {
  const operatorKey = `ok_${randomBytes(24).toString('base64url')}`;
  return {
    operatorKey,
    env: {
      DATABASE_URL: databaseUrlOf(store),
      HUTONG_ADMIN_KEY: operatorKey,
      HUTONG_VAULT_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
  };
}

/** A TCP port that was free a moment ago (bound on port 0, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from the OS'))));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Both output streams so far (the tail), for failure messages. */
  output(): string;
  /** SIGKILL (kill -9), then wait until the process is gone. Safe to call twice. */
  kill(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (exited(child)) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface StartOptions {
  /** How long the server may take to answer GET /healthz with 200. */
  readonly readyTimeoutMs?: number;
  /** Attempts with a new port when the one we picked was taken in between. */
  readonly portAttempts?: number;
  /** Seed the sandbox demo merchant and customers (as a plain `npm start` does); default false. */
  readonly demo?: boolean;
}

/**
 * Starts `hutong start --no-demo` on a free port and waits until GET /healthz answers 200.
 * Fails with the child's output if it exits or does not come up in time.
 */
export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<ServerProcess> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const portAttempts = options.portAttempts ?? 3;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= portAttempts; attempt++) {
    const port = await freePort();
    const child = spawn(cliCommand[0], [...cliCommand.slice(1), 'start', ...(options.demo === true ? [] : ['--no-demo'])], {
      cwd: repoRoot,
      env: childEnv({ ...env, PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    const stdout = capture(child.stdout);
    const stderr = capture(child.stderr);
    const output = () => `--- stdout ---\n${stdout()}\n--- stderr ---\n${stderr()}`;
    const server: ServerProcess = {
      url: `http://127.0.0.1:${port}`,
      child,
      output,
      async kill() {
        if (child.pid === undefined || exited(child)) return;
        child.kill('SIGKILL');
        await waitForExit(child, 10_000);
      },
    };
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    const deadline = Date.now() + readyTimeoutMs;
    let lastProbe = 'no answer yet';
    for (;;) {
      if (exited(child)) {
        lastError = new Error(
          `the server exited (code ${child.exitCode}, signal ${child.signalCode}) before /healthz answered\n${output()}`,
        );
        break;
      }
      if (spawnError !== undefined) {
        lastError = new Error(`could not spawn the server: ${spawnError.message}`);
        break;
      }
      if (Date.now() > deadline) {
        await server.kill();
        throw new Error(`the server did not answer GET /healthz with 200 within ${readyTimeoutMs} ms (last: ${lastProbe})\n${output()}`);
      }
      try {
        const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await response.text();
        if (response.status === 200) return server;
        lastProbe = `status ${response.status}`;
      } catch (error) {
        lastProbe = describeError(error);
      }
      await sleep(100);
    }
    await server.kill();
    // Someone took the port between freePort() and listen(): try another one.
    if (!/EADDRINUSE/.test(output())) throw lastError;
  }
  throw lastError ?? new Error('could not start the server');
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI command to completion (killed after `timeoutMs`). */
export async function runCli(args: readonly string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  const child = spawn(cliCommand[0], [...cliCommand.slice(1), ...args], {
    cwd: repoRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const stdout = capture(child.stdout);
  const stderr = capture(child.stderr);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s]));
    });
    return { code, signal, stdout: stdout(), stderr: stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/** A fetch failure's message with its cause's code (ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET…). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const causeText = cause instanceof Error ? `: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}` : '';
  return `${error.name}: ${error.message}${causeText}`;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

/** JSON over HTTP with a bearer key. Throws on a connection error (the outcome is then unknown). */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

/** Runs `work` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
