import { Button, Result } from 'antd';
import { Link } from 'react-router';

export function Component() {
  return (
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
  );
}
