import { describe, expect, it } from 'vitest';
import type { ContactWayDetail } from './contact-ways';
import {
  durationProblem,
  emptyForm,
  formFieldOf,
  fromDetail,
  secsToDuration,
  toCreateBody,
  toPatchBody,
  type ContactWayFormValues,
} from './form';

const form = (over: Partial<ContactWayFormValues>): ContactWayFormValues => ({ ...emptyForm(), ...over });

const detail = (over: Partial<ContactWayDetail>): ContactWayDetail => ({
  config_id: 'cfg1',
  type: 1,
  scene: 2,
  remark: '',
  skip_verify: true,
  state: 'xiaohongshu',
  qr_code: 'https://wework.qpic.cn/x.png',
  user: ['zhangsan'],
  party: [],
  is_temp: false,
  is_exclusive: false,
  ...over,
});

describe('single vs multi members', () => {
  it('a single way sends exactly its one member and no departments', () => {
    const body = toCreateBody(
      form({ type: 1, single_user: 'zhangsan', users: ['lisi', 'wangwu'], party: ['3'], state: ' xiaohongshu ' }),
    );
    expect(body).toEqual({ type: 1, scene: 2, skip_verify: true, user: ['zhangsan'], state: 'xiaohongshu' });
  });

  it('a multi way sends its members (deduplicated) and numeric departments', () => {
    const body = toCreateBody(
      form({ type: 2, single_user: 'zhangsan', users: ['lisi', 'wangwu', 'lisi', ' '], party: ['2', ' 5 ', 'x'], is_exclusive: true }),
    );
    expect(body.user).toEqual(['lisi', 'wangwu']);
    expect(body.party).toEqual([2, 5]);
    expect(body.is_exclusive).toBe(true);
  });

  it('a multi way never carries a temporary session', () => {
    const body = toCreateBody(form({ type: 2, users: ['lisi'], is_temp: true, conclusion_text: '再见' }));
    expect(body.is_temp).toBeUndefined();
    expect(body.expires_in).toBeUndefined();
    expect(body.conclusions).toBeUndefined();
  });

  it('the mini-program button style goes only with the mini-program scene', () => {
    expect(toCreateBody(form({ single_user: 'a', scene: 2, style: 2 })).style).toBeUndefined();
    expect(toCreateBody(form({ single_user: 'a', scene: 1, style: 3 })).style).toBe(3);
  });
});

describe('temporary session', () => {
  it('sends both validities in seconds', () => {
    const body = toCreateBody(
      form({
        single_user: 'zhangsan',
        is_temp: true,
        qr_expires: { amount: 3, unit: 'day' },
        chat_expires: { amount: 48, unit: 'hour' },
        unionid: ' oAbc ',
      }),
    );
    expect(body).toMatchObject({ is_temp: true, expires_in: 3 * 86_400, chat_expires_in: 48 * 3600, unionid: 'oAbc' });
  });

  it("defaults to WeCom's 7 days and 24 hours", () => {
    const body = toCreateBody(form({ single_user: 'z', is_temp: true }));
    expect(body.expires_in).toBe(7 * 86_400);
    expect(body.chat_expires_in).toBe(86_400);
  });

  it('a permanent way sends no validity, unionid or closing message', () => {
    const body = toCreateBody(
      form({ single_user: 'z', is_temp: false, unionid: 'o1', conclusion_text: '再见', qr_expires: { amount: 1, unit: 'day' } }),
    );
    expect(Object.keys(body).sort()).toEqual(['scene', 'skip_verify', 'type', 'user']);
  });

  it('refuses validities over 14 days, under one, or fractional', () => {
    expect(durationProblem({ amount: 14, unit: 'day' }, '会话有效期')).toBeNull();
    expect(durationProblem({ amount: 336, unit: 'hour' }, '会话有效期')).toBeNull();
    expect(durationProblem({ amount: 337, unit: 'hour' }, '会话有效期')).toMatch(/不能超过 14 天/);
    expect(durationProblem({ amount: 15, unit: 'day' }, '二维码有效期')).toMatch(/二维码有效期不能超过 14 天/);
    expect(durationProblem({ amount: 0, unit: 'day' }, '会话有效期')).toMatch(/正整数/);
    expect(durationProblem({ amount: 1.5, unit: 'day' }, '会话有效期')).toMatch(/正整数/);
    expect(durationProblem({ amount: null, unit: 'day' }, '会话有效期')).toBe('请输入会话有效期');
  });

  it('shows seconds as days when whole days, else hours', () => {
    expect(secsToDuration(86_400 * 2)).toEqual({ amount: 2, unit: 'day' });
    expect(secsToDuration(5400)).toEqual({ amount: 2, unit: 'hour' });
    expect(secsToDuration(86_400)).toEqual({ amount: 24, unit: 'hour' });
  });
});

