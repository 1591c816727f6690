import { Alert, App, AutoComplete, Button, Divider, Drawer, Flex, Form, Input, Radio, Select, Space, Switch, Typography } from 'antd';
import type { FormInstance, Rule } from 'antd/es/form';
import { useMemo, useState } from 'react';
import { StaffSelect } from '@/components/staff-select';
import { apiErrorDetail, errorMessage } from '@/lib/api/errors';
import { useChannels, useCreateContactWay, useUpdateContactWay, type ContactWayView } from '../api/contact-ways';
import {
  durationProblem,
  emptyForm,
  formFieldOf,
  fromDetail,
  MAX_CONCLUSION_TEXT_BYTES,
  MAX_LINK_DESC_BYTES,
  MAX_LINK_TITLE_BYTES,
  MAX_MEMBERS,
  MAX_MINIPROGRAM_TITLE_BYTES,
  MAX_REMARK_CHARS,
  MAX_STATE_CHARS,
  toCreateBody,
  toPatchBody,
  utf8Bytes,
  type ContactWayFormValues,
  type DurationValue,
} from '../api/form';
import { DurationInput } from './duration-input';

interface Props {
  open: boolean;
  /** The way being edited; null creates a new one. */
  editing: ContactWayView | null;
  onClose: () => void;
  onSaved?: (way: ContactWayView) => void;
}

const bytesAtMost = (max: number, what: string): Rule => ({
  validator: (_, value: string | undefined) =>
    utf8Bytes(value ?? '') > max
      ? Promise.reject(new Error(`${what}不能超过 ${max} 字节（约 ${Math.floor(max / 3)} 个汉字）`))
      : Promise.resolve(),
});

/** `required` without marking the control aria-required (see the member field). */
const requiredValue = (message: string): Rule => ({
  validator: (_, value: unknown) =>
    value === undefined || value === null || (typeof value === 'string' && !value.trim())
      ? Promise.reject(new Error(message))
      : Promise.resolve(),
});

const httpUrl: Rule = { pattern: /^https?:\/\/\S+$/, message: '链接必须以 http:// 或 https:// 开头' };

const durationRule = (what: string): Rule => ({
  validator: (_, value: DurationValue | undefined) => {
    const problem = durationProblem(value, what);
    return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
  },
});

