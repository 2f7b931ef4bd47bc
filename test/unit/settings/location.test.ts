import { describe, expect, it } from '@jest/globals';
import { parseLocation } from '../../../src/settings/location.js';
import { InputError } from '../../../src/util/errors.js';

describe('parseLocation', () => {
  it.each([
    ['s3://backups', { kind: 's3', bucket: 'backups', prefix: '', url: 's3://backups' }],
    ['s3://backups/', { kind: 's3', bucket: 'backups', prefix: '', url: 's3://backups' }],
    ['s3://backups/cluster-a', { kind: 's3', bucket: 'backups', prefix: 'cluster-a/', url: 's3://backups/cluster-a' }],
    ['s3://my.bucket//a//b/', { kind: 's3', bucket: 'my.bucket', prefix: 'a/b/', url: 's3://my.bucket/a/b' }],
    ['file:///var/backups', { kind: 'local', directory: '/var/backups', url: 'file:///var/backups' }],
    ['backups', { kind: 'local', directory: '/work/backups', url: 'file:///work/backups' }],
    ['../elsewhere', { kind: 'local', directory: '/elsewhere', url: 'file:///elsewhere' }],
    ['', { kind: 'local', directory: '/work/kube-backups', url: 'file:///work/kube-backups' }],
    [undefined, { kind: 'local', directory: '/work/kube-backups', url: 'file:///work/kube-backups' }]
  ])('%s', (raw, expected) => {
    expect(parseLocation(raw, '/work')).toEqual(expected);
  });

  it.each([
    ['gs://bucket/x', /unsupported scheme 'gs:\/\/'/],
    ['s3://UPPER/x', /not a valid bucket name/],
    ['s3://a/x', /not a valid bucket name/],
    ['s3://bucket/../x', /contains '.' or '..'/],
    ['file://host/x', /not a valid file URL/]
  ])('refuses %s naming the input', (raw, message) => {
    const attempt = () => parseLocation(raw, '/work');
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(/^Input 'location': /);
    expect(attempt).toThrow(message);
  });
});
