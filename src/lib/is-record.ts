/** A JSON object (not null, not an array): what a parsed payload's fields are read from. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
