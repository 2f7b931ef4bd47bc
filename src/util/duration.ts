import { InputError } from './errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const TERM = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/**
 * Go's time.ParseDuration syntax (`720h`, `1h30m`, `90s`), which Velero uses for TTLs. Days are not a Go unit:
 * `30d` is refused with the hours it means, rather than guessed.
 */
export function parseGoDuration(raw: string, input: string): number {
  const text = raw.trim();
  const days = /^(\d+)d$/.exec(text);
  if (days) throw new InputError(input, `'${raw}' uses days, which Go durations do not have`, `Write ${Number(days[1]) * 24}h`);
  if (text === '0') return 0;
  let total = 0;
  TERM.lastIndex = 0;
  let consumed = 0;
  while (consumed < text.length) {
    TERM.lastIndex = consumed;
    const m = TERM.exec(text);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = TERM.lastIndex;
  }
  if (text.length === 0 || consumed !== text.length) {
    throw new InputError(input, `'${raw}' is not a duration`, 'Use Go duration syntax such as 720h, 24h0m0s or 90m');
  }
  return total;
}

/** Go's canonical String() of a whole-second duration: `720h0m0s`, `1m30s`, `45s`, `0s`. */
export function formatGoDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
