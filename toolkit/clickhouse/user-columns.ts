/**
 * The columns of compose/clickhouse/schema.sql and how each is written to TabSeparated from MySQL.
 * The loader checks the staging table against this list, so the two cannot drift apart silently.
 */
export interface LoadColumn {
  name: string;
  clickhouseType: string;
  nullable: boolean;
  /** Text that needs escaping for TabSeparated (numbers and datetimes never contain tabs or backslashes). */
  text: boolean;
}

export const userColumns: LoadColumn[] = [
  { name: 'id', clickhouseType: 'UInt64', nullable: false, text: false },
  { name: 'first_name', clickhouseType: 'String', nullable: false, text: true },
  { name: 'second_name', clickhouseType: 'String', nullable: false, text: true },
  { name: 'birthdate', clickhouseType: 'Nullable(String)', nullable: true, text: false },
  { name: 'gender', clickhouseType: 'Nullable(String)', nullable: true, text: false },
  { name: 'biography', clickhouseType: 'Nullable(String)', nullable: true, text: true },
  { name: 'city', clickhouseType: 'Nullable(String)', nullable: true, text: true },
  { name: 'email', clickhouseType: 'Nullable(String)', nullable: true, text: true },
  { name: 'created_at', clickhouseType: 'DateTime', nullable: false, text: false },
];

const q = (name: string) => `\`${name}\``;

/** MySQL text literal of a backslash escape: '\\\\' in SQL is one backslash. */
const escapeSteps: Array<[string, string]> = [
  ["'\\\\'", "'\\\\\\\\'"], // \ → \\ first, so the escapes added below are not escaped again
  ["'\\t'", "'\\\\t'"], // tab → \t
  ["'\\n'", "'\\\\n'"], // newline → \n
];
// Only these three: ClickHouse's TabSeparated reader ends a field at a tab or newline and unescapes
// backslashes; a carriage return or NUL inside a field is read as itself (checked by the tests' checksum).

function escaped(expression: string): string {
  return escapeSteps.reduce((inner, [from, to]) => `REPLACE(${inner}, ${from}, ${to})`, expression);
}

/**
 * MySQL builds each TabSeparated line itself (escaped as ClickHouse reads it, NULL as \N), so the
 * loader only moves bytes; the seed's CSV broke on the first \" because ClickHouse CSV has no
 * backslash escapes.
 */
export function exportLineSql(columns: LoadColumn[]): string {
  const fields = columns.map((c) => {
    const value = c.text ? escaped(q(c.name)) : q(c.name);
    return c.nullable ? `IFNULL(${value}, '\\\\N')` : value;
  });
  return `CONCAT_WS('\\t', ${fields.join(', ')})`;
}

/**
 * Per-row checksum both servers can compute the same way: the first 28 bits of the MD5 of the
 * row's values joined by 0x1F (NULL as \N). Summed over the rows (exact integers on both sides,
 * compared as text) it is order-independent.
 */
export function mysqlRowHashSql(columns: LoadColumn[]): string {
  const values = columns.map((c) => (c.nullable ? `IFNULL(${q(c.name)}, '\\\\N')` : q(c.name)));
  return `CAST(CONV(LEFT(MD5(CONCAT_WS(CHAR(31 USING utf8mb4), ${values.join(', ')})), 7), 16, 10) AS UNSIGNED)`;
}

export function clickhouseChecksumSql(columns: LoadColumn[]): string {
  const values = columns.map((c) => {
    const text =
      c.clickhouseType === 'String' || c.clickhouseType === 'Nullable(String)'
        ? c.name
        : `toString(${c.name})`;
    return c.nullable ? `ifNull(${text}, '\\\\N')` : text;
  });
  const joined = values.flatMap((v, i) => (i === 0 ? [v] : ["unhex('1F')", v])).join(', ');
  return `sum(reinterpretAsUInt32(reverse(unhex(concat('0', substring(hex(MD5(concat(${joined}))), 1, 7))))))`;
}
