/**
 * Every InfoType WeChat is known to push on the authorization-event URL (wechat-protocol.md §2,
 * §13.1), lower-cased. Metrics label pushes with these, anything else as `other`, so that no
 * sender can create label values.
 */
export const KNOWN_INFO_TYPES: ReadonlySet<string> = new Set([
  'component_verify_ticket',
  'authorized',
  'updateauthorized',
  'unauthorized',
  'notify_third_fasteregister',
  'notify_third_fastregisterbetaapp',
  'notify_third_fastverifybetaapp',
  'wxa_nickname_audit',
  'notify_icpfiling_verify_result',
  'notify_apply_icpfiling_result',
  'notify_3rd_wxa_auth',
  'notify_3rd_wxa_wxverify',
  'notify_3rd_wxa_auth_and_icp',
  'order_path_apply_result_notify',
  'order_path_audit_result_notify',
]);

/** The InfoType as a metric label: itself when known, else `other`. */
export function infoTypeLabel(infoType: string | undefined): string {
  if (infoType === undefined) return 'unknown';
  return KNOWN_INFO_TYPES.has(infoType) ? infoType : 'other';
}
