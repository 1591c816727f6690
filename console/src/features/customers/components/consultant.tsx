import { Input } from 'antd';

/**
 * Picks a consultant (跟进成员) by userid. Until the admin API lists the staff (`GET /api/staff`),
 * the userid is typed; Enter applies it.
 */
export function ConsultantSelect({
  value,
  onChange,
  id,
}: {
  value?: string;
  onChange?: (value: string | undefined) => void;
  id?: string;
  onPicked?: () => void;
}) {
  return (
    <Input
      id={id}
      allowClear
      placeholder="成员账号（userid），回车查询"
      value={value}
      onChange={(e) => onChange?.(e.target.value || undefined)}
      autoComplete="off"
    />
  );
}

