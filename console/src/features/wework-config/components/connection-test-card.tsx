import { CheckCircleFilled, CloseCircleFilled } from '@ant-design/icons';
import { Alert, Button, Card, List, Typography } from 'antd';
import { errorMessage } from '@/lib/api/errors';
import { useTestConnection } from '../api/config';

const STEP_LABEL: Record<string, string> = {
  gettoken: '获取 access_token（企业ID 与 Secret）',
  'externalcontact/get_follow_user_list': '读取配置了客户联系功能的成员（客户联系权限）',
};

/** 测试连接: asks WeCom with the saved credentials and explains each step's answer. */
export function ConnectionTestCard() {
  const test = useTestConnection();
  const result = test.data;

  return (
    <Card
      title="测试连接"
      id="test"
      extra={
        <Button type="primary" ghost loading={test.isPending} onClick={() => test.mutate({})}>
          测试连接
        </Button>
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
        使用已保存的企业ID、Secret 调用企业微信接口，检查凭证、客户联系权限与企业可信IP。请先保存应用凭证。
      </Typography.Paragraph>
      {test.isError && <Alert type="error" showIcon role="alert" message={errorMessage(test.error)} />}
      {result && (
        <>
          <Alert
            type={result.ok ? 'success' : 'error'}
            showIcon
            role="status"
            message={
              result.ok
                ? `连接正常${result.follow_user_count != null ? `：${result.follow_user_count} 位成员已开通客户联系` : ''}`
                : '连接失败，请按下面的提示修改后重试'
            }
            style={{ marginBottom: 12 }}
          />
          <List
            size="small"
            bordered
            dataSource={result.steps}
            renderItem={(step) => (
              <List.Item>
                <List.Item.Meta
                  avatar={
                    step.ok ? (
                      <CheckCircleFilled style={{ color: '#52c41a' }} aria-label="成功" />
                    ) : (
                      <CloseCircleFilled style={{ color: '#ff4d4f' }} aria-label="失败" />
                    )
                  }
                  title={STEP_LABEL[step.step] ?? step.step}
                  description={
                    <>
                      {step.message}
                      {step.errcode != null && step.errcode !== 0 && (
                        <Typography.Text type="secondary"> （errcode {step.errcode}）</Typography.Text>
                      )}
                    </>
                  }
                />
              </List.Item>
            )}
          />
        </>
      )}
    </Card>
  );
}
