import { hashPassword } from '../auth/password.ts';
import { AppError, badRequest, notFound } from '../platform/errors.ts';
import type { NewUser, UserRow, UsersRepository } from './repository.ts';
import type { Profile, ProfileUpdateBody, RegisterBody, User } from './schemas.ts';

const oldest = '1900-01-01';

/** format: date already checked the shape and the calendar; this keeps it within a lifetime. */
export function checkBirthdate(birthdate: string, today = new Date().toISOString().slice(0, 10)): void {
  if (birthdate < oldest || birthdate > today)
    throw badRequest(`birthdate must be between ${oldest} and today`);
}

export function toUser(row: UserRow): User {
  return {
    id: String(row.id),
    first_name: row.first_name,
    second_name: row.second_name,
    birthdate: row.birthdate ?? '',
    biography: row.biography ?? '',
    city: row.city ?? '',
  };
}

export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async register(body: RegisterBody): Promise<string> {
    checkBirthdate(body.birthdate);
    const user: NewUser = {
      first_name: body.first_name,
      second_name: body.second_name,
      birthdate: body.birthdate,
      gender: body.gender ?? null,
      biography: body.biography ?? '',
      city: body.city ?? '',
      email: body.email?.toLowerCase() ?? null,
      password_hash: await hashPassword(body.password),
    };
    try {
      return await this.users.insert(user);
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY')
        throw new AppError('CONFLICT', 'this email is already registered');
      throw error;
    }
  }

  async get(id: string): Promise<User> {
    const row = await this.users.findById(id);
    if (!row) throw notFound('user');
    return toUser(row);
  }

  async profile(id: string): Promise<Profile> {
    const row = await this.users.findOnMaster(id);
    if (!row) throw notFound('user');
    return { ...toUser(row), gender: row.gender, email: row.email };
  }

  async updateProfile(id: string, body: ProfileUpdateBody): Promise<Profile> {
    if (body.birthdate !== undefined) checkBirthdate(body.birthdate);
    const { password, ...fields } = body;
    const changes: Partial<NewUser> = {
      ...fields,
      email: fields.email === undefined ? undefined : (fields.email?.toLowerCase() ?? null),
    };
    if (password !== undefined) changes.password_hash = await hashPassword(password);
    try {
      await this.users.update(id, changes);
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY')
        throw new AppError('CONFLICT', 'this email is already registered');
      throw error;
    }
    return this.profile(id);
  }
}
