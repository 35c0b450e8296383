import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../platform/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by requireUser on routes that need it. */
    userId: string;
  }
}

/** `Authorization: Bearer <token>`; browsers cannot set headers on a WebSocket, so `?token=` too there. */
export function bearerToken(request: FastifyRequest, allowQuery = false): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
    return match?.[1];
  }
  if (allowQuery) {
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    return typeof token === 'string' && token.length <= 512 ? token : undefined;
  }
  return undefined;
}

/** Who a bearer token belongs to (AuthService: signature, expiry, and the user's current generation). */
export interface Authenticator {
  authenticate(token: string): Promise<string | undefined>;
}

export function requireUser(auth: Authenticator, allowQuery = false) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request, allowQuery);
    const userId = token === undefined ? undefined : await auth.authenticate(token);
    if (!userId) throw unauthorized();
    request.userId = userId;
  };
}
