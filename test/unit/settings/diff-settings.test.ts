import { describe, expect, it } from '@jest/globals';
import { parseDiffSettings } from '../../../src/settings/diff-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { InputError } from '../../../src/util/errors.js';

const parse = (inputs: Record<string, string>) => parseDiffSettings(mapReader(inputs));

describe('parseDiffSettings', () => {
  it.each([
    [{}, { kind: 'latest' }, undefined, false],
    [{ 'from-backup': 'nightly-1', 'against-backup': 'latest', 'fail-on-drift': 'true' }, { kind: 'name', name: 'nightly-1' }, { kind: 'latest' }, true],
    [{ 'from-schedule': 'nightly' }, { kind: 'schedule', schedule: 'nightly' }, undefined, false]
  ])('%j', (inputs, backup, against, failOnDrift) => {
    const settings = parse(inputs);
    expect({ backup: settings.view.backup, against: settings.against, failOnDrift: settings.failOnDrift }).toEqual({ backup, against, failOnDrift });
  });

  it('reads the restore filters and mappings as a restore does', () => {
    const settings = parse({ 'include-namespaces': 'shop', 'namespace-mappings': 'shop:shop-dev' });
    expect({ include: settings.view.filters.includeNamespaces, mappings: settings.view.namespaceMappings }).toEqual({ include: ['shop'], mappings: { 'shop': 'shop-dev' } });
  });

  it.each([
    [{ 'against-backup': 'Not_A_Name' }, 'against-backup'],
    [{ 'from-backup': 'b1', 'against-backup': 'b1' }, 'against-backup'],
    [{ 'fail-on-drift': 'maybe' }, 'fail-on-drift'],
    [{ 'from-backup': 'b1', 'from-schedule': 's' }, 'from-schedule']
  ])('%j is an error naming %s', (inputs, input) => {
    let error: unknown;
    try {
      parse(inputs);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
  });
});
