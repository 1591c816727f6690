import { Result } from 'antd';

export function Component() {
  return <Result status="info" title="campaigns" subTitle="This page is being built." />;
}
