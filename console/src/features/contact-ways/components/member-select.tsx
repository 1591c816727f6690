import { Select } from 'antd';

interface SingleProps {
  mode: 'single';
  value?: string;
  onChange?: (value: string | undefined) => void;
}

interface MultipleProps {
  mode: 'multiple';
  value?: string[];
  onChange?: (value: string[]) => void;
}

type Props = (SingleProps | MultipleProps) & { id?: string; 'aria-label'?: string; disabled?: boolean; status?: '' | 'error' };

/**
 * Members of a 「联系我」 by WeCom userid. Stand-in until the staff list (GET /api/staff) lets
 * the clinic pick members by name: the userid is typed and confirmed with Enter.
 */
export function MemberSelect(props: Props) {
  const common = {
    id: props.id,
    'aria-label': props['aria-label'],
    disabled: props.disabled,
    mode: 'tags' as const,
    open: false,
    suffixIcon: null,
    tokenSeparators: [',', '，', ' '],
    style: { width: '100%' },
  };
  if (props.mode === 'single') {
    return (
      <Select
        {...common}
        placeholder="输入成员的 userid，按回车确认"
        value={props.value ? [props.value] : []}
        onChange={(next: string[]) => props.onChange?.(next[next.length - 1])}
      />
    );
  }
  return (
    <Select
      {...common}
      placeholder="输入成员的 userid，按回车添加，可添加多个"
      value={props.value ?? []}
      onChange={(next: string[]) => props.onChange?.(next)}
    />
  );
}
