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
import { useAccess } from '@/lib/access';
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

/** A file size limit as staff read it: 4 MB. */
function megabytes(bytes: number): string {
  return `${Math.floor(bytes / 1024 / 1024)} MB`;
}

/**
 * 导入客户: pick an .xlsx or .csv file, check it (a dry run listing each problem by row and
 * column), then 确认导入. Rows with problems are left out; rows matching no customer become 线索.
 * Both runs go slice after slice (each request within the server's time limit), showing rows
 * done of rows; 取消 stops after the slice in flight, 重试 goes on from a failed slice.
 */
export function ImportDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const maxBytes = useAccess().importMaxBytes;
  const [file, setFile] = useState<File | null>(null);
  // A picked file over the deployment's limit: refused here, before any upload.
  const [tooBig, setTooBig] = useState<string | null>(null);
  const [checked, setChecked] = useState<ImportSummary | null>(null);
  const [done, setDone] = useState<ImportSummary | null>(null);
  const importer = useImportCustomers();
  const run = importer.run;
  const progress = useImportProgress(importer.progressId, importer.isPending);
  const polled = progress.data && importer.isPending ? progress.data : null;
  // Rows done of rows: the last slice's answer, or the server's record of the slice in flight.
  const running =
    run && importer.isPending
      ? {
          dry_run: run.dryRun,
          rows: Math.max(run.rows, polled?.rows ?? 0),
          done: Math.max(run.done, polled?.done ?? 0),
        }
      : null;
  const stopped = run && (run.status === 'cancelled' || run.status === 'failed') ? run : null;

  const reset = () => {
    setFile(null);
    setTooBig(null);
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
    setChecked(null);
    importer.start(file, true, (summary) => setChecked(summary));
  };
  const confirm = () => {
    if (!file) return;
    importer.start(file, false, (summary) => setDone(summary));
  };
  // A real run that stopped part-way shows what its slices did.
  const partial = stopped && !stopped.dryRun ? stopped.summary : null;
  const shown = done ?? partial ?? checked;
  const what = run?.dryRun ? '检查' : '导入';

  return (
    <Drawer
      title="导入客户"
      open={open}
      onClose={close}
      width={720}
      destroyOnHidden
      extra={
        <Space>
          {importer.isPending ? (
            <Button onClick={importer.cancel}>取消</Button>
          ) : (
            <Button onClick={close}>{done ? '完成' : '取消'}</Button>
          )}
          {!done && (
            <Button
              type="primary"
              disabled={!checked || checked.rows === checked.problem_rows || (importer.isPending && run?.dryRun === true)}
              loading={importer.isPending && run?.dryRun === false}
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
            if (maxBytes !== undefined && picked.size > maxBytes) {
              setTooBig(`「${picked.name}」超过 ${megabytes(maxBytes)}，请拆分成几个较小的文件分别导入`);
              return Upload.LIST_IGNORE;
            }
            setTooBig(null);
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
          <p className="ant-upload-hint">
            {maxBytes !== undefined ? `单个文件不超过 ${megabytes(maxBytes)}、10 万行` : '单个文件不超过 10 万行'}
          </p>
        </Upload.Dragger>
        {tooBig && <Alert type="error" showIcon role="alert" message={tooBig} />}
        {!done && (
          <Button onClick={check} disabled={!file || (importer.isPending && run?.dryRun === false)} loading={importer.isPending && run?.dryRun === true}>
            检查文件
          </Button>
        )}
        {running && running.rows > 0 && (
          <div role="status">
            <Typography.Text type="secondary">
              {running.dry_run ? '正在检查' : '正在导入'}：已处理 {running.done} / {running.rows} 行
            </Typography.Text>
            <Progress percent={Math.floor((running.done * 100) / running.rows)} size="small" />
            <Typography.Text type="secondary">点「取消」在当前这批处理完后停止。</Typography.Text>
          </div>
        )}
        {stopped?.status === 'failed' &&
          (stopped.rows === 0 ? (
            // The first slice failed: nothing done yet (a file refused, or the server unreachable).
            <Alert
              type="error"
              showIcon
              message="无法导入"
              description={errorMessage(stopped.error)}
              action={stopped.retryable ? <Button onClick={importer.resume}>重试</Button> : undefined}
            />
          ) : (
            <Alert
              type="error"
              showIcon
              message={`${what}在第 ${stopped.nextRow ?? 2} 行处中断：已处理 ${stopped.done} / ${stopped.rows} 行`}
              description={`${errorMessage(stopped.error)}。点「重试」从第 ${stopped.nextRow ?? 2} 行继续${
                stopped.dryRun ? '' : '，已导入的行不会重复修改'
              }。`}
              action={<Button onClick={importer.resume}>重试</Button>}
            />
          ))}
        {stopped?.status === 'cancelled' && (
          <Alert
            type="info"
            showIcon
            message={`已取消${what}：已处理 ${stopped.done} / ${stopped.rows} 行`}
            description={stopped.dryRun ? '检查未完成，完成检查后才能导入。' : '已导入的行保持不变；继续导入会从未处理的行开始。'}
            action={<Button onClick={importer.resume}>继续{what}</Button>}
          />
        )}
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
