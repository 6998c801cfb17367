import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, repoRoot, startServer, type ServerProcess } from '../support/process.js';
import { compareJson, compareText, parseJsonValues, stepsOf, type Step } from './blocks.js';

/**
 * The README runs as written (issue 19): its ```sh blocks, in order, in one bash session, against
 * `hutong start` (with the demo, as `npm start` runs it) on a fresh data directory; each answer is
 * compared with the one the README shows (test/readme/blocks.ts says how).
 */
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
// While editing the README: HUTONG_README_UNTIL=<line> runs the blocks up to that line only.
const until = Number(process.env.HUTONG_README_UNTIL ?? Infinity);
const steps = stepsOf(readme).filter((step) => step.run.line <= until);
const blockTimeoutMs = 90_000;
const operatorKey = 'ok_readme_tour_operator_key_0123456789';

interface Shell {
  run(script: string): Promise<{ status: number; stdout: string; stderr: string }>;
  close(): void;
}

function openShell(env: NodeJS.ProcessEnv): Shell {
  const bash: ChildProcessWithoutNullStreams = spawn('bash', ['--noprofile', '--norc'], { cwd: repoRoot, env });
  let stdout = '';
  let stderr = '';
  bash.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  bash.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let n = 0;
  return {
    async run(script) {
      const marker = `@@readme-block-${++n}@@`;
      stdout = '';
      stderr = '';
      bash.stdin.write(`${script}\nprintf '\\n${marker} %s\\n' "$?"\n`);
      const deadline = Date.now() + blockTimeoutMs;
      for (;;) {
        const at = stdout.indexOf(marker);
        if (at >= 0 && stdout.indexOf('\n', at) > at) {
          const status = Number(
            stdout
              .slice(at + marker.length)
              .trim()
              .split('\n')[0],
          );
          return { status, stdout: stdout.slice(0, at).replace(/\n$/, ''), stderr };
        }
        if (bash.exitCode !== null) throw new Error(`the shell exited (${bash.exitCode})\n${stderr}`);
        if (Date.now() > deadline)
          throw new Error(`the block ran longer than ${blockTimeoutMs} ms\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close() {
      bash.kill('SIGKILL');
    },
  };
}

function describeStep(step: Step): string {
  const first = step.run.text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
  return `README line ${step.run.line}: ${first.trim().slice(0, 70)}`;
}

describe('the README tour, pasted block by block into one shell', () => {
  let dir: string;
  let server: ServerProcess;
  let shell: Shell;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hutong-readme-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'hutong.db')}`, HUTONG_ADMIN_KEY: operatorKey, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    server = await startServer(env, { demo: true, readyTimeoutMs: 60_000 });
    const port = new URL(server.url).port;
    shell = openShell(childEnv({ ...env, PORT: port }));
  }, 120_000);

  afterAll(async () => {
    shell?.close();
    await server?.kill();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('has runnable blocks, each answer shown after its command', () => {
    const all = stepsOf(readme);
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((s) => s.expect !== undefined).length).toBeGreaterThan(15);
  });

  for (const step of steps) {
    it(
      describeStep(step),
      async () => {
        const result = await shell.run(step.run.text);
        const context = `\n--- ran (README line ${step.run.line}) ---\n${step.run.text}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
        expect(result.status, `exit status${context}`).toBe(0);
        if (step.expect === undefined) return;
        const approx = step.expect.info.includes('≈');
        if (step.expect.lang === 'json') {
          const want = parseJsonValues(step.expect.text);
          const got = parseJsonValues(result.stdout);
          expect(got.length, `number of JSON answers${context}`).toBe(want.length);
          const problems = want.flatMap((value, i) => compareJson(value, got[i], approx, `answer ${i + 1}`));
          expect(problems, context).toEqual([]);
        } else {
          expect(compareText(step.expect.text, result.stdout, approx), context).toEqual([]);
        }
      },
      blockTimeoutMs + 5_000,
    );
  }
});