/** The drawer that creates or edits a 「联系我」 with every option WeCom's add_contact_way has. */
export function ContactWayDrawer({ open, editing, onClose, onSaved }: Props) {
  const [form] = Form.useForm<ContactWayFormValues>();
  const { message } = App.useApp();
  const create = useCreateContactWay();
  const update = useUpdateContactWay();
  const channels = useChannels();
  const [error, setError] = useState<string | null>(null);
  const isEdit = editing !== null;
  const initial = useMemo(() => (editing ? fromDetail(editing.contact_way) : emptyForm()), [editing]);

  const type = Form.useWatch('type', form) ?? initial.type;
  const scene = Form.useWatch('scene', form) ?? initial.scene;
  const isTemp = (Form.useWatch('is_temp', form) ?? initial.is_temp) && type === 1;
  const attachment = Form.useWatch('conclusion_attachment', form) ?? initial.conclusion_attachment;
  const imageSource = Form.useWatch('conclusion_image_source', form) ?? initial.conclusion_image_source;
  const state = Form.useWatch('state', form);

  const channelOptions = Object.entries(channels.data ?? {}).map(([value, channel]) => ({
    value,
    label: `${channel.label}（${value}）`,
  }));
  const chosenChannel = state ? channels.data?.[state.trim()] : undefined;

  /** Switching single ⇄ multi keeps the members that still fit. */
  const onValuesChange = (changed: Partial<ContactWayFormValues>, all: ContactWayFormValues) => {
    if (changed.type === 2) {
      form.setFieldsValue({ users: all.single_user ? [all.single_user] : all.users, is_temp: false });
      if (all.style === 3) form.setFieldValue('style', null);
    } else if (changed.type === 1) {
      form.setFieldsValue({ single_user: all.single_user ?? all.users?.[0], party: [], is_exclusive: false });
    }
  };

  const showError = (e: unknown) => {
    const detail = apiErrorDetail(e);
    const field = formFieldOf(detail?.field ?? null, detail?.errcode, form.getFieldValue('type') as 1 | 2);
    if (detail && field) {
      (form as FormInstance).setFields([{ name: field, errors: [detail.message] }]);
      form.scrollToField(field, { block: 'center' });
      return;
    }
    setError(errorMessage(e));
  };

  const onFinish = (values: ContactWayFormValues) => {
    setError(null);
    const all = { ...initial, ...form.getFieldsValue(true), ...values } as ContactWayFormValues;
    if (editing) {
      const body = toPatchBody(all, editing.contact_way);
      if (Object.keys(body).length === 0) {
        void message.info('没有需要保存的修改');
        onClose();
        return;
      }
      update.mutate(
        { params: { path: { config_id: editing.config_id } }, body },
        {
          onSuccess: (way) => {
            void message.success('已保存，企业微信中的「联系我」已同步修改');
            onSaved?.(way);
            onClose();
          },
          onError: showError,
        },
      );
      return;
    }
    create.mutate(
      { body: toCreateBody(all) },
      {
        onSuccess: (way) => {
          void message.success('已创建「联系我」');
          onSaved?.(way);
          onClose();
        },
        onError: showError,
      },
    );
  };

  const pending = create.isPending || update.isPending;
  const fixedAfterCreate = isEdit ? '创建后不能修改' : undefined;

  return (
    <Drawer
      title={isEdit ? '编辑「联系我」' : '新建「联系我」'}
      open={open}
      onClose={onClose}
      afterOpenChange={(visible) => {
        if (!visible) setError(null);
      }}
      width={Math.min(720, window.innerWidth)}
      destroyOnHidden
      footer={
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>取消</Button>
          <Button type="primary" loading={pending} onClick={() => form.submit()}>
            {isEdit ? '保存' : '创建'}
          </Button>
        </Flex>
      }
    >
      <Form<ContactWayFormValues>
        key={editing?.config_id ?? 'new'}
        form={form}
        name="contact-way"
        layout="vertical"
        initialValues={initial}
        onValuesChange={onValuesChange}
        onFinish={onFinish}
        scrollToFirstError
      >
        {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 16 }} />}
        <Form.Item label="联系方式类型" name="type" extra={fixedAfterCreate ?? '单人：客户只能添加指定的一名成员；多人：企业微信在所选成员中自动分配。'}>
          <Radio.Group disabled={isEdit} optionType="button">
            <Radio value={1}>单人</Radio>
            <Radio value={2}>多人</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item label="场景" name="scene" extra={fixedAfterCreate ?? '在小程序中联系需要接入企业微信小程序插件，没有二维码。'}>
          <Radio.Group disabled={isEdit} optionType="button">
            <Radio value={2}>通过二维码联系</Radio>
            <Radio value={1}>在小程序中联系</Radio>
          </Radio.Group>
        </Form.Item>
        {scene === 1 && (
          <Form.Item label="小程序按钮样式" name="style" extra="企业微信小程序插件中「联系我」按钮的样式。">
            <Select
              allowClear
              placeholder="默认样式"
              style={{ maxWidth: 240 }}
              options={(type === 1 ? [1, 2, 3] : [1, 2]).map((s) => ({ value: s, label: `样式 ${s}` }))}
            />
          </Form.Item>
        )}
        <Form.Item
          label="渠道（渠道标识 state）"
          name="state"
          extra={
            chosenChannel
              ? `客户将打上「${chosenChannel.tag_name}」标签，并收到「${chosenChannel.label}」渠道的欢迎语。`
              : state?.trim()
                ? '该渠道标识尚未在「企业微信配置 → 渠道与欢迎语」中配置：客户会收到默认欢迎语，并打上「来源:渠道标识」标签。'
                : '用于区分营销渠道（如 xiaohongshu、douyin），客户添加后记录在客户的渠道上。'
          }
          rules={[
            { max: MAX_STATE_CHARS, message: `渠道标识不能超过 ${MAX_STATE_CHARS} 个字符` },
          ]}
        >
          <AutoComplete
            options={channelOptions}
            placeholder="选择已配置的渠道，或输入新的渠道标识"
            filterOption={(input, option) =>
              String(option?.label ?? '').toLowerCase().includes(input.trim().toLowerCase())
            }
            allowClear
          />
        </Form.Item>
        <Form.Item
          label="备注"
          name="remark"
          rules={[{ max: MAX_REMARK_CHARS, message: `备注不能超过 ${MAX_REMARK_CHARS} 个字符` }]}
        >
          <Input maxLength={MAX_REMARK_CHARS} showCount placeholder="例如：三八节小红书笔记" />
        </Form.Item>
        {type === 1 ? (
          // The rule sits on an inner item without `required`: Ant Design would put aria-required
          // on the Select's wrapper, where ARIA does not allow it (axe: aria-allowed-attr).
          <Form.Item
            label="成员"
            required
            htmlFor="contact-way_single_user"
            extra="客户扫码后添加这名成员。成员需已激活、已实名认证并开通客户联系功能。"
          >
            <Form.Item name="single_user" noStyle rules={[requiredValue('单人「联系我」需要指定一名成员')]}>
              <StaffSelect aria-label="成员" placeholder="按姓名或 userid 搜索成员" />
            </Form.Item>
          </Form.Item>
        ) : (
          <>
            <Form.Item
              label="成员"
              name="users"
              dependencies={['party']}
              rules={[
                {
                  validator: (_, users: string[] | undefined) => {
                    const party = (form.getFieldValue('party') as string[] | undefined) ?? [];
                    if ((users ?? []).length === 0 && party.length === 0) {
                      return Promise.reject(new Error('多人「联系我」需要至少一名成员或一个部门'));
                    }
                    if ((users ?? []).length > MAX_MEMBERS) {
                      return Promise.reject(new Error(`成员不能超过 ${MAX_MEMBERS} 人`));
                    }
                    return Promise.resolve();
                  },
                },
              ]}
              extra={`企业微信在这些成员中自动分配客户，最多 ${MAX_MEMBERS} 人（含部门展开后的成员）。`}
            >
              <StaffSelect mode="multiple" aria-label="成员" placeholder="按姓名或 userid 搜索，可选多人" />
            </Form.Item>
            <Form.Item
              label="部门"
              name="party"
              rules={[
                {
                  validator: (_, party: string[] | undefined) =>
                    (party ?? []).every((p) => /^\d+$/.test(String(p).trim()))
                      ? Promise.resolve()
                      : Promise.reject(new Error('部门 ID 是数字')),
                },
              ]}
              extra="可选：企业微信通讯录中的部门 ID，部门内的成员都会参与分配。"
            >
              <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', '，', ' ']} placeholder="输入部门 ID，按回车添加" aria-label="部门" />
            </Form.Item>
            <Form.Item
              label="同一企业的客户分配给同一成员"
              name="is_exclusive"
              valuePropName="checked"
              extra={fixedAfterCreate ?? '开启后，同一外部企业的客户会优先添加到同一名跟进成员。'}
            >
              <Switch disabled={isEdit} />
            </Form.Item>
          </>
        )}
        <Form.Item label="客户添加时无需经过确认" name="skip_verify" valuePropName="checked" extra="关闭后，客户扫码需要成员确认才能添加。">
          <Switch />
        </Form.Item>

        {type === 1 && (
          <>
            <Divider orientation="left" plain>
              临时会话
            </Divider>
            <Form.Item
              label="启用临时会话"
              name="is_temp"
              valuePropName="checked"
              extra={
                fixedAfterCreate ??
                '仅医疗行业企业可用。客户添加后只在会话有效期内可以会话，到期后企业微信自动发送结束语；二维码被添加一次后即失效。'
              }
            >
              <Switch disabled={isEdit} />
            </Form.Item>
            {isTemp && (
              <>
                <Space size={24} wrap align="start">
                  <Form.Item
                    label="二维码有效期"
                    name="qr_expires"
                    rules={[durationRule('二维码有效期')]}
                    extra="默认 7 天，最长 14 天"
                  >
                    <DurationInput aria-label="二维码有效期" />
                  </Form.Item>
                  <Form.Item
                    label="会话有效期"
                    name="chat_expires"
                    rules={[durationRule('会话有效期')]}
                    extra="添加后可会话的时长，默认 24 小时，最长 14 天"
                  >
                    <DurationInput aria-label="会话有效期" />
                  </Form.Item>
                </Space>
                <Form.Item
                  label="限定微信用户（unionid）"
                  name="unionid"
                  extra="可选：只允许这位微信用户添加。需要企业绑定了微信开发者账号。"
                  rules={[{ max: 64, message: 'unionid 不超过 64 个字符' }]}
                >
                  <Input autoComplete="off" />
                </Form.Item>
                <ConclusionsFields attachment={attachment} imageSource={imageSource} />
              </>
            )}
          </>
        )}
      </Form>
    </Drawer>
  );
}

