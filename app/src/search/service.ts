import type { NameCursor, SearchShape, UsersRepository } from '../users/repository.ts';
import type { User } from '../users/schemas.ts';
import { toUser } from '../users/service.ts';

export type { NameCursor };

export class SearchService {
  constructor(
    private readonly users: UsersRepository,
    private readonly shape: SearchShape = 'auto',
  ) {}

  /**
   * Users whose first and last names start with the given prefixes, ordered by first name, last name
   * and id, served by a slave. `after` (the last user of the previous page) continues from there: a
   * keyset page, which costs the same however far it is.
   */
  async byNamePrefix(
    firstName: string,
    lastName: string,
    limit: number,
    after?: NameCursor,
  ): Promise<User[]> {
    return (
      await this.users.searchByNamePrefix(firstName, lastName, limit, { after, shape: this.shape })
    ).map(toUser);
  }
}
