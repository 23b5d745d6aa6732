import assert from 'node:assert/strict';
import { MAX_RENDERED_CHARS, renderTemplate } from '../../workflows/flow/template';

const scope = { variables: { dish: 'Pizza', n: '2' }, userID: 7, channelID: 'chan-1' };

describe('templates', () => {
  it('fills variables, user.id and channel.id, with or without spaces in the braces', () => {
    const rendered = renderTemplate('{{n}} x {{ dish }} for user {{user.id}} on {{channel.id}}', scope);
    assert.deepEqual(rendered, { text: '2 x Pizza for user 7 on chan-1', missing: [] });
  });

  it('renders a missing variable as empty and reports it once', () => {
    const rendered = renderTemplate('Hi {{name}}, {{name}}! {{dish}}', scope);
    assert.deepEqual(rendered, { text: 'Hi , ! Pizza', missing: ['name'] });
  });

  it('does not read inherited object properties as variables', () => {
    assert.deepEqual(renderTemplate('{{constructor}}', scope), { text: '', missing: ['constructor'] });
  });

  it(`cuts a rendered text at ${MAX_RENDERED_CHARS} characters, so variables cannot grow without bound`, () => {
    const big = { ...scope, variables: { a: 'x'.repeat(3_000) } };
    assert.equal(renderTemplate('{{a}}{{a}}{{a}}', big).text.length, MAX_RENDERED_CHARS);
  });

  it('leaves text without placeholders alone', () => {
    assert.deepEqual(renderTemplate('{ not a {{ placeholder', scope), { text: '{ not a {{ placeholder', missing: [] });
  });
});
