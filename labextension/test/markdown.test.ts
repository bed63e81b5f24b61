import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolated, markdownText, renderedOf } from '../src/markdown';

test('markdownText reads the text/markdown of a display', () => {
  const data = { 'text/markdown': 'Total: 3', 'text/plain': 'Total: 3' };
  assert.equal(markdownText('display_data', { data }), 'Total: 3');
  assert.equal(markdownText('execute_result', { data: { 'text/markdown': ['a', 'b'] } }), 'ab');
  assert.equal(markdownText('display_data', { data: { 'text/plain': 'x' } }), null);
  assert.equal(markdownText('stream', { name: 'stdout', text: 'x' }), null);
  assert.equal(markdownText('display_data', {}), null);
});

test('renderedOf finds the rendering among a snapshot cell\'s outputs', () => {
  assert.equal(renderedOf(undefined), null);
  assert.equal(renderedOf([]), null);
  assert.equal(
    renderedOf([
      { output_type: 'stream', name: 'stdout', text: 'x' },
      { output_type: 'display_data', data: { 'text/markdown': 'Total: 3' }, metadata: {} }
    ]),
    'Total: 3'
  );
});

const cases: Array<[string, string, Parameters<typeof interpolated>[1], string | null]> = [
  ['rendered, success', 'Total: {total}', { code: 'Total: {total}', status: 'success', text: 'Total: 3' }, 'Total: 3'],
  ['no fields: its own rendering', '# Sales', { code: '# Sales', status: 'success', text: '# Sales' }, null],
  ['stale: its own text', 'Total: {total}', { code: 'Total: {total}', status: 'stale', text: 'Total: 3' }, null],
  ['a field failed', 'Total: {total}', { code: 'Total: {total}', status: 'error', text: 'Total: 3' }, null],
  ['never rendered', 'Total: {total}', { code: 'Total: {total}', status: 'idle', text: null }, null],
  ['edited since', 'Sum: {total}', { code: 'Total: {total}', status: 'success', text: 'Total: 3' }, null],
  ['unknown to the kernel', 'Total: {total}', { code: null, status: undefined, text: null }, null]
];

for (const [name, source, kernel, expected] of cases) {
  test(`interpolated: ${name}`, () => {
    assert.equal(interpolated(source, kernel), expected);
  });
}
