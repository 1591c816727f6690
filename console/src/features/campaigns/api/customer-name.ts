import type { CustomerSummary } from './campaigns';

/** The name the clinic knows the customer by: a consultant's remark, else the WeChat name. */
export function customerName(c: CustomerSummary): string {
  const remark = c.follow_users.find((r) => r.remark.trim())?.remark.trim();
  return remark || c.name || c.external_userid;
}
