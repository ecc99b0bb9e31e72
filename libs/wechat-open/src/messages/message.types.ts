/**
 * What became of a message on the message URL (a closed set, usable as a metrics label):
 * `replied` a passive reply was sent; `handled` handlers ran, none replied; `timed_out` a handler
 * was still running when the reply budget ran out; `duplicate` a retry of a message already
 * claimed; `robot` the full-release test's answer; `unknown_component`, `unknown_account`,
 * `inactive_account` (revoked, detached): answered `success`, nothing run.
 */
export type MessageResult =
  | 'replied'
  | 'handled'
  | 'timed_out'
  | 'duplicate'
  | 'robot'
  | 'unknown_component'
  | 'unknown_account'
  | 'inactive_account';

/** The HTTP answer for WeChat, and what became of the message. */
export interface MessageAnswer {
  status: number;
  /** `success`, empty, or the encrypted passive-reply envelope (§3.6). */
  body: string;
  contentType: string;
  result: MessageResult;
  /** The decrypted MsgType (as sent), null when the message was not opened. */
  msgType: string | null;
}

export const PLAIN_TEXT = 'text/plain; charset=utf-8';
export const XML = 'application/xml; charset=utf-8';

export function successAnswer(result: MessageResult, msgType: string | null): MessageAnswer {
  return { status: 200, body: 'success', contentType: PLAIN_TEXT, result, msgType };
}
