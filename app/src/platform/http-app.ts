import type { Writable } from 'node:stream';
// Route options' `websocket` flag is declared by the WebSocket plugin's types.
import type {} from '@fastify/websocket';
import Fastify from 'fastify';
import { clientErrorHandler } from './client-errors.ts';
import type { AppConfig } from './config.ts';
import { installContractStatuses } from './contract-statuses.ts';
import { frameworkErrors, installErrorHandler } from './error-handler.ts';
import { AppError } from './errors.ts';
import { ErrorBody } from './http.ts';
import { acceptEmptyJson } from './json-body.ts';
import { loggerOptions, requestId } from './logging.ts';
import { type AppMetrics, installHttpMetrics } from './metrics.ts';
import { installTextRule } from './text.ts';
import type { TypeBoxProvider } from './typebox.ts';
import { coerceOnlyText } from './validation.ts';

export interface HttpAppOptions {
  /** Logger settings; tests pass false. */
  logger?: boolean;
  /** Where the log lines go (logging.ts openLogFile); stdout without it. */
  logStream?: Writable;
  metrics: AppMetrics;
}

/**
 * The app's HTTP server before any route: fastify with its limits, logger, request ids, error shape,
 * metrics, shutdown answer, contract statuses and text rules, everything every request goes through.
 * buildApp adds the domains; the WRK report's HTTP floor (benchmarks/wrk/http-floor-server.ts) adds
 * only a search that answers without a database, to measure what this layer costs per request.
 */
export async function createHttpApp(
  config: Pick<AppConfig, 'http' | 'logLevel' | 'trustProxy'>,
  options: HttpAppOptions,
) {
  const { http } = config;
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(config.logLevel, options.logStream),
    genReqId: requestId,
    requestIdHeader: false,
    bodyLimit: http.bodyLimitBytes,
    routerOptions: { maxParamLength: 200 },
    trustProxy: config.trustProxy,
    // A slow client (a body at a byte every few seconds) is cut off once the whole request took
    // requestTimeout (408); a slow handler answers 503 after handlerTimeout (set per route below). Node
    // checks the receive timeouts every connectionsCheckingInterval (30 s by default: too coarse here).
    requestTimeout: http.requestTimeoutMs,
    http: {
      maxHeaderSize: http.maxHeaderBytes,
      requestTimeout: http.requestTimeoutMs,
      headersTimeout: http.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, http.requestTimeoutMs),
    },
    clientErrorHandler,
    frameworkErrors,
    // Answered by the hook below, in the app's error shape.
    return503OnClosing: false,
    ajv: {
      customOptions: { removeAdditional: true, useDefaults: true, coerceTypes: 'array', allErrors: false },
    },
    // ...but bodies are not coerced: a number sent for a string field is a 400 (platform/validation.ts).
    schemaController: { compilersFactory: { buildValidator: coerceOnlyText() } },
  }).withTypeProvider<TypeBoxProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installErrorHandler(app);
  installHttpMetrics(app, options.metrics);
  // Every route but the WebSockets, which live as long as they are open (and whose upgrade fastify's
  // timer cannot watch under app.injectWS).
  app.addHook('onRoute', (route) => {
    if (!route.websocket) route.handlerTimeout ??= http.handlerTimeoutMs;
  });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    throw new AppError('SHUTTING_DOWN', 'this instance is shutting down, retry');
  });
  installContractStatuses(app);
  acceptEmptyJson(app);
  installTextRule(app);
  app.addSchema(ErrorBody);
  return app;
}
