/**
 * A webhook receiver with @hutong/sdk: each delivery is verified on its raw body before it is trusted.
 *
 *   HUTONG_WEBHOOK_SECRET=whsec_… PORT=8080 npx tsx examples/sdk-webhooks.ts
 *
 * Register http://<this host>:8080/hooks as a webhook endpoint (an operator allows the host with
 * HUTONG_WEBHOOK_ALLOWED_HOSTS). test/sdk/process.test.ts runs it against a started service.
 */
import { createServer } from 'node:http';
import { verifyWebhook, WebhookVerificationError } from '@hutong/sdk';

const secret = process.env.HUTONG_WEBHOOK_SECRET ?? '';
/** Deliveries are small; anything larger is not Hutong's. */
const bodyBytesMax = 256 * 1024;

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > bodyBytesMax) request.destroy();
    else chunks.push(chunk);
  });
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    try {
      const event = verifyWebhook<{ id: string; status: string }>(secret, body, request.headers);
      console.log(`${event.type} ${event.data.object.id} ${event.data.object.status}`);
      // Hutong retries until it gets a 2xx; the event id (webhook-id) is the same on every retry.
      response.writeHead(204).end();
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      console.log(`refused: ${error.reason}`);
      response.writeHead(400).end();
    }
  });
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => console.log('listening'));
