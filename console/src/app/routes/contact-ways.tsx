import { Result } from 'antd';

export function Component() {
  return <Result status="info" title="contact-ways" subTitle="This page is being built." />;
}
