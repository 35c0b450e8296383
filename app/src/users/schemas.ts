import { type Static, Type } from '@sinclair/typebox';
import { IdString } from '../platform/ids.ts';

export const Name = Type.String({ minLength: 1, maxLength: 100 });
export const BirthDate = Type.String({
  format: 'date',
  description: 'Date of birth',
  examples: ['2017-02-01'],
});
export const Biography = Type.String({ maxLength: 4000 });
export const City = Type.String({ maxLength: 100 });
export const Gender = Type.Union([Type.Literal('male'), Type.Literal('female')]);
export const Password = Type.String({ minLength: 6, maxLength: 128 });
export const Email = Type.String({ format: 'email', maxLength: 254 });

/** The contract's User, exactly. */
export const User = Type.Object(
  {
    id: IdString,
    first_name: Type.String(),
    second_name: Type.String(),
    birthdate: Type.String({ format: 'date' }),
    biography: Type.String(),
    city: Type.String(),
  },
  { $id: 'User' },
);
export type User = Static<typeof User>;

/** The caller's own profile: the contract's fields plus what only its owner sees. */
export const Profile = Type.Object({
  id: IdString,
  first_name: Type.String(),
  second_name: Type.String(),
  birthdate: Type.String({ format: 'date' }),
  biography: Type.String(),
  city: Type.String(),
  gender: Type.Union([Gender, Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
});
export type Profile = Static<typeof Profile>;

export const RegisterBody = Type.Object(
  {
    first_name: Name,
    second_name: Name,
    birthdate: BirthDate,
    biography: Type.Optional(Biography),
    city: Type.Optional(City),
    password: Password,
    gender: Type.Optional(Gender),
    email: Type.Optional(Email),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const ProfileUpdateBody = Type.Object(
  {
    first_name: Type.Optional(Name),
    second_name: Type.Optional(Name),
    birthdate: Type.Optional(BirthDate),
    biography: Type.Optional(Biography),
    city: Type.Optional(City),
    gender: Type.Optional(Type.Union([Gender, Type.Null()])),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    password: Type.Optional(
      Type.String({
        minLength: 6,
        maxLength: 128,
        description:
          'A new password; needs `current_password`. Once changed, every token and web session of the ' +
          'user ends, the one used here too: log in again.',
      }),
    ),
    current_password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'The current password: required with `password` (a wrong one is a 403, code 1010).',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProfileUpdateBody = Static<typeof ProfileUpdateBody>;
