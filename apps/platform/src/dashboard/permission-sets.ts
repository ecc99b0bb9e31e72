/**
 * Names of WeChat's permission sets (func_info ids, 权限集) that the protocol notes list. WeChat's
 * current list is longer: an id missing here is shown by number.
 */
const NAMES: Readonly<Record<number, string>> = {
  1: 'Message management',
  2: 'User management',
  3: 'Account services',
  4: 'Web pages',
  5: 'WeChat store',
  6: 'Multi-agent customer service',
  7: 'Mass messages and notifications',
  8: 'Cards and coupons',
  9: 'Scan',
  10: 'Wi-Fi connect',
  11: 'Material management',
  12: 'Shake nearby',
  13: 'Stores',
  15: 'Custom menu',
  16: 'Verification status',
  17: 'Mini program account management',
  18: 'Mini program development and data analysis',
  19: 'Mini program customer-service messages',
  20: 'Mini program WeChat login',
  21: 'Mini program data analysis',
  22: 'City services',
  23: 'Advertising',
  24: 'Open Platform account management',
  25: 'Mini program Open Platform account management',
  26: 'Electronic invoices',
  41: 'Search widget',
};

export interface PermissionSet {
  id: number;
  /** null when the id is not in the list above. */
  name: string | null;
}

export function permissionSets(ids: readonly number[]): PermissionSet[] {
  return ids.map((id) => ({ id, name: NAMES[id] ?? null }));
}
