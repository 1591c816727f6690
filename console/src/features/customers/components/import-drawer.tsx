import { InboxOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Collapse,
  Descriptions,
  Drawer,
  Flex,
  Progress,
  Space,
  Table,
  Typography,
  Upload,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import {
  IMPORT_COLUMNS,
  useImportCustomers,
  useImportProgress,
  type ImportProblem,
  type ImportSummary,
} from '../api/import-export';

const PROBLEM_COLUMNS: TableColumnsType<ImportProblem> = [
  { title: '行', dataIndex: 'row', key: 'row', width: 70 },
  { title: '列', key: 'column', width: 110, render: (_, p) => p.column ?? '整行' },
  { title: '问题', dataIndex: 'message', key: 'message' },
];

function SummaryView({ summary }: { summary: ImportSummary }) {
  return (
    <Descriptions
      size="small"
      column={2}
      bordered
      items={[
        { key: 'rows', label: '数据行', children: summary.rows },
        { key: 'encoding', label: '文件编码', children: summary.encoding },
        { key: 'matched', label: '匹配到客户', children: summary.matched },
        { key: 'leads', label: '线索（未匹配）', children: `${summary.leads}（新线索 ${summary.new_leads}）` },
        { key: 'changed', label: summary.dry_run ? '将更新' : '已更新', children: summary.changed },
        { key: 'unchanged', label: '无变化', children: summary.unchanged },
        { key: 'consents', label: summary.dry_run ? '将登记授权' : '已登记授权', children: summary.consents },
        { key: 'tags', label: summary.dry_run ? '将打标签' : '已打标签', children: summary.tags_marked },
        {
          key: 'problems',
          label: '有问题的行（不导入）',
          span: 2,
          children: <Typography.Text type={summary.problem_rows > 0 ? 'danger' : undefined}>{summary.problem_rows}</Typography.Text>,
        },
      ]}
    />
  );
}

/**
 * 导入客户: pick an .xlsx or .csv file, check it (a dry run listing each problem by row and
 * column), then 确认导入. Rows with problems are left out; rows matching no customer become 线索.
 */
export function ImportDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [checked, setChecked] = useState<ImportSummary | null>(null);
  const [done, setDone] = useState<ImportSummary | null>(null);
  const importer = useImportCustomers();
  const progress = useImportProgress(importer.progressId, importer.isPending);
  const running = progress.data && importer.isPending ? progress.data : null;

  const reset = () => {
    setFile(null);
    setChecked(null);
    setDone(null);
    importer.reset();
  };
  const close = () => {
    reset();
    onClose();
  };
  const check = () => {
    if (!file) return;
    setDone(null);
    importer.mutate({ file, dryRun: true }, { onSuccess: (summary) => setChecked(summary) });
  };
  const confirm = () => {
    if (!file) return;
    importer.mutate({ file, dryRun: false }, { onSuccess: (summary) => setDone(summary) });
  };
  const shown = done ?? checked;

  return (
    <Drawer
      title="导入客户"
      open={open}
      onClose={close}
      width={720}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={close}>{done ? '完成' : '取消'}</Button>
          {!done && (
            <Button
              type="primary"
              disabled={!checked || checked.rows === checked.problem_rows}
              loading={importer.isPending && importer.variables?.dryRun === false}
              onClick={confirm}
            >
              确认导入
            </Button>
          )}
        </Space>
      }
    >
      <Flex vertical gap={16}>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          支持 Excel（.xlsx）和 CSV（UTF-8 或 GBK 编码）。按「客户ID」、否则「手机号」、否则「unionid」匹配客户；
          空白单元格不会清除已有信息；未匹配到客户的行保存为线索，客户添加顾问后自动合并。同一文件重复导入不会重复修改。
        </Typography.Paragraph>
        <Collapse
          size="small"
          items={[
            {
              key: 'columns',
              label: '可识别的列（中文或英文表头均可）',
              children: (
                <Table
                  size="small"
                  pagination={false}
                  rowKey="header"
                  dataSource={IMPORT_COLUMNS}
                  columns={[
                    { title: '表头', dataIndex: 'header', key: 'header', width: 100 },
                    { title: '英文表头', dataIndex: 'english', key: 'english', width: 150 },
                    { title: '说明', dataIndex: 'note', key: 'note' },
                  ]}
                />
              ),
            },
          ]}
        />
        <Upload.Dragger
          accept=".xlsx,.csv"
          maxCount={1}
          beforeUpload={(picked) => {
            setFile(picked);
            setChecked(null);
            setDone(null);
            importer.reset();
            return false;
          }}
          onRemove={() => reset()}
          fileList={file ? [{ uid: 'file', name: file.name, status: 'done' }] : []}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">点击或拖拽文件到这里</p>
          <p className="ant-upload-hint">单个文件不超过 9 MB、10 万行</p>
        </Upload.Dragger>
        {!done && (
          <Button onClick={check} disabled={!file} loading={importer.isPending && importer.variables?.dryRun === true}>
            检查文件
          </Button>
        )}
        {running && running.rows > 0 && (
          <div role="status">
            <Typography.Text type="secondary">
              {running.dry_run ? '正在检查' : '正在导入'}：已处理 {running.done} / {running.rows} 行
            </Typography.Text>
            <Progress percent={Math.floor((running.done * 100) / running.rows)} size="small" />
          </div>
        )}
        {importer.isError && <Alert type="error" showIcon message="无法导入" description={errorMessage(importer.error)} />}
        {done && (
          <Alert
            type="success"
            showIcon
            message="导入完成"
            description={`更新 ${done.changed} 行，无变化 ${done.unchanged} 行，线索 ${done.leads} 行${
              done.problem_rows > 0 ? `，${done.problem_rows} 行有问题未导入` : ''
            }。`}
          />
        )}
        {checked && !done && (
          <Alert
            type={checked.problem_rows > 0 ? 'warning' : 'info'}
            showIcon
            message={
              checked.problem_rows > 0
                ? `检查完成：${checked.problem_rows} 行有问题，这些行不会导入`
                : '检查完成：没有发现问题，确认后开始导入'
            }
          />
        )}
        {shown && <SummaryView summary={shown} />}
        {shown && shown.ignored_columns.length > 0 && (
          <Typography.Text type="secondary">未识别的列（将忽略）：{shown.ignored_columns.join('、')}</Typography.Text>
        )}
        {shown && shown.problems.length > 0 && (
          <Table<ImportProblem>
            size="small"
            aria-label="问题列表"
            rowKey={(p) => `${p.row}-${p.column ?? ''}-${p.message}`}
            columns={PROBLEM_COLUMNS}
            dataSource={shown.problems}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
          />
        )}
      </Flex>
    </Drawer>
  );
}
