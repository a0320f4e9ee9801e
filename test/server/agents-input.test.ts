// toAgentInput / ThreadItemConverter: every thread item type as the agent's input (chatkit-python's
// ThreadItemConverter as the reference), attachments read through `readAttachment`, a method
// overridden; and the converted input accepted by the Responses API stand-in through the real SDK.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent } from '@openai/agents';
import type { AgentInputItem } from '@openai/agents';
import type { Attachment, ThreadItem, UserMessageTagContent } from '../../src/server/chatkit/index.js';
import { ThreadItemConverter, toAgentInput } from '../../src/server/agents/index.js';
import type { UserInputContent } from '../../src/server/agents/index.js';
import { standInRunner } from './agents-harness.js';
import { startResponsesStandIn } from './responses-stand-in.js';
import type { ResponsesStandIn } from './responses-stand-in.js';

const base = { thread_id: 'thr_1', created_at: '2026-12-03T07:00:00.000Z' };
const image: Attachment = { id: 'atc_img', type: 'image', name: 'cat.png', mime_type: 'image/png', preview_url: 'https://files.example/cat.png' };
const pdf: Attachment = { id: 'atc_pdf', type: 'file', name: 'report.pdf', mime_type: 'application/pdf' };
const tag: UserMessageTagContent = { type: 'input_tag', id: 'ent_1', text: 'Ada', data: { team: 'math' }, interactive: false };

const thread: ThreadItem[] = [
  {
    ...base,
    id: 'msg_1',
    type: 'user_message',
    content: [{ type: 'input_text', text: 'Look at ' }, tag, { type: 'input_text', text: ' and ' }, tag],
    attachments: [image, pdf],
    inference_options: {},
  },
  { ...base, id: 'msg_2', type: 'assistant_message', content: [{ type: 'output_text', text: 'Seen.', annotations: [] }] },
  { ...base, id: 'msg_3', type: 'widget', widget: { type: 'Card', children: [{ type: 'Text', value: 'Hi' }] } },
  { ...base, id: 'tc_1', type: 'client_tool_call', status: 'completed', call_id: 'call_1', name: 'get_page_info', arguments: { fields: ['title'] }, output: { title: 'Docs' } },
  { ...base, id: 'tc_2', type: 'client_tool_call', status: 'pending', call_id: 'call_2', name: 'get_page_info', arguments: {} },
  { ...base, id: 'tsk_1', type: 'task', task: { type: 'custom', status_indicator: 'complete', title: 'Saved', content: 'the file' } },
  { ...base, id: 'tsk_2', type: 'task', task: { type: 'thought', status_indicator: 'none', content: 'private' } },
  {
    ...base,
    id: 'wf_1',
    type: 'workflow',
    workflow: { type: 'custom', expanded: false, tasks: [{ type: 'custom', status_indicator: 'none', title: 'Step one' }, { type: 'thought', status_indicator: 'none', content: 'hmm' }] },
  },
  {
    ...base,
    id: 'msg_4',
    type: 'structured_input',
    status: 'answered',
    inputs: [
      { id: 'q1', type: 'freeform', question: 'Why?', answer: { values: ['Because'], skipped: false } },
      { id: 'q2', type: 'multiple_choice', question: 'Which?', options: [{ value: 'A' }], multiple: false, answer: { values: [], skipped: true } },
    ],
  },
  { ...base, id: 'hid_1', type: 'hidden_context_item', content: { plan: 'pro' } },
  { ...base, id: 'shcx_1', type: 'sdk_hidden_context', content: 'The user cancelled the stream. Stop responding to the prior request.' },
  { ...base, id: 'img_1', type: 'generated_image', image: { id: 'ig_1', url: 'https://files.example/gen.png' } },
  { ...base, id: 'eot_1', type: 'end_of_turn' },
  { ...base, id: 'msg_5', type: 'user_message', content: [{ type: 'input_text', text: 'And this?' }], attachments: [], quoted_text: 'Seen.', inference_options: {} },
];

const bytes = new Map([
  ['atc_img', new Uint8Array([137, 80, 78, 71])],
  ['atc_pdf', new TextEncoder().encode('%PDF-1.7')],
]);
const readAttachment = async (attachment: Attachment) => bytes.get(attachment.id)!;
const userText = (text: string) => ({ role: 'user', content: [{ type: 'input_text', text }] });
const hidden = (text: string) => userText(`Hidden context for the agent (not shown to the user):\n<HiddenContext>\n${text}\n</HiddenContext>`);
const taskNote = (text: string) => userText(`A message was displayed to the user that the following task was performed:\n<Task>\n${text}\n</Task>`);

