import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { enabledEventsMax, webhookUrlLengthMax } from '../../events/index.js';
import { eventTypeLengthMax } from '../../events/index.js';
import type { Events } from '../../events/index.js';
import {
  DeletedView,
  eventView,
  EventView,
  webhookDeliveryView,
  WebhookDeliveryView,
  webhookEndpointView,
  WebhookEndpointView,
} from '../../events/index.js';
import { merchantIdOf } from '../auth.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { listView } from '../presenters.js';
import { IdempotencyHeaders, ListOf, ListQuery, problemResponses } from '../schemas.js';
import { problemFromFailure } from '../problems.js';

const CreateEndpoint = Type.Object(
  {
    url: Type.String({
      maxLength: webhookUrlLengthMax,
      description: 'https:// (or http://) URL that receives the events',
      examples: ['https://shop.example/hooks/hutong'],
    }),
    enabled_events: Type.Array(Type.String({ maxLength: eventTypeLengthMax }), {
      maxItems: enabledEventsMax,
      description: 'Event types to send, or ["*"] for all',
      examples: [['payment.succeeded', 'refund.succeeded']],
    }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

const EventListQuery = Type.Object(
  {
    ...ListQuery.properties,
    type: Type.Optional(Type.String({ maxLength: eventTypeLengthMax, description: 'Only events of this type' })),
    object_id: Type.Optional(Type.String({ maxLength: 40, description: 'Only events about this object' })),
  },
  { additionalProperties: false },
);

/**
 * A signing secret is shown once. The API's idempotency record would keep the response body — the
 * secret in clear — so these routes do not leave one: a retry runs again and the service finds the
 * endpoint by the id it derived from the Idempotency-Key and answers with `secret: null`.
 */
function skipIdempotencyRecord(request: FastifyRequest): void {
  request.idempotency = undefined;
}

export function registerEventRoutes(fastify: FastifyInstance, services: { events: Events }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { events } = services;

  app.post(
    '/v1/webhook_endpoints',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['webhooks'],
        summary: 'Register a URL for events; returns its signing secret, shown once',
        headers: IdempotencyHeaders,
        body: CreateEndpoint,
        response: { 201: WebhookEndpointView, ...problemResponses },
      },
    },
    async (request, reply) => {
      skipIdempotencyRecord(request);
      const merchantId = merchantIdOf(request);
      const key = idempotencyKeyOf(request.headers);
      const input = { url: request.body.url, enabledEvents: request.body.enabled_events, description: request.body.description };
      const result = await events.createEndpoint(
        merchantId,
        input,
        key === undefined ? undefined : { scope: `${merchantId}/webhook_endpoints`, key },
      );
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(201).send(webhookEndpointView(result.endpoint, result.secret));
    },
  );

  app.get(
    '/v1/webhook_endpoints',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['webhooks'], querystring: ListQuery, response: { 200: ListOf(WebhookEndpointView), ...problemResponses } },
    },
    async (request) => {
      const page = await events.listEndpoints(merchantIdOf(request), request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, (e) => webhookEndpointView(e, null));
    },
  );

  app.get(
    '/v1/webhook_endpoints/:id',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['webhooks'], params: IdParams, response: { 200: WebhookEndpointView, ...problemResponses } },
    },
    async (request) => {
      const endpoint = await events.getEndpoint(merchantIdOf(request), request.params.id);
      if (isFailure(endpoint)) throw problemFromFailure(endpoint);
      return webhookEndpointView(endpoint, null);
    },
  );

  app.delete(
    '/v1/webhook_endpoints/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['webhooks'],
        summary: 'Stop sending to this URL; its pending deliveries are given up',
        params: IdParams,
        response: { 200: DeletedView, ...problemResponses },
      },
    },
    async (request) => {
      const endpoint = await events.deleteEndpoint(merchantIdOf(request), request.params.id);
      if (isFailure(endpoint)) throw problemFromFailure(endpoint);
      return { id: endpoint.id, object: 'webhook_endpoint' as const, deleted: true as const };
    },
  );

  app.post(
    '/v1/webhook_endpoints/:id/rotate_secret',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret; the new one is shown once',
        params: IdParams,
        response: { 200: WebhookEndpointView, ...problemResponses },
      },
    },
    async (request) => {
      skipIdempotencyRecord(request);
      const result = await events.rotateSecret(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw problemFromFailure(result);
      return webhookEndpointView(result.endpoint, result.secret);
    },
  );

  app.get(
    '/v1/webhook_endpoints/:id/deliveries',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log: every delivery and attempt, newest first',
        params: IdParams,
        querystring: ListQuery,
        response: { 200: ListOf(WebhookDeliveryView), ...problemResponses },
      },
    },
    async (request) => {
      const page = await events.listDeliveries(merchantIdOf(request), request.params.id, request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, webhookDeliveryView);
    },
  );

  app.get(
    '/v1/events',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['webhooks'], querystring: EventListQuery, response: { 200: ListOf(EventView), ...problemResponses } },
    },
    async (request) => {
      const { type, object_id: objectId, ...paging } = request.query;
      const page = await events.listEvents(merchantIdOf(request), { ...paging, type, objectId });
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, eventView);
    },
  );

  app.get(
    '/v1/events/:id',
    { config: { auth: 'merchant' }, schema: { tags: ['webhooks'], params: IdParams, response: { 200: EventView, ...problemResponses } } },
    async (request) => {
      const event = await events.getEvent(merchantIdOf(request), request.params.id);
      if (isFailure(event)) throw problemFromFailure(event);
      return eventView(event);
    },
  );

  app.post(
    '/v1/events/:id/redeliver',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['webhooks'],
        summary: "Send the event again to the merchant's current endpoints that subscribe to it",
        headers: IdempotencyHeaders,
        params: IdParams,
        response: { 202: Type.Object({ object: Type.Literal('list'), data: Type.Array(WebhookDeliveryView) }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const deliveries = await events.redeliver(merchantIdOf(request), request.params.id);
      if (isFailure(deliveries)) throw problemFromFailure(deliveries);
      return reply.code(202).send({ object: 'list' as const, data: deliveries.map(webhookDeliveryView) });
    },
  );
}
