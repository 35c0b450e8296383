import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface TestUser {
  id: string;
  token: string;
}

let counter = 0;

/** Sees every answer a TestClient gets (the contract tests validate each one). */
export type ResponseObserver = (method: string, url: string, response: LightMyRequestResponse) => void;

/** Contract calls through app.inject: real routing, validation, serialization and error handling. */
export class TestClient {
  constructor(
    readonly app: FastifyInstance,
    private readonly observe?: ResponseObserver,
  ) {}

  async call(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method,
      url,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
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
