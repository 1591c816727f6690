import { Button, Result } from 'antd';
import { Link } from 'react-router';
import { AntdProvider } from '../antd-provider';

/** Also outside the signed-in shell (an unknown top-level address), hence its own provider. */
export function Component() {
  return (
    <AntdProvider>
      <Result
        status="404"
        title="页面不存在"
        subTitle="您访问的页面不存在，请从菜单进入。"
        extra={
          <Link to="/dashboard">
            <Button type="primary">返回概览</Button>
          </Link>
        }
      />
    </AntdProvider>
  );
}
