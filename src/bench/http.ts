import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type { Hutong } from '../app.js';
import type { ClientJob, ClientReply } from './http-job.js';
import { randomMinor, randomPair } from './load.js';
import type { HttpFigures } from './model.js';
import type { Population } from './population.js';
import type { BenchSettings } from './settings.js';

/** The child gets its run time plus this much to answer before it is killed. */
const clientOverrunMs = 60_000;
const loopback = '127.0.0.1';

/** POST /v1/transfers on the real server, then a bare Fastify route, with the same client settings. */
export async function benchHttp(
  hutong: Hutong,
  population: Population,
  settings: BenchSettings,
): Promise<{ hutong: HttpFigures; bare: HttpFigures }> {
  const job = {
    connections: settings.httpConnections,
    warmupSec: Math.max(1, Math.round(settings.warmupMs / 1000)),
    durationSec: Math.max(1, Math.round(settings.measureMs / 1000)),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${population.secretKey}` },
    bodies: transferBodies(population, settings),
  };
  const hutongBase = await hutong.server.listen({ port: 0, host: loopback });
  const hutongFigures = await runClient({ ...job, url: `${hutongBase}/v1/transfers` });
  const bareFigures = await withBareServer((bareBase) => runClient({ ...job, url: `${bareBase}/bare` }));
  return { hutong: hutongFigures, bare: bareFigures };
}

/** Random customer pairs and small amounts, built up front so the client only picks one per request. */
function transferBodies(population: Population, settings: BenchSettings): string[] {
  const { customerIds } = population;
  return Array.from({ length: settings.httpBodiesCount }, () => {
    const [source, destination] = randomPair(customerIds.length);
    // The API's amount is a JSON integer of minor units; 1..100 is far inside the exact range.
    return JSON.stringify({
      source: customerIds[source],
      destination: customerIds[destination],
      amount: randomMinor(settings.transferMinorMax),
      currency: settings.currency,
    });
  });
}

/** The floor for any Fastify route on this machine: parse the JSON body, answer a constant. */
async function withBareServer<T>(use: (base: string) => Promise<T>): Promise<T> {
  const bare = Fastify({ logger: false });
  bare.post('/bare', async () => ({ ok: true }));
  try {
    return await use(await bare.listen({ port: 0, host: loopback }));
  } finally {
    await bare.close();
  }
}

/** The client module beside this one: .ts under tsx, .js once built. */
function clientModulePath(): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./http-client${extname(here)}`, import.meta.url));
}

/** Forks the load generator with this process's loader flags (tsx), sends the job and waits for its figures. */
function runClient(job: ClientJob): Promise<HttpFigures> {
  const child = fork(clientModulePath(), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<HttpFigures>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill();
        reject(new Error(`the HTTP client did not answer within ${job.warmupSec + job.durationSec} s + ${clientOverrunMs} ms`));
      },
      (job.warmupSec + job.durationSec) * 1000 + clientOverrunMs,
    );
    child.once('message', (reply: ClientReply) => {
      clearTimeout(timer);
      if (reply.ok) resolve(reply.figures);
      else reject(new Error(`HTTP client: ${reply.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP client exited (code ${code}) before answering`));
    });
    child.send(job);
  });
}
