/**
 * A bot's flow as the session runs it: the workflow owns these types, and the API's zod schema
 * (src/schemas/flow-nodes.ts) is checked by tsc to produce exactly them. Node ids and variable names are
 * identifiers (1-64 letters, digits, "_" or "-").
 */
export interface Flow {
  start: string;
  /** Sent when a turn runs past the step budget; the session stays usable. */
  apology?: string;
  nodes: Record<string, FlowNode>;
}

export type FlowNode = MessageNode | QuestionNode | BranchNode | SetNode | DelayNode | HttpNode | HandoffNode | EndNode;

export interface FlowAttachment {
  url: string;
  /** The character position of the text the attachment belongs at. */
  offset: number;
}

export interface MessageNode {
  type: 'message';
  text: string;
  attachments?: FlowAttachment[];
  next: string;
}

export type Validation = { kind: 'any' | 'number' | 'email' | 'choice' } | { kind: 'regex'; pattern: string };

export interface QuestionNode {
  type: 'question';
  text: string;
  quickReplies?: string[];
  saveAs?: string;
  validate?: Validation;
  retryText?: string;
  maxRetries?: number;
  onInvalid?: string;
  next: string;
}

/** A test of one variable with exactly one operator. */
export interface Condition {
  var: string;
  equals?: string;
  contains?: string;
  matches?: string;
  gt?: number;
  lt?: number;
  exists?: boolean;
}

export interface BranchNode {
  type: 'branch';
  cases: { if: Condition; next: string }[];
  else: string;
}

export interface SetNode {
  type: 'set';
  vars: Record<string, string>;
  next: string;
}

export interface DelayNode {
  type: 'delay';
  seconds: number;
  next: string;
}

export interface HttpNode {
  type: 'http';
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: Record<string, string>;
  timeoutSeconds?: number;
  saveAs: string;
  next: string;
  onError: string;
}

export interface HandoffNode {
  type: 'handoff';
  text?: string;
  next: string;
}

export interface EndNode {
  type: 'end';
  text?: string;
}
