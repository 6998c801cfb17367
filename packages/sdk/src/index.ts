/**
 * @hutong/sdk: a typed client for the Hutong API.
 *
 * - `createHutongClient`: typed calls generated from the service's OpenAPI document (openapi-typescript
 *   types, openapi-fetch underneath), an Idempotency-Key per POST reused on retries, problems thrown as
 *   `HutongProblemError`.
 * - `verifyWebhook`: Standard Webhooks signature and timestamp check of a delivery.
 *
 * The types in schema.ts are generated (`npm run sdk:generate`); nothing here imports the service's code.
 */
export { createHutongClient, type HutongClient, type HutongClientOptions } from './client.js';
export { HutongProblemError, type Problem } from './problem.js';
export { HutongConnectionError, retryingFetch, retryPolicyDefault, type RetryInfo, type RetryPolicy } from './retry.js';
export {
  verifyWebhook,
  WebhookVerificationError,
  webhookToleranceSecondsDefault,
  type VerifyOptions,
  type WebhookEvent,
  type WebhookVerificationFailure,
} from './webhooks.js';
export type { components, paths } from './schema.js';
