import type { UsersRepository } from '../users/repository.ts';
import type { User } from '../users/schemas.ts';
import { toUser } from '../users/service.ts';

export class SearchService {
  constructor(private readonly users: UsersRepository) {}

  /** Users whose first and last names start with the given prefixes, in name order, served by a slave. */
  async byNamePrefix(firstName: string, lastName: string, limit: number): Promise<User[]> {
    return (await this.users.searchByNamePrefix(firstName, lastName, limit)).map(toUser);
  }
}
