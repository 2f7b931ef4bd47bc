import { createHash } from 'node:crypto';

const LABEL_VALUE_MAX = 63;

/**
 * Velero's label.GetValidName: a value over 63 characters (DNS-1035 label length) becomes its first 57 characters
 * followed by the first 6 hex digits of its sha256, so two long names sharing a prefix still differ.
 */
export function validLabelValue(value: string): string {
  if (value.length <= LABEL_VALUE_MAX) return value;
  const sha = createHash('sha256').update(value).digest('hex');
  return value.slice(0, LABEL_VALUE_MAX - 6) + sha.slice(0, 6);
}
