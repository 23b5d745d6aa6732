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

export function renderTemplate(template: string, scope: TemplateScope): Rendered {
  const missing: string[] = [];
  const rendered = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = lookupVariable(name, scope);
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return '';
    }
    return value;
  });
  return { text: rendered.slice(0, MAX_RENDERED_CHARS), missing };
}

/** A variable's value as templates and branch conditions see it; undefined when it is not set. */
export function lookupVariable(name: string, scope: TemplateScope): string | undefined {
  if (name === 'user.id') return String(scope.userID);
  if (name === 'channel.id') return scope.channelID;
  return Object.prototype.hasOwnProperty.call(scope.variables, name) ? scope.variables[name] : undefined;
}
