// Validation of every IPC call before main acts on it: the sender must be the app's own page, and the
// arguments must match the zod schemas in contract.ts.
import type { z } from 'zod';

import { IPC_ARGUMENT_SCHEMAS, type InvokeChannel } from '../contract';
import { APP_ORIGIN } from './protocol-headers';

export class IpcValidationError extends Error {
  constructor(
    readonly channel: string,
    message: string,
  ) {
    super(`Invalid arguments for ${channel}: ${message}`);
    this.name = 'IpcValidationError';
  }
}

export type IpcArguments<C extends InvokeChannel> = z.output<(typeof IPC_ARGUMENT_SCHEMAS)[C]>;

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? ` (argument ${issue.path.map(String).join('.')})` : '';
      return `${issue.message}${where}`;
    })
    .join('; ');
}

/** Parses the raw argument list of an invoke on `channel`, or throws IpcValidationError. */
export function validateIpcArguments<C extends InvokeChannel>(channel: C, rawArguments: readonly unknown[]): IpcArguments<C> {
  const schema: z.ZodType<IpcArguments<C>> = IPC_ARGUMENT_SCHEMAS[channel] as unknown as z.ZodType<IpcArguments<C>>;
  const result = schema.safeParse(rawArguments);
  if (!result.success) throw new IpcValidationError(channel, describeIssues(result.error.issues));
  return result.data;
}

/** Only the page served from app://assay/ may call main (never a navigated-to or embedded page). */
export function isTrustedSenderUrl(senderUrl: string | undefined): boolean {
  if (senderUrl === undefined || senderUrl === '') return false;
  try {
    return new URL(senderUrl).origin === APP_ORIGIN || senderUrl.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}
