/**
 * 修改备注, through the UI: in the customer drawer's 跟进成员与标签 tab, the consultant's remark,
 * description and remark phones are edited in a drawer that checks as you type (too long a
 * remark, a malformed phone), saved to WeCom (the simulator's record changes) and shown on the
 * relationship at once.
 */
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

interface SimState {
  relationships: { userid: string; external_userid: string; remark: string; description: string; remark_mobiles: string[] }[];
}

describe('修改备注', () => {
  const f = useFixture();

  it('edits the remark, description and phones in WeCom from the customer drawer', async () => {
    const scan = await f.server.sim<{ external_userid: string }>('scan', { userid: 'zhangsan', state: 'douyin', name: '赵女士', gender: 2 });
    const ext = scan.external_userid;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = await f.server.api<{ follow_users: unknown[] }>(`/api/customers/${ext}`).catch(() => null);
      if (found && found.follow_users.length > 0) break;
      if (Date.now() > deadline) throw new Error('the scan was not processed');
      await new Promise((r) => setTimeout(r, 200));
    }

    const { page, errors, context } = await newTab(f.browser);
    await signIn(page, f.server.base, f.server.token, `/dashboard/customers?customer=${ext}`);
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '诊所维护的客户资料' });
    await drawer.waitFor();
    await drawer.getByRole('tab', { name: /跟进成员与标签/ }).click();
    await drawer.getByRole('button', { name: /修改备注/ }).click();

    const form = page.locator('.ant-drawer-content').filter({ hasText: '保存到企业微信' });
    await form.waitFor();
    // Checked as you type: 21 characters is one too many.
    const remark = form.getByLabel('备注名');
    await remark.fill('一二三四五六七八九十一二三四五六七八九十一');
    await form.getByText('备注名最多 20 个字').waitFor();
    await remark.fill('赵女士-水光针');
    await form.getByText('备注名最多 20 个字').waitFor({ state: 'detached' });
    await form.getByLabel('描述').fill('想做水光针，周末有空');
    const phones = form.getByLabel('备注手机号');
    await phones.focus();
    await page.keyboard.type('13800138000');
    await page.keyboard.press('Enter');
    await page.keyboard.type('12ab');
    await page.keyboard.press('Enter');
    await form.getByText(/手机号格式不正确：12ab/).waitFor();
    // The bad number's tag removed: the message goes.
    await form.locator('.ant-select-selection-item').filter({ hasText: '12ab' }).locator('.ant-select-selection-item-remove').click();
    await form.getByText(/手机号格式不正确/).waitFor({ state: 'detached' });
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await settled(page);
    await screenshot(page, 'remark-drawer');

    await form.getByRole('button', { name: '保存到企业微信' }).click();
    await form.waitFor({ state: 'detached' });
    await drawer.getByText('赵女士-水光针').waitFor();
    await drawer.getByText('13800138000').waitFor();
    await drawer.getByText('想做水光针，周末有空').waitFor();

    // WeCom (the simulator) holds the same.
    const state = await f.server.sim<SimState>('state');
    const rel = state.relationships.find((r) => r.userid === 'zhangsan' && r.external_userid === ext);
    expect(rel?.remark).toBe('赵女士-水光针');
    expect(rel?.description).toBe('想做水光针，周末有空');
    expect(rel?.remark_mobiles).toEqual(['13800138000']);
    await settled(page);
    await screenshot(page, 'remark-saved');
    expect(errors).toEqual([]);
    await context.close();
  });
});
