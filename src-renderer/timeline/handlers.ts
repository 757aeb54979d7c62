import type { TimelineItem } from '../../src-main/ipc/contract';

/** What a message row can ask of the timeline around it (one object shared by every row). */
export type MessageHandlers = {
  react: (item: TimelineItem, key: string) => void;
  pickReaction: (item: TimelineItem, anchor: HTMLElement) => void;
  reply: (item: TimelineItem) => void;
  edit: (item: TimelineItem) => void;
  delete: (item: TimelineItem) => void;
  retry: (item: TimelineItem) => void;
  cancel: (item: TimelineItem) => void;
  jump: (eventId: string) => void;
  /** Opens a person's profile card. */
  profile: (userId: string) => void;
  /** Opens an edited message's earlier versions. */
  history: (item: TimelineItem) => void;
};
