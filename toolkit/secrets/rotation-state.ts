import { join } from 'node:path';
import { registerSecret } from '../procedure/redact.ts';
import { readSecretJson, writeSecretJson } from './secret-json.ts';

/** A rotation under way for one account: the password it moves to and the one it moves from. */
export interface PendingRotation {
  next: string;
  previous: string;
  startedAt: string;
}

type Pending = Record<string, PendingRotation>;

/**
 * Rotations under way, per account, in `<state dir>/password-rotation.json` (0600). The new password is
 * written here before any server is told of it, so a run interrupted at any point finds it again:
 * a server that already accepts it and a store that does not hold it yet are both resumable.
 */
export class RotationState {
  constructor(private readonly stateDir: string) {}

  get file(): string {
    return join(this.stateDir, 'password-rotation.json');
  }

  get(account: string): PendingRotation | undefined {
    const pending = readSecretJson<Pending>(this.file)[account];
    if (pending) {
      registerSecret(pending.next);
      registerSecret(pending.previous);
    }
    return pending;
  }

  set(account: string, rotation: PendingRotation): void {
    registerSecret(rotation.next);
    writeSecretJson(this.file, { ...readSecretJson<Pending>(this.file), [account]: rotation });
  }

  clear(account: string): void {
    const { [account]: _done, ...rest } = readSecretJson<Pending>(this.file);
    writeSecretJson(this.file, rest);
  }
}
