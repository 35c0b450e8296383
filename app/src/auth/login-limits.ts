import type { LoginLimitSettings } from '../platform/config.ts';
import { rateLimited } from '../platform/errors.ts';
import type { BackoffPolicy, LimitStore } from './limit-store.ts';

const minute = 60_000;
const hour = 60 * minute;

/**
 * Every way to guess a password goes through here: a budget per client address shared by all login
 * paths, and per account an exponential back-off after a few failures (whoever sends them, so spreading
 * guesses over addresses does not help). Accounts are keyed the same whether they exist or not, so a
 * lock tells nothing about an account. Registration (an scrypt hash each) has a budget per address.
 */
export class LoginLimits {
  private readonly backoff: BackoffPolicy;

  constructor(
    private readonly store: LimitStore,
    private readonly settings: LoginLimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.backoff = {
      free: settings.freeFailures,
      baseMs: 1000,
      maxMs: settings.maxBackoffSeconds * 1000,
      forgetMs: 24 * hour,
    };
  }

  /** One login attempt from `address`: refused once the address has used its minute's budget. */
  async attempt(address: string): Promise<void> {
    const { count, resetMs } = await this.store.hit(`limit:login:addr:${address}`, minute);
    if (count > this.settings.perAddressPerMinute)
      throw rateLimited('too many login attempts from this address, retry later', resetMs / 1000);
  }

  /** Refused while the account's back-off lasts, before its password is even checked. */
  async checkAccount(account: string): Promise<void> {
    const lockedMs = await this.store.lockedFor(accountKey(account), this.now());
    if (lockedMs > 0)
      throw rateLimited('too many failed logins for this account, retry later', lockedMs / 1000);
  }

  async failed(account: string): Promise<void> {
    await this.store.fail(accountKey(account), this.backoff, this.now());
  }

  async succeeded(account: string): Promise<void> {
    await this.store.clear(accountKey(account));
  }

  async registration(address: string): Promise<void> {
    const { count, resetMs } = await this.store.hit(`limit:register:addr:${address}`, hour);
    if (count > this.settings.registrationsPerAddressPerHour)
      throw rateLimited('too many registrations from this address, retry later', resetMs / 1000);
  }
}

const accountKey = (account: string) => `limit:login:account:${account}`;
