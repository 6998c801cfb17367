/** Business failures of the events module (webhook endpoints, events, redelivery). */
export enum EventError {
  WebhookUrlInvalid = 'webhook_url_invalid',
  WebhookEventsInvalid = 'webhook_events_invalid',
  /** Also returned for another merchant's endpoint: existence is not leaked across tenants. */
  WebhookEndpointNotFound = 'webhook_endpoint_not_found',
  WebhookEndpointsTooMany = 'webhook_endpoints_too_many',
  /** Also returned for another merchant's event. */
  EventNotFound = 'event_not_found',
  CursorInvalid = 'cursor_invalid',
  IdempotencyConflict = 'idempotency_key_reused',
}
