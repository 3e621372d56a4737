/**
 * An API call's path with its ids taken out, for a metric label: `/open-apis/bitable/v1/apps/bascn…/
 * tables/tbl…/records/batch_update?x=1` → `/open-apis/bitable/v1/apps/:id/tables/:id/records/batch_update`.
 * A segment is an id when it follows a collection that ids follow (apps, tables, records, messages …)
 * and is not one of the collection's own verbs (batch_create, search …); the query string is dropped.
 */
const COLLECTIONS = new Set(['apps', 'tables', 'records', 'fields', 'views', 'messages', 'chats', 'members', 'instances', 'users', 'files', 'roles', 'forms', 'dashboards']);

export function apiPattern(url: string | undefined): string {
  if (!url) return 'unknown';
  let path = url;
  try {
    path = new URL(url, 'http://x').pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (COLLECTIONS.has(parts[i - 1]!) && seg && !/^(batch_[a-z_]+|search|list|batch|create|update|delete|query|get|reply|read_users|createAndDeliver)$/.test(seg)) parts[i] = ':id';
  }
  return parts.join('/');
}
