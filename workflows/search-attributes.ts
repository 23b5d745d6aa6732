import { upsertSearchAttributes } from '@temporalio/workflow';
import { BotIdAttribute, SessionStatusAttribute, type SessionState } from './definitions';

/** Keeps SessionStatus and BotId current for operators, upserting only on change. */
export function searchAttributeSync(state: SessionState): () => void {
  let last = '';
  const sync = () => {
    const botId = state.bot?.botId ?? '';
    if (`${state.status}/${botId}` === last) return;
    last = `${state.status}/${botId}`;
    upsertSearchAttributes([
      { key: SessionStatusAttribute, value: state.status },
      { key: BotIdAttribute, value: botId || null },
    ]);
  };
  sync();
  return sync;
}
