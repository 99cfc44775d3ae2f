// --stacks as every command reads it: a comma-separated list (a comma inside a layer's parentheses
// belongs to the layer), each spec parsed; a bad one is an OptionError naming the layer and what may
// stand in its place.

import { StackSpecError, stackList, stackShape } from '../stacks/spec.js';
import { OptionError } from './args.js';

export function stacksOption(text: string): string[] {
  const stacks = stackList(text);
  if (stacks.length === 0) throw new OptionError('--stacks names no stack');
  for (const spec of stacks) {
    try {
      stackShape(spec); // parsed once here, kept for every later question about the stack
    } catch (err) {
      if (err instanceof StackSpecError) throw new OptionError(`--stacks: ${err.message}`);
      throw err;
    }
  }
  return stacks;
}
