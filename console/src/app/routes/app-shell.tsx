import { AppLayout } from '../layout/app-layout';
import { RequireAuth } from '../require-auth';

export function Component() {
  return (
    <RequireAuth>
      <AppLayout />
    </RequireAuth>
  );
}
