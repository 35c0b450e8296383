import type { RunbookDefinition } from '../procedure/main.ts';
import type { ClickHouseHttp } from './http.ts';
import { clickhouseFor } from './user-load.ts';

/** Age in whole years from a 'YYYY-MM-DD' birthdate (schema.sql keeps it as text: see there why). */
const ageOf = (b: string) => `(toYear(today()) - toUInt16(substring(${b}, 1, 4)) -
  (toUInt16(concat(substring(${b}, 6, 2), substring(${b}, 9, 2))) > toMonth(today()) * 100 + toDayOfMonth(today())))`;

export interface AgeGenderRow {
  decade: number;
  gender: string;
  users: number;
}

/** Users by age decade and gender: the seed's reason for partitioning by (age, gender). */
export async function usersByAgeAndGender(
  ch: ClickHouseHttp,
  table = 'default.user',
): Promise<AgeGenderRow[]> {
  const rows = await ch.rows(
    `SELECT intDiv(${ageOf('b')}, 10) * 10 AS decade, ifNull(gender, 'unknown') AS g, count()
     FROM (SELECT assumeNotNull(birthdate) AS b, gender FROM ${table} WHERE birthdate IS NOT NULL)
     GROUP BY decade, g ORDER BY decade, g`,
  );
  return rows.map(([decade, gender, users]) => ({
    decade: Number(decade),
    gender: gender!,
    users: Number(users),
  }));
}

export interface CityRow {
  city: string;
  users: number;
  averageAge: number;
}

export async function usersByCity(
  ch: ClickHouseHttp,
  limit = 10,
  table = 'default.user',
): Promise<CityRow[]> {
  const rows = await ch.rows(
    `SELECT ifNull(city, '') AS c, count() AS n, round(avg(${ageOf('assumeNotNull(birthdate)')}), 1)
     FROM ${table} WHERE birthdate IS NOT NULL GROUP BY c ORDER BY n DESC, c LIMIT ${Math.trunc(limit)}`,
  );
  return rows.map(([city, users, averageAge]) => ({
    city: city || '(none)',
    users: Number(users),
    averageAge: Number(averageAge),
  }));
}

const flags = {
  cities: { type: 'number', description: 'how many cities to list', default: 10 },
} as const;

export const clickhouseReport: RunbookDefinition<typeof flags> = {
  name: 'clickhouse-report',
  summary:
    'Analytics over the ClickHouse copy of the user table: users by age decade and gender, and the biggest cities.',
  flags,
  async procedure(run, { inventory, flags: f }) {
    const ch = clickhouseFor(inventory);
    await run.check('users by age and gender', ch.address, async () => {
      const rows = await usersByAgeAndGender(ch);
      for (const r of rows)
        run.note(`${String(r.decade).padStart(3)}s ${r.gender.padEnd(8)} ${r.users.toLocaleString('en-US')}`);
      const total = rows.reduce((sum, r) => sum + r.users, 0);
      return `${rows.length} groups, ${total.toLocaleString('en-US')} users with a birthdate: ${rows.map((r) => `${r.decade}s/${r.gender}=${r.users}`).join(', ')}`;
    });
    await run.check('users by city', ch.address, async () => {
      const rows = await usersByCity(ch, f.cities);
      for (const r of rows)
        run.note(
          `${r.city.padEnd(24)} ${r.users.toLocaleString('en-US').padStart(10)} avg age ${r.averageAge}`,
        );
      return rows.map((r) => `${r.city}=${r.users} (avg age ${r.averageAge})`).join(', ');
    });
  },
};