describe('closing messages (结束语)', () => {
  const temp = { single_user: 'zhangsan', is_temp: true } as const;

  it('text only', () => {
    expect(toCreateBody(form({ ...temp, conclusion_text: '感谢您的咨询' })).conclusions).toEqual({
      text: { content: '感谢您的咨询' },
    });
  });

  it('text with an image by URL or by media_id', () => {
    const byUrl = toCreateBody(
      form({ ...temp, conclusion_text: '再见', conclusion_attachment: 'image', conclusion_image: ' https://wework.qpic.cn/a.png ' }),
    );
    expect(byUrl.conclusions).toEqual({ text: { content: '再见' }, image: { pic_url: 'https://wework.qpic.cn/a.png' } });
    const byMedia = toCreateBody(
      form({ ...temp, conclusion_attachment: 'image', conclusion_image_source: 'media_id', conclusion_image: 'MEDIA1' }),
    );
    expect(byMedia.conclusions).toEqual({ image: { media_id: 'MEDIA1' } });
  });

  it('a link, optional fields left out when blank', () => {
    const body = toCreateBody(
      form({ ...temp, conclusion_attachment: 'link', conclusion_link: { title: ' 项目介绍 ', url: 'https://yanmei.example/a', desc: '', picurl: '' } }),
    );
    expect(body.conclusions).toEqual({ link: { title: '项目介绍', url: 'https://yanmei.example/a' } });
  });

  it('a mini-program card', () => {
    const body = toCreateBody(
      form({
        ...temp,
        conclusion_attachment: 'miniprogram',
        conclusion_miniprogram: { title: '预约', appid: 'wx123', page: 'pages/book', pic_media_id: 'M1' },
      }),
    );
    expect(body.conclusions).toEqual({ miniprogram: { title: '预约', appid: 'wx123', page: 'pages/book', pic_media_id: 'M1' } });
  });

  it('only the chosen attachment is sent, and none when nothing is filled', () => {
    const values = form({
      ...temp,
      conclusion_attachment: 'link',
      conclusion_image: 'https://x/a.png',
      conclusion_link: { title: 't', url: 'https://x' },
      conclusion_miniprogram: { title: 'm', appid: 'a', page: 'p', pic_media_id: 'i' },
    });
    expect(Object.keys(toCreateBody(values).conclusions ?? {})).toEqual(['link']);
    expect(toCreateBody(form({ ...temp })).conclusions).toBeUndefined();
  });
});

describe('editing', () => {
  it('round-trips a stored way through the form with nothing to save', () => {
    const way = detail({
      is_temp: true,
      expires_in: 3 * 86_400,
      chat_expires_in: 7200,
      remark: '三八节',
      conclusions: { text: { content: '再见' }, link: { url: 'https://x', desc: 'd', title: 't', picurl: null } },
    });
    expect(toPatchBody(fromDetail(way), way)).toEqual({});
  });

  it('sends only what changed', () => {
    const way = detail({ type: 2, user: ['zhangsan', 'lisi'], party: [2] });
    const values = { ...fromDetail(way), users: ['wangwu'], remark: '直播间' };
    expect(toPatchBody(values, way)).toEqual({ user: ['wangwu'], remark: '直播间' });
  });

  it('keeps the stored type: a single way edits its one member', () => {
    const way = detail({});
    const values = { ...fromDetail(way), type: 2 as const, single_user: 'lisi', users: ['a', 'b'] };
    expect(toPatchBody(values, way)).toEqual({ user: ['lisi'] });
  });

  it('clears a closing message with an empty object, and changes validities in seconds', () => {
    const way = detail({ is_temp: true, conclusions: { text: { content: '再见' } } });
    const values = { ...fromDetail(way), conclusion_text: '', chat_expires: { amount: 2, unit: 'day' as const } };
    expect(toPatchBody(values, way)).toEqual({ conclusions: {}, chat_expires_in: 2 * 86_400 });
  });

  it('a permanent way never sends temporary-session fields', () => {
    const way = detail({});
    const values = { ...fromDetail(way), conclusion_text: 'x', unionid: 'o', qr_expires: { amount: 1, unit: 'day' as const } };
    expect(toPatchBody(values, way)).toEqual({});
  });
});

describe('API errors on the form', () => {
  it('puts member errors on the member field of the way type', () => {
    expect(formFieldOf('user', null, 1)).toEqual(['single_user']);
    expect(formFieldOf('user', null, 2)).toEqual(['users']);
    expect(formFieldOf(null, 41041, 2)).toEqual(['users']);
    expect(formFieldOf(null, 45009, 2)).toBeNull();
  });

  it('maps WeCom field names to the form', () => {
    expect(formFieldOf('expires_in', null, 1)).toEqual(['qr_expires']);
    expect(formFieldOf('chat_expires_in', null, 1)).toEqual(['chat_expires']);
    expect(formFieldOf('conclusions.link.title', null, 1)).toEqual(['conclusion_link', 'title']);
    expect(formFieldOf('conclusions.miniprogram.pic_media_id', null, 1)).toEqual(['conclusion_miniprogram', 'pic_media_id']);
    expect(formFieldOf('conclusions.text.content', null, 1)).toEqual(['conclusion_text']);
    expect(formFieldOf('state', null, 1)).toEqual(['state']);
  });
});
