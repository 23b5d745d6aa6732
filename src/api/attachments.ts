import { Router } from 'express';
import { findAttachment } from '../services/messages/attachments';
import { NotFound } from '../errors';

const INLINE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'audio/mpeg', 'video/mp4']);

/** GET /v1/attachments/:id: an uploaded file, for anyone holding its unguessable URL. */
export function attachmentsRouter(): Router {
  return Router().get('/v1/attachments/:id', async (req, res) => {
    const file = await findAttachment(req.params.id);
    if (!file) throw new NotFound('attachment_not_found', 'no such attachment');
    res.setHeader('content-type', file.mime === 'text/plain' ? 'text/plain; charset=utf-8' : file.mime);
    res.setHeader('content-length', String(file.length));
    // Media shows in place; documents download, so nothing uploaded runs in this origin.
    res.setHeader('content-disposition', `${INLINE.has(file.mime) ? 'inline' : 'attachment'}; filename="${file.filename}"`);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', "default-src 'none'; sandbox");
    res.setHeader('cache-control', 'private, max-age=86400, immutable');
    const stream = file.open();
    stream.once('error', (err) => res.destroy(err));
    stream.pipe(res);
  });
}
