import { Result } from 'antd';

export function Component() {
  return <Result status="info" title="automations" subTitle="This page is being built." />;
}
