import { Result } from 'antd';

/** 403: why this account cannot open the page (loaded only then: Result and its picture are ~10 KB). */
export default function Forbidden({ title, subTitle }: { title: string; subTitle: string }) {
  return <Result status="403" title={title} subTitle={subTitle} />;
}
