import { CronExpressionParser, type CronExpression } from 'cron-parser';

/**
 * How early a run may start and still belong to the next tick. GitHub starts scheduled runs after their tick, never
 * before, so a run that sees "now" just before a tick only does because its clock runs behind: it belongs to that
 * tick, not to the previous one (whose backup would make it look like a duplicate and skip the slot). One minute
 * covers any realistic skew and stays well under GitHub's shortest schedule interval (5 minutes), so it cannot
 * confuse two ticks; a run that is late by nearly a whole interval is the only one it can move forward.
 */
export const EARLY_TOLERANCE_MS = 60_000;

/** A cron expression that is not one GitHub's `schedule:` accepts. */
export class CronError extends Error {
  constructor(
    readonly expression: string,
    readonly problem: string
  ) {
    super(`'${expression}' is not a valid cron expression: ${problem}`);
    this.name = 'CronError';
  }
}

// Month and weekday fields may use three-letter names (JAN, MON); nothing else is a letter in POSIX cron.
const NAMES = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)\b/gi;
const POSIX_FIELD = /^[0-9*,/-]+$/;
const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'];

/**
 * Parses a cron expression the way GitHub's `schedule:` reads it: five POSIX fields (minute hour day-of-month
 * month day-of-week), UTC. Seconds, macros (@daily) and extensions (L, W, #, H, ?) are refused rather than read
 * differently from GitHub. Throws CronError.
 */
export function parseCron(expression: string, currentDate?: Date): CronExpression {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === '') {
    throw new CronError(expression, `it has ${fields[0] === '' ? 0 : fields.length} fields; GitHub's schedule uses 5 (minute hour day-of-month month day-of-week), in UTC`);
  }
  fields.forEach((field, i) => {
    const plain = i >= 3 ? field.replace(NAMES, '0') : field;
    if (!POSIX_FIELD.test(plain)) throw new CronError(expression, `the ${FIELD_NAMES[i]} field '${field}' uses syntax GitHub's schedule does not accept`);
  });
  try {
    return CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', currentDate });
  } catch (err) {
    throw new CronError(expression, err instanceof Error ? err.message : String(err));
  }
}

/**
 * The cron slot a run started at `now` belongs to: the latest tick at or before `now` (ticks are whole minutes),
 * allowing a run to start up to `earlyToleranceMs` before its tick (clock skew). A run started hours late still
 * belongs to its tick, as long as no later tick has passed. Pure: the same inputs always give the same slot, which
 * is what lets two runs for one tick pick the same backup name.
 */
export function cronSlot(expression: string, now: Date, earlyToleranceMs = EARLY_TOLERANCE_MS): Date {
  const shifted = now.getTime() + earlyToleranceMs;
  const minute = shifted - (((shifted % 60_000) + 60_000) % 60_000);
  // prev() returns the latest tick strictly before its start, so start one second after the minute to include it.
  const cron = parseCron(expression, new Date(minute + 1_000));
  if (!cron.hasPrev()) throw new CronError(expression, 'it has no tick before now');
  return cron.prev().toDate();
}
