import { App as AntApp } from 'antd';
import { AppLayout } from '../layout/app-layout';
import { RequireAuth } from '../require-auth';

export function Component() {
  return (
    <AntApp>
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    </AntApp>
  );
}
