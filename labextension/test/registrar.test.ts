import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IKernelCode, payloadOf, payloadOfCell, planRegistrations } from '../src/registrar';

const py = (code: string): IKernelCode => ({ type: 'python', code, name: null });

test('payloadOf reads %%sql as the kernel does', () => {
  assert.deepEqual(payloadOf('a = 1'), { cell_type: 'python', code: 'a = 1', name: null });
  assert.deepEqual(payloadOf('%%sql big\nSELECT 1'), {
    cell_type: 'sql',
    code: 'SELECT 1',
    name: 'big'
  });
  assert.deepEqual(payloadOf('\n%%sql\nSELECT 1'), {
    cell_type: 'sql',
    code: 'SELECT 1',
    name: null
  });
  assert.equal(payloadOf('%%sql 1x\nSELECT 1'), null);
});

test('a fresh kernel gets every non-empty cell, at its notebook position', () => {
  const kernel = new Map<string, IKernelCode>();
  const plan = planRegistrations(
    [
      { id: 'a', source: 'a = 1' },
      { id: 'empty', source: '  ' },
      { id: 'b', source: 'b = a + 1' },
      { id: 'q', source: '%%sql rows\nSELECT :b' }
    ],
    kernel
  );
  assert.deepEqual(plan, [
    { op: 'create', args: { cell_id: 'a', cell_type: 'python', code: 'a = 1', after: '^' } },
    { op: 'create', args: { cell_id: 'b', cell_type: 'python', code: 'b = a + 1', after: 'a' } },
    {
      op: 'create',
      args: { cell_id: 'q', cell_type: 'sql', code: 'SELECT :b', after: 'b', name: 'rows' }
    }
  ]);
  assert.deepEqual([...kernel.keys()], ['a', 'b', 'q']);
  // Planned again with nothing changed: nothing to send.
  assert.deepEqual(planRegistrations([{ id: 'a', source: 'a = 1' }], kernel), []);
});

test('edits are registered without running; type changes wait for a run', () => {
  const kernel = new Map([
    ['a', py('a = 1')],
    ['b', py('b = a')],
    ['q', { type: 'sql', code: 'SELECT 1', name: 'r' }]
  ]);
  const plan = planRegistrations(
    [
      { id: 'a', source: 'a = (5' }, // a draft: the kernel keeps its analysis
      { id: 'b', source: '%%sql\nSELECT 2' }, // python -> sql: left to the next run
      { id: 'q', source: '%%sql r2\nSELECT 1' }
    ],
    kernel
  );
  assert.deepEqual(plan, [
    { op: 'register', args: { cell_id: 'a', code: 'a = (5' } },
    { op: 'register', args: { cell_id: 'q', code: 'SELECT 1', name: 'r2' } }
  ]);
  assert.equal(kernel.get('a')?.code, 'a = (5');
  assert.equal(kernel.get('b')?.code, 'b = a');
});

test('markdown cells are registered as markdown, in notebook order', () => {
  const kernel = new Map<string, IKernelCode>([['a', py('total = 1')]]);
  const plan = planRegistrations(
    [
      { id: 'intro', source: '# Sales', type: 'markdown' },
      { id: 'a', source: 'total = 1' },
      { id: 'md', source: 'Total: {total}', type: 'markdown' },
      { id: 'blank', source: '', type: 'markdown' }
    ],
    kernel
  );
  assert.deepEqual(plan, [
    {
      op: 'create',
      args: { cell_id: 'intro', cell_type: 'markdown', code: '# Sales', after: '^' }
    },
    {
      op: 'create',
      args: { cell_id: 'md', cell_type: 'markdown', code: 'Total: {total}', after: 'a' }
    }
  ]);
  assert.deepEqual(kernel.get('md'), { type: 'markdown', code: 'Total: {total}', name: null });
  // A markdown text that starts like an SQL cell is still markdown.
  assert.deepEqual(payloadOfCell({ id: 'm', source: '%%sql x\nSELECT 1', type: 'markdown' }), {
    cell_type: 'markdown',
    code: '%%sql x\nSELECT 1',
    name: null
  });
});

test('markdown edits are registered; a change to or from markdown carries the type', () => {
  const kernel = new Map<string, IKernelCode>([
    ['md', { type: 'markdown', code: 'Total: {total}', name: null }],
    ['to-md', py('x = 1')],
    ['from-md', { type: 'markdown', code: 'y = 2', name: null }],
    ['to-sql', { type: 'markdown', code: '%%sql r\nSELECT 1', name: null }]
  ]);
  const plan = planRegistrations(
    [
      { id: 'md', source: 'Total: {total:.2f}', type: 'markdown' },
      { id: 'to-md', source: 'x = 1', type: 'markdown' },
      { id: 'from-md', source: 'y = 2', type: 'code' },
      { id: 'to-sql', source: '%%sql r\nSELECT 1' }
    ],
    kernel
  );
  assert.deepEqual(plan, [
    { op: 'register', args: { cell_id: 'md', code: 'Total: {total:.2f}' } },
    { op: 'register', args: { cell_id: 'to-md', cell_type: 'markdown', code: 'x = 1' } },
    { op: 'register', args: { cell_id: 'from-md', cell_type: 'python', code: 'y = 2' } },
    {
      op: 'register',
      args: { cell_id: 'to-sql', cell_type: 'sql', code: 'SELECT 1', name: 'r' }
    }
  ]);
  assert.equal(kernel.get('to-md')?.type, 'markdown');
  assert.equal(kernel.get('from-md')?.type, 'python');
  assert.deepEqual(planRegistrations([{ id: 'to-md', source: 'x = 1', type: 'markdown' }], kernel), []);
});
