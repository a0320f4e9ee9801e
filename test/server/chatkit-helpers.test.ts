// The helpers beyond what the replay exercises: widget diffs that must fail, iterables of every kind,
// annotations, workflow bounds, the ids they make and the ids you give them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addWorkflowTask,
  clientToolCall,
  diffWidget,
  endWorkflow,
  hiddenContext,
  streamAssistantMessage,
  streamWidget,
  updateWorkflowTask,
  workflowItem,
} from '../../src/server/index.js';
import type { ThreadMetadata, ThreadStreamEvent, WidgetRoot } from '../../src/server/index.js';

const thread: ThreadMetadata = { id: 'thr_1', created_at: '2026-01-01T00:00:00.000Z', status: { type: 'active' }, metadata: {} };
const card = (...children: object[]): WidgetRoot => ({ type: 'Card', children });

async function all<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('diffWidget', () => {
  test('appends to Text/Markdown with an id are deltas, done when not streaming; other changes replace the root', () => {
    const before = card({ type: 'Text', id: 'a', value: 'x', streaming: true }, { type: 'Markdown', id: 'b', value: '' });
    assert.deepEqual(diffWidget(before, card({ type: 'Text', id: 'a', value: 'xy', streaming: true }, { type: 'Markdown', id: 'b', value: 'z' })), [
      { type: 'widget.streaming_text.value_delta', component_id: 'a', delta: 'y', done: false },
      { type: 'widget.streaming_text.value_delta', component_id: 'b', delta: 'z', done: true },
    ]);
    const after = card({ type: 'Text', id: 'a', value: 'x', streaming: false }, { type: 'Markdown', id: 'b', value: '' });
    assert.deepEqual(diffWidget(before, after), [{ type: 'widget.root.updated', widget: after }]);
    const nested = card({ type: 'Button', label: 'Go', onClickAction: { type: 'go', payload: { n: 1 } } });
    assert.deepEqual(diffWidget(nested, card({ type: 'Button', label: 'Go', onClickAction: { type: 'go', payload: { n: 1 } } })), []);
    const changed = card({ type: 'Button', label: 'Go', onClickAction: { type: 'go', payload: { n: 2 } } });
    assert.deepEqual(diffWidget(nested, changed), [{ type: 'widget.root.updated', widget: changed }]);
    assert.deepEqual(diffWidget(card({ type: 'Text', value: 'a' }), card({ type: 'Text', value: 'ab' })), [], 'an id-less append says nothing');
  });

  test('a value that does not extend the old one, or a component that comes or goes: the whole root', () => {
    const before = card({ type: 'Text', id: 'a', value: 'abc' });
    const rewritten = card({ type: 'Text', id: 'a', value: 'xyz' });
    assert.deepEqual(diffWidget(before, rewritten), [{ type: 'widget.root.updated', widget: rewritten }]);
    const grown = card({ type: 'Text', id: 'a', value: 'abc' }, { type: 'Text', id: 'new', value: '' });
    assert.deepEqual(diffWidget(before, grown), [{ type: 'widget.root.updated', widget: grown }]);
    const renamed = card({ type: 'Text', id: 'b', value: 'abc' });
    assert.deepEqual(diffWidget(before, renamed), [{ type: 'widget.root.updated', widget: renamed }]);
  });
});

describe('streamWidget and streamAssistantMessage', () => {
  test('a widget from a plain iterable of roots; an empty iterable is an error', async () => {
    const roots = [card({ type: 'Text', id: 't', value: '' }), card({ type: 'Text', id: 't', value: 'hi' })];
    const events = await all(streamWidget(thread, roots, { id: 'msg_w', copyText: 'hi' }));
    assert.deepEqual(
      events.map(event => event.type),
      ['thread.item.added', 'thread.item.updated', 'thread.item.done'],
    );
    assert.deepEqual((events[2] as { item: unknown }).item, { id: 'msg_w', thread_id: 'thr_1', created_at: (events[2] as { item: { created_at: string } }).item.created_at, type: 'widget', widget: roots[1], copy_text: 'hi' });
    await assert.rejects(all(streamWidget(thread, [])), /no widget/);
  });

  test('deltas with annotations; empty deltas send nothing; the finished item is returned', async () => {
    const source = { type: 'annotation' as const, source: { title: 'T', type: 'url' as const, url: 'https://x.test' }, index: 2 };
    const generator = streamAssistantMessage(thread, ['Hi', '', { delta: ' there', annotations: [source] }], { generateId: type => `${type}-1` });
    const events: ThreadStreamEvent[] = [];
    let next = await generator.next();
    while (!next.done) {
      events.push(next.value);
      next = await generator.next();
    }
    assert.deepEqual(
      events.map(event => (event.type === 'thread.item.updated' ? event.update.type : event.type)),
      [
        'thread.item.added',
        'assistant_message.content_part.added',
        'assistant_message.content_part.text_delta',
        'assistant_message.content_part.text_delta',
        'assistant_message.content_part.annotation_added',
        'assistant_message.content_part.done',
        'thread.item.done',
      ],
    );
    assert.equal(next.value.id, 'message-1');
    assert.deepEqual(next.value.content, [{ annotations: [source], text: 'Hi there', type: 'output_text' }]);
    // the added event's item is not the finished one (it was sent empty)
    assert.deepEqual((events[0] as { item: { content: unknown[] } }).item.content, []);
  });
});

describe('workflows, tool calls, hidden context', () => {
  test('tasks added and updated in place; a task index out of range throws; endWorkflow collapses it', () => {
    const item = workflowItem(thread);
    assert.match(item.id, /^wf_[0-9a-f]{16}$/);
    assert.deepEqual(addWorkflowTask(item, { status_indicator: 'loading', type: 'custom', title: 'A' }).update, {
      type: 'workflow.task.added',
      task_index: 0,
      task: { status_indicator: 'loading', type: 'custom', title: 'A' },
    });
    updateWorkflowTask(item, 0, { status_indicator: 'complete', type: 'custom', title: 'A' });
    assert.throws(() => updateWorkflowTask(item, 1, { status_indicator: 'none', type: 'image' }), RangeError);
    const done = endWorkflow(item, { summary: { title: 'Done' }, expanded: true });
    assert.deepEqual(Object.keys((done.item as typeof item).workflow), ['type', 'tasks', 'summary', 'expanded']);
    assert.equal((done.item as typeof item).workflow.tasks[0]!.status_indicator, 'complete');
  });

  test('a client tool call is pending, with a call id of its own unless given; hidden context is an item of its own', () => {
    const call = clientToolCall(thread, { name: 'get_selection', arguments: { n: 1 } });
    assert.equal(call.item.status, 'pending');
    assert.match(call.item.id, /^tc_[0-9a-f]{16}$/);
    assert.match(call.item.call_id, /^call_[0-9a-f]{16}$/);
    assert.equal(clientToolCall(thread, { name: 'x', arguments: {}, callId: 'mine' }).item.call_id, 'mine');
    const hidden = hiddenContext(thread, { plan: 'pro' }, { id: 'msg_h', createdAt: '2026-01-02T00:00:00.000Z' });
    assert.deepEqual(hidden.item, { id: 'msg_h', thread_id: 'thr_1', created_at: '2026-01-02T00:00:00.000Z', type: 'hidden_context_item', content: { plan: 'pro' } });
  });
});
