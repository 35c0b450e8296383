import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface TestUser {
  id: string;
  token: string;
}

let counter = 0;

/** Sees every answer a TestClient gets (the contract tests validate each one). */
export type ResponseObserver = (method: string, url: string, response: LightMyRequestResponse) => void;

/**
 * Contract calls through app.inject (real routing, validation, serialization and error handling), or over
 * HTTP to a base URL (an app in a container, a deployment), answered in the same shape.
 */
export class TestClient {
  constructor(
    readonly app: FastifyInstance | URL,
    private readonly observe?: ResponseObserver,
  ) {}

  async call(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const headers = {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    };
    const response =
      this.app instanceof URL
        ? await overHttp(this.app, method, url, headers, options.body)
        : await this.app.inject({
            method,
            url,
            headers,
            ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
          });
    this.observe?.(method, url, response);
    return response;
  }

  async register(overrides: Record<string, unknown> = {}): Promise<TestUser> {
    counter++;
    const password = 'secret-password';
    const body = {
      first_name: `Имя${counter}`,
      second_name: `Фамилия${counter}`,
      birthdate: '1990-05-17',
      biography: 'Хобби: тесты',
      city: 'Москва',
      password,
      ...overrides,
    };
    const registered = await this.call('POST', '/user/register', { body });
    if (registered.statusCode !== 200)
      throw new Error(`register: ${registered.statusCode} ${registered.body}`);
    const id = registered.json<{ user_id: string }>().user_id;
    const login = await this.call('POST', '/login', { body: { id, password: body.password } });
    if (login.statusCode !== 200) throw new Error(`login: ${login.statusCode} ${login.body}`);
    return { id, token: login.json<{ token: string }>().token };
  }
}

export function errorBody(response: LightMyRequestResponse): {
  message: string;
  request_id: string;
  code: number;
} {
  return response.json();
}

/** One request over HTTP, its answer shaped as app.inject's (the fields the tests read). */
async function overHttp(
  base: URL,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<LightMyRequestResponse> {
  // As inject does: an object goes as JSON, a string as it is (with the caller's content-type).
  const json = body !== undefined && typeof body !== 'string';
  const response = await fetch(new URL(url, base), {
    method,
    headers: json && !headers['content-type'] ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(body === undefined ? {} : { body: json ? JSON.stringify(body) : (body as string) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const answer = {
    statusCode: response.status,
    statusMessage: response.statusText,
    headers: Object.fromEntries(response.headers),
    body: text,
    payload: text,
    json: () => JSON.parse(text),
  };
  return answer as unknown as LightMyRequestResponse;
}
