import { useEffect, useRef, useState, type RefObject } from 'react';
import type { EngineClient, JobHandle, RuleCheckResult, RuleProblem } from '../../../workers/api';
import { describeError, isCancelled } from '../../errors';
import type { RuleEditorHandle } from './RuleEditor';
import { problemRange } from './tag-data';

/** The live check of the rule in the editor: for which text and table, and what came back. */
export interface LiveCheck {
  text: string;
  table: string;
  result: RuleCheckResult | null;
  error: string | null;
}

const CHECK_DELAY_MS = 250;

export interface LiveRuleCheck {
  /** The check of the text and table on screen (null while none has come back for them). */
  currentCheck: LiveCheck | null;
  /** A check is waiting for typing to pause or running. */
  checking: boolean;
  firstProblem: RuleProblem | null;
}

/**
 * Counts the rows the rule in the editor matches in `table` as the user types, and marks the first
 * problem in the editor.
 */
export function useLiveRuleCheck(engine: EngineClient, ruleText: string, table: string, editor: RefObject<RuleEditorHandle | null>): LiveRuleCheck {
  const [check, setCheck] = useState<LiveCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const checkJob = useRef<JobHandle<RuleCheckResult> | null>(null);

  // Live count: each change cancels the check in flight; a new one starts once typing pauses.
  useEffect(() => {
    checkJob.current?.cancel();
    checkJob.current = null;
    if (!ruleText.trim() || !table) {
      setCheck(null);
      setChecking(false);
      return;
    }
    setChecking(true);
    const timer = setTimeout(() => {
      const handle = engine.start('rules.check', { text: ruleText, source: { table } });
      checkJob.current = handle;
      handle.result.then(
        (result) => {
          if (checkJob.current === handle) setCheck({ text: ruleText, table, result, error: null });
        },
        (err: unknown) => {
          if (checkJob.current === handle && !isCancelled(err)) setCheck({ text: ruleText, table, result: null, error: describeError(err) });
        },
      ).finally(() => {
        if (checkJob.current === handle) {
          checkJob.current = null;
          setChecking(false);
        }
      });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [engine, ruleText, table]);
  useEffect(() => () => checkJob.current?.cancel(), []);

  const currentCheck = check && check.text === ruleText && check.table === table ? check : null;
  const firstProblem = currentCheck?.result?.errors[0] ?? null;
  useEffect(() => {
    const range = firstProblem ? problemRange(firstProblem, ruleText.length) : null;
    if (range) editor.current?.markError(range.from, range.to);
    else editor.current?.clearError();
    // Only a new check result moves the mark; typing maps it along meanwhile.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [currentCheck]);
  return { currentCheck, checking, firstProblem };
}
