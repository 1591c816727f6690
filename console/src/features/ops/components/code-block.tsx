import { CheckOutlined, CopyOutlined } from '@ant-design/icons';
import { App, Button, Flex, Typography } from 'antd';
import { useState } from 'react';

/** Monospace text (pretty JSON, XML) with a copy button. */
export function CodeBlock({ text, label, maxHeight = 420 }: { text: string; label: string; maxHeight?: number }) {
  const { message } = App.useApp();
  const [copied, setCopied] = useState(false);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      void message.success('已复制');
      setTimeout(() => setCopied(false), 2000);
    } catch {
      void message.error('复制失败，请手动选择文本复制');
    }
  };

  return (
    <div>
      <Flex justify="space-between" align="center" style={{ marginBottom: 4 }}>
        <Typography.Text type="secondary">{label}</Typography.Text>
        <Button
          size="small"
          icon={copied ? <CheckOutlined /> : <CopyOutlined />}
          onClick={() => void copy()}
          aria-label={`复制${label}`}
        >
          {copied ? '已复制' : '复制'}
        </Button>
      </Flex>
      <pre
        tabIndex={0}
        aria-label={label}
        style={{
          margin: 0,
          padding: 12,
          maxHeight,
          overflow: 'auto',
          background: '#f6f8fa',
          border: '1px solid #e8e8e8',
          borderRadius: 6,
          fontFamily: "SFMono-Regular, Consolas, 'Liberation Mono', Menlo, monospace",
          fontSize: 12.5,
          lineHeight: 1.6,
          whiteSpace: 'pre',
          color: '#1f1f1f',
        }}
      >
        {text}
      </pre>
    </div>
  );
}
