import { describe, expect, it } from 'vitest';
import {
  channelLabel,
  corpTagIds,
  customerTags,
  eventLabel,
  firstRelationship,
  tagChanges,
  timelineDetail,
  yuanToFen,
  type RelationshipView,
} from './customer-view';

const channels = {
  xiaohongshu: { label: '小红书', tag_name: '来源:小红书' },
};

function rel(partial: Partial<RelationshipView>): RelationshipView {
  return {
    userid: 'zhangsan',
    status: 'active',
    remark: '',
    description: '',
    remark_mobiles: [],
    tags: [],
    add_way: 1,
    oper_userid: 'zhangsan',
    state: '',
    createtime: 1,
    ...partial,
  };
}

describe('channel names', () => {
  it('names a configured channel and shows an unconfigured state as it is', () => {
    expect(channelLabel(channels, 'xiaohongshu')).toBe('小红书');
    expect(channelLabel(channels, 'bilibili')).toBe('bilibili');
    expect(channelLabel(channels, '')).toBe('—');
    expect(channelLabel(undefined, 'xiaohongshu')).toBe('xiaohongshu');
  });
});

describe('relationships and tags', () => {
  const xhs = { group_name: '来源渠道', tag_name: '来源:小红书', tag_id: 'et1', type: 1 };
  const vip = { group_name: '客户等级', tag_name: 'VIP', tag_id: 'et2', type: 1 };
  const personal = { group_name: '', tag_name: '怕疼', tag_id: null, type: 2 };

  it('finds the relationship the customer first came through', () => {
    const first = rel({ userid: 'lisi', createtime: 100 });
    expect(firstRelationship({ first_channel: '', follow_users: [rel({ createtime: 200 }), first] })).toBe(first);
    expect(firstRelationship({ first_channel: '', follow_users: [] })).toBeNull();
  });

  it('lists each tag once, corp tags first, leaving out ended relationships', () => {
    const tags = customerTags([
      rel({ tags: [personal, xhs] }),
      rel({ userid: 'lisi', tags: [xhs, vip] }),
      rel({ userid: 'wangwu', status: 'ended', tags: [{ ...vip, tag_id: 'et3', tag_name: '旧标签' }] }),
    ]);
    expect(tags.map((t) => t.name)).toEqual(['来源:小红书', 'VIP', '怕疼']);
  });

  it('edits only corp tags', () => {
    expect(corpTagIds(rel({ tags: [xhs, personal, vip] }))).toEqual(['et1', 'et2']);
  });

  it('computes what to add and remove', () => {
    expect(tagChanges(['et1', 'et2'], ['et2', 'et3'])).toEqual({ add_tag: ['et3'], remove_tag: ['et1'] });
    expect(tagChanges(['et1'], ['et1'])).toEqual({ add_tag: [], remove_tag: [] });
  });
});

describe('history and events in words', () => {
  it('names WeCom events', () => {
    expect(eventLabel('change_external_contact/add_external_contact')).toBe('添加企业客户');
    expect(eventLabel('change_external_contact/del_follow_user')).toMatch(/客户已删除员工/);
    expect(eventLabel('something/new')).toBe('something/new');
  });

  it('names the channel, the tags and the appointment source in details', () => {
    expect(timelineDetail({ kind: 'added', detail: 'xiaohongshu' }, { channels })).toBe('渠道：小红书');
    expect(
      timelineDetail({ kind: 'tagged', detail: '+et1,et9 -et2' }, { tagNames: new Map([['et1', 'VIP'], ['et2', '新客']]) }),
    ).toBe('添加 VIP、et9；移除 新客');
    expect(timelineDetail({ kind: 'tagged', detail: '+ -et2' }, {})).toBe('移除 et2');
    expect(timelineDetail({ kind: 'appointment', detail: '超皮秒祛斑（mini_program）' })).toBe('超皮秒祛斑（小程序）');
    expect(timelineDetail({ kind: 'purchase', detail: '水光针' })).toBe('水光针');
    expect(timelineDetail({ kind: 'synced', detail: null })).toBeNull();
  });
});

describe('money', () => {
  it('turns 元 into 分 without floating-point drift', () => {
    expect(yuanToFen(1600)).toBe(160000);
    expect(yuanToFen(19.99)).toBe(1999);
    expect(yuanToFen(0.1 + 0.2)).toBe(30);
  });
});
