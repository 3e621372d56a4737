/** The timer kinds of 保护期 (protection.ts), apart so the modules that end a protection need not import it. */
export const PROTECT_RECYCLE = 'pool.recycle';
export const PROTECT_WARN = 'pool.recycle_warn';
export const PROTECT_DAILY = 'pool.days_left';