/** 结束语: a text and at most one attachment (image, link or mini-program). */
function ConclusionsFields({ attachment, imageSource }: { attachment: string; imageSource: string }) {
  return (
    <>
      <Typography.Text strong>结束语</Typography.Text>
      <Typography.Paragraph type="secondary" style={{ marginTop: 4 }}>
        会话结束时企业微信自动发送给客户：一段文字，以及一个图片、链接或小程序附件（均可不填）。
      </Typography.Paragraph>
      <Form.Item label="结束语文字" name="conclusion_text" rules={[bytesAtMost(MAX_CONCLUSION_TEXT_BYTES, '结束语文字')]}>
        <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} placeholder="感谢您的咨询！如需再次咨询，请扫描二维码添加我们。" />
      </Form.Item>
      <Form.Item label="结束语附件" name="conclusion_attachment">
        <Radio.Group optionType="button">
          <Radio value="none">无</Radio>
          <Radio value="image">图片</Radio>
          <Radio value="link">链接</Radio>
          <Radio value="miniprogram">小程序</Radio>
        </Radio.Group>
      </Form.Item>
      {attachment === 'image' && (
        <>
          <Form.Item label="图片来源" name="conclusion_image_source">
            <Radio.Group>
              <Radio value="pic_url">图片地址（上传图片接口返回的 URL）</Radio>
              <Radio value="media_id">临时素材 media_id</Radio>
            </Radio.Group>
          </Form.Item>
          <Form.Item
            label={imageSource === 'media_id' ? '图片 media_id' : '图片地址'}
            name="conclusion_image"
            rules={[
              { required: true, whitespace: true, message: imageSource === 'media_id' ? '请输入图片的 media_id' : '请输入图片地址' },
              ...(imageSource === 'pic_url' ? [httpUrl] : []),
            ]}
            extra={imageSource === 'pic_url' ? '须是企业微信「上传图片」接口返回的永久地址。' : '临时素材 3 天后失效，建议使用图片地址。'}
          >
            <Input autoComplete="off" />
          </Form.Item>
        </>
      )}
      {attachment === 'link' && (
        <>
          <Form.Item
            label="链接标题"
            name={['conclusion_link', 'title']}
            rules={[{ required: true, whitespace: true, message: '请输入链接标题' }, bytesAtMost(MAX_LINK_TITLE_BYTES, '链接标题')]}
          >
            <Input />
          </Form.Item>
          <Form.Item label="链接地址" name={['conclusion_link', 'url']} rules={[{ required: true, message: '请输入链接地址' }, httpUrl]}>
            <Input placeholder="https://" />
          </Form.Item>
          <Form.Item label="链接描述" name={['conclusion_link', 'desc']} rules={[bytesAtMost(MAX_LINK_DESC_BYTES, '链接描述')]}>
            <Input />
          </Form.Item>
          <Form.Item label="封面图片地址" name={['conclusion_link', 'picurl']} rules={[httpUrl]}>
            <Input placeholder="https://（可选）" />
          </Form.Item>
        </>
      )}
      {attachment === 'miniprogram' && (
        <>
          <Form.Item
            label="小程序标题"
            name={['conclusion_miniprogram', 'title']}
            rules={[{ required: true, whitespace: true, message: '请输入小程序标题' }, bytesAtMost(MAX_MINIPROGRAM_TITLE_BYTES, '小程序标题')]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            label="小程序 AppID"
            name={['conclusion_miniprogram', 'appid']}
            rules={[{ required: true, whitespace: true, message: '请输入小程序 AppID' }]}
            extra="须是已关联到企业的小程序。"
          >
            <Input autoComplete="off" placeholder="wx…" />
          </Form.Item>
          <Form.Item
            label="小程序页面路径"
            name={['conclusion_miniprogram', 'page']}
            rules={[{ required: true, whitespace: true, message: '请输入小程序页面路径' }]}
          >
            <Input placeholder="pages/booking/index.html" />
          </Form.Item>
          <Form.Item
            label="封面图片 media_id"
            name={['conclusion_miniprogram', 'pic_media_id']}
            rules={[{ required: true, whitespace: true, message: '请输入封面图片的 media_id' }]}
            extra="封面建议 520×416 像素，使用企业微信临时素材的 media_id。"
          >
            <Input autoComplete="off" />
          </Form.Item>
        </>
      )}
    </>
  );
}
