import { AppError } from '../platform/errors.ts';
import type { User } from '../users/schemas.ts';
import { displayName, type Web } from './context.ts';

/** Users by id for a page's list (a page holds a few dozen at most); a deleted one is left out. */
export async function usersById(web: Web, ids: readonly string[]): Promise<Map<string, User>> {
  const unique = [...new Set(ids)];
  const found = await Promise.all(
    unique.map((id) =>
      web.users.get(id).catch((error: unknown) => {
        if (error instanceof AppError && error.kind === 'NOT_FOUND') return undefined;
        throw error;
      }),
    ),
  );
  return new Map(found.flatMap((u) => (u ? [[u.id, u] as const] : [])));
}

export function nameOf(users: Map<string, User>, id: string): string {
  const user = users.get(id);
  return user ? displayName(user) : 'Deleted user';
}
