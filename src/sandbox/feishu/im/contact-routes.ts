import { fieldValidationFailed } from '../events/field-validation.js';
import { FeishuApiError, ok } from '../kernel/errors.js';
import type { EmuUser } from '../kernel/directory.js';
import type { EmuKernel } from '../kernel/kernel.js';

/**
 * GET /open-apis/contact/v3/users/:user_id?user_id_type=open_id|union_id|user_id — a person from
 * kernel.directory; `leader_user_id` is reported in the requested id type (SDK types of contact.user.get).
 */
const ID_TYPES = ['open_id', 'union_id', 'user_id'] as const;
type IdType = (typeof ID_TYPES)[number];

/** The gateway's "invalid id" codes per id type. */
const INVALID_ID: Record<IdType, number> = { user_id: 99992351, open_id: 99992352, union_id: 99992353 };

export function userView(u: EmuUser, t: IdType, leader: EmuUser | undefined): Record<string, unknown> {
  return {
    union_id: u.union_id,
    user_id: u.user_id,
    open_id: u.open_id,
    name: u.name,
    en_name: u.en_name,
    ...(u.email !== undefined ? { email: u.email, enterprise_email: u.email } : {}),
    ...(u.mobile !== undefined ? { mobile: u.mobile, mobile_visible: true } : {}),
    avatar: { avatar_72: u.avatar_url, avatar_240: u.avatar_url, avatar_640: u.avatar_url, avatar_origin: u.avatar_url },
    status: { is_frozen: false, is_resigned: false, is_activated: true, is_exited: false, is_unjoin: false },
    department_ids: u.department_ids,
    ...(leader ? { leader_user_id: leader[t] } : {}),
    ...(u.job_title !== undefined ? { job_title: u.job_title } : {}),
    is_tenant_manager: false,
    employee_type: 1,
  };
}

export function registerContactRoutes(k: EmuKernel): void {
  k.route({ method: 'GET', path: '/open-apis/contact/v3/users/:user_id', key: 'contact.user.get', rate: ['contact.read'] }, (c) => {
    const t = c.req.query('user_id_type') ?? 'open_id';
    if (!(ID_TYPES as readonly string[]).includes(t)) return fieldValidationFailed(c, [{ field: 'user_id_type', description: 'user_id_type must be open_id, union_id or user_id' }]);
    const idType = t as IdType;
    const id = c.req.param('user_id') ?? '';
    const u = k.directory.findUser(id, idType);
    if (!u) throw new FeishuApiError(INVALID_ID[idType], `The parameter is invalid: ${idType} ${id} does not exist`, 400);
    const leader = u.leader_open_id ? k.directory.findUser(u.leader_open_id) : undefined;
    return ok(c, { user: userView(u, idType, leader) });
  });
}
