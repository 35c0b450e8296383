import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * A browser over app.inject for the web pages: keeps the session cookie, and sends forms with the CSRF
 * token of the last page it got, from one client address (the login limits count per address).
 */
export class TestBrowser {
  private cookie = '';
  private csrf = '';

  constructor(
    private readonly app: FastifyInstance,
    private readonly address = '127.0.0.1',
  ) {}

  get sessionCookie(): string {
    return this.cookie;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: 'GET',
      url,
      headers: { cookie: this.cookie, accept: 'text/html' },
      remoteAddress: this.address,
    });
    this.remember(response);
    return response;
  }

  async post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    if (this.csrf === '') await this.get('/signin');
    const response = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: this.csrf, ...form }).toString(),
      remoteAddress: this.address,
    });
    this.remember(response);
    return response;
  }

  async signIn(login: string, password: string): Promise<LightMyRequestResponse> {
    await this.get('/signin');
    const response = await this.post('/signin', { login, password });
    await this.get('/');
    return response;
  }

  /** Whether the session is signed in: /me is a page for it, a redirect to /signin otherwise. */
  async signedIn(): Promise<boolean> {
    const response = await this.get('/me');
    return response.statusCode === 200;
  }

  private remember(response: LightMyRequestResponse): void {
    const set = response.cookies.find((c) => c.name === 'hs_session');
    if (set) this.cookie = `hs_session=${set.value}`;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (csrf) this.csrf = csrf;
  }
}
