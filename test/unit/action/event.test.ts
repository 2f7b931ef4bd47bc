import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { scheduledCron } from '../../../src/action/event.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-event-'));
function eventFile(content: string): string {
  const file = path.join(directory, `event-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, content);
  return file;
}

describe('scheduledCron: github.event.schedule from the runner\'s event file', () => {
  it.each([
    ['a schedule run', 'schedule', JSON.stringify({ schedule: '30 2 * * *' }), '30 2 * * *'],
    ['a push, whatever the file says', 'push', JSON.stringify({ schedule: '30 2 * * *' }), undefined],
    ['a schedule event without the field', 'schedule', JSON.stringify({}), undefined],
    ['a field that is not a string', 'schedule', JSON.stringify({ schedule: 5 }), undefined],
    ['a file that is not JSON', 'schedule', 'not json', undefined]
  ])('%s', (_, eventName, content, expected) => {
    expect(scheduledCron({ GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: eventFile(content) })).toBe(expected);
  });

  it('reads nothing outside a runner', () => {
    expect(scheduledCron({ GITHUB_EVENT_NAME: 'schedule' })).toBeUndefined();
    expect(scheduledCron({ GITHUB_EVENT_NAME: 'schedule', GITHUB_EVENT_PATH: path.join(directory, 'missing.json') })).toBeUndefined();
  });
});
