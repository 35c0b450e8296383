import { type Static, Type } from '@sinclair/typebox';
import { IdString } from '../platform/ids.ts';

export const PostText = Type.String({ minLength: 1, maxLength: 10_000, description: 'Post text' });

/** The contract's Post. */
export const Post = Type.Object(
  { id: IdString, text: Type.String(), author_user_id: IdString },
  { $id: 'Post' },
);
export type Post = Static<typeof Post>;

/** The asyncapi message of /post/feed/posted. */
export interface PostedEvent {
  postId: string;
  postText: string;
  author_user_id: string;
}
