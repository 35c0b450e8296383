/**
 * The one error model: every failure the app means to report is an AppError with a stable numeric
 * code (the contract's `code`), mapped to HTTP once, in error-handler.ts.
 */
export const ErrorCode = {
  VALIDATION: 1000,
  UNAUTHORIZED: 1001,
  LOGIN_FAILED: 1002,
  FORBIDDEN: 1003,
  NOT_FOUND: 1004,
  CONFLICT: 1005,
  RATE_LIMITED: 1006,
  PAYLOAD_TOO_LARGE: 1007,
  UNSUPPORTED_MEDIA: 1008,
  ROUTE_NOT_FOUND: 1009,
  WRONG_PASSWORD: 1010,
  REQUEST_TIMEOUT: 1011,
  HEADERS_TOO_LARGE: 1012,
  MALFORMED_REQUEST: 1013,
  IDEMPOTENCY_KEY_INVALID: 1014,
  IDEMPOTENCY_IN_PROGRESS: 1015,
  IDEMPOTENCY_KEY_REUSED: 1016,
  INTERNAL: 2000,
  DEPENDENCY_UNAVAILABLE: 2001,
  TIMEOUT: 2002,
  SHUTTING_DOWN: 2003,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

const statusOf: Record<ErrorCodeName, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  LOGIN_FAILED: 404,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  ROUTE_NOT_FOUND: 404,
  WRONG_PASSWORD: 403,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  MALFORMED_REQUEST: 400,
  IDEMPOTENCY_KEY_INVALID: 400,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
  DEPENDENCY_UNAVAILABLE: 503,
  TIMEOUT: 503,
  SHUTTING_DOWN: 503,
};

/** The status of a kind, for answers written outside fastify's reply (the HTTP parser's errors). */
export const statusOfKind = (kind: ErrorCodeName): number => statusOf[kind];

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: number;
  /** Seconds after which a retry may succeed (a rate limit's window or back-off): the Retry-After header. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly kind: ErrorCodeName,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.status = statusOf[kind];
    this.code = ErrorCode[kind];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export const badRequest = (message: string) => new AppError('VALIDATION', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError('RATE_LIMITED', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
export const unauthorized = (message = 'missing or invalid bearer token') =>
  new AppError('UNAUTHORIZED', message);

/** A database, Redis or broker that does not answer: 503 with Retry-After rather than 500. */
export class DependencyUnavailable extends AppError {
  constructor(
    readonly dependency: string,
    cause: unknown,
  ) {
    super('DEPENDENCY_UNAVAILABLE', `${dependency} is unavailable, retry later`, { cause });
  }
}
