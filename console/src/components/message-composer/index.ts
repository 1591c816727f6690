/**
 * The message composer, shared by 消息推送 (campaign content), 客户 (direct messages) and
 * 自动化 (rule content):
 *
 *   <Form form={form} initialValues={{ content: emptyContent() }}>
 *     <MessageComposer name="content" placeholders={['name']} />
 *   </Form>
 *   …
 *   const draft = form.getFieldValue('content') as ContentDraft;
 *   if (validateContent(draft, { placeholders: ['name'] }).length === 0) send(toContent(draft));
 *   // an API error on `content.…`: applyFieldError(form, e, (f) => contentErrorPath(f, draft))
 *
 * `MessagePreview` alone shows a stored content (`fromContent` is not needed for it).
 */
export { MessageComposer, type MessageComposerProps } from './message-composer';
export { MessagePreview } from './message-preview';
export { MediaUpload } from './media-upload';
export {
  ATTACHMENT_LABEL,
  LIMITS,
  PLACEHOLDERS,
  attachmentProblems,
  contentErrorPath,
  contentSummary,
  emptyContent,
  fromContent,
  newAttachment,
  textProblem,
  toContent,
  utf8Bytes,
  validateContent,
  type AttachmentDraft,
  type AttachmentType,
  type Content,
  type ContentAttachment,
  type ContentDraft,
  type ContentProblem,
  type Placeholder,
  type ValidationOptions,
} from './content';
export { fileProblem, mediaInfo, rememberMedia, uploadMedia, type MediaInfo, type MediaKind } from './media';
