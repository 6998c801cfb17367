export * from './backoff.js';
export * from './dispatcher.js';
export * from './endpoints.js';
export * from './errors.js';
export * from './model.js';
export * from './outbox.js';
export * from './secrets.js';
export * from './service.js';
export * from './signing.js';
export { isForbiddenAddress, strictDestinations, type DestinationPolicy } from './destinations.js';
export type { NewTimerJob, TimerJob, Timers } from './timers.js';
export {
  DeletedView,
  EventView,
  WebhookDeliveryView,
  WebhookEndpointView,
  eventView,
  webhookDeliveryView,
  webhookEndpointView,
} from './views.js';
export {
  createTestClocks,
  defaultTestClockSettings,
  testClockLimits,
  testClockView,
  TestClockError,
  type TestClock,
  type TestClocks,
  type TestClockSettings,
  type TestClockStatus,
} from './test-clocks.js';
