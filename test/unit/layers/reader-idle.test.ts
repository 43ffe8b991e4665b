import { describe, expect, it } from '@jest/globals';
import { planOf } from '../../../src/vfs/stack.js';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { O_RDWR, createFile, run } from './fs-helpers.js';

/**
 * readerIdle (ADR 0076): a layer that, as configured, can do nothing to READ/WRITE/FSYNC/FLUSH
 * leaves them to the reader threads. Asked of the built stack's plan, so a layer left out of the
 * chain (inactive) counts as idle too, as it is at run time.
 */
const readers = (layerYaml: string): boolean =>
  planOf(fixture(yamlConfig(`  - ${layerYaml}`)).stack).readerData;

describe('latency: idle for the readers only when no delay can apply to their ops', () => {
  it.each([
    ['{type: latency, read: {fixed: 0}, write: {fixed: 0}}', true],
    ['{type: latency, read: {fixed: 0}, write: {fixed: 0}, flush: {fixed: 0}}', true],
    ['{type: latency, read: {fixed: 0}, metadata: {fixed: 5ms}}', true],
    ['{type: latency, read: {fixed: 5ms}, scope: {ops: [getattr, lookup]}}', true],
    ['{type: latency, flush: {fixed: 5ms}, scope: {ops: [fsyncdir]}}', true],
    ['{type: latency, read: {fixed: 1ms}}', false],
    ['{type: latency, write: {fixed: 1ms}}', false],
    ['{type: latency, flush: {fixed: 1ms}}', false],
    ['{type: latency, flush: {fixed: 1ms}, scope: {ops: [fsync]}}', false],
    ['{type: latency, read: {fixed: 5ms}, scope: {ops: [read, getattr]}}', false],
    // A draw per call (a range, a distribution, a percent) is a random stream and logged
    // decisions that the readers would skip: those stay on the main thread even at zero.
    ['{type: latency, read: {min: 0, max: 0}}', false],
    ['{type: latency, read: {median: 1ms, p99: 2ms}}', false],
    ['{type: latency, read: {fixed: 0}, scope: {percent: 50}}', false],
    // The readers cannot see a path or a caller.
    ['{type: latency, read: {fixed: 5ms}, scope: {paths: ["/logs/**"]}}', false],
  ])('%s: %p', (yaml, idle) => {
    expect(readers(yaml)).toBe(idle);
  });

  it('latency=0ms (compact) is idle and needs no data; latency=1ms is neither', () => {
    const zero = fixture(compactConfig('latency=0ms')).stack;
    expect(zero.layers.map((l) => l.readerIdle)).toEqual([true]);
    expect(zero.needsData).toBe(false);
    const one = fixture(compactConfig('latency=1ms')).stack;
    expect(one.layers.map((l) => l.readerIdle)).toEqual([false]);
    expect(one.needsData).toBe(true);
  });
});

describe('fault: idle for the readers only when it can never fire on their ops', () => {
  it.each([
    ['{type: fault, rate: 0}', true],
    ['{type: fault, rate: 50, scope: {ops: [open, mkdir]}}', true],
    ['{type: fault, nth: 3, scope: {ops: [unlink]}}', true],
    ['{type: fault, window: {up: 100, down: 100}, scope: {ops: [rename]}}', true],
    // No realistic ENOENT for READ/WRITE/FSYNC/FLUSH: the errno table leaves them out.
    ['{type: fault, rate: 100, errnos: [ENOENT]}', true],
    ['{type: fault, shortIo: {rate: 10}, scope: {ops: [open]}}', true],
    ['{type: fault, rate: 50}', false],
    ['{type: fault, nth: 3}', false],
    ['{type: fault, window: {up: 100, down: 100}}', false],
    ['{type: fault, rate: 50, scope: {ops: [fsync]}}', false],
    ['{type: fault, rate: 50, scope: {ops: [flush]}}', false],
    ['{type: fault, rate: 50, scope: {ops: [write]}}', false],
    ['{type: fault, shortIo: {rate: 10}}', false],
    ['{type: fault, corrupt: {rate: 1}}', false],
    ['{type: fault, dropWrites: {rate: 1}, scope: {ops: [write]}}', false],
  ])('%s: %p', (yaml, idle) => {
    expect(readers(yaml)).toBe(idle);
  });

  it('an idle fault on open still fails opens', async () => {
    const { stack } = fixture(
      yamlConfig('  - {type: fault, rate: 100, errnos: [EIO], scope: {ops: [open]}}'),
    );
    expect(stack.layers.map((l) => l.readerIdle)).toEqual([true]);
    await createFile(stack, '/f');
    await expect(run(stack, 'open', { path: '/f', flags: O_RDWR })).rejects.toMatchObject({
      code: 'EIO',
    });
  });
});

describe('shuffle: readdir order and attribute jitter never touch the readers ops', () => {
  it.each([
    ['{type: shuffle}', true],
    ['{type: shuffle, readdir: false, mtimeJitter: 5}', true],
  ])('%s: %p', (yaml, idle) => {
    expect(readers(yaml)).toBe(idle);
  });
});

it('an idle layer beside one that is not leaves the data path on the main thread', () => {
  const stack = fixture(
    yamlConfig('  - {type: latency, read: {fixed: 0}}\n  - {type: fault, rate: 10}'),
  ).stack;
  expect(stack.layers.map((l) => l.readerIdle)).toEqual([true, false]);
  expect(planOf(stack).readerData).toBe(false);
});
