import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CardWorldReply, CardWorldRequest, IssuerAccount } from './card-world-job.js';

const startTimeoutMs = 30_000;
const answerTimeoutMs = 10_000;

/** The sandbox card world running in a child process (card-world-child.ts), as the parent sees it. */
export interface CardWorldProcess {
  readonly host: string;
  readonly port: number;
  /** The issuers' accounts of these cards now. */
  accounts(pans: readonly string[]): Promise<IssuerAccount[]>;
  close(): Promise<void>;
}

/** A module beside this one: .ts under tsx, .js once built. */
export function siblingModulePath(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./${name}${extname(here)}`, import.meta.url));
}

/** Forks the card world with this process's loader flags (tsx) and resolves once its acquirer listens. */
export async function startCardWorldProcess(): Promise<CardWorldProcess> {
  const child = fork(siblingModulePath('card-world-child'), [], {
    execArgv: process.execArgv,
    env: { ...process.env, SANDBOX_ACQUIRER_PORT: '0' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await nextReply(child, startTimeoutMs, 'start');
  if (ready.kind !== 'ready') {
    child.kill();
    throw new Error(`sandbox card world: ${ready.kind === 'failed' ? ready.error : `unexpected ${ready.kind}`}`);
  }
  return {
    host: '127.0.0.1',
    port: ready.port,
    async accounts(pans) {
      const answer = nextReply(child, answerTimeoutMs, 'snapshot');
      child.send({ kind: 'snapshot', pans } satisfies CardWorldRequest);
      const reply = await answer;
      if (reply.kind !== 'snapshot') throw new Error(`sandbox card world answered ${reply.kind} to a snapshot`);
      return [...reply.accounts];
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(() => child.kill(), answerTimeoutMs);
      if (child.connected) child.send({ kind: 'close' } satisfies CardWorldRequest);
      else child.kill();
      await exited;
      clearTimeout(timer);
    },
  };
}

function nextReply(child: ChildProcess, timeoutMs: number, what: string): Promise<CardWorldReply> {
  return new Promise<CardWorldReply>((resolve, reject) => {
    const onMessage = (reply: CardWorldReply) => {
      cleanUp();
      resolve(reply);
    };
    const onExit = (code: number | null) => {
      cleanUp();
      reject(new Error(`the sandbox card world exited (code ${code}) during ${what}`));
    };
    const timer = setTimeout(() => {
      cleanUp();
      child.kill();
      reject(new Error(`the sandbox card world did not answer ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    function cleanUp() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
