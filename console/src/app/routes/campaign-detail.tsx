import { Result } from 'antd';

export function Component() {
  return <Result status="info" title="campaign-detail" subTitle="This page is being built." />;
}
