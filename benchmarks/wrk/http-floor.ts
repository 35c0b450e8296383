import type { User } from '../../app/src/ops.ts';

/** Which floor a series measures (http-floor-server.ts). */
export type FloorKind = 'node' | 'fastify';

/**
 * The floor's fixed answer: ten users shaped and sized like a page of the real search (2 KB of JSON; the
 * app's answers in the WRK report's raw outputs average about that with their headers), so the HTTP work per answer is the same.
 */
export function floorUsers(): User[] {
  return Array.from({ length: 10 }, (_, i) => ({
    id: String(1_000_000 + i),
    first_name: 'Александр',
    second_name: `Поночевный${i}`,
    birthdate: '1987-04-12',
    biography: 'Люблю походы и книги.',
    city: 'Екатеринбург',
  }));
}
