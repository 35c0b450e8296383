import { AppError } from '../platform/errors.ts';
import type { UsersRepository } from '../users/repository.ts';
import { burnPasswordCheck, verifyPassword } from './password.ts';
import type { TokenSigner } from './tokens.ts';

/** One answer for an unknown id and a wrong password, so a failed login tells nothing about the id. */
const loginFailed = () => new AppError('LOGIN_FAILED', 'user not found or wrong password');

export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokenSigner,
  ) {}

  async loginById(id: string, password: string): Promise<string> {
    const hash = /^[1-9][0-9]{0,18}$/.test(id) ? await this.users.passwordHashById(id) : undefined;
    return this.check(id, hash, password);
  }

  async loginByEmail(email: string, password: string): Promise<string> {
    const found = await this.users.credentialsByEmail(email.toLowerCase());
    return this.check(found?.id, found?.password_hash, password);
  }

  private async check(id: string | undefined, hash: string | undefined, password: string): Promise<string> {
    if (id === undefined || hash === undefined) {
      await burnPasswordCheck(password);
      throw loginFailed();
    }
    if (!(await verifyPassword(password, hash))) throw loginFailed();
    return this.tokens.issue(id);
  }
}
