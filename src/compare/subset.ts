import { isJsonObject } from '../util/json.js';

/**
 * Whether `live` already holds everything `desired` says: the comparison rule for existing objects. Maps are
 * compared key by key (keys only live has, like server defaults and other controllers' labels, do not count),
 * arrays element by element with equal length. A desired null, {} or [] asks for nothing and is held by an absent
 * field, as the API server omits empty values. Scalars must be equal ('' and false are values, not absence).
 */
export function isHeldBy(desired: unknown, live: unknown): boolean {
  if (desired === undefined || desired === null) return true;
  const liveAbsent = live === undefined || live === null;
  if (Array.isArray(desired)) {
    if (liveAbsent) return desired.length === 0;
    return Array.isArray(live) && live.length === desired.length && desired.every((item, i) => isHeldBy(item, live[i]));
  }
  if (isJsonObject(desired)) {
    if (liveAbsent) return Object.values(desired).every((value) => isHeldBy(value, undefined));
    return isJsonObject(live) && Object.entries(desired).every(([key, value]) => isHeldBy(value, live[key]));
  }
  return desired === live;
}
