// The chat panel against the real local cloud: a flow with a chat trigger and an agent whose
// model is an OpenAI-compatible stand-in on loopback (this test's own HTTP server speaking
// the Chat Completions wire format, streamed). A message sent from the panel streams the
// answer into the conversation, and the run lights the canvas's nodes as a toolbar run does.
// The project, flow and secret are set up through the API; the chat goes through the editor.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { launch, watchConsole } from './browser.mjs';
import { createProject, signInForApi, startCloud } from './cloud.mjs';

const shots = new URL('../test-results/chat/', import.meta.url).pathname;
let cloud;
let browser;
let model;
const requests = [];

/** An OpenAI Chat Completions stand-in that streams one fixed answer. */
function startModel() {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(body || '{}') });
      const chunk = (delta, finish) => ({
        id: 'chatcmpl-e2e',
        object: 'chat.completion.chunk',
        created: 1764000000,
        model: 'gpt-e2e',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        usage: null,
      });
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      const send = (v) => res.write(`data: ${JSON.stringify(v)}\n\n`);
      send(chunk({ role: 'assistant', content: '' }, null));
      for (const piece of ['Your', ' order', ' ships', ' today.']) send(chunk({ content: piece }, null));
      send(chunk({}, 'stop'));
      send({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1764000000, model: 'gpt-e2e', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } });
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  await mkdir(shots, { recursive: true });
  model = await startModel();
  cloud = await startCloud();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await cloud?.stop();
  model?.close();
});

test('a chat message streams its answer and lights the flow on the canvas', async (t) => {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 880 } })).newPage();
  const errors = watchConsole(page);
  try {
    const api = await signInForApi(page, cloud, 'chat@example.com');
    const { project, base } = await createProject(api, 'Chat');
    // the stand-in is on loopback: the project (an admin's switch) and the model node allow it
    await api('PATCH', base, { allow_private_network: true });
    await api('PUT', `${base}/secrets/OPENAI_API_KEY/stages/mock`, { value: 'sk-e2e-secret' });
    const node = (id, type, x, y, values) => ({ id, handle: id, type, position: { x, y }, values });
    const link = (from, fp, to, tp) => ({ from: { node: from, port: fp }, to: { node: to, port: tp } });
    const document = {
      schema: 'polysynergy/flow@1',
      nodes: [
        node('chat', 'ai.chat_trigger', 0, 0, {}),
        node('llm', 'ai.openai', 0, 220, {
          api_key: '<secret:OPENAI_API_KEY>',
          model: 'gpt-e2e',
          base_url: `http://127.0.0.1:${model.address().port}/v1`,
          allow_private_network: true,
          max_retries: 0,
        }),
        node('agent', 'ai.agent', 320, 0, { instructions: 'Answer shortly.', prompt: '{{ chat.message }}', max_steps: 2 }),
        node('reply', 'control.exit', 640, 0, { value: '{{ agent.answer }}' }),
      ],
      connections: [link('chat', 'true_path', 'agent', 'node'), link('llm', 'model', 'agent', 'model'), link('agent', 'true_path', 'reply', 'node')],
    };
    const flow = await api('POST', `${base}/flows`, { kind: 'blueprint', name: 'support', document });
    await page.goto(`${cloud.url}/p/${project}/f/${flow.id}`);
    await page.locator('[data-handle="agent"]').waitFor();

    await page.getByRole('button', { name: 'Chat' }).click();
    const panel = page.getByRole('complementary', { name: 'Chat' });
    await panel.getByRole('textbox', { name: 'Message' }).fill('Where is my order?');
    await panel.getByRole('button', { name: 'Send' }).click();
    await panel.getByRole('listitem', { name: 'Assistant' }).filter({ hasText: 'Your order ships today.' }).waitFor({ timeout: 20000 });
    // the chat's run shows on the canvas: every node that ran is marked a success
    for (const h of ['chat', 'llm', 'agent', 'reply']) await page.locator(`[data-handle="${h}"].ps-run-success`).waitFor({ timeout: 10000 });
    await page.screenshot({ path: `${shots}chat-lit-canvas.png` });

    assert.equal(requests.length, 1, 'one model call');
    assert.equal(requests[0].auth, 'Bearer sk-e2e-secret', 'the key comes from the stage secret');
    assert.equal(requests[0].body.stream, true, 'the answer is streamed');
    assert.ok(JSON.stringify(requests[0].body.messages).includes('Where is my order?'), JSON.stringify(requests[0].body));
    const page1 = await api('GET', `${base}/flows/${flow.id}/runs`);
    assert.equal(page1.items.length, 1, JSON.stringify(page1));
    assert.equal(page1.items[0].status, 'success');
    assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  } catch (e) {
    await page.screenshot({ path: `${shots}failure.png` }).catch(() => {});
    t.diagnostic(cloud.log());
    throw e;
  }
});
