import { describe, expect, it } from '@jest/globals';
import { defuseWorkflowCommands } from '../../../src/action/logger.js';

describe('the action logger', () => {
  it.each([
    ['created: configmaps ns/x\n::add-mask::nothing', 'created: configmaps ns/x\n:\u200b:add-mask::nothing'],
    ['  ::set-output name=phase::Completed', '  :\u200b:set-output name=phase::Completed'],
    ['::stop-commands::abc', ':\u200b:stop-commands::abc'],
    ['a message with :: inside stays', 'a message with :: inside stays']
  ])('never lets a line of an engine message start a workflow command: %j', (message, logged) => {
    expect(defuseWorkflowCommands(message)).toBe(logged);
  });
});
