/**
 * The extension's pure parts: the dependency walk, the move planner and the
 * kernel-state reducer. Run with `npm test` (node's own test runner).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dependencies, IKernelCell, isSummary, planMoves } from '../src/protocol';
import { KernelState } from '../src/state';

function cell(id: string, parents: string[], reads: string[] = [], writes: string[] = []): IKernelCell {
  return { id, type: 'python', code: '', reads, writes, parents, status: 'success', execution_count: 1, error: null };
}

test('dependencies: ancestors and descendants, transitively, from parents', () => {
  const cells = [cell('a', []), cell('b', ['a']), cell('c', ['b']), cell('d', ['a']), cell('e', [])];
  const b = dependencies(cells, 'b');
  assert.deepEqual([...b.ancestors].sort(), ['a']);
  assert.deepEqual([...b.descendants].sort(), ['c']);
  const a = dependencies(cells, 'a');
  assert.deepEqual([...a.descendants].sort(), ['b', 'c', 'd']);
  assert.deepEqual([...dependencies(cells, 'e').ancestors], []);
  assert.deepEqual([...dependencies(cells, 'unknown').ancestors], []);
});

test('dependencies: reads and writes are never used (the kernel owns the graph)', () => {
  // `b` reads `len`, which `a` shadows: only the kernel knows the edge; and `c`
  // writes `x` as `a` does (blocked), which links nothing the kernel did not say.
  const cells = [
    cell('a', [], [], ['len', 'x']),
    cell('b', ['a'], ['q'], []),
    cell('c', [], ['len'], ['x'])
  ];
  assert.deepEqual([...dependencies(cells, 'a').descendants], ['b']);
  assert.deepEqual([...dependencies(cells, 'c').ancestors], []);
  // a cell object without `parents` (an older kernel) has no edges rather than guessed ones
  const old = [{ ...cell('z', []), parents: undefined }, cell('y', [], ['z'], [])];
  assert.deepEqual([...dependencies(old, 'y').ancestors], []);
});

test('dependencies: a cycle terminates and excludes the cell itself', () => {
  const cells = [cell('x', ['y']), cell('y', ['x'])];
  const x = dependencies(cells, 'x');
  assert.deepEqual([...x.ancestors], ['y']);
  assert.deepEqual([...x.descendants], ['y']);
});

function applyMoves(order: string[], moves: ReturnType<typeof planMoves>): string[] {
  let result = [...order];
  for (const move of moves) {
    result = result.filter(id => id !== move.cell_id);
    result.splice(move.after === '^' ? 0 : result.indexOf(move.after) + 1, 0, move.cell_id);
  }
  return result;
}

test('planMoves: none when in order; one for a single moved cell', () => {
  assert.deepEqual(planMoves(['a', 'b', 'c'], ['a', 'b', 'c']), []);
  assert.deepEqual(planMoves(['a', 'b', 'c'], ['b', 'c', 'a']), [{ cell_id: 'a', after: 'c' }]);
  assert.deepEqual(planMoves(['a', 'b', 'c'], ['c', 'a', 'b']), [{ cell_id: 'c', after: '^' }]);
  // cells only one side has are left alone
  assert.deepEqual(planMoves(['a', 'k', 'b'], ['b', 'new', 'a']).length, 1);
});

test('planMoves: random orders come out right with the fewest moves', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(random() * 12);
    const ids = Array.from({ length: n }, (_, i) => `c${i}`);
    const notebook = [...ids].sort(() => random() - 0.5);
    const moves = planMoves(ids, notebook);
    const after = applyMoves(ids, moves);
    assert.deepEqual(after, notebook);
    // fewest: n minus the longest run already in order
    const pos = notebook.map(id => ids.indexOf(id));
    const lis: number[] = [];
    for (const p of pos) {
      const i = lis.findIndex(v => v >= p);
      if (i < 0) lis.push(p);
      else lis[i] = p;
    }
    assert.equal(moves.length, n - lis.length);
  }
});

test('isSummary reads metadata.reactive.summary', () => {
  assert.equal(isSummary({ reactive: { summary: true } }), true);
  assert.equal(isSummary({ reactive: { summary: 'yes' } }), false);
  assert.equal(isSummary({}), false);
  assert.equal(isSummary(undefined), false);
});

test('KernelState: a cascade queues its plan, counts progress, reports counts', () => {
  const state = new KernelState();
  state.load({ cells: [cell('a', [], ['a']), cell('b', ['a'], ['b'])], protocol: 1 });
  const started = state.apply({ event: 'cascade_started', cascade_id: 'k', plan: ['a', 'b'] });
  assert.equal(state.status('b')?.status, 'queued');
  assert.equal(state.planned('b'), true);
  assert.deepEqual([...started.cells].sort(), ['a', 'b']);
  state.apply({ event: 'cell_status', cell_id: 'a', status: 'running', cascade_id: 'k', index: 0, total: 2 });
  assert.equal(state.cascade?.current, 'a');
  const done = state.apply({
    event: 'cell_status', cell_id: 'a', status: 'success', execution_count: 7, error: null,
    cascade_id: 'k', index: 0, total: 2
  });
  assert.equal(done.counts.get('a'), 7);
  assert.equal(state.cascade?.done, 1);
  assert.equal(state.planned('a'), false);
  state.apply({
    event: 'cell_status', cell_id: 'b', status: 'error', execution_count: 3,
    error: { ename: 'UpstreamError', evalue: '' }, cascade_id: 'k', index: 1, total: 2
  });
  const finished = state.apply({
    event: 'cascade_finished', cascade_id: 'k', ran: 1, succeeded: 1, failed: 1, skipped: 1, duration_ms: 3
  });
  assert.equal(finished.progress, true);
  assert.equal(state.cascade?.finished, true);
  assert.equal(state.cascade?.failed, 1);
  assert.equal(state.status('b')?.error?.ename, 'UpstreamError');
});

test('KernelState: a batched cell_statuses event applies every change in order', () => {
  const state = new KernelState();
  state.load({ cells: [cell('a', [], ['a']), cell('b', ['a'], ['b'])], protocol: 1 });
  state.apply({ event: 'cascade_started', cascade_id: 'k', plan: ['a', 'b'] });
  const change = state.apply({
    event: 'cell_statuses', cascade_id: 'k', total: 2,
    statuses: [
      { cell_id: 'a', status: 'running', execution_count: null, error: null, index: 0 },
      { cell_id: 'a', status: 'success', execution_count: 7, error: null, index: 0 },
      { cell_id: 'b', status: 'running', execution_count: null, error: null, index: 1 }
    ]
  });
  assert.equal(change.progress, true);
  assert.equal(change.counts.get('a'), 7);
  assert.equal(state.status('a')?.status, 'success');
  assert.equal(state.status('b')?.status, 'running');
  assert.equal(state.cascade?.current, 'b');
  assert.equal(state.cascade?.done, 1);
  assert.equal(state.planned('a'), false);
  assert.equal(state.planned('b'), true);
});

test('KernelState: created, moved and deleted cells keep the kernel order', () => {
  const state = new KernelState();
  state.load({ cells: [cell('a', [], ['a'])], protocol: 1 });
  const created = state.apply({ event: 'cell_created', cell: cell('b', ['a'], []), index: 0, statuses: [] });
  assert.equal(created.created, true);
  assert.deepEqual(state.order, ['b', 'a']);
  state.apply({ event: 'cell_moved', cell_id: 'b', index: 1 });
  assert.deepEqual(state.order, ['a', 'b']);
  const deleted = state.apply({
    event: 'cell_deleted', cell_id: 'a',
    statuses: [{ cell_id: 'b', status: 'stale', execution_count: 1, error: null }]
  });
  assert.deepEqual(deleted.deleted, ['a']);
  assert.equal(state.has('a'), false);
  assert.equal(state.status('b')?.status, 'stale');
  state.move({ cell_id: 'b', after: '^' });
  assert.deepEqual(state.order, ['b']);
});

test('KernelState: diagnostics come with cells and statuses and survive cascades', () => {
  const state = new KernelState();
  const warning = { code: 'mutates-foreign', message: 'This cell mutates a, which cell a defines', names: ['a'] };
  state.load({ cells: [cell('a', [], ['a']), { ...cell('m', ['a'], []), diagnostics: [warning] }], protocol: 2 });
  assert.deepEqual(state.status('m')?.diagnostics, [warning]);
  assert.deepEqual(state.status('a')?.diagnostics, []);
  state.apply({
    event: 'cell_status', cell_id: 'm', status: 'success', execution_count: 2, error: null,
    cascade_id: 'k', index: 0, total: 1
  });
  assert.deepEqual(state.status('m')?.diagnostics, [warning]); // a status event keeps them
  const updated = state.apply({
    event: 'cell_updated', cell: cell('a', [], ['b']),
    statuses: [{ cell_id: 'm', status: 'stale', execution_count: 2, error: null, diagnostics: [] }]
  });
  assert.equal(updated.cells.has('m'), true);
  assert.deepEqual(state.status('m')?.diagnostics, []);
});
