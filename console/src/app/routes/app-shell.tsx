import { AntdProvider } from '../antd-provider';
import { AppLayout } from '../layout/app-layout';
import { RequireAuth } from '../require-auth';

export function Component() {
  return (
    <AntdProvider>
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    </AntdProvider>
  );
}
