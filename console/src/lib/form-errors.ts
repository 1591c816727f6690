import type { FormInstance } from 'antd';
import { apiErrorDetail } from './api/errors';

/** A form field's path: `['send_rules', 'daily_cap_per_customer']`, `['channels', 0, 'label']`. */
export type FieldPath = (string | number)[];

/**
 * Puts the API's Chinese message on the form field it names (`send_rules.daily_cap` →
 * `['send_rules', 'daily_cap']`), so the offending input is highlighted where the user typed it.
 * `map` translates API field names that the form names differently (return null to skip).
 * Answers whether a field took the message (otherwise the page shows it in an alert).
 */
export function applyFieldError(
  form: FormInstance,
  error: unknown,
  map?: (field: string) => FieldPath | null | undefined,
): boolean {
  const detail = apiErrorDetail(error);
  if (!detail?.field) return false;
  const mapped = map?.(detail.field);
  if (mapped === null) return false;
  const name: FieldPath =
    mapped ?? detail.field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  if (!fieldExists(form, name)) return false;
  form.setFields([{ name, errors: [detail.message] }]);
  form.scrollToField(name, { block: 'center' });
  return true;
}

function fieldExists(form: FormInstance, name: FieldPath): boolean {
  let value: unknown = form.getFieldsValue(true);
  for (const key of name) {
    if (typeof value !== 'object' || value === null || !(key in value)) return false;
    value = (value as Record<string | number, unknown>)[key];
  }
  return true;
}