describe('toAgentInput', () => {
  test('every item type, as chatkit-python converts it', async () => {
    const input = await new ThreadItemConverter({ readAttachment }).toAgentInput(thread);
    assert.deepEqual(input, [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'Look at @Ada and @Ada' },
          { type: 'input_image', image: 'data:image/png;base64,iVBORw==', detail: 'auto' },
          { type: 'input_file', file: `data:application/pdf;base64,${btoa('%PDF-1.7')}`, filename: 'report.pdf' },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'input_text',
            text: "# User-provided context for @-mentions\n- When referencing resolved entities, use their canonical names **without** '@'.\n- The '@' form appears only in user text and should not be echoed.",
          },
          { type: 'input_text', text: '<Tag id="ent_1" text="Ada">{"team":"math"}</Tag>' },
        ],
      },
      { role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Seen.' }] },
      userText('The following graphical UI widget (id: msg_3) was displayed to the user:{"type":"Card","children":[{"type":"Text","value":"Hi"}]}'),
      { type: 'function_call', callId: 'call_1', name: 'get_page_info', arguments: '{"fields":["title"]}', status: 'completed' },
      { type: 'function_call_result', callId: 'call_1', name: 'get_page_info', status: 'completed', output: '{"title":"Docs"}' },
      taskNote('Saved: the file'),
      taskNote('Step one'),
      userText('A structured input request was displayed to the user with the following status: answered\n<StructuredInput>\n- Why?: Because\n- Which?: skipped\n</StructuredInput>'),
      hidden('{"plan":"pro"}'),
      hidden('The user cancelled the stream. Stop responding to the prior request.'),
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'The following image was generated by the agent.' },
          { type: 'input_image', image: 'https://files.example/gen.png', detail: 'auto' },
        ],
      },
      { role: 'user', content: [{ type: 'input_text', text: 'And this?' }] },
      userText('The user is referring to this in particular: \nSeen.'),
    ]);
  });

  test('an attachment without readAttachment is a clear error, not a silent drop', async () => {
    await assert.rejects(toAgentInput(thread[0]!), /readAttachment/);
  });

  test('readAttachment may answer the type the store checked, which wins over the declared one', async () => {
    const checked = new ThreadItemConverter({ readAttachment: async () => ({ data: new Uint8Array([1, 2, 3]), mimeType: 'image/webp' }) });
    const [message] = await checked.toAgentInput({ ...(thread[0] as Extract<ThreadItem, { type: 'user_message' }>), content: [{ type: 'input_text', text: 'x' }], attachments: [image] });
    assert.deepEqual((message as { content: unknown[] }).content[1], { type: 'input_image', image: 'data:image/webp;base64,AQID', detail: 'auto' });
  });

  test('one item type overridden, the rest as before', async () => {
    class Tags extends ThreadItemConverter {
      override async tagToMessageContent(tag: UserMessageTagContent): Promise<UserInputContent> {
        return { type: 'input_text', text: `${tag.text} is in ${String(tag.data.team)}` };
      }
    }
    const input = await new Tags({ readAttachment }).toAgentInput(thread.slice(0, 2));
    assert.deepEqual((input[1] as { content: { text: string }[] }).content[1], { type: 'input_text', text: 'Ada is in math' });
    assert.equal(input.length, 3);
  });
});

describe('the converted thread, sent by the SDK', () => {
  let standIn: ResponsesStandIn;
  before(async () => (standIn = await startResponsesStandIn()));
  after(() => standIn.close());

  test('the Responses API accepts it (the client tool call with its output, no item ids it never stored)', async () => {
    const input: AgentInputItem[] = await new ThreadItemConverter({ readAttachment }).toAgentInput(thread);
    const result = await standInRunner(standIn.url).run(new Agent({ name: 'a', model: 'gpt-4.1-mini', modelSettings: { store: false } }), input);
    assert.equal(result.finalOutput, 'Hello.');
    const sent = standIn.requests[0]!;
    assert.equal(sent.status, 200);
    const types = (sent.body.input as { type?: string; role?: string }[]).map(item => item.type ?? item.role);
    assert.ok(types.includes('function_call') && types.includes('function_call_output'), types.join());
  });
});
