import { useCallback, useRef, useState } from 'react';
import type { Notice, NoticeTone } from '../components/Notices';
import { describeError, isEngineDown } from '../errors';

const INFO_NOTICE_MS = 15_000;

export interface NoticeList {
  notices: Notice[];
  notify(tone: NoticeTone, text: string): void;
  /** A failed job in plain words; when the engine itself is down, its status already says so. */
  reportError(what: string, err: unknown): void;
  dismissNotice(id: number): void;
}

/** The app's messages for people: the last six, confirmations fading, errors kept until dismissed. */
export function useNotices(): NoticeList {
  const [notices, setNotices] = useState<Notice[]>([]);
  const noticeCounter = useRef(0);
  const notify = useCallback((tone: NoticeTone, text: string) => {
    const id = ++noticeCounter.current;
    setNotices((list) => [...list.slice(-5), { id, tone, text }]);
    // Confirmations fade; errors and warnings stay until dismissed.
    if (tone === 'info') setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), INFO_NOTICE_MS);
  }, []);
  const reportError = useCallback((what: string, err: unknown) => {
    if (!isEngineDown(err)) notify('error', `${what}: ${describeError(err)}`);
  }, [notify]);
  const dismissNotice = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), []);
  return { notices, notify, reportError, dismissNotice };
}
