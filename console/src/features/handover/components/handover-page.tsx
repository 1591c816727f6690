import { Tabs } from 'antd';
import { useState } from 'react';
import { PageContainer } from '@/components/page-container';
import { HandoverDrawer } from './handover-drawer';
import { HandoversTable } from './handovers-table';
import { OnJobForm } from './on-job-form';
import { ResignedPanel } from './resigned-panel';

/** 客户继承: 在职继承, 离职继承 and the handovers with each customer's result. */
export function HandoverPage() {
  const [tab, setTab] = useState('records');
  const [open, setOpen] = useState<string | null>(null);
  const created = (id: string) => {
    setTab('records');
    setOpen(id);
  };
  return (
    <PageContainer
      title="客户继承"
      description="顾问调岗或离职时，把客户交给其他顾问。在职继承的客户会收到提示并有 24 小时可拒绝；每位客户 90 天内最多被转接两次。"
    >
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'records', label: '交接记录', children: <HandoversTable onOpen={setOpen} /> },
          { key: 'on-job', label: '在职继承', children: <OnJobForm onCreated={created} /> },
          { key: 'resigned', label: '离职继承', children: <ResignedPanel onCreated={created} /> },
        ]}
      />
      <HandoverDrawer id={open} onClose={() => setOpen(null)} />
    </PageContainer>
  );
}
