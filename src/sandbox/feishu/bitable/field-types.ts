/**
 * Bitable field type numbers and their rules (docs/platform/feishu.md#22-fields; field guide
 * https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table-field/guide).
 */
export const FieldType = {
  Text: 1,
  Number: 2,
  SingleSelect: 3,
  MultiSelect: 4,
  DateTime: 5,
  Checkbox: 7,
  User: 11,
  Phone: 13,
  Url: 15,
  Attachment: 17,
  SingleLink: 18,
  Lookup: 19,
  Formula: 20,
  DuplexLink: 21,
  Location: 22,
  GroupChat: 23,
  Stage: 24,
  CreatedTime: 1001,
  ModifiedTime: 1002,
  CreatedUser: 1003,
  ModifiedUser: 1004,
  AutoNumber: 1005,
  Button: 3001,
} as const;

export type FieldTypeNumber = (typeof FieldType)[keyof typeof FieldType];

/** The ui_type a field gets when none is given, and the ui_types each type accepts (§2.2). */
const UI_TYPES: Readonly<Record<number, readonly string[]>> = {
  1: ['Text', 'Barcode', 'Email'],
  2: ['Number', 'Progress', 'Currency', 'Rating'],
  3: ['SingleSelect'],
  4: ['MultiSelect'],
  5: ['DateTime'],
  7: ['Checkbox'],
  11: ['User'],
  13: ['Phone'],
  15: ['Url'],
  17: ['Attachment'],
  18: ['SingleLink'],
  19: ['Lookup'],
  20: ['Formula'],
  21: ['DuplexLink'],
  22: ['Location'],
  23: ['GroupChat'],
  24: ['Stage'],
  1001: ['CreatedTime'],
  1002: ['ModifiedTime'],
  1003: ['CreatedUser'],
  1004: ['ModifiedUser'],
  1005: ['AutoNumber'],
  3001: ['Button'],
};

export function isKnownFieldType(type: number): boolean {
  return UI_TYPES[type] !== undefined;
}

export function defaultUiType(type: number): string {
  return UI_TYPES[type]?.[0] ?? 'Text';
}

export function uiTypeAllowed(type: number, uiType: string): boolean {
  return UI_TYPES[type]?.includes(uiType) ?? false;
}

/** Types the primary (index) field may have (§2.2). */
const PRIMARY_TYPES: ReadonlySet<number> = new Set([1, 2, 5, 13, 15, 20, 22]);
export function canBePrimary(type: number): boolean {
  return PRIMARY_TYPES.has(type);
}

/**
 * Types a record write may set. Lookup/Formula, the automatic fields, Stage and Button are read-only
 * through the API; writing them answers 1254045 (§2.3 table, §2.9 "also returned when a field is not writable").
 */
const READ_ONLY: ReadonlySet<number> = new Set([19, 20, 24, 1001, 1002, 1003, 1004, 1005, 3001]);
export function isWritable(type: number): boolean {
  return !READ_ONLY.has(type);
}

/** Date-like types: filters use the date rules (§2.4). */
export function isDateType(type: number): boolean {
  return type === FieldType.DateTime || type === FieldType.CreatedTime || type === FieldType.ModifiedTime;
}

/** Person-like types. */
export function isUserType(type: number): boolean {
  return type === FieldType.User || type === FieldType.CreatedUser || type === FieldType.ModifiedUser;
}

export function isLinkType(type: number): boolean {
  return type === FieldType.SingleLink || type === FieldType.DuplexLink;
}

export function isSelectType(type: number): boolean {
  return type === FieldType.SingleSelect || type === FieldType.MultiSelect;
}
