import { describe, expect, it } from '@jest/globals';
import { formatGoDuration, parseGoDuration } from '../../../src/util/duration.js';

describe('Go durations', () => {
  it.each([
    ['720h', 720 * 3_600_000],
    ['720h0m0s', 720 * 3_600_000],
    ['1h30m', 90 * 60_000],
    ['1.5h', 90 * 60_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['0', 0]
  ])('parses %s', (raw, ms) => expect(parseGoDuration(raw, 'ttl')).toBe(ms));

  it.each([
    ['30d', "Input 'ttl': '30d' uses days, which Go durations do not have. Write 720h"],
    ['', "Input 'ttl': '' is not a duration"],
    ['10', "Input 'ttl': '10' is not a duration"],
    ['1h x', "Input 'ttl': '1h x' is not a duration"],
    ['h1', "Input 'ttl': 'h1' is not a duration"]
  ])('refuses %j', (raw, message) => expect(() => parseGoDuration(raw, 'ttl')).toThrow(message));

  it.each([
    [720 * 3_600_000, '720h0m0s'],
    [90_000, '1m30s'],
    [45_000, '45s'],
    [0, '0s']
  ])('formats %d as %s', (ms, text) => expect(formatGoDuration(ms)).toBe(text));
});
