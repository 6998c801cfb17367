import autocannon from 'autocannon';
import type { ClientJob, ClientReply } from './http-job.js';
import type { HttpFigures } from './model.js';

/**
 * The HTTP load generator, run as a child process (see http.ts) so that autocannon has its own
 * event loop and core instead of sharing the server's. It takes one job, answers once and exits.
 */
function fire(job: ClientJob, durationSec: number): Promise<autocannon.Result> {
  const { bodies } = job;
  return autocannon({
    url: job.url,
    method: 'POST',
    connections: job.connections,
    duration: durationSec,
    headers: { ...job.headers },
    requests: [
      {
        setupRequest: (request) => {
          request.body = bodies[Math.floor(Math.random() * bodies.length)] as string;
          return request;
        },
      },
    ],
  });
}

function figuresOf(job: ClientJob, result: autocannon.Result): HttpFigures {
  return {
    url: job.url,
    connections: job.connections,
    durationMs: result.duration * 1000,
    requestsCount: result.requests.total,
    ratePerSec: result.requests.average,
    ok2xxCount: result['2xx'],
    ok2xxPerSec: result.duration > 0 ? result['2xx'] / result.duration : 0,
    non2xxCount: result.non2xx,
    errorsCount: result.errors,
    timeoutsCount: result.timeouts,
    latencyAverageMs: result.latency.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
  };
}

async function serve(job: ClientJob): Promise<ClientReply> {
  try {
    if (job.warmupSec > 0) await fire(job, job.warmupSec);
    return { ok: true, figures: figuresOf(job, await fire(job, job.durationSec)) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const send = process.send?.bind(process);
if (send === undefined) throw new Error('http-client runs as a child process of the benchmark (fork), not on its own');
process.once('message', (job: ClientJob) => {
  void serve(job).then((reply) => send(reply, () => process.disconnect()));
});
