import { Result } from 'antd';

export function Component() {
  return <Result status="info" title="customers" subTitle="This page is being built." />;
}
