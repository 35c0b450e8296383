import { type TSchema, Type } from '@sinclair/typebox';

/** The contract's 5xx body, used for every error the app answers. */
export const ErrorBody = Type.Object(
  {
    message: Type.String({ description: 'What went wrong' }),
    request_id: Type.String({ description: 'Request id, also in the x-request-id header and the logs' }),
    code: Type.Integer({ description: 'Stable error code (see docs/app.md)' }),
  },
  { $id: 'ErrorBody' },
);

const errorRef = Type.Ref(ErrorBody);

/** Response schemas: the success body (or none) plus the error statuses the route can answer. */
export function responses(ok: TSchema | null, ...errors: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { 200: ok ?? Type.Null({ description: 'Empty body' }) };
  for (const status of [...errors, 500, 503]) out[status] = errorRef;
  return out;
}

export const bearer = [{ bearerAuth: [] }];
