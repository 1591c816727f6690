/**
 * Picks consultants (成员) by name: the members with customer contact from `GET /api/staff`,
 * labelled with the clinic's display name or WeCom's name, searchable by name or userid.
 * A controlled antd Select (works as a Form.Item child).
 */
import { Select, type SelectProps } from 'antd';
import { useStaff } from './use-staff';

type Props = Omit<SelectProps<string | string[]>, 'options' | 'loading'> & {
  /** Also offer members no longer enabled for customer contact (filters over old data). */
  includeFormer?: boolean;
};

export function StaffSelect({ includeFormer = false, placeholder = '选择成员', ...rest }: Props) {
  const { data, isLoading, error } = useStaff();
  const options = (data?.items ?? [])
    .filter((s) => includeFormer || s.customer_contact)
    .map((s) => ({
      value: s.userid,
      label: s.label === s.userid ? s.userid : `${s.label}（${s.userid}）`,
      search: `${s.label} ${s.name ?? ''} ${s.userid}`.toLowerCase(),
    }));
  return (
    <Select
      showSearch
      allowClear
      placeholder={placeholder}
      loading={isLoading}
      status={error ? 'error' : undefined}
      notFoundContent={error ? '无法读取成员列表' : undefined}
      optionFilterProp="search"
      filterOption={(input, option) => (option?.search ?? '').includes(input.trim().toLowerCase())}
      options={options}
      {...rest}
    />
  );
}
