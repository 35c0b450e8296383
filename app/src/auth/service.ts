import { AppError } from '../platform/errors.ts';
import type { UsersRepository } from '../users/repository.ts';
import type { TokenGenerations } from './generations.ts';
import type { LoginLimits } from './login-limits.ts';
import { burnPasswordCheck, verifyPassword } from './password.ts';
import type { TokenSigner } from './tokens.ts';

/** One answer for an unknown id and a wrong password, so a failed login tells nothing about the id. */
const loginFailed = () => new AppError('LOGIN_FAILED', 'user not found or wrong password');

/** A successful login: the bearer token, and what a web session records (the user and their generation). */
export interface Login {
  userId: string;
  generation: number;
  token: string;
}

/** The account a login names, for the per-account back-off: the user when known, else what was typed. */
const byUser = (id: string) => `user:${id}`;

export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokenSigner,
    private readonly generations: TokenGenerations,
    private readonly limits: LoginLimits,
  ) {}

  async loginById(id: string, password: string, address: string): Promise<Login> {
    await this.limits.attempt(address);
    const valid = /^[1-9][0-9]{0,18}$/.test(id);
    const account = valid ? byUser(id) : `id:${id}`;
    await this.limits.checkAccount(account);
    const hash = valid ? await this.users.passwordHashById(id) : undefined;
    return this.check(account, valid ? id : undefined, hash, password);
  }

  async loginByEmail(email: string, password: string, address: string): Promise<Login> {
    await this.limits.attempt(address);
    const normalized = email.toLowerCase();
    const found = await this.users.credentialsByEmail(normalized);
    const account = found ? byUser(found.id) : `email:${normalized}`;
    await this.limits.checkAccount(account);
    return this.check(account, found?.id, found?.password_hash, password);
  }

  /** The user of a bearer token, or undefined for a malformed, forged, expired or revoked one. */
  async authenticate(token: string): Promise<string | undefined> {
    const claims = this.tokens.verify(token);
    if (!claims) return undefined;
    return (await this.isCurrent(claims.userId, claims.generation)) ? claims.userId : undefined;
  }

  /** Whether a token or web session of this generation still counts. */
  async isCurrent(userId: string, generation: number): Promise<boolean> {
    return (await this.generations.current(userId)) === generation;
  }

  /**
   * The caller's current password, before a change of it: a wrong one is refused (403) and counts as a
   * failed login of the account, so a stolen token cannot be used to guess the password either.
   */
  async confirmPassword(userId: string, password: string | undefined): Promise<void> {
    if (password === undefined)
      throw new AppError('VALIDATION', 'current_password is required to change the password');
    const account = byUser(userId);
    await this.limits.checkAccount(account);
    const hash = await this.users.passwordHashById(userId);
    if (hash === undefined || !(await verifyPassword(password, hash))) {
      await this.limits.failed(account);
      throw new AppError('WRONG_PASSWORD', 'the current password is wrong');
    }
    await this.limits.succeeded(account);
  }

  /** Ends every token and web session of the user (all instances within the generation cache's bound). */
  async revokeAll(userId: string): Promise<number> {
    return this.generations.bump(userId);
  }

  /** A token for a user who has just proved who they are (after a password change in the web pages). */
  async issue(userId: string): Promise<Login> {
    const generation = await this.generations.current(userId);
    return { userId, generation, token: this.tokens.issue(userId, generation) };
  }

  private async check(
    account: string,
    id: string | undefined,
    hash: string | undefined,
    password: string,
  ): Promise<Login> {
    if (id === undefined || hash === undefined) {
      await burnPasswordCheck(password);
      await this.limits.failed(account);
      throw loginFailed();
    }
    if (!(await verifyPassword(password, hash))) {
      await this.limits.failed(account);
      throw loginFailed();
    }
    await this.limits.succeeded(account);
    return this.issue(id);
  }
}
