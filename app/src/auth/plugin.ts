import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../platform/errors.ts';
import type { TokenSigner } from './tokens.ts';

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

export function requireUser(tokens: TokenSigner, allowQuery = false) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request, allowQuery);
    const userId = token === undefined ? undefined : tokens.verify(token);
    if (!userId) throw unauthorized();
    request.userId = userId;
  };
}
