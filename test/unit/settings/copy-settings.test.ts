import { describe, expect, it } from '@jest/globals';
import { parseCopySettings } from '../../../src/settings/copy-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseStoreSettings } from '../../../src/settings/settings.js';

const SOURCE_INPUTS = { location: 's3://prod-backups/eu', 's3-endpoint': 'https://minio.example:9000', 's3-region': 'RegionOne', 's3-ca-cert': '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', 's3-server-side-encryption': 'AES256' };

function parse(inputs: Record<string, string>) {
  const all = { ...SOURCE_INPUTS, ...inputs };
  return parseCopySettings(mapReader(all), '/work', parseStoreSettings(mapReader(all), '/work'));
}

describe('parseCopySettings', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['a name', { 'from-backup': 'nightly-1' }, { kind: 'name', name: 'nightly-1' }],
    ['latest', { 'from-backup': 'latest' }, { kind: 'latest' }],
    ['every backup not there yet', { 'copy-all': 'true' }, { kind: 'all' }]
  ])('takes %s', (_, inputs, target) => {
    expect(parse({ 'to-location': 's3://dr-backups/eu', ...inputs }).target).toEqual(target);
  });

  it.each<[string, Record<string, string>, string]>([
    ['no backup named', { 'to-location': 's3://dr-backups/eu' }, "Input 'from-backup': is required to copy a backup"],
    ['a name and copy-all', { 'to-location': 's3://dr-backups/eu', 'from-backup': 'b', 'copy-all': 'true' }, "Input 'copy-all': cannot be combined with from-backup"],
    ['a bad name', { 'to-location': 's3://dr-backups/eu', 'from-backup': 'Not_A_Name' }, "Input 'from-backup': 'Not_A_Name' is not a valid name"],
    ['no second location', { 'from-backup': 'b' }, "Input 'to-location': is required to copy backups"],
    ['the location itself', { 'to-location': 's3://prod-backups/eu/', 'from-backup': 'b' }, "Input 'to-location': is s3://prod-backups/eu, the location itself"],
    ['a bad second bucket', { 'to-location': 's3://X/eu', 'from-backup': 'b' }, "Input 'to-location': 'X' is not a valid bucket name"],
    ['a bad second endpoint', { 'to-location': 's3://dr-backups/eu', 'from-backup': 'b', 'to-s3-endpoint': 'minio:9000' }, "Input 'to-s3-endpoint': 'minio:9000' is not an http(s) URL"],
    ['a bad second region', { 'to-location': 's3://dr-backups/eu', 'from-backup': 'b', 'to-s3-region': 'eu west' }, "Input 'to-s3-region': 'eu west' is not a region name"],
    ['a bad path-style switch', { 'to-location': 's3://dr-backups/eu', 'from-backup': 'b', 'to-s3-force-path-style': 'maybe' }, "Input 'to-s3-force-path-style': 'maybe' is not a boolean"],
    ['a bad profile name', { 'to-location': 's3://dr-backups/eu', 'from-backup': 'b', 'to-aws-profile': 'dr profile' }, "Input 'to-aws-profile': 'dr profile' is not a profile name"]
  ])('refuses %s, naming the input', (_, inputs, message) => {
    expect(() => parse(inputs)).toThrow(message);
  });

  it('reaches a second bucket of the same store as the first: endpoint, region, path style and CA carry over, encryption does not', () => {
    const { destination } = parse({ 'to-location': 's3://dr-backups/eu', 'from-backup': 'b' });
    expect(destination.location).toEqual({ kind: 's3', bucket: 'dr-backups', prefix: 'eu/', url: 's3://dr-backups/eu' });
    expect(destination.s3).toEqual({ endpoint: 'https://minio.example:9000', region: 'RegionOne', forcePathStyle: true, caCert: SOURCE_INPUTS['s3-ca-cert'], insecureSkipTlsVerify: false, serverSideEncryption: undefined });
  });

  it('reaches another store with nothing of the first but what is given, and AWS itself with to-s3-endpoint: aws', () => {
    const other = parse({ 'to-location': 's3://dr-backups/eu', 'from-backup': 'b', 'to-s3-endpoint': 'https://r2.example', 'to-aws-profile': 'dr' }).destination.s3;
    expect(other).toEqual({ endpoint: 'https://r2.example', region: undefined, forcePathStyle: true, caCert: undefined, insecureSkipTlsVerify: false, serverSideEncryption: undefined, profile: 'dr' });
    const aws = parse({ 'to-location': 's3://dr-backups/eu', 'from-backup': 'b', 'to-s3-endpoint': 'aws', 'to-s3-region': 'eu-west-1' }).destination.s3;
    expect(aws).toEqual({ endpoint: undefined, region: 'eu-west-1', forcePathStyle: false, caCert: undefined, insecureSkipTlsVerify: false, serverSideEncryption: undefined });
  });

  it('copies to a local directory, relative to the working directory', () => {
    expect(parse({ 'to-location': 'offsite', 'from-backup': 'b' }).destination.location).toEqual({ kind: 'local', directory: '/work/offsite', url: 'file:///work/offsite' });
  });
});
