import type { FastifyError, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.ts';
import { decodeUtf8, parseUrlEncoded } from '../platform/text.ts';

export type Form = Record<string, string>;

/**
 * application/x-www-form-urlencoded into a flat object (the last of repeated fields wins), by the
 * app's text rule: an escape that is not valid UTF-8 is a 400 (platform/text.ts).
 */
export function parseForm(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (e: Error | null, v?: Form) => void,
) {
  try {
    done(null, parseUrlEncoded(typeof body === 'string' ? body : decodeUtf8(body)));
  } catch (error) {
    done(error as Error);
  }
}

/**
 * Runs before the route's schema: trims what people typed and drops the optional fields they left
 * empty, so an empty box means "not given" to the same schemas the API validates with.
 */
export function tidyForm(optional: readonly string[], keepSpaces: readonly string[] = ['password']) {
  return async (request: FastifyRequest): Promise<void> => {
    const form = request.body as Form | undefined;
    if (!form || typeof form !== 'object') return;
    for (const [k, v] of Object.entries(form)) {
      const value = keepSpaces.includes(k) ? v : v.trim();
      if (value === '' && optional.includes(k)) delete form[k];
      else form[k] = value;
    }
  };
}

const fieldMessages: Record<string, string> = {
  first_name: 'Enter a first name of up to 100 characters.',
  second_name: 'Enter a last name of up to 100 characters.',
  birthdate: 'Enter the date of birth as a date (YYYY-MM-DD).',
  password: 'Use a password of 6 to 128 characters.',
  current_password: 'Enter your current password (up to 128 characters).',
  email: 'Enter a valid email address.',
  gender: 'Choose a gender from the list, or leave it empty.',
  biography: 'Keep the biography within 4000 characters.',
  city: 'Keep the city within 100 characters.',
  text: 'Write some text (it cannot be empty or too long).',
  login: 'Enter your email or user id.',
};

/** The first problem the schema found, said in words about the field rather than about JSON. */
export function validationMessage(error: Pick<FastifyError, 'validation'>): string {
  const first = error.validation?.[0];
  const params = (first?.params ?? {}) as { missingProperty?: string };
  const field = params.missingProperty ?? first?.instancePath.split('/')[1] ?? '';
  return fieldMessages[field] ?? 'Check what you entered and try again.';
}

/** A client error from a service (bad date, taken email) as a sentence for the form; others rethrown. */
export function formMessage(error: unknown): string {
  if (error instanceof AppError && error.status < 500 && error.kind !== 'NOT_FOUND') {
    const text = error.message;
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }
  throw error;
}

export function field(form: unknown, name: string): string {
  const value = (form as Form | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
