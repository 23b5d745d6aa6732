import assert from 'node:assert/strict';
import { codecSessionValid, isCodecOperator, mintCodecSession } from '../../src/security/codec-auth';

describe('codec endpoint credentials', () => {
  const token = 'x'.repeat(40);

  it('takes the token as a Bearer, or a session cookie minted from it, and nothing else', () => {
    assert.equal(isCodecOperator(token, `Bearer ${token}`, undefined), true);
    assert.equal(isCodecOperator(token, `Bearer ${token}y`, undefined), false);
    assert.equal(isCodecOperator(token, undefined, `a=b; parley_codec_session=${mintCodecSession(token)}`), true);
    assert.equal(isCodecOperator(token, undefined, `parley_codec_session=${mintCodecSession('y'.repeat(40))}`), false);
    assert.equal(isCodecOperator(token, undefined, `parley_codec_session=${token}`), false, 'the token is not a session');
    assert.equal(isCodecOperator(undefined, 'Bearer ', undefined), false, 'no token configured: nobody');
  });

  it('ends a session after 8 hours', () => {
    const session = mintCodecSession(token, Date.now() - 8 * 3600_000 - 1);
    assert.equal(codecSessionValid(token, session), false);
    assert.equal(codecSessionValid(token, mintCodecSession(token, Date.now() - 7 * 3600_000)), true);
  });
});
