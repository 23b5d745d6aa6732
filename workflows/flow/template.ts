/** Variables a template can read besides the flow's own: {{user.id}} and {{channel.id}}. */
export interface TemplateScope {
  variables: Record<string, string>;
  userID: number;
  channelID: string;
}

export interface Rendered {
  text: string;
  /** Names that had no value; rendered as empty and reported in the transcript. */
  missing: string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,64})\s*\}\}/g;

/** Rendered texts and variables are cut here, so no flow can grow a session's state without bound. */
export const MAX_RENDERED_CHARS = 4_096;

/** `encode` is applied to each value filled in (a URL's are percent-encoded), not to the template's own text. */
export function renderTemplate(template: string, scope: TemplateScope, encode: (value: string) => string = (value) => value): Rendered {
  const missing: string[] = [];
  const rendered = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = lookupVariable(name, scope);
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return '';
    }
    return encode(value);
  });
  return { text: rendered.slice(0, MAX_RENDERED_CHARS), missing };
}

/**
 * The literal start of a URL template, up to its first placeholder. Values are percent-encoded, so none can add
 * a path segment, a parameter or a fragment; a value of ".." can still climb a path segment, which is why the
 * rendered URL must still begin with this prefix (activities/http-call.ts checks it).
 */
export function urlTemplatePrefix(template: string): string {
  const at = template.indexOf('{{');
  return at < 0 ? template : template.slice(0, at);
}

/** A variable's value as templates and branch conditions see it; undefined when it is not set. */
export function lookupVariable(name: string, scope: TemplateScope): string | undefined {
  if (name === 'user.id') return String(scope.userID);
  if (name === 'channel.id') return scope.channelID;
  return Object.prototype.hasOwnProperty.call(scope.variables, name) ? scope.variables[name] : undefined;
}
