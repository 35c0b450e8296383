import { Type } from '@sinclair/typebox';
import { IdString } from '../platform/ids.ts';

export const MessageText = Type.String({ minLength: 1, maxLength: 4000, description: 'Message text' });

/** The contract's DialogMessage. */
export const DialogMessage = Type.Object(
  { from: IdString, to: IdString, text: Type.String() },
  { $id: 'DialogMessage' },
);

export const ChatSummary = Type.Object({
  user_id: IdString,
  unread: Type.Integer({ minimum: 0 }),
  last_message: Type.Union([
    Type.Object({ id: IdString, from: IdString, text: Type.String(), at: Type.String() }),
    Type.Null(),
  ]),
});

export const UnreadCounts = Type.Object({
  total: Type.Integer({ minimum: 0 }),
  dialogs: Type.Array(Type.Object({ user_id: IdString, unread: Type.Integer({ minimum: 0 }) })),
});
