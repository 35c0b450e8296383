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

/** What a profile change needs of auth: the current password checked, and every old token and session ended. */
export interface Credentials {
  confirmPassword(userId: string, password: string | undefined): Promise<void>;
  revokeAll(userId: string): Promise<number>;
}

/** The registration budget per client address (auth/login-limits.ts). */
export interface RegistrationLimit {
  registration(address: string): Promise<void>;
}

export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly credentials: Credentials,
    private readonly limits: RegistrationLimit,
  ) {}

  async register(body: RegisterBody, address: string): Promise<string> {
    await this.limits.registration(address);
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

  /**
   * Any subset of the fields. A new password needs the current one, and once it is stored every token
   * and web session of the user ends (the caller's too): whoever held a stolen one is out.
   */
  async updateProfile(id: string, body: ProfileUpdateBody): Promise<{ profile: Profile; revoked: boolean }> {
    if (body.birthdate !== undefined) checkBirthdate(body.birthdate);
    const { password, current_password, ...fields } = body;
    if (password !== undefined) await this.credentials.confirmPassword(id, current_password);
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
    // After the new hash is stored: a login with the old password just before it is revoked too.
    if (password !== undefined) await this.credentials.revokeAll(id);
    return { profile: await this.profile(id), revoked: password !== undefined };
  }
}
