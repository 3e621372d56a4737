import { placeholders, type Sql } from './sql/sql.js';

export type PeopleRepo = ReturnType<typeof createPeopleRepo>;

/** People's names by open_id, as 销售团队 last said (a name that changed is updated; nobody is forgotten). */
export function createPeopleRepo(sql: Sql) {
  return {
    async remember(people: ReadonlyArray<{ id: string; name: string }>, now: Date): Promise<void> {
      const named = people.filter((p) => p.id && p.name);
      for (let i = 0; i < named.length; i += 200) {
        const part = named.slice(i, i + 200);
        await sql.run(
          `INSERT INTO people (open_id, name, updated_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
           ON CONFLICT (open_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at WHERE people.name <> excluded.name`,
          part.flatMap((p) => [p.id, p.name, now.getTime()]),
        );
      }
    },
    async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += 500) {
        const part = unique.slice(i, i + 500);
        for (const r of await sql.all<{ open_id: string; name: string }>(`SELECT open_id, name FROM people WHERE open_id IN (${placeholders(part.length)})`, part)) out.set(r.open_id, r.name);
      }
      return out;
    },
  };
}
