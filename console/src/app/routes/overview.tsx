import { Result } from 'antd';

export function Component() {
  return <Result status="info" title="overview" subTitle="This page is being built." />;
}
