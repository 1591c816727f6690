/** The channels the e2e scenarios configure: 小红书 and 抖音, each tagged 来源:<its name>. */
export const CHANNELS = {
  xiaohongshu: { label: '小红书', tag_group: '来源渠道', tag_name: '来源:小红书' },
  douyin: { label: '抖音', tag_group: '来源渠道', tag_name: '来源:抖音' },
};
