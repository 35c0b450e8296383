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
  INTERNAL: 2000,
  DEPENDENCY_UNAVAILABLE: 2001,
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
  INTERNAL: 500,
  DEPENDENCY_UNAVAILABLE: 503,
};

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: number;

  constructor(
    readonly kind: ErrorCodeName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = statusOf[kind];
    this.code = ErrorCode[kind];
  }
}

export const badRequest = (message: string) => new AppError('VALIDATION', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
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
