// Relative import of a scenario: must be bundled in, with its types stripped.
export interface Greeting {
  text: string;
}

export function greeting(who: string): Greeting {
  return { text: `hello ${who}` };
}

export function explode(): never {
  throw new Error('boom at import time');
}
