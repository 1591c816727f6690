import { Drawer } from 'antd';
import type { CustomerDetail } from '../api/customer-view';

/** 发送消息 (work in progress). */
export function SendMessageDrawer({ customer, open, onClose }: { customer: CustomerDetail; open: boolean; onClose: () => void }) {
  return (
    <Drawer open={open} onClose={onClose} title={`发送消息给 ${customer.name}`}>
      …
    </Drawer>
  );
}
