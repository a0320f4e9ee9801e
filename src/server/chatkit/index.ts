// The ChatKit server: ChatKit's custom-backend protocol with the user from the token.
export { createChatKitServer } from './server.js';
export type {
  ChatKitLogEntry,
  ChatKitResult,
  ChatKitRoute,
  ChatKitServer,
  ChatKitServerOptions,
  NodeRequestLike,
  NodeResponseLike,
} from './server.js';
export type { ChatKitContext, ChatKitUser } from './context.js';
export { defaultGenerateId, InvalidCursorError, NotFoundError } from './store.js';
export type { AttachmentCreateParams, AttachmentStore, Store, StoreItemType } from './store.js';
export { ChatKitHttpError, CustomStreamError, StreamError } from './errors.js';
export {
  addWorkflowTask,
  assistantMessageItem,
  clientEffect,
  clientToolCall,
  diffWidget,
  endWorkflow,
  hiddenContext,
  itemAdded,
  itemDone,
  itemRemoved,
  itemReplaced,
  notice,
  progress,
  streamAssistantMessage,
  streamWidget,
  structuredInput,
  updateWorkflowTask,
  workflowItem,
} from './helpers.js';
export type { AssistantDelta, ItemOptions } from './helpers.js';
export { MemoryAttachmentStore, MemoryStore } from './stores/memory.js';
export { SignedAttachmentStore } from './attachments/signed-attachment-store.js';
export type { AttachmentContent, SignedAttachmentOptions } from './attachments/signed-attachment-store.js';
export type { AttachmentFiles, FileEntry, StoredContent } from './attachments/files.js';
export type * from './types.js';
