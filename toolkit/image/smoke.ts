// A few requests that prove a running app serves its contract end to end (writes, reads, auth) without
// the whole suite, for an environment whose data is not a test's own (the suite expects a fresh database).
import { randomBytes } from 'node:crypto';
import { ToolkitError } from '../procedure/errors.ts';

async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (response.status !== 200)
    throw new ToolkitError(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return { status: response.status, json };
}

/** /health, /ready, register, log in, read the profile back, the OpenAPI document: what passed, in words. */
export async function smokeCheck(baseUrl: string): Promise<string> {
  await call(baseUrl, 'GET', '/health');
  await call(baseUrl, 'GET', '/ready');
  const password = randomBytes(12).toString('base64url');
  const profile = { first_name: 'Образ', second_name: 'Проверка', birthdate: '1990-01-01', city: 'Тула' };
  const registered = (await call(baseUrl, 'POST', '/user/register', { ...profile, password })).json as {
    user_id: string;
  };
  const login = (await call(baseUrl, 'POST', '/login', { id: registered.user_id, password })).json as {
    token?: string;
  };
  if (!login.token) throw new ToolkitError('POST /login: no token');
  const got = (await call(baseUrl, 'GET', `/user/get/${registered.user_id}`)).json as Record<string, unknown>;
  if (got.first_name !== profile.first_name || got.city !== profile.city)
    throw new ToolkitError(`GET /user/get/${registered.user_id}: ${JSON.stringify(got)}`);
  const doc = (await call(baseUrl, 'GET', '/openapi.json')).json as { paths?: Record<string, unknown> };
  return `/health, /ready, register, login, /user/get/${registered.user_id}, /openapi.json (${Object.keys(doc.paths ?? {}).length} paths)`;
}
