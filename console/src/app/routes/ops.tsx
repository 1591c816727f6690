import { Result } from 'antd';

export function Component() {
  return <Result status="info" title="ops" subTitle="This page is being built." />;
}
